"""Spec of exercise 16_rest_api: issue_token, verify_token and create_api, and the JWT exploit.

Keys, tokens and apps cannot cross the sandbox as JSON, so every case is a scenario:
it carries a key *label* (the key is ``sha256(label)``, 32 bytes) and a token *recipe*,
and the scenario builds the key, the token and the app inside whichever process runs
the learner's code. A recipe is a dict:

* ``claims``: overrides of the standard claims (``sub`` alice, ``iat`` now, ``exp``
  now + 900, ``iss``, ``aud``, ``jti``); ``"@drop"`` removes a claim, ``"@now+N"`` and
  ``"@now-N"`` are times relative to now;
* ``header``: overrides of ``{"alg": "HS256", "typ": "JWT"}``;
* ``sign``: ``key`` (HMAC-SHA256 with the key, *whatever the header says*), ``empty``,
  ``hs384``/``hs512`` (with the key), ``rs256`` (a fresh RSA key), ``other`` (another key);
* ``tamper``: ``payload`` (sub changed to admin after signing) or ``signature``.

issue_token and verify_token share their parts (``tokens.works``, ``tokens.attack``).
create_api cases each build a fresh app with ``create_api(key)`` and drive it with
Starlette's TestClient through a named script (``API_SCRIPTS``) that returns what it saw.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import secrets
import time
from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Expectation, Part, describe_outcome, raises, satisfies
from seclab.topics.rest_api import targets

EXERCISE = "16_rest_api"
ISSUER = "safer-python"
AUDIENCE = "safer-python-api"
LIFETIME = 900
ALLOWED_ORIGIN = "https://app.example.com"
LIMIT = 10
#: How far (seconds) iat may lie from the grader's clock around the call.
CLOCK_SLACK = 2

PARTS = {
    part.name: part
    for part in [
        Part("tokens.works", "issue_token",
             "issue_token makes HS256 tokens with the exact claims, and verify_token returns their subject"),
        Part("tokens.attack", "verify_token",
             "verify_token refuses expired, incomplete, foreign, re-algorithmed, tampered and garbage tokens; "
             "jti is random"),
        Part("create_api.works", "create_api", "the API answers /me and creates and returns orders"),
        Part("create_api.auth", "create_api",
             "every route needs a valid bearer token (401 + WWW-Authenticate), docs are closed, orders are "
             "their owner's only"),
        Part("create_api.validation", "create_api",
             "orders are validated strictly: extra fields, wrong types and out-of-range values give 422"),
        Part("create_api.limits", "create_api",
             "more than 10 requests a minute per caller give 429 with Retry-After; CORS allows only the app's origin"),
    ]
}

HINTS = {
    "claims": "jwt.encode({'sub': user_id, 'iat': now, 'exp': now + 900, 'iss': 'safer-python', "
              "'aud': 'safer-python-api', 'jti': secrets.token_urlsafe(16)}, key, algorithm='HS256') with "
              "now = int(time.time()); the header must say HS256 and the MAC must be made with key.",
    "round-trip": "verify_token(issue_token(user, key), key) must return user: decode with the same key, "
                  "algorithms=['HS256'], audience='safer-python-api' and issuer='safer-python'.",
    "valid-token": "A correctly signed HS256 token with sub, iat, exp in the future, iss 'safer-python' and aud "
                   "'safer-python-api' must give back its sub (extra claims and header fields are fine).",
    "jti-random": "jti must be random and different every time: secrets.token_urlsafe(16) or uuid.uuid4().hex, "
                  "not the random module (it repeats after random.seed) and not a counter or the time.",
    "expired": "jwt.decode checks exp when you let it: do not turn verify_exp off, and keep any leeway at 30 "
               "seconds or less.",
    "missing-claim": "Require the claims: options={'require': ['exp', 'iat', 'sub', 'iss', 'aud']}. Without it "
                     "PyJWT accepts a token with no exp, which never expires.",
    "issuer-audience": "Pass issuer='safer-python' and audience='safer-python-api' to jwt.decode: a token made "
                       "for another service or by another issuer must not open this API.",
    "algorithm": "Pin the algorithm: jwt.decode(..., algorithms=['HS256']). Never read the alg from the token's "
                 "header and never decode with verify_signature False: 'none', HS384, HS512 and RS256 must all fail.",
    "tampered": "A token whose payload or signature was changed must fail: let jwt.decode verify the signature "
                "with the key.",
    "wrong-key": "A token signed with another key must fail: verify with the key you were given.",
    "garbage": "Anything that is not a token (empty, random text, two parts, bad base64) must raise ValueError: "
               "catch jwt.PyJWTError (the root of PyJWT's errors, which are not ValueErrors) and raise ValueError.",
    "me": "GET /me with a valid bearer token answers 200 {'user': <sub>}.",
    "orders": "POST /orders answers 201 with exactly {'id', 'item', 'quantity'}, and GET /orders/{id} gives the "
              "same object back to its owner; quantities 1 and 100 and items of 1 and 64 characters are valid.",
    "unauthenticated": "Every route needs 'Authorization: Bearer <token>' checked with verify_token; a missing, "
                       "malformed or invalid one answers 401 with the header WWW-Authenticate: Bearer (raise "
                       "HTTPException(401, headers={'WWW-Authenticate': 'Bearer'})).",
    "docs": "Turn off the generated docs: FastAPI(docs_url=None, redoc_url=None, openapi_url=None).",
    "object-level": "GET /orders/{id} must answer 404 for an order that is somebody else's, exactly as for an id "
                    "that does not exist: store the owner with the order and compare it with the caller.",
    "extra-fields": "Forbid unknown fields (mass assignment): model_config = ConfigDict(extra='forbid') on the "
                    "pydantic model of the body.",
    "types": "Be strict: ConfigDict(strict=True) (or StrictInt/StrictStr) so that \"5\", true, 5.0 and 1e2 are not "
             "quantities and 123 is not an item; a body that is not a JSON object is a 422 too.",
    "ranges": "Bound the values: item = Field(min_length=1, max_length=64), quantity = Field(ge=1, le=100); both "
              "fields are required.",
    "rate-limit": "Count every request (any route, any answer) per caller in a middleware that runs before "
                  "authentication: the 11th within 60 s answers 429 with a Retry-After header of whole seconds.",
    "rate-key": "The caller is the sub of a valid token; without a token, or with an invalid one, it is the "
                "client address (request.client.host). One user's flood must not block another user.",
    "cors": "Add CORSMiddleware(allow_origins=['https://app.example.com'], allow_credentials=True, "
            "allow_methods=['GET', 'POST'], allow_headers=['Authorization', 'Content-Type']).",
    "cors-foreign": "Any other origin must get no Access-Control-Allow-Origin at all: no '*', no regex that "
                    "matches more, no reflecting the Origin header.",
}


# --- keys and tokens, built inside whichever process runs the learner's code --------------------

class PartnerFailed(RuntimeError):
    """The other function a case needs failed, so this case cannot judge its own function."""


def key_of(label: str) -> bytes:
    """The 32-byte key a case's label stands for."""
    return hashlib.sha256(label.encode("utf-8")).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def _time_value(value: Any, now: int) -> Any:
    if isinstance(value, str) and value.startswith("@now"):
        return now + int(value[4:] or 0)
    return value


def claims_of(recipe: dict[str, Any], now: int) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": "alice", "iat": "@now", "exp": f"@now+{LIFETIME}", "iss": ISSUER,
                              "aud": AUDIENCE, "jti": "jti-" + hashlib.sha256(repr(recipe).encode()).hexdigest()[:16]}
    claims.update(recipe.get("claims", {}))
    return {name: _time_value(value, now) for name, value in claims.items() if value != "@drop"}


def _rsa_signature(data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return private.sign(data, padding.PKCS1v15(), hashes.SHA256())


def make_token(recipe: dict[str, Any], key: bytes, now: int | None = None) -> str:
    """The token ``recipe`` describes, for ``key``."""
    moment = int(time.time()) if now is None else now
    header = {name: value for name, value in {"alg": "HS256", "typ": "JWT", **recipe.get("header", {})}.items()
              if value != "@drop"}
    claims = claims_of(recipe, moment)
    signing_input = f"{_b64(_json(header))}.{_b64(_json(claims))}".encode("ascii")
    mode = recipe.get("sign", "key")
    signers: dict[str, Callable[[], bytes]] = {
        "key": lambda: hmac.new(key, signing_input, hashlib.sha256).digest(),
        "empty": lambda: b"",
        "hs384": lambda: hmac.new(key, signing_input, hashlib.sha384).digest(),
        "hs512": lambda: hmac.new(key, signing_input, hashlib.sha512).digest(),
        "rs256": lambda: _rsa_signature(signing_input),
        "other": lambda: hmac.new(hashlib.sha256(b"another service's key" + key).digest(), signing_input,
                                  hashlib.sha256).digest(),
    }
    header_part, payload_part = signing_input.decode("ascii").split(".")
    signature = _b64(signers[mode]())
    tamper = recipe.get("tamper")
    if tamper == "payload":
        payload_part = _b64(_json({**claims, "sub": "admin"}))
    elif tamper == "signature":
        signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    return f"{header_part}.{payload_part}.{signature}"


def _partner(namespace: dict[str, Any], name: str, *args: Any) -> Any:
    function = namespace.get(name)
    if not callable(function):
        raise NotImplementedError(f"{name} is not defined yet")
    try:
        return function(*args)
    except NotImplementedError:
        raise
    except Exception as error:
        raise PartnerFailed(f"{name} raised {type(error).__name__}: {error}"[:200]) from None


# --- token scenarios ---------------------------------------------------------------------------

def _issued(namespace: dict[str, Any], user_id: str, label: str) -> dict[str, Any]:
    """Call issue_token and take its token apart (plain data only)."""
    key = key_of(label)
    before = int(time.time())
    token = namespace["issue_token"](user_id, key)
    after = int(time.time())
    report: dict[str, Any] = {"is_str": type(token) is str, "before": before, "after": after}
    if type(token) is not str or token.count(".") != 2:
        return report
    header_part, payload_part, signature_part = token.split(".")
    try:
        report["header"] = json.loads(_unb64(header_part))
        report["claims"] = json.loads(_unb64(payload_part))
        expected = hmac.new(key, f"{header_part}.{payload_part}".encode("ascii"), hashlib.sha256).digest()
        report["mac_ok"] = hmac.compare_digest(expected, _unb64(signature_part))
    except ValueError:
        report["unreadable"] = True
    return report


def _jti_sequence(namespace: dict[str, Any], label: str, count: int) -> list[Any]:
    """The jti of ``count`` tokens, the random module reseeded identically before each."""
    found = []
    for _ in range(count):
        random.seed(16)
        report = _issued(namespace, "alice", label)
        found.append(report.get("claims", {}).get("jti") if isinstance(report.get("claims"), dict) else None)
    return found


def _round_trip(namespace: dict[str, Any], user_id: str, label: str) -> Any:
    token = _partner(namespace, "issue_token", user_id, key_of(label))
    return _partner(namespace, "verify_token", token, key_of(label))


def _verify(namespace: dict[str, Any], recipe: dict[str, Any], label: str) -> Any:
    return namespace["verify_token"](make_token(recipe, key_of(label)), key_of(label))


def _verify_raw(namespace: dict[str, Any], token: str, label: str) -> Any:
    return namespace["verify_token"](token, key_of(label))


# --- API scenarios -------------------------------------------------------------------------------

_SHOWN_HEADERS = ("www-authenticate", "retry-after", "access-control-allow-origin",
                  "access-control-allow-credentials", "access-control-allow-methods", "access-control-allow-headers")


def _seen(response: Any) -> dict[str, Any]:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text[:200]
    headers = {name: response.headers[name] for name in _SHOWN_HEADERS if name in response.headers}
    return {"status": response.status_code, "headers": headers, "body": body}


class _Api:
    """The learner's app for one case, with helpers to call it as a given user or address."""

    def __init__(self, namespace: dict[str, Any], label: str) -> None:
        self.key = key_of(label)
        self.app = namespace["create_api"](self.key)  # unwritten: check() says create_api is not written yet
        probe = make_token({"claims": {"sub": "probe"}}, self.key)
        try:
            _partner(namespace, "verify_token", probe, self.key)
        except NotImplementedError:  # not "create_api is not written": name the function that is missing
            raise PartnerFailed("verify_token is not written yet, and create_api needs it") from None
        self.clients: dict[str, Any] = {}

    def client(self, address: str = "203.0.113.10") -> Any:
        if address not in self.clients:
            self.clients[address] = targets.client_for(self.app, client=(address, 50000),
                                                       raise_server_exceptions=False)
        return self.clients[address]

    def token(self, user: str, recipe: dict[str, Any] | None = None) -> str:
        recipe = dict(recipe or {})
        recipe["claims"] = {"sub": user, "jti": f"{user}-{secrets.token_hex(8)}", **recipe.get("claims", {})}
        return make_token(recipe, self.key)

    def call(self, method: str, path: str, user: str | None = None, *, authorization: str | None = None,
             address: str = "203.0.113.10", body: Any = None, raw: str | None = None,
             headers: dict[str, str] | None = None) -> dict[str, Any]:
        sent = dict(headers or {})
        if user is not None:
            sent["Authorization"] = "Bearer " + self.token(user)
        elif authorization is not None:
            sent["Authorization"] = authorization
        kwargs: dict[str, Any] = {"headers": sent}
        if raw is not None:
            sent.setdefault("Content-Type", "application/json")
            kwargs["content"] = raw.encode("utf-8")
        elif body is not None:
            kwargs["json"] = body
        return _seen(self.client(address).request(method, path, **kwargs))


def _script_me(api: _Api, user: str) -> list[dict[str, Any]]:
    return [api.call("GET", "/me", user)]


def _script_order_flow(api: _Api, user: str, item: str, quantity: int) -> list[dict[str, Any]]:
    created = api.call("POST", "/orders", user, body={"item": item, "quantity": quantity})
    seen = [created]
    if created["status"] == 201 and isinstance(created["body"], dict) and "id" in created["body"]:
        seen.append(api.call("GET", f"/orders/{created['body']['id']}", user))
    return seen


def _authorization_value(api: _Api, kind: str) -> str | None:
    """The Authorization header an unauthenticated-request case sends."""
    if kind == "missing":
        return None
    if kind.startswith("raw:"):
        return kind[4:]
    if kind == "no-scheme":
        return api.token("alice")
    recipe = json.loads(kind[len("recipe:"):])
    return "Bearer " + make_token(recipe, api.key)


def _script_unauthenticated(api: _Api, kind: str) -> list[dict[str, Any]]:
    value = _authorization_value(api, kind)
    headers = {} if value is None else {"Authorization": value}
    return [api.call("GET", "/me", headers=headers),
            api.call("POST", "/orders", headers=headers, body={"item": "pen", "quantity": 1}),
            api.call("GET", "/orders/1", headers=headers)]


def _script_docs(api: _Api) -> list[dict[str, Any]]:
    return [api.call("GET", path) for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect")]


def _script_other_owner(api: _Api, owner: str, other: str) -> list[dict[str, Any]]:
    created = api.call("POST", "/orders", owner, body={"item": "owner's secret order", "quantity": 3})
    order_id = created["body"].get("id") if isinstance(created["body"], dict) else None
    return [created, api.call("GET", f"/orders/{order_id}", other), api.call("GET", f"/orders/{order_id}", owner)]


def _script_missing_order(api: _Api, user: str, order_id: str) -> list[dict[str, Any]]:
    api.call("POST", "/orders", user, body={"item": "pen", "quantity": 1})
    return [api.call("GET", f"/orders/{order_id}", user)]


def _script_bad_order(api: _Api, user: str, body: Any, raw: str | None = None) -> list[dict[str, Any]]:
    return [api.call("POST", "/orders", user, body=body, raw=raw)]


def _flood(api: _Api, count: int, user: str | None, address: str = "203.0.113.10",
           authorization: str | None = None) -> list[dict[str, Any]]:
    calls = [("GET", "/me", None), ("POST", "/orders", {"item": "pen", "quantity": 1}), ("GET", "/orders/1", None),
             ("POST", "/orders", {"item": "", "quantity": "lots"}), ("GET", "/nowhere", None)]
    seen = []
    for number in range(count):
        method, path, body = calls[number % len(calls)]
        seen.append(api.call(method, path, user, authorization=authorization, address=address, body=body))
    return seen


def _script_rate_user(api: _Api, user: str) -> list[dict[str, Any]]:
    return _flood(api, LIMIT, user) + [api.call("GET", "/me", user)]


def _script_rate_anonymous(api: _Api, authorization: str | None) -> list[dict[str, Any]]:
    return _flood(api, LIMIT, None, authorization=authorization) + [api.call("GET", "/me")]


def _script_rate_separate(api: _Api, user: str, other: str) -> list[dict[str, Any]]:
    """user floods; other users, the anonymous address and another address are not blocked; user stays blocked."""
    seen = _flood(api, LIMIT + 1, user)
    return seen[-1:] + [api.call("GET", "/me", other), api.call("GET", "/me"),
                        api.call("GET", "/me", address="198.51.100.20"), api.call("GET", "/me", user)]


def _script_preflight(api: _Api, path: str, method: str) -> list[dict[str, Any]]:
    return [api.call("OPTIONS", path, headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": method,
                                               "Access-Control-Request-Headers": "authorization,content-type"}),
            api.call("GET", "/me", "alice", headers={"Origin": ALLOWED_ORIGIN})]


def _script_foreign_origin(api: _Api, origin: str) -> list[dict[str, Any]]:
    return [api.call("OPTIONS", "/orders", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                                    "Access-Control-Request-Headers": "authorization"}),
            api.call("GET", "/me", "alice", headers={"Origin": origin, "Cookie": "session=1"}),
            api.call("POST", "/orders", "alice", headers={"Origin": origin}, body={"item": "pen", "quantity": 1})]


API_SCRIPTS: dict[str, Callable[..., list[dict[str, Any]]]] = {
    "me": _script_me, "order_flow": _script_order_flow, "unauthenticated": _script_unauthenticated,
    "docs": _script_docs, "other_owner": _script_other_owner, "missing_order": _script_missing_order,
    "bad_order": _script_bad_order, "rate_user": _script_rate_user, "rate_anonymous": _script_rate_anonymous,
    "rate_separate": _script_rate_separate, "preflight": _script_preflight, "foreign_origin": _script_foreign_origin,
}


def _api(namespace: dict[str, Any], label: str, script: str, *args: Any) -> list[dict[str, Any]]:
    return API_SCRIPTS[script](_Api(namespace, label), *args)


FIXTURES: dict[str, Callable[[], list[Any]]] = {}
SCENARIOS: dict[str, Callable[..., Any]] = {
    "issue": _issued, "jti": _jti_sequence, "round_trip": _round_trip, "verify": _verify,
    "verify_raw": _verify_raw, "api": _api,
}


# --- judges ---------------------------------------------------------------------------------------

def issue_problems(report: dict[str, Any], user_id: str) -> list[str]:
    """What is wrong with a token issue_token made (empty when nothing is)."""
    if not report.get("is_str"):
        return ["did not return a str"]
    if "claims" not in report or report.get("unreadable"):
        return ["not a JWT of three base64url parts with JSON header and payload"]
    header, claims = report["header"], report["claims"]
    problems = []
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        problems.append("the header's alg is not HS256")
    if not isinstance(claims, dict):
        return [*problems, "the payload is not a JSON object"]
    if claims.get("sub") != user_id:
        problems.append("sub is not the user id")
    iat, exp = claims.get("iat"), claims.get("exp")
    if type(iat) is not int or not report["before"] - CLOCK_SLACK <= iat <= report["after"] + CLOCK_SLACK:
        problems.append("iat is not the current time as an int")
    if type(exp) is not int or type(iat) is not int or exp - iat != LIFETIME:
        problems.append("exp is not iat + 900 as an int")
    if claims.get("iss") != ISSUER:
        problems.append("iss is not 'safer-python'")
    if claims.get("aud") != AUDIENCE:
        problems.append("aud is not the string 'safer-python-api'")
    if type(claims.get("jti")) is not str or not claims.get("jti"):
        problems.append("jti is not a non-empty str")
    if not report.get("mac_ok"):
        problems.append("the signature is not HMAC-SHA256 with the key")
    return problems


def _issues_properly(user_id: str) -> Expectation:
    return satisfies(lambda report: issue_problems(report, user_id) == [],
                     "an HS256 token with sub, int iat = now, exp = iat + 900, iss, aud, a str jti, signed with the key",
                     lambda outcome: "; ".join(issue_problems(outcome.get("value", {}), user_id))
                     if "value" in outcome else describe_outcome(outcome))


_RANDOM_JTI = satisfies(lambda jtis: all(type(jti) is str and jti for jti in jtis) and len(set(jtis)) == len(jtis),
                        "a different jti every time, even after random.seed(16)")


def _returns_exactly(expected: str) -> Expectation:
    return Expectation(lambda outcome: "value" in outcome and type(outcome["value"]) is str
                       and outcome["value"] == expected, f"return {expected!r}")


def _statuses(seen: list[dict[str, Any]]) -> str:
    return "answered " + ", ".join(str(response.get("status")) for response in seen)


def _judge(predicate: Callable[[list[dict[str, Any]]], bool], describe: str) -> Expectation:
    return satisfies(predicate, describe, lambda outcome: _statuses(outcome["value"]) if "value" in outcome
                     else describe_outcome(outcome))


def _header(response: dict[str, Any], name: str) -> str | None:
    value = response.get("headers", {}).get(name)
    return value if isinstance(value, str) else None


def _me_ok(user: str) -> Expectation:
    return _judge(lambda seen: seen[0]["status"] == 200 and seen[0]["body"] == {"user": user},
                  f"200 {{'user': {user!r}}}")


def _order_ok(item: str, quantity: int) -> Expectation:
    def ok(seen: list[dict[str, Any]]) -> bool:
        created = seen[0]
        body = created["body"]
        return (created["status"] == 201 and isinstance(body, dict) and set(body) == {"id", "item", "quantity"}
                and body["item"] == item and body["quantity"] == quantity and type(body["quantity"]) is int
                and len(seen) == 2 and seen[1]["status"] == 200 and seen[1]["body"] == body)
    return _judge(ok, "201 with exactly id, item and quantity, and GET /orders/{id} gives it back to its owner")


def _all_401(seen: list[dict[str, Any]]) -> bool:
    return all(response["status"] == 401 and (_header(response, "www-authenticate") or "").lower().startswith("bearer")
               for response in seen)


def _docs_closed(seen: list[dict[str, Any]]) -> bool:
    return all(response["status"] != 200 and "openapi" not in json.dumps(response["body"]).lower()
               and "swagger" not in json.dumps(response["body"]).lower() for response in seen)


def _other_owner_hidden(seen: list[dict[str, Any]]) -> bool:
    created, other, owner = seen
    return (created["status"] == 201 and other["status"] == 404 and "secret" not in json.dumps(other["body"])
            and owner["status"] == 200)


def _is_422(seen: list[dict[str, Any]]) -> bool:
    return seen[0]["status"] == 422


def _retry_after_ok(response: dict[str, Any]) -> bool:
    value = _header(response, "retry-after") or ""
    return response["status"] == 429 and value.isascii() and value.isdigit() and 1 <= int(value) <= 60


def _limited_after_ten(seen: list[dict[str, Any]]) -> bool:
    return all(response["status"] != 429 for response in seen[:LIMIT]) and _retry_after_ok(seen[LIMIT])


def _separate_buckets(seen: list[dict[str, Any]]) -> bool:
    flooded, other_user, anonymous, other_address, same_user = seen
    return (_retry_after_ok(flooded) and other_user["status"] == 200 and anonymous["status"] == 401
            and other_address["status"] == 401 and same_user["status"] == 429)


def _preflight_ok(seen: list[dict[str, Any]]) -> bool:
    preflight, simple = seen
    methods = {m.strip().upper() for m in (_header(preflight, "access-control-allow-methods") or "").split(",")}
    allowed = {h.strip().lower() for h in (_header(preflight, "access-control-allow-headers") or "").split(",")}
    return (preflight["status"] == 200 and _header(preflight, "access-control-allow-origin") == ALLOWED_ORIGIN
            and _header(preflight, "access-control-allow-credentials") == "true"
            and {"GET", "POST"} <= methods and {"authorization", "content-type"} <= allowed
            and simple["status"] == 200 and _header(simple, "access-control-allow-origin") == ALLOWED_ORIGIN
            and _header(simple, "access-control-allow-credentials") == "true")


def _no_allow_origin(seen: list[dict[str, Any]]) -> bool:
    return all(_header(response, "access-control-allow-origin") is None for response in seen)


# --- the cases ----------------------------------------------------------------------------------

def _recipe_category(recipe: dict[str, Any]) -> str:
    if recipe.get("tamper"):
        return "tampered"
    if recipe.get("sign") == "other":
        return "wrong-key"
    if recipe.get("header", {}).get("alg", "HS256") != "HS256" or recipe.get("sign") in ("hs384", "hs512", "rs256"):
        return "algorithm"
    if recipe.get("sign") == "empty":
        return "tampered"
    claims = recipe.get("claims", {})
    if "@drop" in claims.values():
        return "missing-claim"
    if "iss" in claims or "aud" in claims:
        return "issuer-audience"
    return "expired"


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found: list[Case] = []
    keys = [str(label) for label in corpus.get("key_labels", [])] or ["key A"]

    def add(part: str, category: str, function: str, scenario: str, args: tuple[Any, ...], expect: Expectation,
            needs: tuple[str, ...] = ()) -> None:
        found.append(Case(part, category, function, args, expect, public=public, scenario=scenario, needs=needs))

    for number, user in enumerate(corpus.get("users", [])):
        key = keys[number % len(keys)]
        add("tokens.works", "claims", "issue_token", "issue", (user, key), _issues_properly(user))
        add("tokens.works", "round-trip", "issue_token", "round_trip", (user, key), _returns_exactly(user),
            ("verify_token",))
        add("tokens.works", "round-trip", "verify_token", "round_trip", (user, key), _returns_exactly(user),
            ("issue_token",))
        add("tokens.works", "valid-token", "verify_token", "verify", ({"claims": {"sub": user}}, key),
            _returns_exactly(user))
    for number, recipe in enumerate(corpus.get("valid_tokens", [])):
        sub = str(recipe.get("claims", {}).get("sub", "alice"))
        add("tokens.works", "valid-token", "verify_token", "verify", (recipe, keys[number % len(keys)]),
            _returns_exactly(sub))
    if corpus.get("users"):
        add("tokens.attack", "jti-random", "issue_token", "jti", (keys[0], 3), _RANDOM_JTI)
    for number, recipe in enumerate(corpus.get("bad_tokens", [])):
        add("tokens.attack", _recipe_category(recipe), "verify_token", "verify", (recipe, keys[number % len(keys)]),
            raises("ValueError"))
    for token in corpus.get("garbage_tokens", []):
        add("tokens.attack", "garbage", "verify_token", "verify_raw", (token, keys[0]), raises("ValueError"))

    def api(part: str, category: str, script: str, args: tuple[Any, ...], expect: Expectation) -> None:
        add(part, category, "create_api", "api", (keys[len(found) % len(keys)], script, *args), expect)

    for user in corpus.get("api_users", []):
        api("create_api.works", "me", "me", (user,), _me_ok(user))
    for item, quantity in corpus.get("api_orders", []):
        api("create_api.works", "orders", "order_flow", ("alice", item, quantity), _order_ok(item, quantity))
    for kind in corpus.get("api_unauthenticated", []):
        api("create_api.auth", "unauthenticated", "unauthenticated", (kind,),
            _judge(_all_401, "401 with WWW-Authenticate: Bearer on every route"))
    if corpus.get("api_users"):
        api("create_api.auth", "docs", "docs", (), _judge(_docs_closed, "no open /docs, /redoc or /openapi.json"))
    for owner, other in corpus.get("api_other_owner", []):
        api("create_api.auth", "object-level", "other_owner", (owner, other),
            _judge(_other_owner_hidden, "404 for somebody else's order, 200 for its owner"))
    for order_id in corpus.get("api_missing_orders", []):
        api("create_api.auth", "object-level", "missing_order", ("alice", order_id),
            _judge(lambda seen: seen[0]["status"] == 404, "404 for an order that does not exist"))
    for category in ("extra_fields", "types", "ranges"):
        for body in corpus.get(f"api_bad_{category}", []):
            api("create_api.validation", category.replace("_", "-"), "bad_order", ("alice", body),
                _judge(_is_422, "422"))
    for raw in corpus.get("api_bad_raw", []):
        api("create_api.validation", "types", "bad_order", ("alice", None, raw), _judge(_is_422, "422"))
    for user in corpus.get("api_rate_users", []):
        api("create_api.limits", "rate-limit", "rate_user", (user,),
            _judge(_limited_after_ten, "10 answers, then 429 with Retry-After (1-60 s)"))
    for authorization in corpus.get("api_rate_anonymous", []):
        api("create_api.limits", "rate-limit", "rate_anonymous", (authorization,),
            _judge(_limited_after_ten, "10 answers without a valid token, then 429 with Retry-After"))
    for user, other in corpus.get("api_rate_separate", []):
        api("create_api.limits", "rate-key", "rate_separate", (user, other),
            _judge(_separate_buckets, "429 only for the flooding user; other users and addresses unaffected"))
    for path, method in corpus.get("api_preflights", []):
        api("create_api.limits", "cors", "preflight", (path, method),
            _judge(_preflight_ok, f"{ALLOWED_ORIGIN} echoed with credentials, GET/POST and both headers allowed"))
    for origin in corpus.get("api_foreign_origins", []):
        api("create_api.limits", "cors-foreign", "foreign_origin", (origin,),
            _judge(_no_allow_origin, "no Access-Control-Allow-Origin for a foreign origin"))
    return found


def _bad_token_recipes() -> list[dict[str, Any]]:
    return [
        {"header": {"alg": "none"}, "sign": "empty"},
        {"header": {"alg": "none"}, "sign": "key"},
        {"header": {"alg": "HS512"}, "sign": "hs512"},
        {"header": {"alg": "RS256"}, "sign": "rs256"},
        {"claims": {"exp": "@now-60", "iat": "@now-960"}},
        {"claims": {"exp": "@drop"}},
        {"claims": {"sub": "@drop"}},
        {"claims": {"aud": "@drop"}},
        {"claims": {"iss": "someone-else"}},
        {"claims": {"aud": "billing-api"}},
        {"tamper": "payload"},
        {"tamper": "signature"},
        {"sign": "other"},
    ]


def public_corpus() -> dict[str, list[Any]]:
    return {
        "key_labels": ["key A", "key B"],
        "users": ["alice", "user-42", "Zoë"],
        "valid_tokens": [{"claims": {"sub": "bob", "role": "user"}, "header": {"kid": "2026-01"}},
                         {"claims": {"sub": "carol", "exp": "@now+5"}}],
        "bad_tokens": _bad_token_recipes(),
        "garbage_tokens": ["", "not a token", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30"],
        "api_users": ["alice"],
        "api_orders": [["pen", 2], ["x", 1], ["y" * 64, 100]],
        "api_unauthenticated": ["missing", "raw:Bearer garbage", "raw:Basic YWxpY2U6c2VjcmV0",
                                'recipe:{"header": {"alg": "none"}, "sign": "empty"}',
                                'recipe:{"claims": {"exp": "@now-3600", "iat": "@now-4500"}}'],
        "api_other_owner": [["alice", "bob"]],
        "api_missing_orders": ["999999"],
        "api_bad_extra_fields": [{"item": "pen", "quantity": 1, "owner": "bob"},
                                 {"item": "pen", "quantity": 1, "price": 0}],
        "api_bad_types": [{"item": "pen", "quantity": "5"}, {"item": "pen", "quantity": True},
                          {"item": "pen", "quantity": 5.0}, {"item": 123, "quantity": 1}],
        "api_bad_ranges": [{"item": "pen", "quantity": 0}, {"item": "pen", "quantity": 101},
                           {"item": "", "quantity": 1}, {"item": "y" * 65, "quantity": 1}, {"item": "pen"}],
        "api_bad_raw": ["not json", "[1, 2]"],
        "api_rate_users": ["alice"],
        "api_rate_anonymous": [None],
        "api_rate_separate": [["alice", "bob"]],
        "api_preflights": [["/orders", "POST"]],
        "api_foreign_origins": ["https://evil.example", "null", "https://app.example.com.evil.example"],
    }


# --- the exploit challenge -----------------------------------------------------------------------

MAX_TOKEN_CHARACTERS = 10_000


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded token as the bearer token of ``GET /admin`` on both twins.

    It works on a twin when the admin page answers 200 with the admin data. The fixed
    API gets a fresh random key, as every real deployment must have.
    """
    if not isinstance(payload, str) or not payload.strip() or len(payload) > MAX_TOKEN_CHARACTERS:
        return {"vulnerable": False, "fixed": False}
    results = {}
    for twin, app in (("vulnerable", targets.vulnerable_api()), ("fixed", targets.fixed_api(targets.new_key()))):
        status, body = targets.admin_page(app, payload.strip())
        results[twin] = status == 200 and body == targets.ADMIN_DATA
    return results
