"""The notes app with every planted flaw fixed: the reference solution of exercise 20_capstone.

Each ``# %% impl_<component>`` section is the solution of one program cell of the
exercise (the instructor notebook holds exactly these sections; a test keeps them
equal). ``seclab.topics.capstone.starter`` is the app as the learner receives it.
"""

import html
import ipaddress
import json
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import flask
import jinja2
import jwt
from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error
from itsdangerous import BadData, URLSafeTimedSerializer

# %% impl_config


MIN_KEY_LENGTH = 32


def make_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """The app's settings, from the process environment."""
    key = environ.get("NOTES_SECRET_KEY")
    if key is None:
        key = secrets.token_urlsafe(32)  # fresh per start: sessions and tokens end with the process
    elif len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"NOTES_SECRET_KEY must have at least {MIN_KEY_LENGTH} characters")
    return {"SECRET_KEY": key, "DEBUG": False}


# %% impl_notes
SCHEMA = """
CREATE TABLE users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL DEFAULT 'user');
CREATE TABLE notes (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL);
"""


def open_db() -> sqlite3.Connection:
    """A fresh in-memory database with the app's tables."""
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.executescript(SCHEMA)
    return db


def add_note(db: sqlite3.Connection, owner: str, title: str, body: str) -> int:
    """Store a note of ``owner``; its id."""
    cursor = db.execute("INSERT INTO notes (owner, title, body) VALUES (?, ?, ?)", (owner, title, body))
    db.commit()
    return int(cursor.lastrowid or 0)


def search_notes(db: sqlite3.Connection, owner: str, term: str) -> list[dict[str, Any]]:
    """The notes of ``owner`` whose title or body contains ``term``, oldest first."""
    query = ("SELECT id, title, body FROM notes WHERE owner = ? "
             "AND (title LIKE '%' || ? || '%' OR body LIKE '%' || ? || '%') ORDER BY id")
    return [dict(row) for row in db.execute(query, (owner, term, term))]


def get_note(db: sqlite3.Connection, user: str, note_id: int) -> dict[str, Any] | None:
    """Note ``note_id`` for ``user`` to read, or None."""
    row = db.execute("SELECT id, owner, title, body FROM notes WHERE id = ? AND owner = ?",
                     (note_id, user)).fetchone()
    return dict(row) if row else None


def update_note(db: sqlite3.Connection, user: str, note_id: int, title: str, body: str) -> bool:
    """Change note ``note_id`` for ``user``; False when there is no such note."""
    cursor = db.execute("UPDATE notes SET title = ?, body = ? WHERE id = ? AND owner = ?",
                        (title, body, note_id, user))
    db.commit()
    return cursor.rowcount == 1


# %% impl_accounts
MAX_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60
# argon2id with a small cost so that the course's tests run quickly; keep PasswordHasher()'s defaults in production
PASSWORDS = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def hash_password(password: str) -> str:
    """What the users table stores instead of the password."""
    return PASSWORDS.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Does ``password`` match the stored hash?"""
    try:
        return PASSWORDS.verify(stored, password)
    except Argon2Error:
        return False


def login_allowed(failures: dict[str, list[float]], username: str, now: float) -> bool:
    """May ``username`` try to log in at time ``now``?"""
    recent = [when for when in failures.get(username, []) if now - when < LOCKOUT_SECONDS]
    return len(recent) < MAX_FAILURES


def record_failure(failures: dict[str, list[float]], username: str, now: float) -> None:
    """Remember a failed login of ``username`` at time ``now``."""
    failures.setdefault(username, []).append(now)


def clear_failures(failures: dict[str, list[float]], username: str) -> None:
    """Forget the failed logins of ``username`` (after a successful login)."""
    failures.pop(username, None)


# %% impl_sessions


SESSION_SECONDS = 8 * 60 * 60


def dump_session(data: dict[str, Any], key: str) -> str:
    """The session cookie's value for ``data``."""
    return URLSafeTimedSerializer(key, salt="notes-session").dumps(data)


def load_session(cookie: str, key: str) -> dict[str, Any] | None:
    """The session in a cookie value, or None."""
    try:
        data = URLSafeTimedSerializer(key, salt="notes-session").loads(cookie, max_age=SESSION_SECONDS)
    except BadData:
        return None
    return data if isinstance(data, dict) else None


# %% impl_tokens
TOKEN_SECONDS = 15 * 60


def issue_token(username: str, key: str) -> str:
    """An API token for ``username``: a JWT (HS256) valid for TOKEN_SECONDS."""
    now = int(time.time())
    return jwt.encode({"sub": username, "iat": now, "exp": now + TOKEN_SECONDS}, key, algorithm="HS256")


def verify_token(token: str, key: str) -> str | None:
    """The user name in a valid API token, or None."""
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.InvalidTokenError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None


# %% impl_preview


def link_preview(url: str, fetch: Callable[[str], str], resolve: Callable[[str], list[str]]) -> dict[str, str]:
    """The title of the page at ``url``, for a note's link card; ValueError for a URL it must not fetch."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("only http and https URLs with a host name can be previewed")
    addresses = resolve(parts.hostname)
    if not addresses or not all(ipaddress.ip_address(address).is_global for address in addresses):
        raise ValueError("that address is not on the public internet")
    page = fetch(url)
    found = re.search(r"<title>(.*?)</title>", page, re.IGNORECASE | re.DOTALL)
    return {"url": url, "title": html.unescape(found.group(1)).strip() if found else url}


# %% impl_audit


def audit(log: list[str], event: str, username: str) -> None:
    """Add one line about ``event`` by ``username`` to the audit log."""
    # json.dumps escapes every control character and line separator: one event, one line
    log.append(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {event} user={json.dumps(username)}")


# %% impl_authz


def is_admin(db: sqlite3.Connection, username: str | None) -> bool:
    """May ``username`` use the admin pages?"""
    if not isinstance(username, str):
        return False
    try:
        row = db.execute("SELECT role FROM users WHERE username = ?", (username,)).fetchone()
    except sqlite3.Error:
        return False  # deny by default: an error never grants access
    return row is not None and row["role"] == "admin"


# %% impl_render
NOTE_TEMPLATE = "<article><h1>{{ note.title }}</h1><div>{{ note.body }}</div></article>"


def render_note(note: Mapping[str, Any]) -> str:
    """A note as HTML."""
    return jinja2.Environment(autoescape=True).from_string(NOTE_TEMPLATE).render(note=note)


# %% impl_app
SESSION_COOKIE = "notes_session"


def create_app(config: Mapping[str, Any], fetch: Callable[[str], str],
               resolve: Callable[[str], list[str]]) -> flask.Flask:
    """The notes app: accounts, notes, search, link previews, an API and admin pages."""
    app = flask.Flask("notes")
    app.config.update(config)
    key = config["SECRET_KEY"]
    log: list[str] = []
    app.config["AUDIT_LOG"] = log
    db = open_db()
    for name, password in config.get("ADMINS", {}).items():
        db.execute("INSERT INTO users VALUES (?, ?, 'admin')", (name, hash_password(password)))
    failures: dict[str, list[float]] = {}

    def current_user() -> str | None:
        cookie = flask.request.cookies.get(SESSION_COOKIE)
        data = load_session(cookie, key) if cookie else None
        user = data.get("user") if data else None
        return user if isinstance(user, str) else None

    def fields(*names: str) -> list[str] | None:
        data = flask.request.get_json(silent=True)
        if not isinstance(data, dict) or not all(isinstance(data.get(name), str) for name in names):
            return None
        return [data[name] for name in names]

    @app.post("/register")
    def register() -> Any:
        given = fields("username", "password")
        if given is None or not given[0] or not given[1]:
            return {"error": "send a JSON object with a username and a password"}, 400
        username, password = given
        if db.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
            return {"error": "that name is taken"}, 409
        db.execute("INSERT INTO users (username, password_hash) VALUES (?, ?)", (username, hash_password(password)))
        db.commit()
        audit(log, "register", username)
        return {"user": username}, 201

    @app.post("/login")
    def login() -> Any:
        given = fields("username", "password")
        if given is None:
            return {"error": "send a JSON object with a username and a password"}, 400
        username, password = given
        now = time.time()
        if not login_allowed(failures, username, now):
            audit(log, "login_throttled", username)
            return {"error": "too many failed logins; try again later"}, 429
        row = db.execute("SELECT password_hash FROM users WHERE username = ?", (username,)).fetchone()
        if row is None or not verify_password(row["password_hash"], password):
            record_failure(failures, username, now)
            audit(log, "login_failed", username)
            return {"error": "wrong user name or password"}, 401
        clear_failures(failures, username)
        audit(log, "login_ok", username)
        reply = flask.jsonify(user=username)
        reply.set_cookie(SESSION_COOKIE, dump_session({"user": username}, key), httponly=True, samesite="Lax")
        return reply

    @app.post("/logout")
    def logout() -> Any:
        reply = flask.jsonify(user=None)
        reply.delete_cookie(SESSION_COOKIE)
        return reply

    @app.get("/me")
    def me() -> Any:
        user = current_user()
        return ({"user": user}, 200) if user else ({"error": "log in first"}, 401)

    @app.route("/notes", methods=["GET", "POST"])
    def notes() -> Any:
        user = current_user()
        if user is None:
            return {"error": "log in first"}, 401
        if flask.request.method == "GET":
            return flask.jsonify(search_notes(db, user, flask.request.args.get("q", "")))
        given = fields("title", "body")
        if given is None:
            return {"error": "send a JSON object with a title and a body"}, 400
        return {"id": add_note(db, user, *given)}, 201

    @app.route("/notes/<int:note_id>", methods=["GET", "POST"])
    def note(note_id: int) -> Any:
        user = current_user()
        if user is None:
            return {"error": "log in first"}, 401
        if flask.request.method == "POST":
            given = fields("title", "body")
            if given is None:
                return {"error": "send a JSON object with a title and a body"}, 400
            if not update_note(db, user, note_id, *given):
                return {"error": "no such note"}, 404
            return {"id": note_id}
        found = get_note(db, user, note_id)
        if found is None:
            return {"error": "no such note"}, 404
        return flask.Response(render_note(found), mimetype="text/html")

    @app.post("/preview")
    def preview() -> Any:
        if current_user() is None:
            return {"error": "log in first"}, 401
        given = fields("url")
        if given is None:
            return {"error": "send a JSON object with a url"}, 400
        try:
            return link_preview(given[0], fetch, resolve)
        except ValueError as error:
            return {"error": str(error)}, 400
        except OSError:
            return {"error": "that page could not be fetched"}, 502

    @app.post("/api/token")
    def token() -> Any:
        user = current_user()
        if user is None:
            return {"error": "log in first"}, 401
        return {"token": issue_token(user, key)}

    @app.get("/api/notes")
    def api_notes() -> Any:
        header = flask.request.headers.get("Authorization", "")
        user = verify_token(header[7:], key) if header.startswith("Bearer ") else None
        if user is None:
            return {"error": "send a valid token: Authorization: Bearer <token>"}, 401
        return flask.jsonify(search_notes(db, user, ""))

    @app.get("/admin/users")
    def admin_users() -> Any:
        if not is_admin(db, current_user()):
            return {"error": "administrators only"}, 403
        return flask.jsonify([dict(row) for row in db.execute("SELECT username, role FROM users ORDER BY username")])

    @app.get("/admin/log")
    def admin_log() -> Any:
        if not is_admin(db, current_user()):
            return {"error": "administrators only"}, 403
        return flask.jsonify(log)

    @app.errorhandler(500)
    def server_error(error: Exception) -> Any:
        return {"error": "internal error"}, 500

    return app
