"""The logging lesson's demo application: a login service, its audit logs and their readers.

``create_login_app(audit, accounts)`` is a small Flask login service. It decides every
request itself and reports the decision to ``audit`` (an ``AuthEvent``), so what ends
up in the log, and how, is entirely the ``audit`` function's business: the lesson
passes in insecure and fixed ones. Around it:

* the plain-text login log (``plain_formatter``) and the lesson's reader of it,
  ``read_login_log``, which believes every line that looks like an entry;
* twins of the audit writer for that log: ``vulnerable_plain_audit`` pastes the
  username in as it came, ``fixed_plain_audit`` escapes it with ``escape_for_log``;
* structured JSON lines (``JsonFormatter``) and their reader ``read_json_log``;
* ``detect_login_attacks``, the three sliding-window alert rules of the lesson.

``SERVABLE`` maps a target name to (summary, factory of a WSGI app) for
``python -m seclab.targets serve NAME``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import sys
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from flask import Flask, jsonify, request

from seclab.server import login_fields

#: A short list of the most common passwords, as every guessing tool ships one.
COMMON_PASSWORDS = [
    "123456", "password", "123456789", "qwerty", "12345678", "111111", "letmein", "iloveyou",
    "admin", "welcome", "monkey", "dragon", "football", "sunshine", "princess", "summer2024",
    "password1", "qwerty123", "abc123", "trustno1",
]

#: Alice's password is a weak one from that list (the lesson's guessing attack finds it);
#: every other demo account gets a random password when its accounts are made.
ALICE_WEAK_PASSWORD = COMMON_PASSWORDS[15]
DEMO_USERS = ("alice", "bob", "carol", "admin")

#: The admin account the forged log lines pretend logged in.
ADMIN_USER = "admin"

_PBKDF2_ROUNDS = 20_000  # deliberately cheap so the demo runs fast; lesson 02 has real costs


def demo_accounts() -> dict[str, str]:
    """Fresh demo accounts (username -> password): alice's is weak, the rest are random."""
    return {user: ALICE_WEAK_PASSWORD if user == "alice" else secrets.token_urlsafe(12) for user in DEMO_USERS}


# --- the login service ------------------------------------------------------------------

@dataclass(frozen=True)
class AuthEvent:
    """One decision of the login service, as it reports it to its ``audit`` function.

    ``action`` is "login" (POST /login) or "api" (GET /api/me); ``outcome`` is "success"
    or "failure"; ``user`` is the username as sent (login) or the token's owner (api);
    ``form`` and ``headers`` are the request's submitted fields and headers as received.
    """

    action: str
    outcome: str
    user: str
    ip: str
    path: str
    form: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    time: float = 0.0


Audit = Callable[[AuthEvent], None]


def _password_hash(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8", "surrogatepass"), salt, _PBKDF2_ROUNDS)


def create_login_app(audit: Audit, accounts: Mapping[str, str]) -> Flask:
    """A login service reporting every decision to ``audit``.

    ``POST /login`` (JSON or form: username, password) answers 200 with a session token
    (also set as the ``session`` cookie) or 401. ``GET /api/me`` with ``Authorization:
    Bearer <token>`` or the cookie answers 200 with the user's name, or 401.
    """
    app = Flask(__name__)
    stored = {}
    for user, password in accounts.items():
        salt = secrets.token_bytes(16)
        stored[user] = (salt, _password_hash(password, salt))
    unknown_user = (secrets.token_bytes(16), secrets.token_bytes(32))
    sessions: dict[str, str] = {}
    lock = threading.Lock()

    def report(action: str, ok: bool, user: str, form: dict[str, str]) -> None:
        audit(AuthEvent(action, "success" if ok else "failure", user, request.remote_addr or "", request.path,
                        form, dict(request.headers.items()), time.time()))

    @app.post("/login")
    def login() -> Any:
        source = request.get_json(silent=True)
        if not isinstance(source, dict):
            source = request.form.to_dict()
        form = {str(key): str(value) for key, value in source.items()}
        username, password = login_fields() or ("", "")
        salt, expected = stored.get(username, unknown_user)  # unknown users cost a hash too
        ok = hmac.compare_digest(_password_hash(password, salt), expected) and username in stored
        report("login", ok, username, form)
        if not ok:
            return jsonify(error="invalid username or password"), 401
        token = secrets.token_urlsafe(24)
        with lock:
            sessions[token] = username
        response = jsonify(token=token)
        response.set_cookie("session", token, httponly=True, samesite="Strict")
        return response

    @app.get("/api/me")
    def me() -> Any:
        header = request.headers.get("Authorization", "")
        token = header[len("Bearer "):] if header.startswith("Bearer ") else request.cookies.get("session", "")
        with lock:
            user = sessions.get(token, "")
        report("api", bool(user), user, {})
        if not user:
            return jsonify(error="not logged in"), 401
        return jsonify(user=user)

    return app


# --- the plain-text login log and its reader --------------------------------------------

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(message)s"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

#: One entry of the plain-text login log, e.g.
#: ``2025-06-01T09:30:00Z INFO login failure user=alice ip=127.0.0.1``.
LOGIN_LINE = re.compile(
    r"(?P<time>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z) (?P<level>[A-Z]+) "
    r"(?P<action>login|api) (?P<outcome>success|failure) user=(?P<user>\S*) ip=(?P<ip>\S+)"
)


def plain_formatter() -> logging.Formatter:
    """The login log's line format: UTC time, level, message."""
    formatter = logging.Formatter(PLAIN_FORMAT, datefmt=TIME_FORMAT)
    formatter.converter = time.gmtime
    return formatter


@dataclass(frozen=True)
class LogEntry:
    """One line of the plain-text login log, as the reader understood it."""

    time: str
    level: str
    action: str
    outcome: str
    user: str
    ip: str


def read_login_log(text: str) -> list[LogEntry]:
    """Every line of ``text`` (split with ``str.splitlines``) that looks like a login entry.

    Lines that do not match ``LOGIN_LINE`` are skipped, as log readers often do.
    """
    entries = []
    for line in text.splitlines():
        match = LOGIN_LINE.fullmatch(line)
        if match:
            entries.append(LogEntry(**match.groupdict()))
    return entries


def forged_admin_logins(entries: Iterable[LogEntry]) -> list[LogEntry]:
    """The entries that claim a successful admin login."""
    return [entry for entry in entries
            if entry.action == "login" and entry.outcome == "success" and entry.user == ADMIN_USER]


def escape_for_log(value: str) -> str:
    """``value`` as one printable token: ``\\``, space and every non-printable character escaped.

    ``str.isprintable()`` is false for every control character and every separator
    except the ASCII space (CR, LF, U+0085, U+2028, U+2029, tabs, NBSP, ...), so the
    result never contains anything a reader could split a line or a field at.
    """
    escaped = []
    for char in value:
        if char == "\\":
            escaped.append("\\\\")
        elif char == " ":
            escaped.append("\\x20")
        elif char.isprintable():
            escaped.append(char)
        else:
            code = ord(char)
            escaped.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000
                           else f"\\U{code:08x}")
    return "".join(escaped)


def vulnerable_plain_audit(logger: logging.Logger) -> Audit:
    """An audit function that writes the username into the plain-text log as it came."""
    def audit(event: AuthEvent) -> None:
        logger.info("%s %s user=%s ip=%s", event.action, event.outcome, event.user, event.ip)

    return audit


def fixed_plain_audit(logger: logging.Logger) -> Audit:
    """The same log line with every value escaped by ``escape_for_log``."""
    def audit(event: AuthEvent) -> None:
        logger.info("%s %s user=%s ip=%s", event.action, event.outcome, escape_for_log(event.user),
                    escape_for_log(event.ip))

    return audit


def stream_logger(stream: IO[str], formatter: logging.Formatter | None = None, name: str = "login") -> logging.Logger:
    """A fresh INFO logger writing to ``stream`` only.

    It is made directly (not with ``logging.getLogger``), so it has no parent, does not
    reach the root logger's handlers and is forgotten when it is no longer used.
    """
    logger = logging.Logger(name, logging.INFO)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter or plain_formatter())
    logger.addHandler(handler)
    return logger


# --- structured JSON lines ---------------------------------------------------------------

class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line.

    Keys: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``event`` (the message) and
    every item of the record's ``fields`` attribute (``logger.info("login.failure",
    extra={"fields": {...}})``). ``ensure_ascii`` escapes every control character and
    U+2028/U+2029, so no value can end the line; what JSON cannot encode becomes ``str``.
    """

    def format(self, record: logging.LogRecord) -> str:
        created = time.strftime(TIME_FORMAT, time.gmtime(record.created))
        base = {"time": created, "level": record.levelname, "logger": record.name, "event": record.getMessage()}
        fields = getattr(record, "fields", None)
        entry = {**fields, **base} if isinstance(fields, dict) else base
        return json.dumps(entry, ensure_ascii=True, default=str)


def read_json_log(text: str) -> list[dict[str, Any]]:
    """The JSON objects of a JSON-lines log, one per line; other lines are skipped."""
    entries = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def json_audit(logger: logging.Logger) -> Audit:
    """An audit function writing structured entries (for a logger with a ``JsonFormatter``)."""
    def audit(event: AuthEvent) -> None:
        logger.info(f"{event.action}.{event.outcome}", extra={"fields": {"user": event.user, "ip": event.ip}})

    return audit


# --- detecting attacks in a login log -----------------------------------------------------

ALERT_KINDS = ("ip", "stuffing", "user")


def detect_login_attacks(events: Iterable[Mapping[str, Any]], threshold: int = 5,
                         window: float = 60.0) -> list[dict[str, Any]]:
    """Alerts ``{"kind", "key", "ts"}`` for failed logins ``{"ts", "ip", "user", "ok"}``.

    Events are taken in timestamp order. Only failures count (successes neither count
    nor reset anything). "ip": one ip reaches ``threshold`` failures within ``window``
    seconds (last - first <= window); "user": one user does, from any ips; "stuffing":
    one ip fails for ``threshold`` distinct users within ``window``. Each (kind, key)
    alerts once, at the failure that first reaches the threshold; sorted by (ts, kind, key).
    """
    recent: dict[tuple[str, str], deque[Any]] = defaultdict(deque)
    users_seen: dict[str, Counter[str]] = defaultdict(Counter)
    alerted: set[tuple[str, str]] = set()
    alerts = []

    def alert(kind: str, key: str, ts: Any) -> None:
        if (kind, key) not in alerted:
            alerted.add((kind, key))
            alerts.append({"kind": kind, "key": key, "ts": ts})

    for event in sorted(events, key=lambda event: event["ts"]):
        if event["ok"]:
            continue
        ts, ip, user = event["ts"], event["ip"], event["user"]
        for kind, key in (("ip", ip), ("user", user)):
            times = recent[kind, key]
            times.append(ts)
            while ts - times[0] > window:
                times.popleft()
            if len(times) >= threshold:
                alert(kind, key, ts)
        attempts, users = recent["stuffing", ip], users_seen[ip]
        attempts.append((ts, user))
        users[user] += 1
        while ts - attempts[0][0] > window:
            _, old_user = attempts.popleft()
            users[old_user] -= 1
            if not users[old_user]:
                del users[old_user]
        if len(users) >= threshold:
            alert("stuffing", ip, ts)
    return sorted(alerts, key=lambda found: (found["ts"], found["kind"], found["key"]))


# --- servable targets ----------------------------------------------------------------------

def _servable(vulnerable: bool) -> Callable[[], Any]:
    def factory() -> Any:
        logger = stream_logger(sys.stderr, None if vulnerable else JsonFormatter(), name="served")
        audit = vulnerable_plain_audit(logger) if vulnerable else json_audit(logger)
        return create_login_app(audit, demo_accounts())

    return factory


SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {
    "login-log-vulnerable": ("POST /login whose plain-text audit log (on stderr) pastes the username in as sent "
                             "(lesson 09; try a username with a newline)", _servable(True)),
    "login-log-fixed": ("the same login service writing JSON lines with every value escaped (lesson 09)",
                        _servable(False)),
}
