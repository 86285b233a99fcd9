"""Spec of exercise 13_endpoint: create_app(db_path) -> FastAPI.

An app is not plain data, so every case is a SCENARIO run where the learner's code runs:
it builds a fresh database from the case's users table in a temporary folder, calls
``create_app(db_path)``, sends one ``GET /user?<query>`` through FastAPI's TestClient
(server errors come back as 500 responses) and reports plain data: the status, the
parsed body, what the response leaks (``attacks.leak_findings``) and whether the
database is unchanged afterwards.

Corpus entries (``public_corpus()``, ``autograder/hidden/13_endpoint.json``) are
``{"query": raw query string}`` with an optional ``"users"`` table (rows ``[id, name,
email, password_hash, role]``; without one, ``USERS``, named ``CHECK_TABLE`` in the case). Keys: ``found``, ``not_found``,
``validation``, ``out_of_range`` (part ``works``), ``injection`` (part ``injection``) and
``leaks`` (part ``leaks``). The expected status and body of a works or injection case
are what the reference solution (``targets.create_app``) answers; a 422's body is
FastAPI's and is not compared; an out-of-range id may get 404 or 422.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

from seclab.spec import Case, Expectation, Part, satisfies

PARTS = {
    part.name: part
    for part in [
        Part("create_app.works", "create_app",
             "GET /user answers 200 with id, name and email, 404 for ids without a user and 422 for ids "
             "that are not integers"),
        Part("create_app.injection", "create_app",
             "GET /user resists SQL injection: injected SQL is refused with 422 and the database is unchanged"),
        Part("create_app.leaks", "create_app",
             "no response contains a password hash, SQL text, a database error message or a traceback"),
    ]
}

HINTS = {
    "found": "Answer 200 with exactly {\"id\": ..., \"name\": ..., \"email\": ...} for an existing user: select those "
             "three columns (or use a response_model without password_hash and role). Open the database at db_path "
             "with sqlite3 inside the endpoint (or with check_same_thread=False): requests run in other threads.",
    "not-found": "For an integer id without a user (0, negative ids, ids that were never used) raise "
                 "HTTPException(status_code=404, detail=\"user not found\").",
    "validation": "Let FastAPI validate: annotate the parameter as id: int (a missing or non-integer id then gets 422 "
                  "before your code runs); '+2', ' 2', '02' and '1_000' are integers to pydantic and must work.",
    "range": "SQLite integers are 64-bit: an id above 2**63 - 1 or below -2**63 makes sqlite3 raise OverflowError. "
             "Answer 404 (user not found) or 422 for it, e.g. with Query(ge=-2**63, le=2**63 - 1).",
    "injection": "Never put the id into the SQL text (no f-string, %, + or .format): use a placeholder, "
                 "execute(\"... WHERE id = ?\", (id,)), and type the parameter as int so injected text gets 422.",
    "leaks": "Return only id, name and email, never SELECT * or the password hash; leave debug off (FastAPI() "
             "without debug=True) and never put str(error), the SQL text or a traceback into a response.",
}

#: the default users table of the cases: [id, name, email, password_hash, role]
USERS: list[list[Any]] = [
    [1, "Alice Example", "alice@example.test",
     "scrypt$16384$8$1$6f0d1c2e3a4b5c6d7e8f9a0b1c2d3e4f$8c1e5f0a9b7d3e2c4a6b8d0f1e3c5a7b9d1f3e5c7a9b0d2f4e6c8a0b2d4f6e8a", "user"],
    [2, "Bob Example", "bob@example.test",
     "scrypt$16384$8$1$0a1b2c3d4e5f60718293a4b5c6d7e8f9$1f2e3d4c5b6a79880716253445362718f9e8d7c6b5a4938271605f4e3d2c1b0a", "user"],
    [3, "Root Admin", "root@example.test",
     "scrypt$16384$8$1$deadbeefcafebabe0123456789abcdef$aa11bb22cc33dd44ee55ff6607718829930aa4bb5cc6dd7ee8ff9001a2b3c4d5", "admin"],
    [7, "Zoë Ünal", "zoe@example.test",
     "scrypt$16384$8$1$99887766554433221100ffeeddccbbaa$5e4d3c2b1a09f8e7d6c5b4a3928170605f4e3d2c1b0a99887766554433221100", "user"],
]

#: how a case names ``USERS`` (feedback shows this name instead of four long rows)
CHECK_TABLE = "<the users of check()>"

FIXTURES: dict[str, Callable[[], list[Any]]] = {}

#: corpus key -> (part, category)
KEYS = {
    "found": ("create_app.works", "found"),
    "not_found": ("create_app.works", "not-found"),
    "validation": ("create_app.works", "validation"),
    "out_of_range": ("create_app.works", "range"),
    "injection": ("create_app.injection", "injection"),
    "leaks": ("create_app.leaks", "leaks"),
}
NOT_FOUND = {"detail": "user not found"}


# --- the scenario: runs where the learner's code runs ---------------------------------------

def _sent_values(query: str) -> list[str]:
    return [value for _name, value in parse_qsl(query, keep_blank_values=True)]


def users_table(users: str | list[list[Any]]) -> list[list[Any]]:
    """The rows of a case's table: its own rows, or ``USERS`` for the name ``CHECK_TABLE``."""
    if isinstance(users, str):
        if users != CHECK_TABLE:
            raise ValueError(f"unknown users table {users!r}")
        return [list(row) for row in USERS]
    return [list(row) for row in users]


def request_report(create_app: Callable[[str], Any], users: str | list[list[Any]], query: str) -> dict[str, Any]:
    """Build a database of ``users``, call ``create_app`` on it, send ``GET /user?<query>``; plain data back."""
    from seclab.topics.endpoint import attacks
    from seclab.topics.endpoint.targets import make_user_db, table_rows

    users = users_table(users)
    folder = tempfile.mkdtemp(prefix="seclab-endpoint-")
    try:
        db_path = make_user_db(os.path.join(folder, "users.db"), users)
        before = table_rows(db_path)
        app = create_app(db_path)
        reply = attacks.send(app, query)
        leaks = attacks.leak_findings(reply.text, [str(row[3]) for row in users], _sent_values(query), reply.headers)
        try:
            unchanged = table_rows(db_path) == before
        except Exception:  # the table is gone or the file is no database any more
            unchanged = False
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    body = reply.body if isinstance(reply.body, (dict, list)) else reply.text[:300]
    return {"status": reply.status, "body": json.loads(json.dumps(body)), "leaks": leaks,
            "db_unchanged": unchanged}


def _scenario(namespace: dict[str, Any], users: str | list[list[Any]], query: str) -> dict[str, Any]:
    return request_report(namespace["create_app"], users, query)


SCENARIOS: dict[str, Callable[..., Any]] = {"GET /user": _scenario}


# --- expected outcomes, from the reference solution ---------------------------------------------

@cache
def _reference(users_json: str, query: str) -> tuple[int, Any]:  # users_json: a table name or rows, as JSON
    from seclab.topics.endpoint.targets import create_app

    report = request_report(create_app, json.loads(users_json), query)
    return report["status"], report["body"]


def reference_reply(users: str | list[list[Any]], query: str) -> tuple[int, Any]:
    """(status, body) of the reference solution for ``GET /user?<query>`` on ``users``."""
    return _reference(json.dumps(users), query)


def _explain(report: dict[str, Any]) -> str:
    text = f"answered {report.get('status')} {json.dumps(report.get('body'), ensure_ascii=False)[:150]}"
    if report.get("leaks"):
        text += f", leaking: {', '.join(report['leaks'])}"
    if report.get("db_unchanged") is False:
        text += ", and the database changed"
    return text


def _answers(status: int, body: Any, also_not_found: bool = False, unchanged: bool = False) -> Expectation:
    """The report must show ``status`` (and ``body``, unless 422); with ``also_not_found`` a 404 does too."""
    def judge(report: Any) -> bool:
        if unchanged and report["db_unchanged"] is not True:
            return False
        if also_not_found and report["status"] == 404 and report["body"] == NOT_FOUND:
            return True
        return report["status"] == status and (status == 422 or report["body"] == body)

    if status == 422:
        wanted = "422 (FastAPI's validation error)" + (" or 404 {\"detail\": \"user not found\"}" if also_not_found else "")
    else:
        wanted = f"{status} {json.dumps(body, ensure_ascii=False)}"
    if unchanged:
        wanted += ", leaving the database unchanged"
    return satisfies(judge, wanted, lambda outcome: _explain(outcome["value"]))


_NO_LEAKS = satisfies(lambda report: report["leaks"] == [],
                      "a response without password hashes, SQL text, database errors or tracebacks",
                      lambda outcome: _explain(outcome["value"]))


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found: list[Case] = []
    for key, (part, category) in KEYS.items():
        for entry in corpus.get(key, []):
            users: str | list[list[Any]] = [list(row) for row in entry["users"]] if "users" in entry else CHECK_TABLE
            query = entry["query"]
            if key == "leaks":
                expect = _NO_LEAKS
            else:
                status, body = reference_reply(users, query)
                expect = _answers(status, body, also_not_found=key == "out_of_range", unchanged=key == "injection")
            found.append(Case(part, category, "create_app", (users, query), expect, public=public,
                              scenario="GET /user"))
    return found


def public_corpus() -> dict[str, list[Any]]:
    return {
        "found": [{"query": "id=1"}, {"query": "id=3"}, {"query": "id=7"}, {"query": "id=+2"}, {"query": "id=02"}],
        "not_found": [{"query": "id=4"}, {"query": "id=0"}, {"query": "id=-1"}, {"query": "id=99999"}],
        "validation": [{"query": ""}, {"query": "id="}, {"query": "id=abc"}, {"query": "id=1.5"},
                       {"query": "name=Alice"}],
        "out_of_range": [{"query": "id=9223372036854775808"}, {"query": "id=-9223372036854775809"}],
        "injection": [
            {"query": "id=1%20OR%201%3D1"},
            {"query": "id=0%20UNION%20SELECT%20id%2C%20password_hash%2C%20email%20FROM%20users"},
            {"query": "id=(SELECT%20id%20FROM%20users%20WHERE%20role%3D'admin')"},
            {"query": "id=1%3B%20DROP%20TABLE%20users"},
        ],
        "leaks": [
            {"query": "id=1"},
            {"query": "id=3"},
            {"query": "id=1'"},
            {"query": "id=9223372036854775808"},
            {"query": "id=0%20UNION%20SELECT%20id%2C%20password_hash%2C%20role%20FROM%20users%20WHERE%20id%3D3"},
        ],
    }


# --- the exploit challenge ------------------------------------------------------------------------

MAX_PAYLOAD_LENGTH = 2000


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay ``{"id": injected id text, "password_hash": the admin's hash}`` against both twins.

    It works on a twin when ``GET /user?id=<id>`` on a fresh demo database shows the
    admin's password hash and the recorded hash is that hash (the one in the vulnerable
    app's data, ``targets.admin_hash()``).
    """
    from seclab.topics.endpoint import attacks
    from seclab.topics.endpoint.targets import admin_hash, create_app, make_user_db, vulnerable_app

    if (not isinstance(payload, dict) or not isinstance(payload.get("id"), str)
            or not isinstance(payload.get("password_hash"), str) or not payload["id"]
            or len(payload["id"]) > MAX_PAYLOAD_LENGTH):
        return {"vulnerable": False, "fixed": False}
    secret = admin_hash()
    recorded = payload["password_hash"].strip() == secret
    results = {}
    with tempfile.TemporaryDirectory(prefix="seclab-endpoint-exploit-") as folder:
        for name, factory in (("vulnerable", vulnerable_app), ("fixed", create_app)):
            db_path = make_user_db(os.path.join(folder, f"{name}.db"))
            reply = attacks.get_user(factory(db_path), payload["id"])
            results[name] = recorded and secret in reply.text
    return results
