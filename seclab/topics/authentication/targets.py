"""The authentication lesson's demo application: a login service on Flask, twice.

* ``create_app(vulnerable=True)`` logs people in the way a first version often does: it
  says whether the *username* or the *password* was wrong (and only hashes a password
  when the user exists), lets anyone guess forever, keeps the session id a visitor had
  before logging in (session fixation), "logs out" by deleting the cookie in the
  browser while the session lives on in the server, and sets its cookie without
  ``HttpOnly``, ``Secure`` or ``SameSite``.
* ``create_app(vulnerable=False)`` gives one answer for every failure and does the same
  work for each (a decoy hash for unknown users), locks a username after 5 failures and
  an address after 20 within 15 minutes, starts a fresh session at every login, ends
  sessions on the server at logout and after 30 idle minutes, sets a hardened cookie
  and, with ``mfa=True``, also wants a TOTP code (RFC 6238).

The fixed app is built from the plain objects below (``LoginService``,
``session_cookie``, ``password_problems``, ``totp``), which the lesson walks through and
the exercise asks for. Passwords are stored as argon2id with OWASP's minimum parameters.
Every clock is a parameter, so a lesson can move time forward instead of sleeping.
"""

from __future__ import annotations

import hmac
import re
import secrets
import struct
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, jsonify, request

#: The demo users and their (obviously fake) passwords. bob's is in every list of common
#: passwords; carol and dave reuse theirs on another site whose users leaked.
DEMO_PASSWORDS: dict[str, str] = {
    "alice": "plum tractor ladder cloud",
    "bob": "sunshine1",
    "carol": "Winter2019!",
    "dave": "dave-loves-pizza",
    "grace": "kettle orbit velvet 1979",
    "support": "helpdesk queue 7781",
}

#: The lockout rules of the fixed service (and of the exercise).
USER_FAILURE_LIMIT = 5
IP_FAILURE_LIMIT = 20
FAILURE_WINDOW = 900.0
LOCK_SECONDS = 900.0
#: A session ends this long after its last use.
IDLE_TIMEOUT = 1800.0
#: What the fixed app answers to every failed login.
GENERIC_FAILURE = "invalid username or password"

_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9_-]+")


def owasp_hasher() -> PasswordHasher:
    """argon2id with OWASP's minimum parameters: 19 MiB of memory, 2 passes, 1 lane."""
    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@cache
def _demo_hashes(fast: bool) -> tuple[tuple[str, str], ...]:
    # fast: 1 MiB and 1 pass, for playgrounds that must answer at once (never for real passwords)
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else owasp_hasher()
    return tuple((name, hasher.hash(password)) for name, password in DEMO_PASSWORDS.items())


def demo_users(fast: bool = False) -> dict[str, str]:
    """username -> argon2id hash of the demo passwords (hashed once per process).

    ``fast=True`` hashes the same passwords with a cheap setting, for the playgrounds:
    they show how many hash checks a login does, and must answer within 100 ms.
    """
    return dict(_demo_hashes(fast))


class PasswordVerifier:
    """``verify(stored, password) -> bool`` with argon2id, counting how often it runs.

    The count is the work a login does; a login that hashes for some usernames and not
    for others can be told apart by its response time. Never raises: a mismatch or an
    unreadable stored hash is simply False.
    """

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or owasp_hasher()
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, stored: str, password: str) -> bool:
        with self._lock:
            self.calls += 1
        try:
            return bool(self.hasher.verify(stored, password))
        except (VerificationError, InvalidHashError):
            return False


class ManualClock:
    """A clock that stands still until told to move: ``clock()`` reads it, ``advance`` moves it."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now

    def __repr__(self) -> str:
        return f"ManualClock(now={self.now})"


# --- the fixed building blocks (the exercise's reference) --------------------------------

@dataclass
class _FailureWindow:
    """Failure times per key (a username or an address) and the locks they caused."""

    limit: int
    failures: dict[str, list[float]] = field(default_factory=dict)
    locked_until: dict[str, float] = field(default_factory=dict)

    def locked(self, key: str, now: float) -> bool:
        until = self.locked_until.get(key)
        if until is None:
            return False
        if now < until:
            return True
        del self.locked_until[key]
        return False

    def fail(self, key: str, now: float) -> None:
        recent = [moment for moment in self.failures.get(key, []) if now < moment + FAILURE_WINDOW]
        recent.append(now)
        self.failures[key] = recent
        if len(recent) >= self.limit:
            self.locked_until[key] = now + LOCK_SECONDS

    def clear(self, key: str) -> None:
        self.failures.pop(key, None)


class LoginService:
    """Logins with one answer for every failure, lockouts, and server-side sessions.

    ``users`` maps username -> stored password hash; ``verify(stored, password)`` checks
    one. ``login`` calls ``verify`` exactly once per call (unknown usernames against a
    decoy: one of the stored hashes, so the work is the same), counts failures per
    username and per address, refuses everything for a locked username or address
    without counting it, and returns a fresh ``secrets.token_urlsafe(32)`` on success.
    Sessions end ``IDLE_TIMEOUT`` seconds after their last use, or at ``logout``.
    ``second_factor(username, code)``, if given, must also accept the ``code`` of a
    login (the lesson's MFA); a wrong code is a failure like a wrong password.
    """

    def __init__(self, users: Mapping[str, str], verify: Callable[[str, str], bool],
                 clock: Callable[[], float] = time.monotonic, *,
                 second_factor: Callable[[str, str | None], bool] | None = None) -> None:
        self._users = dict(users)
        self._verify = verify
        self._clock = clock
        self._second_factor = second_factor
        self._decoy = next(iter(self._users.values()), "")
        self._by_user = _FailureWindow(USER_FAILURE_LIMIT)
        self._by_ip = _FailureWindow(IP_FAILURE_LIMIT)
        self._sessions: dict[str, list[Any]] = {}  # token -> [username, time of last use]
        self._lock = threading.Lock()

    def login(self, username: str, password: str, ip: str, code: str | None = None) -> str | None:
        with self._lock:
            now = self._clock()
            stored = self._users.get(username)
            matches = bool(self._verify(self._decoy if stored is None else stored, password))
            if self._by_user.locked(username, now) or self._by_ip.locked(ip, now):
                return None  # refused, and not counted
            if stored is not None and matches and (self._second_factor is None
                                                   or self._second_factor(username, code)):
                self._by_user.clear(username)
                token = secrets.token_urlsafe(32)
                self._sessions[token] = [username, now]
                return token
            self._by_user.fail(username, now)
            self._by_ip.fail(ip, now)
            return None

    def session_user(self, token: str) -> str | None:
        with self._lock:
            session = self._sessions.get(token) if isinstance(token, str) else None
            if session is None:
                return None
            now = self._clock()
            if now >= session[1] + IDLE_TIMEOUT:
                del self._sessions[token]
                return None
            session[1] = now
            return str(session[0])

    def logout(self, token: str) -> None:
        with self._lock:
            if isinstance(token, str):
                self._sessions.pop(token, None)

    # Not part of the exercise: what the lesson shows about the service's state.
    def is_locked(self, username: str | None = None, ip: str | None = None) -> bool:
        with self._lock:
            now = self._clock()
            return ((username is not None and self._by_user.locked(username, now))
                    or (ip is not None and self._by_ip.locked(ip, now)))

    def live_sessions(self) -> int:
        with self._lock:
            now = self._clock()
            return sum(1 for _user, last in self._sessions.values() if now < last + IDLE_TIMEOUT)


def session_cookie(token: str) -> str:
    """The ``Set-Cookie`` value for a session token; ValueError unless the token is URL-safe base64."""
    if not isinstance(token, str) or not _TOKEN_CHARACTERS.fullmatch(token):
        raise ValueError("a session token consists of A-Z a-z 0-9 - _ only")
    return f"session={token}; HttpOnly; Secure; SameSite=Lax; Path=/"


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def password_problems(password: str, username: str, breached: set[str]) -> list[str]:
    """NIST SP 800-63B's checks for a new password, in order: too_short, too_long, breached,
    contains_username. No composition rules."""
    text = _nfkc(password)
    problems = []
    if len(text) < 15:
        problems.append("too_short")
    if len(text) > 128:
        problems.append("too_long")
    if text in {_nfkc(entry) for entry in breached}:
        problems.append("breached")
    name = _nfkc(username).casefold()
    if len(name) >= 3 and name in text.casefold():
        problems.append("contains_username")
    return problems


def totp(secret: bytes, at: float, digits: int = 6, step: int = 30, digest: str = "sha1") -> str:
    """The time-based one-time password of RFC 6238 for the moment ``at`` (Unix seconds)."""
    counter = int(at // step)
    mac = hmac.new(secret, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = (int.from_bytes(mac[offset:offset + 4], "big") & 0x7FFFFFFF) % 10**digits
    return str(value).zfill(digits)


class TotpVerifier:
    """Second factor: the current (or the previous 30 s) code of a user, each code once only."""

    def __init__(self, secrets_by_user: Mapping[str, bytes], clock: Callable[[], float] = time.time) -> None:
        self.secrets_by_user = dict(secrets_by_user)
        self._clock = clock
        self._last_step: dict[str, int] = {}

    def __call__(self, username: str, code: str | None) -> bool:
        secret = self.secrets_by_user.get(username)
        if secret is None or not isinstance(code, str):
            return False
        now = self._clock()
        for step in (int(now // 30), int(now // 30) - 1):
            if step > self._last_step.get(username, -1) and hmac.compare_digest(totp(secret, step * 30), code):
                self._last_step[username] = step  # RFC 6238 5.2: a code is accepted once
                return True
        return False


# --- the vulnerable login ------------------------------------------------------------------

class VulnerableSessions:
    """INSECURE: session ids handed out before login, kept at login, never expiring."""

    def __init__(self) -> None:
        self.owner: dict[str, str | None] = {}  # session id -> username (None: not logged in)
        self._lock = threading.Lock()

    def start(self) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self.owner[sid] = None
        return sid

    def log_in(self, sid: str | None, username: str) -> str:
        with self._lock:
            if sid is None or sid not in self.owner:
                sid = secrets.token_urlsafe(32)
            self.owner[sid] = username  # the id the visitor already had now stands for the user
            return sid

    def user(self, sid: str | None) -> str | None:
        with self._lock:
            return self.owner.get(sid) if sid else None


def vulnerable_check(users: Mapping[str, str], verify: Callable[[str, str], bool],
                     username: str, password: str) -> tuple[int, str]:
    """INSECURE: (status, message) that tells an unknown user from a wrong password."""
    stored = users.get(username)
    if stored is None:
        return 404, f"unknown user {username!r}"
    if not verify(stored, password):
        return 401, "wrong password"
    return 200, "welcome"


# --- the apps ----------------------------------------------------------------------------

def create_app(vulnerable: bool, *, clock: Callable[[], float] = time.monotonic,
               totp_clock: Callable[[], float] = time.time, mfa: bool = False,
               users: Mapping[str, str] | None = None) -> Flask:
    """The login service as a Flask app.

    ``POST /login`` with JSON or a form (``username``, ``password``, and ``code`` when
    ``mfa``), ``GET /me`` (who the session cookie belongs to), ``POST /logout`` and
    ``GET /login`` (the login page: the vulnerable app starts an anonymous session
    there). ``app.config``: ``VERIFY`` (the counting verifier), ``CLOCK``, and for the
    fixed app ``SERVICE`` (its LoginService) and ``TOTP_SECRETS`` (with ``mfa``).
    """
    app = Flask("login-vulnerable" if vulnerable else "login-fixed")
    accounts = dict(users) if users is not None else demo_users()
    verify = PasswordVerifier()
    app.config.update(VERIFY=verify, CLOCK=clock)
    if vulnerable:
        _vulnerable_routes(app, accounts, verify)
    else:
        _fixed_routes(app, accounts, verify, clock, totp_clock, mfa)
    return app


def _fields() -> dict[str, str]:
    form = request.get_json(silent=True)
    if not isinstance(form, dict):
        form = request.form.to_dict()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _vulnerable_routes(app: Flask, accounts: dict[str, str], verify: PasswordVerifier) -> None:
    sessions = VulnerableSessions()
    app.config["SESSIONS"] = sessions

    @app.get("/login")
    def login_page() -> Any:
        response = jsonify(page="POST username and password to /login")
        if request.cookies.get("session") not in sessions.owner:
            response.set_cookie("session", sessions.start())  # an anonymous session, before login
        return response

    @app.post("/login")
    def login() -> Any:
        fields = _fields()
        status, message = vulnerable_check(accounts, verify, fields.get("username", ""), fields.get("password", ""))
        if status != 200:
            return jsonify(error=message), status
        sid = sessions.log_in(request.cookies.get("session"), fields["username"])
        response = jsonify(user=fields["username"])
        response.set_cookie("session", sid)
        return response

    @app.get("/me")
    def me() -> Any:
        user = sessions.user(request.cookies.get("session"))
        return (jsonify(user=user), 200) if user else (jsonify(error="not logged in"), 401)

    @app.post("/logout")
    def logout() -> Any:
        response = jsonify(logged_out=True)
        response.delete_cookie("session")  # the browser forgets the id; the server does not
        return response


def _fixed_routes(app: Flask, accounts: dict[str, str], verify: PasswordVerifier,
                  clock: Callable[[], float], totp_clock: Callable[[], float], mfa: bool) -> None:
    second_factor = None
    if mfa:
        second_factor = TotpVerifier({name: secrets.token_bytes(20) for name in accounts}, totp_clock)
        app.config["TOTP_SECRETS"] = second_factor.secrets_by_user
    service = LoginService(accounts, verify, clock, second_factor=second_factor)
    app.config["SERVICE"] = service

    @app.get("/login")
    def login_page() -> Any:
        return jsonify(page="POST username and password to /login")

    @app.post("/login")
    def login() -> Any:
        fields = _fields()
        token = service.login(fields.get("username", ""), fields.get("password", ""),
                              request.remote_addr or "unknown", fields.get("code"))
        if token is None:
            return jsonify(error=GENERIC_FAILURE), 401
        response = jsonify(user=fields["username"])
        response.headers["Set-Cookie"] = session_cookie(token)
        return response

    @app.get("/me")
    def me() -> Any:
        user = service.session_user(request.cookies.get("session", ""))
        return (jsonify(user=user), 200) if user else (jsonify(error="not logged in"), 401)

    @app.post("/logout")
    def logout() -> Any:
        service.logout(request.cookies.get("session", ""))
        response = jsonify(logged_out=True)
        response.headers["Set-Cookie"] = "session=; Max-Age=0; HttpOnly; Secure; SameSite=Lax; Path=/"
        return response


SERVABLE = {
    "login-vulnerable": ("a login that enumerates users, never locks, keeps pre-login sessions and "
                         "only deletes the cookie at logout (lesson 07)", lambda: create_app(vulnerable=True)),
    "login-fixed": ("the same login with one answer for every failure, lockouts, fresh sessions "
                    "and server-side logout (lesson 07)", lambda: create_app(vulnerable=False)),
}
