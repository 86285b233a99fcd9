"""The access-control lesson's demo application: a small multi-user documents service.

Users keep private documents in a sqlite3 database and download shared files from an
uploads folder. Every access decision exists twice: ``vulnerable_*`` makes the classic
mistake (no owner check, any field accepted, a naive path join), ``fixed_*`` does it
right. ``create_app`` serves either twin over HTTP (Flask); ``flaws`` picks individual
mistakes, so a lesson can show one flaw while the others stay fixed.

Who is asking? The demo trusts a request header, ``X-Demo-User: alice``, so that a
lesson can switch users per request. It stands in for a real login session (lesson 07
covers authentication): this lesson assumes we know *who* is asking and studies what
they may *do*.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, jsonify, request

USER_HEADER = "X-Demo-User"

#: (id, login name, display name, role)
USERS = [
    (1, "alice", "Alice Liddell", "user"),
    (2, "bob", "Bob Builder", "user"),
    (3, "carol", "Carol Danvers", "user"),
    (4, "admin", "Site Admin", "admin"),
]

#: (id, owner id, title, body)
DOCUMENTS = [
    (1, 1, "Shopping list", "eggs, flour and a new kettle"),
    (2, 1, "Trip plan", "Lisbon in May, book the tram tour early"),
    (3, 2, "Salary review", "Bob asks for a raise to 72k at the March review"),
    (4, 2, "Draft resignation", "Dear team, after five years I am moving on"),
    (5, 3, "Bread recipe", "rye flour, honey, and a very long rest overnight"),
]

DOCUMENT_FIELDS = ("id", "owner_id", "title", "body")
#: What an owner may change in a document, and a user in their profile.
EDITABLE_DOCUMENT_FIELDS = frozenset({"title", "body"})
EDITABLE_PROFILE_FIELDS = frozenset({"display_name"})

#: The mistakes ``create_app`` can make; the vulnerable twin makes all of them.
FLAWS = frozenset({"idor", "missing_role_check", "path_traversal", "mass_assignment"})

#: Files every demo uploads folder starts with.
UPLOADED_FILES = {"welcome.txt": "Welcome to the documents service!\n",
                  "manual.txt": "Press Export to download everything (admins only).\n"}
PRIVATE_TEXT = "db_password=not-in-the-uploads-folder\n"


class AccessDenied(LookupError):
    """The document does not exist *or* the user may not see it (deliberately the same)."""


def make_documents_db() -> sqlite3.Connection:
    """A fresh in-memory database with the demo users and their documents."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.executescript(
        """
        CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,
                            display_name TEXT NOT NULL, role TEXT NOT NULL);
        CREATE TABLE documents (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL,
                                title TEXT NOT NULL, body TEXT NOT NULL);
        """
    )
    conn.executemany("INSERT INTO users VALUES (?, ?, ?, ?)", USERS)
    conn.executemany("INSERT INTO documents VALUES (?, ?, ?, ?)", DOCUMENTS)
    conn.commit()
    return conn


def _document(row: tuple[Any, ...] | None) -> dict[str, Any]:
    if row is None:
        raise AccessDenied("no such document")
    return dict(zip(DOCUMENT_FIELDS, row, strict=True))


def find_user(conn: sqlite3.Connection, name: str) -> dict[str, Any] | None:
    """The user called ``name`` as {"id", "name", "display_name", "role"}, or None."""
    row = conn.execute("SELECT id, name, display_name, role FROM users WHERE name = ?", (name,)).fetchone()
    return None if row is None else dict(zip(("id", "name", "display_name", "role"), row, strict=True))


def is_admin(user: dict[str, Any]) -> bool:
    """Deny by default: only the exact role "admin" is an administrator."""
    return user.get("role") == "admin"


def own_documents(conn: sqlite3.Connection, user: dict[str, Any]) -> list[dict[str, Any]]:
    """The documents ``user`` owns (what the app's document list shows)."""
    rows = conn.execute("SELECT id, owner_id, title, body FROM documents WHERE owner_id = ? ORDER BY id",
                        (user["id"],)).fetchall()
    return [_document(row) for row in rows]


# --- reading one document (IDOR, CWE-639) ---------------------------------------------

def vulnerable_get_document(conn: sqlite3.Connection, user: dict[str, Any], doc_id: int) -> dict[str, Any]:
    """INSECURE: finds the document by id alone; ``user`` is never looked at."""
    row = conn.execute("SELECT id, owner_id, title, body FROM documents WHERE id = ?", (doc_id,)).fetchone()
    return _document(row)


def fixed_get_document(conn: sqlite3.Connection, user: dict[str, Any], doc_id: int) -> dict[str, Any]:
    """The document if ``user`` owns it or is an admin; AccessDenied (a LookupError) otherwise."""
    if is_admin(user):
        row = conn.execute("SELECT id, owner_id, title, body FROM documents WHERE id = ?", (doc_id,)).fetchone()
    else:
        row = conn.execute("SELECT id, owner_id, title, body FROM documents WHERE id = ? AND owner_id = ?",
                           (doc_id, user["id"])).fetchone()
    return _document(row)


# --- changing one document (IDOR + mass assignment, CWE-639 / CWE-915) ------------------

def vulnerable_update_document(conn: sqlite3.Connection, user: dict[str, Any], doc_id: int,
                               changes: dict[str, Any]) -> dict[str, Any]:
    """INSECURE: no owner check, and every column of the table may be changed."""
    document = vulnerable_get_document(conn, user, doc_id)
    document.update({key: value for key, value in changes.items() if key in DOCUMENT_FIELDS[1:]})
    conn.execute("UPDATE documents SET owner_id = ?, title = ?, body = ? WHERE id = ?",
                 (document["owner_id"], document["title"], document["body"], doc_id))
    return document


def _only_allowed_text(changes: dict[str, Any], allowed: set[str] | frozenset[str]) -> None:
    """The allow-list check: ValueError for any other field, or a value that is not text."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"these fields cannot be changed: {', '.join(sorted(map(str, unknown)))}")
    if not all(isinstance(value, str) for value in changes.values()):
        raise ValueError(f"{' and '.join(sorted(allowed))} must be text")


def fixed_update_document(conn: sqlite3.Connection, user: dict[str, Any], doc_id: int,
                          changes: dict[str, Any]) -> dict[str, Any]:
    """Owner or admin only, and only ``title`` and ``body``; checks everything before writing."""
    _only_allowed_text(changes, EDITABLE_DOCUMENT_FIELDS)
    document = fixed_get_document(conn, user, doc_id)
    document.update(changes)
    conn.execute("UPDATE documents SET title = ?, body = ? WHERE id = ?",
                 (document["title"], document["body"], doc_id))
    return document


# --- the user's own profile (mass assignment of the role) ------------------------------

def vulnerable_update_profile(conn: sqlite3.Connection, user: dict[str, Any],
                              changes: dict[str, Any]) -> dict[str, Any]:
    """INSECURE: copies every known column from the request, ``role`` included."""
    profile = dict(user)
    profile.update({key: value for key, value in changes.items() if key in ("display_name", "role")})
    conn.execute("UPDATE users SET display_name = ?, role = ? WHERE id = ?",
                 (profile["display_name"], profile["role"], user["id"]))
    return profile


def fixed_update_profile(conn: sqlite3.Connection, user: dict[str, Any],
                         changes: dict[str, Any]) -> dict[str, Any]:
    """Only the fields on the allow-list; ValueError for anything else."""
    _only_allowed_text(changes, EDITABLE_PROFILE_FIELDS)
    profile = {**user, **changes}
    conn.execute("UPDATE users SET display_name = ? WHERE id = ?", (profile["display_name"], user["id"]))
    return profile


# --- downloading an uploaded file (path traversal, CWE-22) ----------------------------

def vulnerable_upload_path(base_dir: str | Path, filename: str) -> Path:
    """INSECURE: a plain join; ``..`` climbs out and an absolute name replaces the base."""
    return Path(os.path.join(base_dir, filename))


def resolve_upload(base_dir: str | Path, filename: str) -> Path:
    """The path of ``filename`` strictly inside ``base_dir``, after following symlinks.

    Raises ValueError for an empty name, a NUL byte, or anything that resolves outside
    ``base_dir`` (``..``, absolute paths, symlinks pointing out) or to ``base_dir`` itself.
    """
    if not isinstance(filename, str) or not filename or "\x00" in filename:
        raise ValueError("not a usable file name")
    base = Path(base_dir).resolve()
    candidate = (base / filename).resolve()
    if candidate == base or not candidate.is_relative_to(base):
        raise ValueError(f"{filename!r} is outside the uploads folder")
    return candidate


fixed_upload_path = resolve_upload


def make_upload_tree(folder: str | Path, symlinks: bool = False) -> Path:
    """Lay out a demo file tree in ``folder`` and return its ``uploads`` folder.

    ``uploads/`` holds the shared files (and ``docs/readme.txt``); beside it sit
    ``secret.txt``, ``outside/other.txt`` and ``uploads-old/old.txt``, which no download
    may reach. With ``symlinks``, ``uploads/`` also gets ``link-in`` (to docs/readme.txt),
    ``link-out`` (to ../secret.txt), ``dir-out`` (to ../outside) and ``abs-out`` (an
    absolute link to the secret).
    """
    root = Path(folder)
    uploads = root / "uploads"
    (uploads / "docs").mkdir(parents=True, exist_ok=True)
    for name, text in UPLOADED_FILES.items():
        (uploads / name).write_text(text, encoding="utf-8")
    (uploads / "docs" / "readme.txt").write_text("How to upload: drag a file here.\n", encoding="utf-8")
    (uploads / "notes..txt").write_text("two dots in a name are fine\n", encoding="utf-8")
    (root / "secret.txt").write_text(PRIVATE_TEXT, encoding="utf-8")
    for folder_name, file_name in (("outside", "other.txt"), ("uploads-old", "old.txt")):
        (root / folder_name).mkdir(exist_ok=True)
        (root / folder_name / file_name).write_text(f"{folder_name}: not for download\n", encoding="utf-8")
    if symlinks:
        for link, target in (("link-in", Path("docs") / "readme.txt"), ("link-out", Path("..") / "secret.txt"),
                             ("dir-out", Path("..") / "outside"), ("abs-out", (root / "secret.txt").resolve())):
            if not (uploads / link).is_symlink():
                (uploads / link).symlink_to(target)
    return uploads


# --- the HTTP app ---------------------------------------------------------------------

#: Fixed twin's access rules: endpoint -> the role it needs ("user": anyone logged in).
#: An endpoint without a rule is refused: deny by default.
ACCESS_RULES = {
    "home": "user", "list_documents": "user", "read_document": "user", "edit_document": "user",
    "read_profile": "user", "edit_profile": "user", "download": "user",
    "export_all": "admin", "delete_user": "admin",
}


def _page(user: dict[str, Any], documents: list[dict[str, Any]]) -> str:
    """The app's tiny HTML front page: the admin button is only *shown* to admins."""
    from html import escape

    items = "".join(f'<li><a href="/documents/{doc["id"]}">{escape(doc["title"])}</a></li>' for doc in documents)
    admin = ('<form method="get" action="/admin/export"><button>Export all documents</button></form>'
             if is_admin(user) else "")
    return (f"<h1>Documents of {escape(user['display_name'])}</h1><ul>{items}</ul>{admin}")


def create_app(vulnerable: bool = True, *, flaws: Iterable[str] | None = None,
               uploads_dir: str | Path | None = None) -> Flask:
    """The documents service; ``vulnerable`` picks all flaws or none, ``flaws`` picks some.

    ``uploads_dir`` is the folder ``GET /download?name=`` serves; without it the app
    makes its own temporary folder (with a ``secret.txt`` beside the uploads).
    """
    chosen = frozenset(FLAWS if vulnerable else ()) if flaws is None else frozenset(flaws)
    if chosen - FLAWS:
        raise ValueError(f"unknown flaws {sorted(chosen - FLAWS)}; known: {sorted(FLAWS)}")
    name = "docs-vulnerable" if chosen == FLAWS else "docs-fixed" if not chosen else "docs-partly-fixed"
    app = Flask(name, static_folder=None)
    app.config["FLAWS"] = chosen
    if uploads_dir is None:
        scratch = tempfile.TemporaryDirectory(prefix="seclab-docs-")
        app.extensions["seclab_scratch"] = scratch  # removed with the app
        uploads_dir = make_upload_tree(scratch.name)
    uploads = Path(uploads_dir)
    conn = make_documents_db()
    lock = threading.Lock()

    get_document = vulnerable_get_document if "idor" in chosen else fixed_get_document

    def update_document(user: dict[str, Any], doc_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        if "idor" in chosen and "mass_assignment" in chosen:
            return vulnerable_update_document(conn, user, doc_id, changes)
        if "mass_assignment" in chosen:  # owner checked, but any column accepted
            fixed_get_document(conn, user, doc_id)
            return vulnerable_update_document(conn, user, doc_id, changes)
        if "idor" in chosen:  # allow-list, but no owner check
            vulnerable_get_document(conn, user, doc_id)
            return fixed_update_document(conn, {**user, "role": "admin"}, doc_id, changes)
        return fixed_update_document(conn, user, doc_id, changes)

    update_profile = vulnerable_update_profile if "mass_assignment" in chosen else fixed_update_profile
    upload_path = vulnerable_upload_path if "path_traversal" in chosen else resolve_upload

    def current_user() -> dict[str, Any]:
        name = request.headers.get(USER_HEADER, "")
        with lock:
            user = find_user(conn, name)
        if user is None:
            abort(Response(f'{{"error": "log in first: send the header {USER_HEADER}: <name>"}}\n', 401,
                           mimetype="application/json"))
        return user

    @app.before_request
    def authorize() -> Any:
        user = current_user()
        if "missing_role_check" in chosen or request.endpoint is None:
            return None  # every logged-in user may call every endpoint (or: 404/405 follows)
        rule = ACCESS_RULES.get(request.endpoint)
        if rule is None:  # deny by default: no rule, no access
            return jsonify(error="no access rule for this endpoint"), 403
        if rule == "admin" and not is_admin(user):
            return jsonify(error="administrators only"), 403
        return None

    def json_body() -> dict[str, Any]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(Response('{"error": "send a JSON object"}\n', 400, mimetype="application/json"))
        return body

    @app.get("/")
    def home() -> Any:
        user = current_user()
        with lock:
            return _page(user, own_documents(conn, user))

    @app.get("/documents")
    def list_documents() -> Any:
        user = current_user()
        with lock:
            return jsonify(own_documents(conn, user))

    @app.get("/documents/<int:doc_id>")
    def read_document(doc_id: int) -> Any:
        user = current_user()
        try:
            with lock:
                return jsonify(get_document(conn, user, doc_id))
        except LookupError:
            return jsonify(error="no such document"), 404

    @app.patch("/documents/<int:doc_id>")
    def edit_document(doc_id: int) -> Any:
        user, changes = current_user(), json_body()
        try:
            with lock:
                return jsonify(update_document(user, doc_id, changes))
        except LookupError:
            return jsonify(error="no such document"), 404
        except ValueError as error:
            return jsonify(error=str(error)), 400

    @app.get("/me")
    def read_profile() -> Any:
        return jsonify(current_user())

    @app.patch("/me")
    def edit_profile() -> Any:
        user, changes = current_user(), json_body()
        try:
            with lock:
                return jsonify(update_profile(conn, user, changes))
        except ValueError as error:
            return jsonify(error=str(error)), 400

    @app.get("/admin/export")
    def export_all() -> Any:
        with lock:
            rows = conn.execute("SELECT id, owner_id, title, body FROM documents ORDER BY id").fetchall()
        return jsonify([_document(row) for row in rows])

    @app.delete("/admin/users/<int:user_id>")
    def delete_user(user_id: int) -> Any:
        with lock:
            deleted = conn.execute("DELETE FROM users WHERE id = ?", (user_id,)).rowcount
            conn.execute("DELETE FROM documents WHERE owner_id = ?", (user_id,))
        return (jsonify(deleted=user_id), 200) if deleted else (jsonify(error="no such user"), 404)

    @app.get("/download")
    def download() -> Any:
        name = request.args.get("name", "")
        try:
            path = upload_path(uploads, name)
            return Response(path.read_bytes(), mimetype="text/plain")
        except ValueError:
            return jsonify(error="not a file in the uploads folder"), 400
        except OSError:
            return jsonify(error="no such file"), 404

    return app


def _factory(vulnerable: bool) -> Callable[[], Flask]:
    return lambda: create_app(vulnerable=vulnerable)


SERVABLE = {
    "docs-vulnerable": ("documents app with IDOR, missing role checks, path traversal and mass assignment "
                        "(lesson 01; pick the user with the X-Demo-User header)", _factory(True)),
    "docs-fixed": ("the same documents app with owner checks, deny-by-default roles, resolve() and "
                   "allow-lists (lesson 01)", _factory(False)),
}
