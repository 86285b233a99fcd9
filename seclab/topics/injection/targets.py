"""The injection lesson's demo application: a user directory on sqlite3.

Every feature exists twice: ``vulnerable_*`` builds SQL by pasting user input into the
query text (the source article's f-string), ``fixed_*`` passes values as parameters.
Both twins run on the same seeded database, so an attack can be fired at each and the
outcomes compared.

The demo stores unsalted SHA-256 password hashes for both twins on purpose, so that
the only difference between them is injection; lesson 02 shows why that hashing is
itself a cryptographic failure.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
from typing import Any

from flask import Flask, jsonify, request

from seclab.server import login_fields

# Known demo passwords for the ordinary users; the admin's is random per database,
# so the only way in as admin is an attack.
DEMO_PASSWORDS = {"alice": "correct horse battery staple", "bob": "hunter2hunter2"}

_USERS = [
    (1, "alice", "alice@example.com", "user"),
    (2, "bob", "bob@example.com", "user"),
    (3, "admin", "admin@example.com", "admin"),
    (4, "carol", "carol@example.com", "user"),
    (5, "Alfred", "alfred@example.com", "user"),
    (6, "al_bundy", "al.bundy@example.com", "user"),
    (7, "al%pha", "alpha@example.com", "user"),
]


def demo_hash(password: str) -> str:
    """Unsalted SHA-256, as the demo app stores it (see lesson 02 for why not to)."""
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def make_user_db() -> sqlite3.Connection:
    """A fresh in-memory database with users and their (fake) API keys."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.executescript(
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, email TEXT NOT NULL,
            role TEXT NOT NULL, password_hash TEXT NOT NULL);
        CREATE TABLE api_keys (user_id INTEGER NOT NULL, api_key TEXT NOT NULL);
        """
    )
    for user_id, name, email, role in _USERS:
        password = DEMO_PASSWORDS.get(name, secrets.token_urlsafe(16))
        conn.execute(
            "INSERT INTO users VALUES (?, ?, ?, ?, ?)",
            (user_id, name, email, role, demo_hash(password)),
        )
        conn.execute(
            "INSERT INTO api_keys VALUES (?, ?)", (user_id, "sk_demo_" + secrets.token_hex(12))
        )
    conn.commit()
    return conn


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- looking a user up by id (the article's /user endpoint) -------------------------

def vulnerable_user_query(user_id: str) -> str:
    """The SQL text the vulnerable endpoint builds for ``user_id``."""
    return f"SELECT id, name, email FROM users WHERE id = {user_id}"  # deliberately vulnerable twin  # nosec B608


def vulnerable_get_user(conn: sqlite3.Connection, user_id: str) -> list[dict[str, Any]]:
    """INSECURE: pastes ``user_id`` into the SQL text."""
    return _rows(conn.execute(vulnerable_user_query(user_id)))


def fixed_get_user(conn: sqlite3.Connection, user_id: str | int) -> list[dict[str, Any]]:
    """Validates ``user_id`` as an integer and passes it as a parameter."""
    if isinstance(user_id, bool) or not (
        isinstance(user_id, int) or (isinstance(user_id, str) and user_id.isascii() and user_id.isdigit())
    ):
        raise ValueError("user id must be a whole number")
    cursor = conn.execute("SELECT id, name, email FROM users WHERE id = ?", (int(user_id),))
    return _rows(cursor)


# --- logging in --------------------------------------------------------------------

def vulnerable_login_query(username: str, password: str) -> str:
    """The SQL text the vulnerable login builds."""
    password_hash = demo_hash(password)
    return f"SELECT id, name, role FROM users WHERE name = '{username}' AND password_hash = '{password_hash}'"  # deliberately vulnerable twin  # nosec B608


def vulnerable_login(conn: sqlite3.Connection, username: str, password: str) -> dict[str, Any] | None:
    """INSECURE: the first row the string-built query returns is the logged-in user."""
    rows = _rows(conn.execute(vulnerable_login_query(username, password)))
    return rows[0] if rows else None


def fixed_login(conn: sqlite3.Connection, username: str, password: str) -> dict[str, Any] | None:
    """Parameterised: the username can only ever be compared, never executed."""
    cursor = conn.execute(
        "SELECT id, name, role FROM users WHERE name = ? AND password_hash = ?",
        (username, demo_hash(password)),
    )
    rows = _rows(cursor)
    return rows[0] if rows else None


# --- the same features over HTTP ----------------------------------------------------

def create_app(vulnerable: bool) -> Flask:
    """A Flask app serving ``GET /user?id=<id>`` and ``POST /login`` over one demo database."""
    app = Flask("sqli-vulnerable" if vulnerable else "sqli-fixed")
    conn = make_user_db()
    lock = threading.Lock()
    get_user = vulnerable_get_user if vulnerable else fixed_get_user
    login = vulnerable_login if vulnerable else fixed_login

    @app.get("/user")
    def user() -> Any:
        user_id = request.args.get("id", "")
        try:
            with lock:
                rows = get_user(conn, user_id)
        except ValueError:
            return jsonify(error="id must be a whole number"), 400
        except sqlite3.Error as error:
            # The vulnerable twin leaks database errors, which is exactly what sqlmap
            # feeds on; the fixed twin never reaches this line.
            return jsonify(error=f"database error: {error}"), 500
        return jsonify(rows)

    @app.post("/login")
    def do_login() -> Any:
        fields = login_fields()
        if fields is None:
            return jsonify(ok=False, error="username and password must be strings"), 400
        username, password = fields
        try:
            with lock:
                user = login(conn, username, password)
        except sqlite3.Error as error:
            return jsonify(ok=False, error=f"database error: {error}"), 500
        if user is None:
            return jsonify(ok=False), 401
        return jsonify(ok=True, user=user["name"], role=user["role"])

    return app


SERVABLE = {
    "sqli-vulnerable": ("GET /user?id=, POST /login with string-built SQL (lesson 03)",
                        lambda: create_app(vulnerable=True)),
    "sqli-fixed": ("the same endpoints with parameterised SQL (lesson 03)", lambda: create_app(vulnerable=False)),
}
