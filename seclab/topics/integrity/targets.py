"""Software and data integrity: the lesson's demo applications, as vulnerable and fixed twins.

* **Remember me.** A Flask app keeps the logged-in user in a cookie. The pickle twin
  stores a pickled object (whoever writes the cookie runs code on the server), the
  unsigned twin stores plain JSON (no code runs, but anyone can edit it), the fixed twin
  stores JSON signed with HMAC-SHA256 and reads it back through a strict pydantic model.
  ``create_remember_me_app`` takes the cookie functions, so a lesson serves its own cells.
* **Update integrity.** A release key signs update manifests (Ed25519); a mirror that an
  attacker may control serves the manifest, its signature and the release files.
* **Dependency integrity.** A hand-made wheel to show pip's ``--require-hashes`` at work.

``SERVABLE`` maps a target name to (summary, factory of a WSGI app) for
``python -m seclab.targets serve NAME``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import pickle  # the pickle twin's cookie format, vulnerable on purpose  # nosec B403
import secrets
import subprocess  # runs pip with a fixed argv, no shell  # nosec B404
import sys
import urllib.parse
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from flask import Flask, jsonify, make_response, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from seclab.server import http_request

COOKIE = "remember_me"
DEMO_USER = "alice"
DEMO_PASSWORD = "correct horse battery staple"  # an obviously fake demo password  # nosec B105


# --- cookie encodings ----------------------------------------------------------------------

def b64url_encode(data: bytes) -> str:
    """URL-safe base64 without padding: only A-Z a-z 0-9 - _ (safe in cookies and URLs)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """The inverse of ``b64url_encode``; also takes standard base64 and padding. ValueError if malformed."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64 text")
    cleaned = text.strip().rstrip("=").replace("+", "-").replace("/", "_")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), altchars=b"-_", validate=True)
    except binascii.Error as error:
        raise ValueError(f"not base64: {error}") from None


@dataclass
class RememberedUser:
    """What the pickle twin keeps in its cookie: a Python object."""

    name: str
    role: str


def pickle_cookie(name: str, role: str) -> str:
    """The pickle twin's cookie for ``name``."""
    return b64url_encode(pickle.dumps(RememberedUser(name, role)))


def vulnerable_load_pickle_cookie(cookie: str) -> dict[str, Any]:
    """INSECURE: unpickles the cookie, which runs whatever the cookie's author chose."""
    remembered = pickle.loads(b64url_decode(cookie))  # deliberately vulnerable twin  # nosec B301
    return {"user": remembered.name, "role": remembered.role}


class RememberMe(BaseModel):
    """The only shape a remember-me cookie may have: strict types, no other fields."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    user: str = Field(min_length=1, max_length=50)
    role: Literal["user", "admin"]


def unsigned_cookie(name: str, role: str) -> str:
    """JSON in base64: no code runs when it is read, but nothing stops an edit."""
    return b64url_encode(json.dumps({"user": name, "role": role}).encode("utf-8"))


def load_unsigned_cookie(cookie: str) -> dict[str, Any]:
    """Parses the JSON through the strict model (ValueError for anything else); trusts its content."""
    return RememberMe.model_validate_json(b64url_decode(cookie)).model_dump()


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256: a MAC that resists length extension (unlike sha256(key + message))."""
    return hmac.new(key, message, hashlib.sha256).digest()


def signed_cookie(name: str, role: str, key: bytes) -> str:
    """``payload.mac``: base64url JSON and the base64url HMAC of that payload text."""
    payload = unsigned_cookie(name, role)
    return payload + "." + b64url_encode(hmac_sha256(key, payload.encode("ascii")))


def fixed_load_cookie(cookie: str, key: bytes) -> dict[str, Any]:
    """Checks the HMAC in constant time before anything is parsed, then the strict model."""
    payload, dot, mac = cookie.rpartition(".")
    if not dot or not payload.isascii():
        raise ValueError("malformed cookie")
    expected = hmac_sha256(key, payload.encode("ascii"))
    if not hmac.compare_digest(b64url_decode(mac), expected):
        raise ValueError("bad signature")
    return load_unsigned_cookie(payload)


# --- a session token as key=value text: sha256(key + message) vs HMAC ---------------------------

def _fields(message: bytes) -> dict[str, str]:
    """Form-encoded fields; a repeated field keeps its last value (as many frameworks do)."""
    return dict(urllib.parse.parse_qsl(message.decode("utf-8", "replace")))


def naive_token(key: bytes, fields: dict[str, str]) -> str:
    """INSECURE: ``b64url(message).hex(sha256(key + message))``, a MAC open to length extension."""
    message = urllib.parse.urlencode(fields).encode("utf-8")
    return f"{b64url_encode(message)}.{hashlib.sha256(key + message).hexdigest()}"


def read_naive_token(key: bytes, token: str) -> dict[str, str]:
    """INSECURE: checks sha256(key + message) (with ==), then reads the fields. ValueError if it does not match."""
    encoded, _, mac = token.rpartition(".")
    message = b64url_decode(encoded)
    if hashlib.sha256(key + message).hexdigest() != mac:
        raise ValueError("bad signature")
    return _fields(message)


def hmac_token(key: bytes, fields: dict[str, str]) -> str:
    """``b64url(message).hex(HMAC-SHA256(key, message))``."""
    message = urllib.parse.urlencode(fields).encode("utf-8")
    return f"{b64url_encode(message)}.{hmac_sha256(key, message).hex()}"


def read_hmac_token(key: bytes, token: str) -> dict[str, str]:
    """Checks the HMAC with ``hmac.compare_digest``, then reads the fields. ValueError if it does not match."""
    encoded, _, mac = token.rpartition(".")
    message = b64url_decode(encoded)
    if not hmac.compare_digest(hmac_sha256(key, message).hex(), mac):
        raise ValueError("bad signature")
    return _fields(message)


# --- the "remember me" app --------------------------------------------------------------------

MakeCookie = Callable[[str, str], str]
LoadCookie = Callable[[str], dict[str, Any]]


def create_remember_me_app(make_cookie: MakeCookie, load_cookie: LoadCookie, name: str = "remember-me") -> Flask:
    """``POST /login`` sets the cookie; ``GET /me`` and ``GET /admin`` read it back.

    ``make_cookie(user, role)`` and ``load_cookie(cookie) -> {"user", "role"}`` are the
    twin's cookie format; a cookie that ``load_cookie`` rejects (any exception) gets 400.
    """
    app = Flask(name)

    def session() -> dict[str, Any] | None:
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            return None
        try:
            loaded = load_cookie(cookie)
        except Exception:  # any failure to read the cookie is the client's problem
            return {"error": "invalid remember-me cookie"}
        if not isinstance(loaded, dict) or not isinstance(loaded.get("user"), str):
            return {"error": "invalid remember-me cookie"}
        return loaded

    @app.post("/login")
    def login() -> Any:
        body = request.get_json(silent=True) or {}
        if body.get("username") != DEMO_USER or body.get("password") != DEMO_PASSWORD:
            return jsonify(ok=False), 401
        response = make_response(jsonify(ok=True, user=DEMO_USER))
        response.set_cookie(COOKIE, make_cookie(DEMO_USER, "user"), httponly=True, samesite="Lax")
        return response

    @app.get("/me")
    def me() -> Any:
        current = session()
        if current is None:
            return jsonify(error="not logged in"), 401
        if "error" in current:
            return jsonify(current), 400
        return jsonify(user=current["user"], role=current.get("role"))

    @app.get("/admin")
    def admin() -> Any:
        current = session()
        if current is None or "error" in current:
            return jsonify(error="not logged in"), 401
        if current.get("role") != "admin":
            return jsonify(error="admins only"), 403
        return jsonify(report="quarterly numbers: only admins may read this")

    return app


def login_cookie(base_url: str) -> str:
    """Log in as the demo user and return the remember-me cookie the app set."""
    reply = http_request("POST", f"{base_url}/login", json_body={"username": DEMO_USER, "password": DEMO_PASSWORD})
    if reply.status != 200:
        raise RuntimeError(f"demo login failed with HTTP {reply.status}")
    set_cookie = next(value for name, value in reply.headers.items() if name.lower() == "set-cookie")
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


def with_cookie(base_url: str, path: str, cookie: str) -> tuple[int, Any]:
    """``GET path`` with the remember-me cookie; (status, JSON body)."""
    reply = http_request("GET", f"{base_url}{path}", headers={"Cookie": f"{COOKIE}={cookie}"})
    return reply.status, reply.json()


def _pickle_app() -> Flask:
    return create_remember_me_app(pickle_cookie, vulnerable_load_pickle_cookie, "remember-me-pickle")


def _unsigned_app() -> Flask:
    return create_remember_me_app(unsigned_cookie, load_unsigned_cookie, "remember-me-unsigned")


def _signed_app() -> Flask:
    key = secrets.token_bytes(32)
    return create_remember_me_app(lambda user, role: signed_cookie(user, role, key),
                                  lambda cookie: fixed_load_cookie(cookie, key), "remember-me-signed")


SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {
    "remember-me-pickle": ("POST /login, GET /me, GET /admin; the cookie is a pickle (lesson 08)", _pickle_app),
    "remember-me-unsigned": ("the same app; the cookie is unsigned JSON (lesson 08)", _unsigned_app),
    "remember-me-signed": ("the same app; HMAC-signed JSON through a strict pydantic model (lesson 08)",
                           _signed_app),
}


# --- the exploit challenge's replay (runs inside the grading sandbox only) ---------------------

def replay_remember_me(twin: str, cookie: str) -> str:
    """Load ``cookie`` with the vulnerable or the fixed loader, in the current working folder.

    The grader calls this inside its sandbox, in a fresh empty folder, and then looks at
    what the call left there. Returns what the loader made of the cookie.
    """
    if twin == "vulnerable":
        loaded = vulnerable_load_pickle_cookie(cookie)
    elif twin == "fixed":
        loaded = fixed_load_cookie(cookie, secrets.token_bytes(32))
    else:
        raise ValueError(f"unknown twin {twin!r}")
    return json.dumps(loaded, default=repr)[:200]


# --- update integrity --------------------------------------------------------------------------

RELEASE_HOST = "updates.example.com"


class ReleaseKey:
    """The vendor's release key: an Ed25519 key pair made fresh for each run (nothing stored)."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        self._private = Ed25519PrivateKey.generate()
        self.public_key: bytes = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return self._private.sign(message)


def make_manifest(version: str, url: str, artifact: bytes) -> bytes:
    """An update manifest for ``artifact`` as the vendor publishes it (JSON bytes)."""
    return json.dumps({"version": version, "url": url, "sha256": hashlib.sha256(artifact).hexdigest()},
                      indent=1).encode("utf-8")


def verify_ed25519(public_key: bytes, signature: bytes, message: bytes) -> None:
    """ValueError unless ``signature`` is the Ed25519 signature of ``message`` by ``public_key`` (raw 32 bytes)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError, TypeError):
        raise ValueError("bad signature") from None


class UpdateMirror:
    """A download mirror: serves whatever files it holds at ``GET /<path>``.

    ``files`` is a plain dict, so a lesson can play the attacker who took the mirror over.
    """

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def app(self) -> Flask:
        app = Flask("update-mirror")

        @app.get("/<path:path>")
        def serve_file(path: str) -> Any:
            if path not in self.files:
                return jsonify(error="no such file"), 404
            return self.files[path], 200, {"Content-Type": "application/octet-stream"}

        return app

    def publish(self, release: ReleaseKey, version: str, artifact: bytes) -> bytes:
        """Put release ``version`` on the mirror as the vendor does; returns its manifest."""
        name = f"app-{version}.whl"
        manifest = make_manifest(version, f"https://{RELEASE_HOST}/{name}", artifact)
        self.files.update({name: artifact, "manifest.json": manifest, "manifest.sig": release.sign(manifest)})
        return manifest


def download(url: str, mirror_base: str) -> bytes:
    """Fetch ``url`` from the mirror that stands in for ``https://updates.example.com``.

    The course never leaves 127.0.0.1, so the release host is mapped to the loopback
    mirror (think of a hosts-file entry); any other host is refused.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.hostname == RELEASE_HOST:
        url = mirror_base + parts.path
    elif not url.startswith(mirror_base + "/"):
        raise ValueError(f"this lesson only downloads from its mirror, not from {url!r}")
    reply = http_request("GET", url)
    if reply.status != 200:
        raise ValueError(f"download failed: HTTP {reply.status}")
    return reply.body


# --- dependency integrity: a wheel and pip's hash checking -------------------------------------

def build_wheel(folder: Path, name: str, version: str, code: str) -> Path:
    """Write a minimal, valid pure-Python wheel of package ``name`` into ``folder``."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": code.encode("utf-8"),
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: seclab\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [f"{path},sha256={b64url_encode(hashlib.sha256(data).digest())},{len(data)}"
              for path, data in files.items()]
    files[f"{dist_info}/RECORD"] = ("\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n").encode()
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for member, data in files.items():
            wheel.writestr(zipfile.ZipInfo(member, date_time=(2024, 1, 1, 0, 0, 0)), data)
    return path


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class PipResult:
    """What ``pip install --dry-run`` said: did it accept the requirements, and its last words."""

    accepted: bool
    message: str


def pip_dry_run(requirements: Path, wheels: Path) -> PipResult:
    """``pip install --dry-run -r requirements`` from the local folder ``wheels`` only (no index, no network)."""
    argv = [sys.executable, "-m", "pip", "install", "--dry-run", "--isolated", "--no-index", "--no-deps",
            "--no-cache-dir", "--disable-pip-version-check", "--no-color", "--find-links", str(wheels), "-r", str(requirements)]
    completed = subprocess.run(argv, capture_output=True, text=True, check=False,  # fixed argv  # nosec B603
                               timeout=120)
    lines = [line.rstrip() for line in (completed.stdout + completed.stderr).splitlines() if line.strip()]
    return PipResult(completed.returncode == 0, "\n".join(lines[-4:]))


def validation_errors(error: ValidationError) -> list[str]:
    """pydantic's complaints, one short line each (for display)."""
    return [f"{'.'.join(map(str, item['loc'])) or '(root)'}: {item['msg']}" for item in error.errors()]
