"""Spec of exercise 05_misconfiguration: security_headers, parse_order_xml, app_config.

Corpus entries are JSON data:

* ``security_headers``: an input header dict each (the judge checks the whole contract
  on the result, so a case needs no expected value);
* ``parse_order_xml``: ``{"xml": text, "expect": result}`` for an order that parses,
  ``{"xml": text}`` for one that must raise ValueError; ``"encoding"`` (default utf-8)
  says how the text becomes the bytes the function gets. Hostile documents may hold
  ``{uri}`` (a marker file, as a file: URI), ``{path}`` (its path) and ``{url}`` (a
  loopback URL where a listening socket notices any connection): the scenario checks
  that the function raised ValueError without reading the file or connecting;
* ``app_config``: ``{"env": {...}, "expect": result}``, ``{"env": {...}}`` for an
  environment that must raise ValueError, and environments without a key in development
  (the key must be generated: long, fresh and from ``secrets``).
"""

from __future__ import annotations

import os
import random
import socket
import tempfile
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seclab.spec import Case, Expectation, Part, raises, returns, satisfies
from seclab.topics.misconfiguration.headers import DISCLOSING, MANAGED, value_problems

PARTS = {
    part.name: part
    for part in [
        Part("security_headers.works", "security_headers",
             "security_headers returns a new dict with the five security headers and every other header unchanged"),
        Part("security_headers.attack", "security_headers",
             "security_headers sets strong values and drops managed and disclosing headers in any letter case"),
        Part("parse_order_xml.works", "parse_order_xml",
             "parse_order_xml parses orders and rejects malformed or misshapen ones"),
        Part("parse_order_xml.attack", "parse_order_xml",
             "parse_order_xml refuses DOCTYPEs, entities and XInclude without reading files or connecting, "
             "and values that only look valid"),
        Part("app_config.works", "app_config", "app_config reads well-formed environments"),
        Part("app_config.attack", "app_config",
             "app_config fails safe: unknown values, debug in production and missing or short keys raise "
             "ValueError; generated keys are fresh and from secrets"),
    ]
}

HINTS = {
    "headers": "Return a new dict: copy the input (dict(headers)), leave the input as it was, set the five headers "
               "under exactly the names Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, "
               "Referrer-Policy and Content-Security-Policy, and copy every other header with its name and value.",
    "weak-values": "Use strong values: HSTS 'max-age=31536000; includeSubDomains' (or longer), nosniff, DENY, "
                   "a referrer policy such as 'strict-origin-when-cross-origin', and a CSP with default-src 'self' "
                   "and frame-ancestors 'none' and no 'unsafe-inline', 'unsafe-eval', '*' or bare 'https:'/'data:' "
                   "sources anywhere.",
    "letter-case": "Header names are case-insensitive: drop every input header whose name.lower() equals a managed "
                   "name's lower() before you set yours, or a weak 'content-security-policy' sits next to your "
                   "strong one.",
    "disclosure": "Drop Server, X-Powered-By and X-AspNet-Version in any letter case (compare name.lower()); "
                  "keep headers that merely start the same way, such as Server-Timing.",
    "lookalike": "Compare whole names, not prefixes: Server-Timing, X-Powered-By-Plugin or "
                 "Content-Security-Policy-Report-Only are other headers, to be copied unchanged.",
    "order": "Return {\"items\": [{\"sku\": str, \"qty\": int}, ...], \"note\": str}: items in document order, "
             "qty as an int, note '' when there is none.",
    "shape": "Raise ValueError for malformed XML (catch ElementTree's ParseError), a root other than <order>, "
             "no <item>, two <note>s, a missing sku or qty, qty outside 1-1000, and any other element or "
             "attribute (also children of <item> or <note>).",
    "doctype": "Parse with defusedxml.ElementTree.fromstring(data, forbid_dtd=True): it refuses every DOCTYPE, "
               "entity and external reference with a ValueError, before anything is read or fetched.",
    "xinclude": "XInclude needs no DOCTYPE: look at every element (root.iter()) and raise ValueError for any tag "
                "in the namespace {http://www.w3.org/2001/XInclude}, and never call an XInclude processor.",
    "values": "Match whole values with re.fullmatch: sku [A-Z0-9-]{1,32}, qty [0-9]+ (ASCII digits only: int() "
              "also accepts ' 3', '+3', '1_0' and Arabic-Indic digits), then check 1 <= qty <= 1000.",
    "config": "Return {\"env\", \"debug\", \"secret_key\"}: APP_ENV and APP_DEBUG stripped and lower-cased, "
              "'1'/'true'/'yes'/'on' is True, '0'/'false'/'no'/'off'/'' or missing is False, and the key exactly "
              "as given. bool('False') is True: never use bool() on a string.",
    "generated-key": "In development without APP_SECRET_KEY, return a new random key of at least 32 characters, "
                     "e.g. secrets.token_urlsafe(32).",
    "fail-safe": "Accept only the listed spellings and raise ValueError for everything else (also 'prod', 'maybe'); "
                 "missing or empty APP_ENV is production, debug is never allowed in production, and production "
                 "needs APP_SECRET_KEY with at least 32 characters (an empty one counts as missing).",
    "fresh-key": "Generate the development key with secrets (secrets.token_urlsafe(32)) on every call: a constant, "
                 "or a key from the random module, is predictable.",
}

FIXTURES: dict[str, Callable[[], list[Any]]] = {}

XINCLUDE_NAMESPACE = "http://www.w3.org/2001/XInclude"
MIN_KEY_LENGTH = 32


# --- security_headers --------------------------------------------------------------------

_MANAGED_LOWER = {name.lower(): name for name in MANAGED}
_DISCLOSING_LOWER = {name.lower() for name in DISCLOSING}


def header_contract_problems(given: dict[str, str], result: Any, strict: bool = True) -> list[str]:
    """Everything ``result`` gets wrong as security_headers(given); [] when it keeps the contract.

    With ``strict`` False only the shape is judged (the headers are there under their
    names, other headers copied), not the strength of the values.
    """
    if type(result) is not dict or not all(type(k) is str and type(v) is str for k, v in result.items()):
        return ["not a dict of str to str"]
    problems = []
    for lower, name in _MANAGED_LOWER.items():
        spellings = [key for key in result if key.lower() == lower]
        if name not in result:
            problems.append(f"no {name}")
        elif strict and spellings != [name]:
            problems.append(f"{name} also as {[s for s in spellings if s != name]}")
        elif strict and value_problems(name, result[name]):
            problems.append(f"{name}: {'; '.join(value_problems(name, result[name]))}")
    if strict:
        problems += [f"{key} still there" for key in result if key.lower() in _DISCLOSING_LOWER]
    for key, value in given.items():
        if key.lower() not in _MANAGED_LOWER and key.lower() not in _DISCLOSING_LOWER and result.get(key) != value:
            problems.append(f"{key} not copied unchanged")
    return problems


def _headers_ok(given: dict[str, str], strict: bool) -> Callable[[Any], bool]:
    return lambda result: not header_contract_problems(given, result, strict)


def _header_category(given: dict[str, str]) -> str:
    names = {key.lower() for key in given}
    if names & _DISCLOSING_LOWER:
        return "disclosure"
    if names & set(_MANAGED_LOWER):
        return "letter-case"
    if any(name.startswith(known) for name in names for known in [*_DISCLOSING_LOWER, *_MANAGED_LOWER]):
        return "lookalike"
    return "weak-values"


def _fresh_dict(namespace: dict[str, Any], given: dict[str, str]) -> dict[str, bool]:
    """Call with a dict of our own: is the result another object, and is the input untouched?"""
    headers = dict(given)
    result = namespace["security_headers"](headers)
    return {"new_dict": result is not headers, "input_unchanged": headers == given}


# --- parse_order_xml ---------------------------------------------------------------------

def _as_bytes(namespace: dict[str, Any], text: str, encoding: str) -> Any:
    return namespace["parse_order_xml"](text.encode(encoding))


class _Listener:
    """A loopback socket that notices (and at once drops) every connection, for a ``with`` block."""

    def __init__(self) -> None:
        self.connected = threading.Event()
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}/order.dtd"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except OSError:
                continue
            self.connected.set()
            connection.close()

    def __enter__(self) -> _Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=1)
        self._socket.settimeout(0)
        try:  # a connection still waiting in the backlog counts too
            self._socket.accept()[0].close()
            self.connected.set()
        except OSError:
            pass
        self._socket.close()


def _hostile(namespace: dict[str, Any], template: str, encoding: str) -> str:
    """Parse a hostile document pointing at a marker file and a listening socket; say what happened.

    "refused" when the function raised ValueError, never read the marker (its access
    time, set far in the past, is unchanged and its text is not in the result) and never
    connected to the socket.
    """
    folder = tempfile.mkdtemp(prefix="seclab-xxe-")
    marker = Path(folder) / "marker.txt"
    secret = "MARKER-" + os.urandom(8).hex()
    marker.write_text(secret)
    os.utime(marker, (1, marker.stat().st_mtime))
    with _Listener() as listener:
        text = template.replace("{uri}", marker.as_uri()).replace("{path}", str(marker)).replace("{url}", listener.url)
        try:
            result = namespace["parse_order_xml"](text.encode(encoding))
            raised = None
        except Exception as error:  # judged below, whatever it is
            result, raised = None, error
    try:
        read = marker.stat().st_atime != 1 or secret in repr(result)
    finally:
        marker.unlink()
        os.rmdir(folder)
    if read:
        return "read the marker file"
    if listener.connected.is_set():
        return "connected to a URL in the document"
    if raised is None:
        return "returned without raising"
    return "refused" if isinstance(raised, ValueError) else f"raised {type(raised).__name__}, not ValueError"


# --- app_config --------------------------------------------------------------------------

def _generated_key(namespace: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """The config of a development environment without a key, the key replaced by whether it is long enough."""
    config = namespace["app_config"](dict(env))
    if type(config) is not dict:
        return {"returned": type(config).__name__}
    key = config.get("secret_key")
    return {"env": config.get("env"), "debug": config.get("debug"),
            "key": type(key) is str and len(key) >= MIN_KEY_LENGTH}


def _fresh_keys(namespace: dict[str, Any], env: dict[str, str], seed: int) -> bool:
    """Three generated keys differ, also when ``random`` is seeded the same way before each call."""
    keys = []
    for _ in range(3):
        random.seed(seed)
        config = namespace["app_config"](dict(env))
        keys.append(config.get("secret_key") if type(config) is dict else None)
    return all(type(key) is str for key in keys) and len(set(keys)) == len(keys)


def _read_only_mapping(namespace: dict[str, Any], env: dict[str, str]) -> Any:
    """app_config on a read-only Mapping that is not a dict (like os.environ, it only promises Mapping)."""
    return namespace["app_config"](types.MappingProxyType(dict(env)))


_REFUSED = Expectation(lambda outcome: outcome.get("value") == "refused" and "value" in outcome,
                       "raise ValueError, reading no file and opening no connection")

SCENARIOS: dict[str, Callable[..., Any]] = {
    "fresh_dict": _fresh_dict,
    "as_bytes": _as_bytes,
    "hostile": _hostile,
    "generated_key": _generated_key,
    "fresh_keys": _fresh_keys,
    "read_only_mapping": _read_only_mapping,
}


# --- cases -------------------------------------------------------------------------------

def _order_case(part: str, entry: dict[str, Any], public: bool) -> Case:
    """A case of parse_order_xml: an order that parses, one that must raise, or a hostile one."""
    args = (entry["xml"], entry.get("encoding", "utf-8"))
    if "expect" in entry:
        return Case(part, "order", "parse_order_xml", args, returns(entry["expect"]), public=public, scenario="as_bytes")
    category = entry.get("category", "shape")
    if part.endswith(".attack"):
        return Case(part, category, "parse_order_xml", args, _REFUSED, public=public, scenario="hostile")
    return Case(part, category, "parse_order_xml", args, raises("ValueError"), public=public, scenario="as_bytes")


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found: list[Case] = []
    # every case gets its own copies: a function that changes its input cannot change another case
    for given in corpus.get("ordinary_headers", []):
        found.append(Case("security_headers.works", "headers", "security_headers", (dict(given),),
                          satisfies(_headers_ok(dict(given), strict=False),
                                    "the five headers under their names, every other header unchanged"),
                          public=public))
        found.append(Case("security_headers.attack", _header_category(given), "security_headers", (dict(given),),
                          satisfies(_headers_ok(dict(given), strict=True),
                                    "strong values for the five headers, every other header unchanged"),
                          public=public))
    for given in corpus.get("fresh_dict", []):
        found.append(Case("security_headers.works", "headers", "security_headers", (dict(given),),
                          returns({"new_dict": True, "input_unchanged": True}), public=public, scenario="fresh_dict"))
    for given in corpus.get("hostile_headers", []):
        found.append(Case("security_headers.attack", _header_category(given), "security_headers", (dict(given),),
                          satisfies(_headers_ok(dict(given), strict=True),
                                    "only your five headers (exact names, strong values), no Server/X-Powered-By/"
                                    "X-AspNet-Version in any case, every other header unchanged"),
                          public=public))
    for entry in corpus.get("orders", []):
        found.append(_order_case("parse_order_xml.works", entry, public))
    for entry in corpus.get("hostile_xml", []):
        found.append(_order_case("parse_order_xml.attack", entry, public))
    for entry in corpus.get("configs", []):
        env = dict(entry["env"])
        if "expect" in entry:
            found.append(Case("app_config.works", "config", "app_config", (env,), returns(entry["expect"]),
                              public=public))
        elif entry.get("generated"):
            expected = {"env": "development", "debug": entry["generated"] == "debug", "key": True}
            found.append(Case("app_config.works", "generated-key", "app_config", (env,), returns(expected),
                              public=public, scenario="generated_key"))
        elif entry.get("mapping"):
            found.append(Case("app_config.works", "config", "app_config", (env,), returns(entry["mapping"]),
                              public=public, scenario="read_only_mapping"))
    for entry in corpus.get("unsafe_configs", []):
        env = dict(entry["env"])
        if "expect" in entry:
            found.append(Case("app_config.attack", "fail-safe", "app_config", (env,), returns(entry["expect"]),
                              public=public))
        elif "seed" in entry:
            found.append(Case("app_config.attack", "fresh-key", "app_config", (env, int(entry["seed"])),
                              returns(True), public=public, scenario="fresh_keys"))
        else:
            found.append(Case("app_config.attack", "fail-safe", "app_config", (env,), raises("ValueError"),
                              public=public))
    return found


_KEY = "k" * 20 + "-demo-key-not-secret"  # 40 characters, obviously not a real key
_DEV = {"APP_ENV": "development"}
_EMPTY, _SHORT = "", "dev"  # keys that must be refused


def public_corpus() -> dict[str, list[Any]]:
    return {
        "ordinary_headers": [
            {},
            {"Content-Type": "text/html; charset=utf-8", "Content-Length": "1234"},
            {"Cache-Control": "no-store", "Set-Cookie": "session=abc123; HttpOnly; Secure; SameSite=Lax",
             "Server-Timing": "db;dur=53"},
        ],
        "fresh_dict": [{"Content-Type": "text/plain", "Server": "nginx/1.18.0"}],
        "hostile_headers": [
            {"Server": "Werkzeug/3.1.9 Python/3.11.9", "X-Powered-By": "PHP/7.4.3", "Content-Type": "text/html"},
            {"server": "Apache/2.4.41 (Ubuntu)", "X-ASPNET-VERSION": "4.0.30319", "ETag": '"abc"'},
            {"content-security-policy": "default-src *; script-src 'unsafe-inline'", "Content-Type": "text/html"},
            {"x-frame-options": "ALLOWALL", "STRICT-TRANSPORT-SECURITY": "max-age=0", "Vary": "Cookie"},
        ],
        "orders": [
            {"xml": '<order><item sku="AB-12" qty="3"/><note>leave at the door</note></order>',
             "expect": {"items": [{"sku": "AB-12", "qty": 3}], "note": "leave at the door"}},
            {"xml": '<?xml version="1.0" encoding="UTF-8"?>\n<order>\n  <item sku="AB-12" qty="1"/>\n'
                    '  <item sku="CD-34" qty="1000"/>\n</order>\n',
             "expect": {"items": [{"sku": "AB-12", "qty": 1}, {"sku": "CD-34", "qty": 1000}], "note": ""}},
            {"xml": '<order><note>Grüße &amp; thanks</note><item qty="2" sku="X-1"/></order>',
             "expect": {"items": [{"sku": "X-1", "qty": 2}], "note": "Grüße & thanks"}},
            {"xml": '<order><item sku="AB-12" qty="3"/>', "category": "shape"},
            {"xml": "", "category": "shape"},
            {"xml": '<invoice><item sku="AB-12" qty="3"/></invoice>', "category": "shape"},
            {"xml": "<order><note>empty</note></order>", "category": "shape"},
            {"xml": '<order><item sku="AB-12" qty="1"/><note>a</note><note>b</note></order>', "category": "shape"},
            {"xml": '<order><item sku="AB-12"/></order>', "category": "shape"},
            {"xml": '<order><item qty="2"/></order>', "category": "shape"},
            {"xml": '<order><item sku="AB-12" qty="0"/></order>', "category": "shape"},
            {"xml": '<order><item sku="AB-12" qty="1001"/></order>', "category": "shape"},
            {"xml": '<order><item sku="AB-12" qty="1" price="0.01"/></order>', "category": "shape"},
            {"xml": '<order><item sku="AB-12" qty="1"/><coupon>FREE</coupon></order>', "category": "shape"},
        ],
        "hostile_xml": [
            {"xml": '<!DOCTYPE order [<!ENTITY leak SYSTEM "{uri}">]>'
                    '<order><item sku="AB-12" qty="1"/><note>&leak;</note></order>', "category": "doctype"},
            {"xml": '<!DOCTYPE order><order><item sku="AB-12" qty="1"/></order>', "category": "doctype"},
            {"xml": '<!DOCTYPE order [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                    '<order><item sku="AB-12" qty="1"/><note>&b;</note></order>', "category": "doctype"},
            {"xml": '<order xmlns:xi="http://www.w3.org/2001/XInclude"><item sku="AB-12" qty="1"/>'
                    '<note><xi:include href="{uri}" parse="text"/></note></order>', "category": "xinclude"},
            {"xml": '<order><item sku="ab-12" qty="1"/></order>', "category": "values"},
            {"xml": '<order><item sku="AB-12" qty=" 3"/></order>', "category": "values"},
            {"xml": '<order><item sku="AB-12" qty="+3"/></order>', "category": "values"},
            {"xml": '<order><item sku="AB-12" qty="\u0663"/></order>', "category": "values"},
        ],
        "configs": [
            {"env": {"APP_ENV": "production", "APP_SECRET_KEY": _KEY},
             "expect": {"env": "production", "debug": False, "secret_key": _KEY}},
            {"env": {"APP_SECRET_KEY": _KEY}, "expect": {"env": "production", "debug": False, "secret_key": _KEY}},
            {"env": {"APP_ENV": " Development ", "APP_DEBUG": "TRUE", "APP_SECRET_KEY": _KEY},
             "expect": {"env": "development", "debug": True, "secret_key": _KEY}},
            {"env": {"APP_ENV": "development", "APP_DEBUG": "false", "APP_SECRET_KEY": _KEY},
             "expect": {"env": "development", "debug": False, "secret_key": _KEY}},
            {"env": {"APP_ENV": "production", "APP_DEBUG": "off", "APP_SECRET_KEY": _KEY, "HOME": "/srv"},
             "expect": {"env": "production", "debug": False, "secret_key": _KEY}},
            {"env": {**_DEV, "APP_DEBUG": "1"}, "generated": "debug"},
            {"env": dict(_DEV), "generated": "no-debug"},
            {"env": {"APP_ENV": "production", "APP_SECRET_KEY": _KEY},
             "mapping": {"env": "production", "debug": False, "secret_key": _KEY}},
        ],
        "unsafe_configs": [
            {"env": {"APP_ENV": "", "APP_SECRET_KEY": _KEY},
             "expect": {"env": "production", "debug": False, "secret_key": _KEY}},
            {"env": {"APP_ENV": "prod", "APP_SECRET_KEY": _KEY}},
            {"env": {"APP_ENV": "staging", "APP_SECRET_KEY": _KEY}},
            {"env": {"APP_ENV": "development", "APP_DEBUG": "maybe", "APP_SECRET_KEY": _KEY}},
            {"env": {"APP_ENV": "production", "APP_DEBUG": "1", "APP_SECRET_KEY": _KEY}},
            {"env": {"APP_DEBUG": "true", "APP_SECRET_KEY": _KEY}},
            {"env": {"APP_ENV": "production"}},
            {"env": {"APP_ENV": "production", "APP_SECRET_KEY": _EMPTY}},
            {"env": {"APP_ENV": "production", "APP_SECRET_KEY": "k" * 31}},
            {"env": {"APP_ENV": "development", "APP_SECRET_KEY": _SHORT}},
            {"env": dict(_DEV), "seed": 1234},
        ],
    }


# --- the exploit challenge ---------------------------------------------------------------

MAX_PATH_LENGTH = 2000


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay ``{"path": ..., "token": ...}`` against fresh vulnerable and fixed shops.

    It works on a twin when the page for ``GET path`` shows ``token`` and the internal
    endpoint ``/internal/stock/AB-12`` accepts it. Both twins have the same token, so the
    only difference is what their error pages say.
    """
    from seclab.topics.misconfiguration.targets import create_shop

    if (not isinstance(payload, dict) or not isinstance(payload.get("path"), str)
            or not isinstance(payload.get("token"), str) or not payload["token"]
            or not payload["path"].startswith("/") or len(payload["path"]) > MAX_PATH_LENGTH):
        return {"vulnerable": False, "fixed": False}
    from werkzeug.test import Client

    path, token = payload["path"], payload["token"]
    results = {}
    for name, vulnerable in (("vulnerable", True), ("fixed", False)):
        client = Client(create_shop(vulnerable=vulnerable))
        page = client.get(path).get_data(as_text=True)
        accepted = client.get("/internal/stock/AB-12", headers={"X-Internal-Token": token}).status_code == 200
        results[name] = token in page and accepted
    return results
