"""Spec of exercise 01_access_control: get_document, update_document, resolve_upload.

Corpus entries are strings (the hidden corpus is JSON text): a document access is
written ``"<user id>:<role>:<document id>"`` (role ``<none>`` means None), a forbidden
field is its name, and an upload is the file name the user sends.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seclab.outcomes import NotPlainError, to_plain
from seclab.spec import Case, Expectation, Part, raises, returns, satisfies
from seclab.topics.access_control import attacks
from seclab.topics.access_control.targets import DOCUMENT_FIELDS, DOCUMENTS, make_documents_db, make_upload_tree

PARTS = {
    part.name: part
    for part in [
        Part("get_document.works", "get_document", "get_document returns the owner's (or, for an admin, any) document"),
        Part("get_document.idor", "get_document",
             "get_document refuses other users' documents (no IDOR, deny by default)"),
        Part("update_document.works", "update_document", "update_document changes title and body for the owner or an admin"),
        Part("update_document.access", "update_document",
             "update_document refuses other users' documents and every field but title and body, writing nothing"),
        Part("resolve_upload.works", "resolve_upload", "resolve_upload finds files inside the uploads folder"),
        Part("resolve_upload.traversal", "resolve_upload",
             "resolve_upload refuses names that resolve outside the uploads folder"),
    ]
}

HINTS = {
    "read": 'Return a dict with exactly the keys "id", "owner_id", "title" and "body"; raise LookupError when '
            "there is no such document.",
    "idor": "Filter by owner in the query itself: WHERE id = ? AND owner_id = ? with current_user['id'], unless "
            "the role is \"admin\"; raise LookupError when no row comes back, the same error as for a missing id.",
    "deny-by-default": 'Only the exact role "admin" may see other users\' documents. Compare with == "admin"; '
                       "never grant access because a role is merely not \"user\".",
    "update": "For the owner (or an admin), write the new title/body, then return the whole updated document "
              "(id, owner_id, title, body); a missing document raises LookupError.",
    "foreign-update": "Look the document up with the same owner check as get_document before you write anything, "
                      "and raise LookupError when it is not the user's.",
    "mass-assignment": 'Check every key of changes against an allow-list {"title", "body"} before writing '
                       "anything, and raise ValueError for any other key (exact, case-sensitive names).",
    "path": "Return the path of the file inside base_dir (any files or sub-folders may be named, also ones that "
            "do not exist yet); a symlink that stays inside base_dir is fine.",
    "traversal": "Build (Path(base_dir) / filename).resolve() and require it to be inside Path(base_dir).resolve() "
                 "with is_relative_to(); a string prefix check is fooled by sibling folders like uploads-old.",
    "symlink": "resolve() follows symlinks; check the resolved path, not os.path.normpath() or abspath(), "
               "which only look at the text.",
    "bad-name": "Reject an empty name, '.', names containing a NUL byte, and anything that resolves to base_dir "
                "itself, with ValueError.",
}

_NONE_ROLE = "<none>"


# --- fixtures ---------------------------------------------------------------------------

def _docs_db() -> list[Any]:
    return [make_documents_db()]


_upload_trees: dict[str, Any] = {}


def _upload_base() -> Path:
    """One demo upload tree (with symlinks) per process, in a temporary folder."""
    base = _upload_trees.get("base")
    if base is None or not base.is_dir():
        scratch = tempfile.TemporaryDirectory(prefix="seclab-uploads-")
        _upload_trees["scratch"] = scratch  # removed when the process ends
        base = _upload_trees["base"] = make_upload_tree(scratch.name, symlinks=True)
    return Path(base)


FIXTURES: dict[str, Callable[[], list[Any]]] = {
    "docs_db": _docs_db,
    "upload_dir": lambda: [_upload_base()],
    "upload_dir_str": lambda: [str(_upload_base())],
}


# --- scenarios --------------------------------------------------------------------------

def _read_row(conn: sqlite3.Connection, doc_id: int) -> Any:
    try:
        row = conn.execute("SELECT id, owner_id, title, body FROM documents WHERE id = ?", (doc_id,)).fetchone()
    except sqlite3.Error:
        return "<the database could not be read afterwards>"
    return None if row is None else dict(zip(DOCUMENT_FIELDS, row, strict=True))


def _update_then_read(namespace: dict[str, Any], conn: sqlite3.Connection, current_user: dict[str, Any],
                      doc_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Call update_document, then read the row back from the same connection."""
    raised: list[str] | None = None
    value: Any = None
    try:
        value = namespace["update_document"](conn, current_user, doc_id, changes)
    except NotImplementedError:
        raise  # not written yet: check() says so
    except Exception as error:  # the learner's code may raise anything; it is part of the result
        raised = [klass.__name__ for klass in type(error).__mro__
                  if klass not in (Exception, BaseException, object)]
    try:
        value = to_plain(value)
    except NotPlainError:
        value = "<not plain data>"
    return {"raised": raised, "value": value, "row": _read_row(conn, doc_id)}


def _path_inside(namespace: dict[str, Any], base_dir: str | Path, filename: str) -> str:
    """Call resolve_upload and describe its result relative to base_dir (exceptions propagate)."""
    result = namespace["resolve_upload"](base_dir, filename)
    if not isinstance(result, (str, os.PathLike)):
        return f"<not a path: {type(result).__name__}>"
    text = os.fspath(result)
    if not isinstance(text, str) or "\x00" in text:
        return "<not a usable path>"
    base = Path(base_dir).resolve()
    resolved = Path(text).resolve()
    if resolved == base or not resolved.is_relative_to(base):
        return "<outside base_dir>"
    return resolved.relative_to(base).as_posix()


SCENARIOS: dict[str, Callable[..., Any]] = {
    "update_then_read": _update_then_read,
    "path_inside": _path_inside,
}


# --- expected results -------------------------------------------------------------------

def _document(doc_id: int) -> dict[str, Any] | None:
    row = next((row for row in DOCUMENTS if row[0] == doc_id), None)
    return None if row is None else dict(zip(DOCUMENT_FIELDS, row, strict=True))


def parse_access(text: str) -> tuple[dict[str, Any], int]:
    """``"1:user:3"`` -> ({"id": 1, "role": "user"}, 3)."""
    user_id, _, rest = text.partition(":")
    role, _, doc_id = rest.rpartition(":")
    return {"id": int(user_id), "role": None if role == _NONE_ROLE else role}, int(doc_id)


def access(user_id: int, role: str | None, doc_id: int) -> str:
    """The corpus spelling of one document access."""
    return f"{user_id}:{_NONE_ROLE if role is None else role}:{doc_id}"


def _update_ok(expected: dict[str, Any]) -> Expectation:
    def judge(result: Any) -> bool:
        return result["raised"] is None and result["value"] == expected and result["row"] == expected

    return satisfies(judge, f"return {expected!r} and store it")


def _refused(exception: str, row: dict[str, Any] | None) -> Expectation:
    def judge(result: Any) -> bool:
        return exception in (result["raised"] or ()) and result["row"] == row

    return satisfies(judge, f"raise {exception} and leave the document as it was")


def _expected_path(name: str) -> str:
    return {"link-in": "docs/readme.txt"}.get(name, os.path.normpath(name))


def cases(corpus: dict[str, list[str]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found: list[Case] = []

    def add(part: str, category: str, function: str, args: tuple[Any, ...], expect: Expectation,
            fixture: str | None = None, scenario: str | None = None) -> None:
        found.append(Case(part, category, function, args, expect, fixture, public, scenario))

    for text in corpus.get("allowed_reads", []):
        user, doc_id = parse_access(text)
        add("get_document.works", "read", "get_document", (user, doc_id), returns(_document(doc_id)), "docs_db")
    for text in corpus.get("foreign_reads", []):
        user, doc_id = parse_access(text)
        category = "idor" if user["role"] == "user" else "deny-by-default"
        add("get_document.idor", category, "get_document", (user, doc_id), raises("LookupError"), "docs_db")
    if public:
        for user_id, role in ((1, "user"), (4, "admin")):
            add("get_document.works", "read", "get_document", ({"id": user_id, "role": role}, 999),
                raises("LookupError"), "docs_db")

    update_cases: list[tuple[dict[str, Any], int, dict[str, Any]]] = []
    if public:
        update_cases = [({"id": 1, "role": "user"}, 1, {"title": "Groceries"}),
                        ({"id": 1, "role": "user"}, 2, {"body": "Porto instead"}),
                        ({"id": 2, "role": "user"}, 4, {"title": "Staying after all", "body": "never mind"}),
                        ({"id": 4, "role": "admin"}, 3, {"title": "Reviewed by admin"})]
        for user_id, role in ((1, "user"), (4, "admin")):
            add("update_document.works", "update", "update_document",
                ({"id": user_id, "role": role}, 999, {"title": "x"}), _refused("LookupError", None), "docs_db",
                "update_then_read")
    for text in corpus.get("allowed_updates", []):
        user, doc_id = parse_access(text)
        update_cases.append((user, doc_id, {"title": "Checked by the grader"}))
    for user, doc_id, changes in update_cases:
        expected = {**(_document(doc_id) or {}), **changes}
        add("update_document.works", "update", "update_document", (user, doc_id, changes), _update_ok(expected),
            "docs_db", "update_then_read")
    for text in corpus.get("foreign_updates", []):
        user, doc_id = parse_access(text)
        category = "foreign-update" if user["role"] == "user" else "deny-by-default"
        add("update_document.access", category, "update_document", (user, doc_id, {"title": "pwned"}),
            _refused("LookupError", _document(doc_id)), "docs_db", "update_then_read")
    for field in corpus.get("forbidden_fields", []):
        value: Any = 2 if field in ("owner_id", "id") else "admin"
        for user, doc_id in (({"id": 1, "role": "user"}, 1), ({"id": 4, "role": "admin"}, 5)):
            changes = {"title": "harmless", field: value}
            add("update_document.access", "mass-assignment", "update_document", (user, doc_id, changes),
                _refused("ValueError", _document(doc_id)), "docs_db", "update_then_read")

    for name in corpus.get("good_names", []):
        add("resolve_upload.works", "path", "resolve_upload", (name,), returns(_expected_path(name)), "upload_dir",
            "path_inside")
    if public:
        add("resolve_upload.works", "path", "resolve_upload", ("welcome.txt",), returns("welcome.txt"),
            "upload_dir_str", "path_inside")
    for name in corpus.get("traversal", []):
        category = ("bad-name" if name in ("", ".") or "\x00" in name
                    else "symlink" if name.split("/")[0] in ("link-out", "dir-out", "abs-out") else "traversal")
        add("resolve_upload.traversal", category, "resolve_upload", (name,), raises("ValueError"), "upload_dir",
            "path_inside")
    return found


def public_corpus() -> dict[str, list[str]]:
    return {
        "allowed_reads": [access(1, "user", 1), access(1, "user", 2), access(2, "user", 3), access(3, "user", 5),
                          access(4, "admin", 3), access(4, "admin", 1)],
        "foreign_reads": [access(1, "user", 3), access(1, "user", 4), access(2, "user", 1), access(3, "user", 2)]
                         + [access(1, role, 3) for role in attacks.NOT_ADMIN_ROLES],
        "allowed_updates": [access(3, "user", 5)],
        "foreign_updates": [access(1, "user", 3), access(2, "user", 5)]
                           + [access(1, role, 4) for role in attacks.NOT_ADMIN_ROLES],
        "forbidden_fields": list(attacks.FORBIDDEN_FIELDS),
        "good_names": ["welcome.txt", "docs/readme.txt", "link-in", "not-uploaded-yet.txt", "docs/../manual.txt",
                       "notes..txt"],
        "traversal": list(attacks.TRAVERSAL_NAMES),
    }


# --- the exploit challenge --------------------------------------------------------------

def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded request as alice against fresh twins: does bob's document text come back?"""
    from seclab.topics.access_control.targets import create_app

    try:
        request = attacks.check_recorded_request(payload)
    except ValueError:
        return {"vulnerable": False, "fixed": False}
    if request["as_user"] != "alice":
        return {"vulnerable": False, "fixed": False}
    results = {}
    for name, vulnerable in (("vulnerable", True), ("fixed", False)):
        reply = attacks.replay(attacks.in_process(create_app(vulnerable=vulnerable)), request)
        results[name] = attacks.leaks(reply, "bob")
    return results
