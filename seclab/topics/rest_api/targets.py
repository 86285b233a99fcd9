"""Securing REST APIs: the course's FastAPI orders API, as vulnerable and fixed twins.

The API is small on purpose: ``GET /me``, ``POST /orders``, ``GET /orders/{id}``, an
admin page ``GET /admin`` and an "internal" ``GET /internal/users`` that another
service calls. ``build_api`` assembles it from the pieces a lesson swaps one at a time
(the token check, the CORS settings, the order model, the owner check, the rate
limit, auth on the internal route); ``vulnerable_api`` and ``fixed_api`` are the two
ends. Everything is exercised in-process with Starlette's ``TestClient``
(``client_for``), so no port is opened. FastAPI apps are ASGI, not WSGI, so nothing
here is in ``SERVABLE``.
"""

from __future__ import annotations

import itertools
import secrets
import time
import warnings
from collections.abc import Callable
from typing import Any

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, ConfigDict, Field

with warnings.catch_warnings():  # Starlette deprecates httpx for its TestClient; the course pins httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {}

ISSUER = "safer-python"
AUDIENCE = "safer-python-api"
ALGORITHM = "HS256"
LIFETIME_SECONDS = 900
ALLOWED_ORIGIN = "https://app.example.com"
RATE_LIMIT = 10  # requests per caller ...
RATE_WINDOW_SECONDS = 60  # ... within this many seconds
ADMIN = "admin"
USERS = {"alice": "user", "bob": "user", ADMIN: "admin"}
#: What the admin page shows: the data the exploit challenge is after.
ADMIN_DATA = {"users": sorted(USERS), "payouts_iban": "DE89 3704 0044 0532 0130 00"}

#: The vulnerable API's signing key: a word from every JWT tutorial (the lesson cracks it).
WEAK_KEY = b"secret1"

Verify = Callable[[str, bytes], str]


def _silenced(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return function(*args, **kwargs)


def client_for(app: Any, client: tuple[str, int] = ("203.0.113.7", 50000), **kwargs: Any) -> Any:
    """Starlette's TestClient for ``app`` (its deprecation warning about httpx silenced), from ``client``."""
    return TestClient(app, client=client, **kwargs)


# --- tokens ---------------------------------------------------------------------------------

def new_key() -> bytes:
    """A fresh 32-byte HMAC key (what every real deployment needs: random, not a word)."""
    return secrets.token_bytes(32)


def issue_token(user_id: str, key: bytes, *, lifetime: int | None = LIFETIME_SECONDS, now: int | None = None,
                audience: str = AUDIENCE, issuer: str = ISSUER) -> str:
    """An HS256 JWT for ``user_id``: sub, iat, exp (unless ``lifetime`` is None), iss, aud and a random jti."""
    issued = int(time.time()) if now is None else now
    claims: dict[str, Any] = {"sub": user_id, "iat": issued, "iss": issuer, "aud": audience,
                              "jti": secrets.token_urlsafe(16)}
    if lifetime is not None:
        claims["exp"] = issued + lifetime
    return str(_silenced(jwt.encode, claims, key, algorithm=ALGORITHM))


def verify_token(token: str, key: bytes) -> str:
    """The subject of a valid token; ValueError for anything else (the fixed check)."""
    try:
        claims = _silenced(jwt.decode, token, key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                           options={"require": ["exp", "iat", "sub", "iss", "aud"]})
    except jwt.PyJWTError as error:
        raise ValueError(f"invalid token: {error}") from error
    subject = claims["sub"]
    if not isinstance(subject, str):
        raise ValueError("invalid token: sub is not a string")
    return subject


def unverified_subject(token: str, key: bytes) -> str:
    """INSECURE: reads the token's claims without checking its signature (so ``alg: none`` passes)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise ValueError(f"unreadable token: {error}") from error
    return str(claims["sub"])


def signature_only_subject(token: str, key: bytes) -> str:
    """INSECURE: checks the HS256 signature but not expiry, issuer or audience (tokens that never expire pass)."""
    try:
        claims = _silenced(jwt.decode, token, key, algorithms=[ALGORITHM], options={"verify_aud": False})
    except jwt.PyJWTError as error:
        raise ValueError(f"invalid token: {error}") from error
    return str(claims["sub"])


# --- the API ---------------------------------------------------------------------------------

class StrictOrder(BaseModel):
    """The fixed order body: exactly two fields, JSON types only, bounded."""

    model_config = ConfigDict(extra="forbid", strict=True)
    item: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=100)


class LooseOrder(BaseModel):
    """INSECURE: extra fields are kept (mass assignment), "5" and true pass as quantities, no bounds."""

    model_config = ConfigDict(extra="allow")
    item: str
    quantity: int


#: CORS settings: the fixed allowlist and the insecure "reflect any origin" shortcut.
CORS_ALLOWLIST: dict[str, Any] = {"allow_origins": [ALLOWED_ORIGIN], "allow_credentials": True,
                                  "allow_methods": ["GET", "POST"],
                                  "allow_headers": ["Authorization", "Content-Type"]}
CORS_REFLECT_ANY: dict[str, Any] = {"allow_origin_regex": ".*", "allow_credentials": True,
                                    "allow_methods": ["*"], "allow_headers": ["*"]}


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def caller_key(request: Request, key: bytes, verify: Verify) -> str:
    """Who a request counts against: the subject of a valid token, else the client address."""
    token = _bearer(request)
    subject = None
    if token is not None:
        try:
            subject = verify(token, key)
        except Exception:  # an invalid token counts against the address it came from
            subject = None
    return f"user:{subject}" if subject is not None else "addr:" + (request.client.host if request.client else "?")


def add_rate_limit(app: FastAPI, key: bytes, verify: Verify, limit: int = RATE_LIMIT,
                   window: int = RATE_WINDOW_SECONDS) -> None:
    """Every request counts (any route, any answer) against its caller, before authentication: 429 over the limit.

    The counting is done by the ``limits`` library (the engine under slowapi), with a
    moving window kept in memory; Retry-After says when the oldest counted request expires.
    """
    limiter = MovingWindowRateLimiter(MemoryStorage())
    item = RateLimitItemPerMinute(limit) if window == 60 else _per_seconds(limit, window)

    @app.middleware("http")
    async def rate_limit(request: Request, call_next: Any) -> Any:
        who = caller_key(request, key, verify)
        if not limiter.hit(item, who):
            reset = limiter.get_window_stats(item, who).reset_time
            retry_after = max(1, int(reset - time.time() + 0.999))
            return JSONResponse({"detail": "too many requests"}, status_code=429,
                                headers={"Retry-After": str(retry_after)})
        return await call_next(request)


def _per_seconds(limit: int, window: int) -> Any:
    from limits import RateLimitItemPerSecond

    return RateLimitItemPerSecond(limit, window)


def build_api(key: bytes, *, verify: Verify = verify_token, cors: dict[str, Any] | None = None,
              order_model: type[BaseModel] = StrictOrder, check_owner: bool = True, rate_limit: bool = True,
              internal_needs_auth: bool = True) -> FastAPI:
    """The orders API assembled from the given pieces (the defaults are the fixed ones)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    orders: dict[str, dict[str, Any]] = {}
    ids = itertools.count(1)

    def current_user(request: Request) -> str:
        token = _bearer(request)
        if token is None:
            raise _unauthorized("missing bearer token")
        try:
            return verify(token, key)
        except Exception as error:
            raise _unauthorized("invalid token") from error

    @app.get("/me")
    def me(user: str = Depends(current_user)) -> dict[str, str]:
        return {"user": user}

    def create_order(order: BaseModel, user: str = Depends(current_user)) -> dict[str, Any]:
        order_id = next(ids)
        stored = {"id": order_id, "owner": user, **order.model_dump()}  # with LooseOrder, "owner" can be overwritten
        orders[str(order_id)] = stored
        return {name: value for name, value in stored.items() if name != "owner"}

    create_order.__annotations__["order"] = order_model  # the body model is a parameter of build_api
    app.post("/orders", status_code=201)(create_order)

    @app.get("/orders/{order_id}")
    def read_order(order_id: str, user: str = Depends(current_user)) -> dict[str, Any]:
        stored = orders.get(order_id)
        if stored is None or (check_owner and stored["owner"] != user):  # somebody else's: as if it did not exist
            raise HTTPException(status_code=404, detail="no such order")
        return {name: value for name, value in stored.items() if name != "owner"}

    @app.get("/admin")
    def admin(user: str = Depends(current_user)) -> dict[str, Any]:
        if USERS.get(user) != "admin":
            raise HTTPException(status_code=403, detail="admins only")
        return ADMIN_DATA

    internal_dependencies = [Depends(current_user)] if internal_needs_auth else []

    @app.get("/internal/users", dependencies=internal_dependencies)
    def internal_users() -> dict[str, Any]:
        return {"users": USERS}

    if rate_limit:
        add_rate_limit(app, key, verify)
    if cors is not None:
        app.add_middleware(CORSMiddleware, **cors)  # added last: outermost, so preflights never reach the routes
    app.state.orders = orders
    return app


def vulnerable_api(key: bytes = WEAK_KEY) -> FastAPI:
    """INSECURE: every weakness of the lesson at once (the exploit challenge's target)."""
    return build_api(key, verify=unverified_subject, cors=CORS_REFLECT_ANY, order_model=LooseOrder,
                     check_owner=False, rate_limit=False, internal_needs_auth=False)


def fixed_api(key: bytes) -> FastAPI:
    """The same API with every fix: verified short-lived tokens, allowlisted CORS, strict orders, owners, limits."""
    return build_api(key, cors=CORS_ALLOWLIST)


# --- the exploit replay ----------------------------------------------------------------------

def admin_page(app: FastAPI, token: str) -> tuple[int, Any]:
    """Status and JSON body of ``GET /admin`` with ``token`` as the bearer token."""
    client = client_for(app)
    response = client.get("/admin", headers={"Authorization": f"Bearer {token}"})
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return response.status_code, body


# --- an RS256 service, for the algorithm-confusion demo ------------------------------------

def rsa_key_pair() -> tuple[bytes, bytes]:
    """A fresh RSA key pair as PEM: (private key, public key). The public one is, by design, public."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    return private_pem, public_pem
