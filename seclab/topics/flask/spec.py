"""Spec of exercise 15_flask: create_app.

``create_app`` returns a Flask app, which cannot leave the process that built it, so every
case is a SCENARIO run inside that process, with plain JSON arguments:

* ``build`` — ``{"config": {...}, "read_only": bool}``: the scenario adds ``USERS`` and
  ``VERIFY`` (unless the entry says ``"no_users"``), calls ``create_app`` (on a read-only
  ``MappingProxyType`` when asked) and reports what it raised, or whether it returned a
  Flask app with debug off that uses the given SECRET_KEY;
* ``flow`` — ``{"steps": [...], "config": {...}, "users": {...}, "error_route": bool}``:
  the scenario builds the app with a fresh 43-character key (``config`` adds to or replaces
  entries), drives it with Flask's test client, one request per step, and returns the list
  of ways the answers differ from each step's ``expect`` (``[]`` when they all hold).

A step's ``request``: ``method`` (GET), ``path``, ``scheme`` (https), and a body as ``json``
or as ``data`` with ``content_type``; before it, ``plant`` puts a session signed with the
app's own key into the browser, ``forge`` one signed with another key (``{"data", "key"}``).
``login`` (``[user, password]``) is short for a JSON ``POST /login``. A step's ``expect``:
``status`` (an int or a list), ``json`` (the exact body), ``error`` (a JSON object with an
``"error"`` key), ``no_traceback``, ``redirect_https``, ``no_session`` (no cookie set),
``session_lacks`` (keys absent from the session cookie afterwards), ``headers`` (the
security headers of an HTTPS answer) and ``cookie_flags`` (every Set-Cookie HttpOnly, Secure,
SameSite=Lax). ``VERIFY`` is a salted SHA-256 check that returns True or False, never raises.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import types
from collections.abc import Callable
from typing import Any

import flask

from seclab.spec import Case, Expectation, Part, satisfies

PARTS = {
    part.name: part
    for part in [
        Part("create_app.works", "create_app",
             "create_app builds the app: login, /me and /profile answer as the contract says"),
        Part("create_app.secrets", "create_app",
             "create_app refuses a missing or short SECRET_KEY and any truthy DEBUG, and signs sessions "
             "with the given key"),
        Part("create_app.headers", "create_app",
             "create_app sets the session cookie flags, rotates the session at login, sends the security "
             "headers on every HTTPS answer and redirects plain HTTP to HTTPS"),
        Part("create_app.validation", "create_app",
             "create_app validates JSON bodies: extra fields, wrong types, lengths, bad JSON and content "
             "types get 400 with {\"error\": ...} and change nothing"),
    ]
}

HINTS = {
    "config": "A SECRET_KEY of 32 characters or more with DEBUG missing or falsy (False, 0, '', None) must build "
              "a flask.Flask app with app.debug False and app.secret_key equal to config['SECRET_KEY']; config "
              "may be any Mapping (use config.get, never assign to it).",
    "routes": "POST /login answers 200 with the user logged in, 401 for an unknown user or a wrong password "
              "(VERIFY(stored_hash, password) returns True or False); GET /me returns {\"user\": name} or 401; "
              "POST /profile stores {\"display_name\", \"bio\"} (bio defaults to \"\") and returns it, GET "
              "/profile returns it; both are 401 when nobody is logged in. Test over HTTPS: "
              "client.get(path, base_url=\"https://localhost\").",
    "key": "Raise ValueError before building anything when config has no SECRET_KEY or it is shorter than "
              "32 characters (also the empty string).",
    "debug": "Raise ValueError whenever config.get('DEBUG') is truthy: True, 1, and every non-empty string, "
             "even 'false' or '0' (bool('false') is True).",
    "forged": "Use config['SECRET_KEY'] as the app's key and nothing else: a session cookie signed with any other "
              "key (a tutorial default such as 'dev') must not log anybody in.",
    "https": "Redirect every plain-HTTP request to the same URL on https:// before the view runs (flask-talisman "
             "does it with force_https=True): a plain-HTTP login must not log in or set a cookie.",
    "cookie-flags": "Every Set-Cookie needs HttpOnly, Secure and SameSite=Lax: set SESSION_COOKIE_HTTPONLY, "
                    "SESSION_COOKIE_SECURE and SESSION_COOKIE_SAMESITE='Lax' (Talisman's session_cookie_* options "
                    "do it too).",
    "headers": "Every HTTPS answer, errors (401, 404, 405, 500) included: Strict-Transport-Security with max-age "
               ">= 31536000, a Content-Security-Policy whose default-src is exactly 'self', X-Content-Type-Options "
               "nosniff and X-Frame-Options DENY or SAMEORIGIN. Talisman(app, ...) adds them in an after_request "
               "hook, which Flask also runs for error pages.",
    "fixation": "At a successful login call session.clear() before you store the user: nothing the session held "
                "before (planted by an attacker or left by another user) may survive the login.",
    "validation": "Parse POST /profile with a pydantic model with ConfigDict(extra='forbid', strict=True), "
                  "display_name: str = Field(min_length=1, max_length=40), bio: str = Field(default='', "
                  "max_length=500). Check request.is_json and use request.get_json(silent=True) (a JSON object is "
                  "needed): every failure is 400 with a JSON {\"error\": ...} and stores nothing.",
    "login-validation": "POST /login needs a JSON body (Content-Type application/json) that is an object with the "
                        "strings username and password; anything else (bad JSON, a list, missing fields, numbers, "
                        "another content type) is 400, not 401, 415 or 500.",
}

FIXTURES: dict[str, Callable[[], list[Any]]] = {}

#: category -> part
CATEGORY_PART = {
    "config": "create_app.works", "routes": "create_app.works",
    "key": "create_app.secrets", "debug": "create_app.secrets", "forged": "create_app.secrets",
    "https": "create_app.headers", "cookie-flags": "create_app.headers", "headers": "create_app.headers",
    "fixation": "create_app.headers",
    "validation": "create_app.validation", "login-validation": "create_app.validation",
}
BUILD_CATEGORIES = ("config", "key", "debug")

MIN_HSTS = 31536000
DEFAULT_USERS = {"alice": "correct horse battery", "bob": "bob's long password"}
ERROR_ROUTE = "/seclab-server-error"
_SALT = "seclab-demo-salt"


# --- the scenario's helpers (they run where the learner's code runs) ------------------------

def demo_hash(password: str) -> str:
    """The demo password hash of the scenarios (salted SHA-256; fine for a test, never for real users)."""
    return "demo$" + hashlib.sha256((_SALT + password).encode()).hexdigest()


def demo_verify(stored: Any, password: Any) -> bool:
    """VERIFY(stored, password): True or False, never raises."""
    if not isinstance(stored, str) or not isinstance(password, str):
        return False
    return hmac.compare_digest(stored, demo_hash(password))


def _config(entry: dict[str, Any]) -> dict[str, Any]:
    users = entry.get("users", DEFAULT_USERS)
    config: dict[str, Any] = {"SECRET_KEY": secrets.token_urlsafe(32)}
    config.update(entry.get("config", {}))
    config["USERS"] = {name: demo_hash(password) for name, password in users.items()}
    config["VERIFY"] = demo_verify
    return config


def _build(namespace: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """What create_app did with the entry's config."""
    config = dict(entry.get("config", {}))
    config["USERS"] = {name: demo_hash(password) for name, password in DEFAULT_USERS.items()}
    config["VERIFY"] = demo_verify
    given = types.MappingProxyType(config) if entry.get("read_only") else config
    try:
        app = namespace["create_app"](given)
    except NotImplementedError:
        raise
    except Exception as error:  # judged: ValueError is wanted for refused configs
        return {"raised": [klass.__name__ for klass in type(error).__mro__
                           if klass not in (Exception, BaseException, object)]}
    if not isinstance(app, flask.Flask):
        return {"returned": type(app).__name__}
    return {"returned": "Flask", "debug": bool(app.debug),
            "uses_key": app.secret_key == config.get("SECRET_KEY")}


def header_problems(headers: Any) -> list[str]:
    """What is missing or weak in an HTTPS answer's security headers."""
    problems = []
    hsts = headers.get("Strict-Transport-Security", "")
    age = re.search(r"max-age\s*=\s*\"?(\d+)", hsts, re.IGNORECASE)
    if not age or int(age.group(1)) < MIN_HSTS:
        problems.append(f"Strict-Transport-Security {hsts!r} (max-age >= {MIN_HSTS} wanted)")
    csp = headers.get("Content-Security-Policy", "")
    default_src = None
    for directive in csp.split(";"):
        words = directive.split()
        if words and words[0].lower() == "default-src":
            default_src = words[1:]
            break
    if default_src != ["'self'"]:
        problems.append(f"Content-Security-Policy {csp!r} (default-src exactly 'self' wanted)")
    if headers.get("X-Content-Type-Options", "").strip().lower() != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if headers.get("X-Frame-Options", "").strip().upper() not in ("DENY", "SAMEORIGIN"):
        problems.append("X-Frame-Options is not DENY or SAMEORIGIN")
    return problems


def cookie_problems(set_cookies: list[str]) -> list[str]:
    """Set-Cookie headers that lack HttpOnly, Secure or SameSite=Lax."""
    problems = []
    for header in set_cookies:
        attributes = {part.strip().lower().replace(" ", "") for part in header.split(";")[1:]}
        missing = [flag for flag, present in (("HttpOnly", "httponly" in attributes),
                                               ("Secure", "secure" in attributes),
                                               ("SameSite=Lax", "samesite=lax" in attributes)) if not present]
        if missing:
            problems.append(f"cookie {header.split('=', 1)[0]} without {', '.join(missing)}")
    return problems


def _has_traceback(text: str) -> bool:
    return "Traceback (most recent call last)" in text or bool(re.search(r'File "[^"]+", line \d+', text))


def _shown(request: dict[str, Any]) -> str:
    body = request.get("json", request.get("data"))
    text = f"{request.get('method', 'GET')} {request.get('scheme', 'https')}://localhost{request.get('path', '/')}"
    if body is not None:
        text += " " + (json.dumps(body) if "json" in request else repr(body))[:80]
    return text


def _send(client: Any, request: dict[str, Any]) -> Any:
    options: dict[str, Any] = {"base_url": f"{request.get('scheme', 'https')}://localhost",
                               "method": request.get("method", "GET")}
    if "json" in request:
        options["json"] = request["json"]
    elif "data" in request:
        options["data"] = request["data"]
        options["content_type"] = request.get("content_type")
    if "headers" in request:
        options["headers"] = request["headers"]
    return client.open(request.get("path", "/"), **options)


def _session_data(app: Any, client: Any) -> dict[str, Any] | None:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), domain="localhost")
    if cookie is None:
        return {}
    serializer = app.session_interface.get_signing_serializer(app)
    try:
        data = serializer.loads(cookie.value)
    except Exception:  # not Flask's cookie session: judged as unreadable
        return None
    return data if isinstance(data, dict) else None


def _judge_step(number: int, request: dict[str, Any], expect: dict[str, Any], reply: Any,
                app: Any, client: Any) -> list[str]:
    what = f"step {number} ({_shown(request)})"
    problems = []
    status = reply.status_code
    text = reply.get_data(as_text=True)
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    wanted = expect.get("status")
    if wanted is not None and status not in (wanted if isinstance(wanted, list) else [wanted]):
        problems.append(f"{what}: HTTP {status}, wanted {wanted}")
    if "json" in expect and body != expect["json"]:
        problems.append(f"{what}: body {text[:100]!r}, wanted {json.dumps(expect['json'])}")
    if expect.get("error") and not (isinstance(body, dict) and "error" in body):
        problems.append(f"{what}: body {text[:100]!r}, wanted a JSON object with an \"error\" key")
    if (expect.get("no_traceback") or expect.get("error")) and _has_traceback(text):
        problems.append(f"{what}: the answer shows a traceback")
    if expect.get("redirect_https"):
        location = reply.headers.get("Location", "")
        if status not in (301, 302, 303, 307, 308) or not location.startswith("https://"):
            problems.append(f"{what}: HTTP {status} Location {location!r}, wanted a redirect to https://")
    set_cookies = reply.headers.getlist("Set-Cookie")
    if expect.get("no_session") and set_cookies:
        problems.append(f"{what}: set a cookie")
    if expect.get("cookie_flags"):
        problems += [f"{what}: {problem}" for problem in cookie_problems(set_cookies)]
    if expect.get("headers"):
        problems += [f"{what}: {problem}" for problem in header_problems(reply.headers)]
    lacks = expect.get("session_lacks")
    if lacks:
        data = _session_data(app, client)
        if data is None:
            problems.append(f"{what}: the session cookie is not Flask's signed cookie session")
        else:
            problems += [f"{what}: the session still holds {key!r}" for key in lacks if key in data]
    return problems


def _flow(namespace: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    """Run the entry's steps against a fresh app; the list of problems ([] when every step holds)."""
    from flask.json.tag import TaggedJSONSerializer
    from itsdangerous import URLSafeTimedSerializer

    config = _config(entry)
    app = namespace["create_app"](config)
    if entry.get("error_route"):
        def fail() -> Any:
            raise RuntimeError("a bug in a view")

        app.add_url_rule(ERROR_ROUTE, "seclab_server_error", fail)
        app.logger.disabled = True  # the error is planned: no traceback in the learner's output
    client = app.test_client()
    cookie_name = app.config.get("SESSION_COOKIE_NAME", "session")
    problems: list[str] = []
    for number, step in enumerate(entry["steps"], start=1):
        if "plant" in step:
            signed = app.session_interface.get_signing_serializer(app).dumps(step["plant"])
            client.set_cookie(cookie_name, signed, domain="localhost")
        if "forge" in step:
            forger = URLSafeTimedSerializer(
                step["forge"]["key"], salt="cookie-session",
                serializer=TaggedJSONSerializer(),
                signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1})
            client.set_cookie(cookie_name, forger.dumps(step["forge"]["data"]), domain="localhost")
        request = dict(step.get("request", {}))
        if "login" in step:
            user, password = step["login"]
            request = {"method": "POST", "path": "/login", "json": {"username": user, "password": password},
                       **request}
        reply = _send(client, request)
        problems += _judge_step(number, request, step.get("expect", {}), reply, app, client)
    return problems


SCENARIOS: dict[str, Callable[..., Any]] = {"build": _build, "flow": _flow}


# --- cases ---------------------------------------------------------------------------------

def _build_expectation(category: str) -> Expectation:
    if category == "config":
        wanted = {"returned": "Flask", "debug": False, "uses_key": True}
        return satisfies(lambda report: report == wanted,
                         "return a flask.Flask app with debug off that uses config['SECRET_KEY']")
    return satisfies(lambda report: "ValueError" in report.get("raised", ()), "raise ValueError")


_NO_PROBLEMS = satisfies(lambda problems: problems == [], "every request answered as the contract says")


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys are the categories of ``CATEGORY_PART``)."""
    found: list[Case] = []
    for category, part in CATEGORY_PART.items():
        for entry in corpus.get(category, []):
            if category in BUILD_CATEGORIES:
                found.append(Case(part, category, "create_app", (entry,), _build_expectation(category),
                                  public=public, scenario="build"))
            else:
                found.append(Case(part, category, "create_app", (entry,), _NO_PROBLEMS,
                                  public=public, scenario="flow"))
    return found


def _login(user: str, password: str, expect: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"login": [user, password], "expect": expect or {"status": 200}}


_ALICE = DEFAULT_USERS["alice"]
_KEY_32 = "0123456789abcdefghijklmnopqrstuv"  # 32 characters, a test value, not a secret
_KEY_NAME, _EMPTY, _TUTORIAL = "SECRET_KEY", "", "dev"  # keys that must be refused
_GOOD_PROFILE = {"display_name": "Alice", "bio": "likes tea"}
_ERROR = {"status": 400, "error": True}


def public_corpus() -> dict[str, list[Any]]:
    profile_then = [_login("alice", _ALICE),
                    {"request": {"method": "POST", "path": "/profile", "json": _GOOD_PROFILE},
                     "expect": {"status": 200, "json": _GOOD_PROFILE}}]
    check_kept = {"request": {"path": "/profile"}, "expect": {"status": 200, "json": _GOOD_PROFILE}}
    return {
        "config": [
            {"config": {"SECRET_KEY": _KEY_32 + "-and-some-more"}},
            {"config": {"SECRET_KEY": _KEY_32}},
            {"config": {"SECRET_KEY": _KEY_32, "DEBUG": False}},
            {"config": {"SECRET_KEY": _KEY_32}, "read_only": True},
        ],
        "routes": [
            {"steps": [_login("alice", _ALICE, {"status": 200}),
                       {"request": {"path": "/me"}, "expect": {"status": 200, "json": {"user": "alice"}}}]},
            {"steps": [{"request": {"path": "/me"}, "expect": {"status": 401}},
                       _login("alice", "wrong password", {"status": 401}),
                       _login("mallory", _ALICE, {"status": 401}),
                       {"request": {"path": "/me"}, "expect": {"status": 401}}]},
            {"steps": [*profile_then, check_kept,
                       {"request": {"method": "POST", "path": "/profile", "json": {"display_name": "Al"}},
                        "expect": {"status": 200, "json": {"display_name": "Al", "bio": ""}}}]},
            {"steps": [{"request": {"method": "POST", "path": "/profile", "json": _GOOD_PROFILE},
                        "expect": {"status": 401}},
                       {"request": {"path": "/profile"}, "expect": {"status": 401}}]},
        ],
        "key": [
            {"config": {}},
            {"config": {_KEY_NAME: _EMPTY}},
            {"config": {_KEY_NAME: _TUTORIAL}},
            {"config": {"SECRET_KEY": _KEY_32[:-1]}},
        ],
        "debug": [
            {"config": {"SECRET_KEY": _KEY_32, "DEBUG": True}},
            {"config": {"SECRET_KEY": _KEY_32, "DEBUG": "false"}},
        ],
        "forged": [
            {"steps": [{"forge": {"data": {"user": "alice"}, "key": "dev"}, "request": {"path": "/me"},
                        "expect": {"status": 401}}]},
        ],
        "https": [
            {"steps": [{"request": {"path": "/me", "scheme": "http"}, "expect": {"redirect_https": True}},
                       {"login": ["alice", _ALICE], "request": {"scheme": "http"},
                        "expect": {"redirect_https": True, "no_session": True}},
                       {"request": {"path": "/me"}, "expect": {"status": 401}}]},
        ],
        "cookie-flags": [
            {"steps": [_login("alice", _ALICE, {"status": 200, "cookie_flags": True})]},
        ],
        "headers": [
            {"steps": [_login("alice", _ALICE, {"status": 200, "headers": True}),
                       {"request": {"path": "/me"}, "expect": {"status": 200, "headers": True}}]},
            {"error_route": True,
             "steps": [{"request": {"path": "/me"}, "expect": {"status": 401, "headers": True}},
                       {"request": {"path": "/no-such-page"}, "expect": {"status": 404, "headers": True}},
                       {"request": {"path": ERROR_ROUTE}, "expect": {"status": 500, "headers": True}}]},
        ],
        "fixation": [
            {"steps": [{"plant": {"user": "mallory", "planted": "by an attacker"}, **_login("alice", _ALICE, {
                "status": 200, "session_lacks": ["planted"]})},
                       {"request": {"path": "/me"}, "expect": {"status": 200, "json": {"user": "alice"}}}]},
        ],
        "validation": [
            {"steps": [*profile_then,
                       {"request": {"method": "POST", "path": "/profile",
                                    "json": {"display_name": "Eve", "bio": "", "is_admin": True}},
                        "expect": _ERROR},
                       {"request": {"method": "POST", "path": "/profile", "json": {"display_name": 42}},
                        "expect": _ERROR},
                       {"request": {"method": "POST", "path": "/profile", "json": {"display_name": ""}},
                        "expect": _ERROR},
                       {"request": {"method": "POST", "path": "/profile", "json": {"display_name": "x" * 41}},
                        "expect": _ERROR},
                       {"request": {"method": "POST", "path": "/profile",
                                    "json": {"display_name": "Alice", "bio": "b" * 501}},
                        "expect": _ERROR},
                       {"request": {"method": "POST", "path": "/profile", "data": "{not json",
                                    "content_type": "application/json"}, "expect": _ERROR},
                       {"request": {"method": "POST", "path": "/profile", "data": json.dumps(_GOOD_PROFILE),
                                    "content_type": "text/plain"}, "expect": _ERROR},
                       check_kept]},
        ],
        "login-validation": [
            {"steps": [{"request": {"method": "POST", "path": "/login", "json": ["alice", _ALICE]},
                        "expect": {"status": 400, "no_traceback": True}},
                       {"request": {"method": "POST", "path": "/login", "json": {"username": "alice"}},
                        "expect": {"status": 400, "no_traceback": True}},
                       {"request": {"method": "POST", "path": "/login", "data": "username=alice",
                                    "content_type": "application/x-www-form-urlencoded"},
                        "expect": {"status": 400, "no_traceback": True}},
                       {"request": {"path": "/me"}, "expect": {"status": 401}}]},
        ],
    }


# --- the exploit challenge ---------------------------------------------------------------

MAX_COOKIE_LENGTH = 4096


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded session cookie at /admin of a fresh vulnerable app and a fresh fixed one.

    It works on a twin when ``GET /admin`` with the cookie answers 200 (the fixed one is
    asked over HTTPS, as it redirects plain HTTP).
    """
    from seclab.topics.flask import attacks, targets

    if not isinstance(payload, str) or not payload.strip() or len(payload) > MAX_COOKIE_LENGTH:
        return {"vulnerable": False, "fixed": False}
    cookie = payload.strip()
    if cookie.startswith(attacks.SESSION_COOKIE + "="):
        cookie = cookie[len(attacks.SESSION_COOKIE) + 1:]
    if not re.fullmatch(r"[A-Za-z0-9._-]+", cookie):
        return {"vulnerable": False, "fixed": False}
    _passwords, users = targets.demo_users()
    return {"vulnerable": attacks.replay_admin_cookie(targets.vulnerable_app(users), cookie).succeeded,
            "fixed": attacks.replay_admin_cookie(targets.fixed_app(users), cookie, https=True).succeeded}
