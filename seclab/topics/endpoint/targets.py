"""Securing an Endpoint: the source article's ``/user?id=`` endpoint on FastAPI and sqlite3, twice.

``vulnerable_app(db_path)`` is the article's insecure version: an untyped ``id`` pasted
into the SQL text with an f-string, and ``debug=True``, so a failing query answers with
its traceback. ``create_app(db_path)`` is the secure version (and the reference solution
of exercise 13_endpoint): a typed, range-checked query parameter, a ``?`` placeholder, a
response model without the password hash, and errors that say nothing about the
database. Both read the same kind of database, made by ``make_user_db``.

``seclab.server.serve_asgi(app)`` (or a lesson's ``scratch.serve(app)``) runs such an app with uvicorn on 127.0.0.1 in a
thread for a ``with`` block, so that real tools such as sqlmap can attack it. ``SERVABLE``
serves both twins from a terminal (``python -m seclab.targets serve endpoint-vulnerable``),
each on a fresh demo database in a temporary folder.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Callable, Sequence
from contextlib import closing
from functools import cache
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel

#: SQLite stores integers in 64 bits: ids outside this range cannot be in the table
SQLITE_MIN_INTEGER, SQLITE_MAX_INTEGER = -(2**63), 2**63 - 1

SCHEMA = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT, password_hash TEXT, role TEXT)"

#: the demo users: (id, name, email, role); their password hashes are made by ``demo_users``
_DEMO_PEOPLE = [
    (1, "Alice Example", "alice@example.test", "user"),
    (2, "Bob Example", "bob@example.test", "user"),
    (3, "Root Admin", "admin@example.test", "admin"),
    (4, "Carol Example", "carol@example.test", "user"),
]


def password_hash(password: str, salt: bytes) -> str:
    """A scrypt password hash in the text form the demo database stores."""
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


@cache
def demo_users() -> tuple[tuple[int, str, str, str, str], ...]:
    """The demo table's rows (id, name, email, password_hash, role), the same in every run.

    The passwords are made-up demo values; the lesson never needs them, only their hashes,
    which is exactly what an attacker dumps.
    """
    rows = []
    for user_id, name, email, role in _DEMO_PEOPLE:
        salt = hashlib.sha256(f"safer-python demo salt {user_id}".encode()).digest()[:16]
        rows.append((user_id, name, email, password_hash(f"demo password {user_id} {name}", salt), role))
    return tuple(rows)


def admin_hash() -> str:
    """The password hash of the demo database's admin: what the exploit challenge dumps."""
    return next(row[3] for row in demo_users() if row[4] == "admin")


def make_user_db(path: str, users: Sequence[Sequence[Any]] | None = None) -> str:
    """Create the users table at ``path`` with ``users`` (default: the demo users); returns ``path``."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute(SCHEMA)
        connection.executemany("INSERT INTO users VALUES (?, ?, ?, ?, ?)",
                               [tuple(row) for row in (demo_users() if users is None else users)])
        connection.commit()
    return path


def table_rows(path: str) -> list[tuple[Any, ...]]:
    """Every row of every table in the database at ``path`` (to see whether an attack changed it)."""
    with closing(sqlite3.connect(path)) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows: list[tuple[Any, ...]] = [("table", name) for name in sorted(tables)]
        for name in sorted(tables):
            quoted = '"' + name.replace('"', '""') + '"'
            rows += connection.execute(f"SELECT * FROM {quoted} ORDER BY 1").fetchall()  # a quoted table name from sqlite_master  # nosec B608
    return rows


# --- the twins -------------------------------------------------------------------------------

def vulnerable_app(db_path: str) -> FastAPI:
    """The article's insecure endpoint: ``GET /user?id=`` builds its SQL with an f-string."""
    app = FastAPI(debug=True)  # deliberately vulnerable twin: tracebacks in error responses

    @app.get("/user")  # deliberately vulnerable twin (the f-string below)
    def get_user(id):  # type: ignore[no-untyped-def]  # no type: FastAPI passes the raw text
        with closing(sqlite3.connect(db_path)) as connection:
            row = connection.execute(f"SELECT id, name, email FROM users WHERE id = {id}").fetchone()  # nosec B608
        if row is None:
            raise HTTPException(status_code=404, detail="user not found")
        return {"id": row[0], "name": row[1], "email": row[2]}

    return app


class PublicUser(BaseModel):
    """What the endpoint may show about a user: never the password hash or the role."""

    id: int
    name: str
    email: str


def create_app(db_path: str) -> FastAPI:
    """The secure endpoint (the exercise's reference solution).

    ``GET /user?id=<id>``: 200 with exactly id, name and email; 404 ``{"detail": "user not
    found"}``; 422 (FastAPI's validation) for a missing, non-integer or out-of-range id.
    """
    app = FastAPI()  # debug is off: an unexpected error is a plain "Internal Server Error"

    @app.get("/user", response_model=PublicUser)
    def get_user(id: Annotated[int, Query(ge=SQLITE_MIN_INTEGER, le=SQLITE_MAX_INTEGER)]) -> PublicUser:
        with closing(sqlite3.connect(db_path)) as connection:
            row = connection.execute("SELECT id, name, email FROM users WHERE id = ?", (id,)).fetchone()
        if row is None:
            raise HTTPException(status_code=404, detail="user not found")
        return PublicUser(id=row[0], name=row[1], email=row[2])

    return app


fixed_app = create_app


def _on_demo_db(factory: Callable[[str], FastAPI]) -> Callable[[], FastAPI]:
    """A target factory: ``factory`` on a fresh demo database in a new temporary folder."""
    def build() -> FastAPI:
        folder = tempfile.mkdtemp(prefix="seclab-endpoint-")
        return factory(make_user_db(os.path.join(folder, "users.db")))
    return build


SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {
    "endpoint-vulnerable": ("lesson 13: GET /user?id= with f-string SQL and debug tracebacks (FastAPI)",
                            _on_demo_db(vulnerable_app)),
    "endpoint-fixed": ("lesson 13: GET /user?id= typed, parameterised, no hash, quiet errors (FastAPI)",
                       _on_demo_db(create_app)),
}
