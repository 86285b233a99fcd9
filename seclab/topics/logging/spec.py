"""Spec of exercise 09_logging: log_event and detect_bruteforce.

``log_event`` needs a ``logging.Logger``, which cannot cross into the grading sandbox,
so its cases are SCENARIOS: a fresh logger with a capturing handler is made inside
whichever process runs the learner's code, ``log_event`` writes to it, and only plain
data about the records comes back (their levels and messages, what was raised). Field
values JSON cannot carry (sets, bytes, objects whose ``str`` fails, circular lists, ...)
travel as tagged JSON, ``{"$py": "set", "items": [1, 2]}``, and ``build`` makes them
there. The expected message is computed here, in the grader, from the same description.

``detect_bruteforce`` cases are SCENARIOS too, so that the sandbox can also report
whether the learner's function changed the list it was given.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import enum
import json
import logging
import math
import re
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from seclab.outcomes import Outcome
from seclab.spec import Case, Part, describe_outcome, satisfies
from seclab.topics.logging.targets import detect_login_attacks

PARTS = {
    part.name: part
    for part in [
        Part("log_event.works", "log_event", "log_event writes one INFO record holding one JSON object"),
        Part("log_event.attack", "log_event",
             "log_event resists log forging, redacts secrets at any depth and never crashes on a value"),
        Part("detect_bruteforce.works", "detect_bruteforce",
             "detect_bruteforce raises the ip, user and stuffing alerts of a sorted login log"),
        Part("detect_bruteforce.attack", "detect_bruteforce",
             "detect_bruteforce is not evaded by shuffled logs, successes, window edges or bucket boundaries"),
    ]
}

HINTS = {
    "structured": "Call logger.info exactly once with json.dumps({'event': event, **fields}) as the message "
                  "(nothing else is logged, nothing is returned).",
    "event-name": "Check the event name before logging anything: re.fullmatch(r'[a-z0-9_.]+', event) for a str, "
                  "and raise ValueError when it does not match (a non-str event included).",
    "line-injection": "Let json.dumps(..., ensure_ascii=True) write the message: it escapes every control character, "
                      "U+2028 and U+2029 inside strings and keys, so no value can start a new line.",
    "redaction": "Walk dicts, lists and tuples recursively, top-level fields included: where str(key).lower() contains "
                 "password, passwd, secret, token, authorization, cookie, api_key, api-key, apikey or session, the "
                 "whole value becomes '[REDACTED]'.",
    "unencodable": "Never let a value crash the call: anything other than dict, list, tuple, str, int, float, bool or "
                   "None becomes str(value), or '<unprintable>' when str() raises (also for an int too large to "
                   "print); a field whose structure contains itself becomes '<unprintable>'.",
    "keys": "Dict keys that are not str become str(key): True -> 'True', None -> 'None', (1, 2) -> '(1, 2)'; "
            "json.dumps alone would write 'true' or 'null', or raise for a tuple.",
    "brute-force": "Count each ip's and each user's failures (ok is False) in a sliding window: alert when threshold "
                   "of them span at most window seconds, once per (kind, key), with the ts of the failure that "
                   "reached the threshold.",
    "distributed": "A user alert counts that user's failures from every ip together.",
    "stuffing": "A stuffing alert counts the distinct users one ip failed for within the window; repeated tries "
                "for the same user count once.",
    "parameters": "Use the threshold and window you are given (defaults 5 and 60.0), passed by keyword or by position.",
    "alert-format": "Return a list of dicts with exactly the keys kind, key and ts, sorted by (ts, kind, key); "
                    "an empty list when nothing alerts.",
    "window-edge": "The window is inclusive: failures exactly window seconds apart are within it (last - first <= "
                   "window).",
    "sliding": "Slide the window over the failures themselves; fixed buckets such as ts // window miss a burst that "
               "straddles a bucket boundary.",
    "out-of-order": "Logs merged from several servers arrive out of order: work on sorted(events, key=lambda e: "
                    "e['ts']).",
    "successes": "Successful logins neither count nor reset a counter: an attacker can log into an account of their "
                 "own between guesses.",
    "once": "Each (kind, key) alerts at most once, even when its attack goes on or comes back later.",
    "first-reach": "An alert's ts is the ts of the failure at which the threshold is first reached, not of the first "
                   "failure in the window.",
    "unchanged": "Do not modify events: sorted() makes a new list, list.sort() changes the caller's.",
}

SENSITIVE_WORDS = ("password", "passwd", "secret", "token", "authorization", "cookie", "api_key", "api-key",
                   "apikey", "session")
EVENT_NAME = re.compile(r"[a-z0-9_.]+")
REDACTED = "[REDACTED]"
UNPRINTABLE = "<unprintable>"
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

WORKS_CATEGORIES = {"log_event": ("structured",),
                    "detect_bruteforce": ("brute-force", "distributed", "stuffing", "parameters", "alert-format")}


# --- building the values of log_event's fields (in whichever process runs the code) --------

class Colour(enum.Enum):
    RED = 1
    GREEN = 2


class Shown:
    """An object whose ``str`` is the given text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


class StrRaises:
    """An object whose ``str`` raises."""

    def __str__(self) -> str:
        raise RuntimeError("this object cannot be shown")


class StrNotText:
    """An object whose ``__str__`` returns an int, so ``str()`` raises TypeError."""

    def __str__(self) -> Any:
        return 42


def _pairs(pairs: list[Any]) -> list[tuple[Any, Any]]:
    return [(build(key), build(value)) for key, value in pairs]


def _circular_list(spec: dict[str, Any]) -> list[Any]:
    items = build(spec.get("items", []))
    items.append(items)
    return items


def _circular_dict(spec: dict[str, Any]) -> dict[Any, Any]:
    found = dict(_pairs(spec.get("pairs", [])))
    found["loop"] = found
    return found


def _mutual(spec: dict[str, Any]) -> dict[str, Any]:
    first: dict[str, Any] = dict(build(spec.get("first", {})))
    second: dict[str, Any] = dict(build(spec.get("second", {})))
    first["next"], second["back"] = second, first
    return first


def _deep(spec: dict[str, Any]) -> Any:
    value = build(spec["leaf"])
    for _ in range(int(spec["depth"])):
        value = {spec.get("key", "next"): value}
    return value


def _shared(spec: dict[str, Any]) -> dict[str, Any]:
    shared = build(spec["value"])
    return {"first": shared, "second": shared, "third": [shared, shared]}


_BUILDERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "set": lambda spec: set(build(spec["items"])),
    "frozenset": lambda spec: frozenset(build(spec["items"])),
    "tuple": lambda spec: tuple(build(spec["items"])),
    "bytes": lambda spec: bytes.fromhex(spec["hex"]),
    "bytearray": lambda spec: bytearray.fromhex(spec["hex"]),
    "complex": lambda spec: complex(spec["real"], spec["imag"]),
    "decimal": lambda spec: decimal.Decimal(spec["text"]),
    "datetime": lambda spec: datetime.datetime.fromisoformat(spec["iso"]),
    "date": lambda spec: datetime.date.fromisoformat(spec["iso"]),
    "uuid": lambda spec: uuid.UUID(spec["text"]),
    "path": lambda spec: PurePosixPath(spec["text"]),
    "enum": lambda spec: Colour[spec["name"]],
    "shown": lambda spec: Shown(spec["text"]),
    "str_raises": lambda spec: StrRaises(),
    "str_not_text": lambda spec: StrNotText(),
    "bigint": lambda spec: 10 ** int(spec["digits"]) + 7,
    "float": lambda spec: float(spec["text"]),
    "odict": lambda spec: OrderedDict(_pairs(spec["pairs"])),
    "defaultdict": lambda spec: defaultdict(list, _pairs(spec["pairs"])),
    "dict": lambda spec: dict(_pairs(spec["pairs"])),
    "circular_list": _circular_list,
    "circular_dict": _circular_dict,
    "mutual": _mutual,
    "deep": _deep,
    "shared": _shared,
}


def build(spec: Any) -> Any:
    """The Python value a JSON description stands for (``{"$py": tag, ...}`` for special ones)."""
    if isinstance(spec, dict):
        tag = spec.get("$py")
        if isinstance(tag, str):
            return _BUILDERS[tag](spec)
        return {key: build(value) for key, value in spec.items()}
    if isinstance(spec, list):
        return [build(item) for item in spec]
    return spec


# --- what log_event must write ------------------------------------------------------------

class _Circular(Exception):
    """A structure contains itself."""


class _AnyValue:
    """Expected-value marker: any JSON value is accepted here (the leak check still applies)."""

    def __repr__(self) -> str:
        return "<any value>"


class _NonFinite:
    """Expected-value marker for NaN and infinities: the float itself or str(value)."""

    def __init__(self, value: float) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"<{self.value!r} or {str(self.value)!r}>"

    def accepts(self, actual: Any) -> bool:
        if actual == str(self.value):
            return True
        if type(actual) is not float:
            return False
        return math.isnan(actual) if math.isnan(self.value) else actual == self.value


ANY_VALUE = _AnyValue()


def is_sensitive(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in SENSITIVE_WORDS)


def _key_text(key: Any) -> str:
    return key if isinstance(key, str) else str(key)


def _leaf(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return _NonFinite(value)
    if isinstance(value, (int, float)):
        try:
            json.dumps(value)
            return value
        except ValueError:
            pass
    try:
        text = str(value)
    except Exception:  # the contract: "<unprintable>" when str() raises
        return UNPRINTABLE
    return text if isinstance(text, str) else UNPRINTABLE


def expected_value(value: Any, ancestors: tuple[int, ...] = ()) -> Any:
    """``value`` as log_event must log it: redacted, keys as str, unencodable leaves as str."""
    if isinstance(value, dict):
        if id(value) in ancestors:
            raise _Circular()
        inner = (*ancestors, id(value))
        return {_key_text(key): REDACTED if is_sensitive(_key_text(key)) else expected_value(item, inner)
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        if id(value) in ancestors:
            raise _Circular()
        inner = (*ancestors, id(value))
        return [expected_value(item, inner) for item in value]
    return _leaf(value)


def expected_entry(event: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The JSON object log_event(logger, event, **fields) must log."""
    entry: dict[str, Any] = {"event": event}
    for key, value in fields.items():
        if is_sensitive(key):
            entry[key] = REDACTED
            continue
        try:
            entry[key] = expected_value(value)
        except _Circular:
            entry[key] = ANY_VALUE
    return entry


def planted_secrets(spec: Any, sensitive: bool = False) -> set[str]:
    """Every str (of 6 characters or more) under a sensitive key in a field description."""
    found: set[str] = set()
    if isinstance(spec, str):
        return {spec} if sensitive and len(spec) >= 6 else set()
    if isinstance(spec, dict):
        if "$py" in spec:
            for key, value in spec.get("pairs", []):
                found |= planted_secrets(value, sensitive or (isinstance(key, str) and is_sensitive(key)))
            for name in ("items", "first", "second", "value", "leaf"):
                if name in spec:
                    found |= planted_secrets(spec[name], sensitive)
            return found
        for key, value in spec.items():
            found |= planted_secrets(value, sensitive or is_sensitive(key))
    if isinstance(spec, list):
        for item in spec:
            found |= planted_secrets(item, sensitive)
    return found


def _same(expected: Any, actual: Any) -> bool:
    if expected is ANY_VALUE:
        return True
    if isinstance(expected, _NonFinite):
        return expected.accepts(actual)
    if isinstance(expected, dict):
        return (type(actual) is dict and actual.keys() == expected.keys()
                and all(_same(expected[key], actual[key]) for key in expected))
    if isinstance(expected, list):
        return (type(actual) is list and len(actual) == len(expected)
                and all(_same(want, got) for want, got in zip(expected, actual, strict=True)))
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return type(actual) is type(expected) and actual == expected
    return type(actual) in (int, float) and actual == expected


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice")
    return dict(pairs)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(text for item in value.values() for text in _strings(item))]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _short(value: Any, limit: int = 100) -> str:
    text = ascii(value) if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def logged_entry(outcome_value: Any) -> dict[str, Any]:
    """The one JSON object a correct call logged; ValueError saying what is wrong otherwise."""
    if not isinstance(outcome_value, dict):
        raise ValueError("the scenario did not run")
    if outcome_value.get("raised"):
        raise ValueError(f"raised {outcome_value['raised'][0]}: {outcome_value.get('error', '')}")
    if not outcome_value.get("returned_none"):
        raise ValueError("returned something other than None")
    records = outcome_value.get("records")
    if not isinstance(records, list) or len(records) != 1:
        count = len(records) if isinstance(records, list) else "no"
        raise ValueError(f"logged {count} records; exactly one is expected, through logger.info")
    record = records[0]
    if record.get("level") != logging.INFO:
        raise ValueError(f"logged at level {logging.getLevelName(record.get('level'))} instead of INFO")
    message = record.get("message")
    if not isinstance(message, str):
        raise ValueError("the record's message could not be formatted")
    forbidden = _FORBIDDEN.search(message)
    if forbidden:
        raise ValueError(f"the message contains {forbidden[0]!r} (U+{ord(forbidden[0]):04X}), where some readers "
                         "start a new line; it must stay escaped")
    try:
        entry = json.loads(message, object_pairs_hook=_unique_keys)
    except ValueError:
        raise ValueError(f"the message is not one JSON object: {_short(message)}") from None
    if not isinstance(entry, dict):
        raise ValueError(f"the message is not a JSON object: {_short(message)}")
    return entry


def _difference(expected: Any, actual: Any, path: str = "") -> str:
    """Where ``actual`` first differs from ``expected`` (empty when it does not)."""
    if _same(expected, actual):
        return ""
    if isinstance(expected, dict) and type(actual) is dict:
        for key in expected:
            if key not in actual:
                return f"the key {key!r} is missing{' in ' + path if path else ''}"
        for key in actual:
            if key not in expected:
                return f"the key {key!r} should not be there{' in ' + path if path else ''}"
        key = next(key for key in expected if not _same(expected[key], actual[key]))
        return _difference(expected[key], actual[key], f"{path}[{key!r}]")
    if isinstance(expected, list) and type(actual) is list and len(expected) == len(actual):
        index = next(index for index, pair in enumerate(zip(expected, actual, strict=True)) if not _same(*pair))
        return _difference(expected[index], actual[index], f"{path}[{index}]")
    return f"{path or 'the entry'} is {_short(actual, 60)}, expected {_short(expected, 60)}"


def _leaked(message: str, entry: dict[str, Any], secrets: set[str]) -> str | None:
    return next((secret for secret in sorted(secrets)
                 if secret in message or any(secret in text for text in _strings(entry))), None)


def _logs(event: str, fields: dict[str, Any]) -> tuple[Callable[[Any], bool], Callable[[Outcome], str]]:
    """A judge of log_event's records for this call, and its explanation of a failure."""
    expected = expected_entry(event, build(fields))
    secrets = planted_secrets(fields)

    def judge(outcome_value: Any) -> bool:
        entry = logged_entry(outcome_value)
        leaked = _leaked(outcome_value["records"][0]["message"], entry, secrets)
        return leaked is None and _same(expected, entry)

    def explain(outcome: Outcome) -> str:
        if "value" not in outcome:
            return describe_outcome(outcome)
        try:
            entry = logged_entry(outcome["value"])
        except ValueError as problem:
            return str(problem)
        leaked = _leaked(outcome["value"]["records"][0]["message"], entry, secrets)
        if leaked is not None:
            return f"logged the secret {leaked!r}"
        return "logged: " + (_difference(expected, entry) or "what was expected")

    return judge, explain


def _refused(outcome_value: Any) -> bool:
    return (isinstance(outcome_value, dict) and "ValueError" in (outcome_value.get("raised") or [])
            and outcome_value.get("records") == [])


def _explain_refusal(outcome: Outcome) -> str:
    value = outcome.get("value")
    if not isinstance(value, dict):
        return describe_outcome(outcome)
    written = len(value.get("records") or [])
    if not value.get("raised"):
        return f"accepted the event name and logged {written} record(s)"
    if "ValueError" not in value["raised"]:
        return f"raised {value['raised'][0]} instead of ValueError"
    return f"raised ValueError, but only after logging {written} record(s)"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _message(record: logging.LogRecord) -> Any:
    try:
        message = record.getMessage()
    except Exception:
        return None
    return message if type(message) is str else None


def _logger_scenario(namespace: dict[str, Any], event: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """Call log_event(logger, event, **fields) with a fresh capturing logger; report its records."""
    logger = logging.Logger("app.audit", logging.DEBUG)
    capture = _Capture()
    logger.addHandler(capture)
    raised, error_text, returned = None, "", None
    try:
        returned = namespace["log_event"](logger, event, **build(fields))
    except NotImplementedError:
        raise  # not written yet: check() says so instead of listing every case
    except Exception as error:  # judged: the contract says when log_event may raise
        raised = [klass.__name__ for klass in type(error).__mro__]
        try:
            error_text = str(error)[:200]
        except Exception:  # an error whose str() fails still counts as raised
            error_text = ""
    return {"raised": raised, "error": error_text, "returned_none": returned is None,
            "records": [{"level": record.levelno, "message": _message(record)} for record in capture.records]}


# --- detect_bruteforce ----------------------------------------------------------------------

def _detect_scenario(namespace: dict[str, Any], events: list[dict[str, Any]], params: Any) -> dict[str, Any]:
    """Call detect_bruteforce(events, ...) and report its alerts and whether events changed."""
    before = copy.deepcopy(events)
    function = namespace["detect_bruteforce"]
    alerts = function(events, *params) if isinstance(params, list) else function(events, **params)
    return {"alerts": alerts, "events_unchanged": events == before}


def _expected_alerts(events: list[dict[str, Any]], params: Any) -> list[dict[str, Any]]:
    if isinstance(params, list):
        return detect_login_attacks(events, *params)
    return detect_login_attacks(events, **params)


def _alerts_text(alerts: list[Any]) -> str:
    return ", ".join(f"{alert['kind']} {alert['key']} at {alert['ts']}" for alert in alerts) or "no alerts"


def _explain_alerts(outcome: Outcome) -> str:
    value = outcome.get("value")
    if not isinstance(value, dict):
        return describe_outcome(outcome)
    if value.get("events_unchanged") is not True:
        return "changed the list of events it was given"
    alerts = value.get("alerts")
    if type(alerts) is not list:
        return f"returned a {type(alerts).__name__}, not a list of alerts"
    for alert in alerts:
        if type(alert) is not dict or alert.keys() != {"kind", "key", "ts"}:
            return f"returned the alert {_short(alert, 80)}; an alert has exactly the keys kind, key and ts"
    return "returned " + _short(_alerts_text(alerts), 300).strip("'")


def _same_alerts(expected: list[dict[str, Any]]) -> Callable[[Any], bool]:
    def judge(value: Any) -> bool:
        alerts = value["alerts"]
        if value["events_unchanged"] is not True or type(alerts) is not list or len(alerts) != len(expected):
            return False
        for want, got in zip(expected, alerts, strict=True):
            if type(got) is not dict or got.keys() != {"kind", "key", "ts"}:
                return False
            if type(got["kind"]) is not str or type(got["key"]) is not str or type(got["ts"]) not in (int, float):
                return False
            if (got["kind"], got["key"], got["ts"]) != (want["kind"], want["key"], want["ts"]):
                return False
        return True

    return judge


FIXTURES: dict[str, Callable[[], list[Any]]] = {}
SCENARIOS: dict[str, Callable[..., Any]] = {"logger": _logger_scenario, "detect": _detect_scenario}


def _part(function: str, category: str) -> str:
    return f"{function}.{'works' if category in WORKS_CATEGORIES[function] else 'attack'}"


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus``: ``log_event`` and ``detect_bruteforce`` items (see ``public_corpus``)."""
    found: list[Case] = []
    for item in corpus.get("log_event", []):
        category, event, fields = item["category"], item["event"], item.get("fields", {})
        valid = isinstance(event, str) and EVENT_NAME.fullmatch(event) is not None
        if valid:
            judge, explain = _logs(event, fields)
            expect = satisfies(judge, "one INFO record: the event and its fields as one JSON object, escaped and "
                                      "redacted", explain)
        else:
            expect = satisfies(_refused, "ValueError, and nothing logged", _explain_refusal)
        found.append(Case(_part("log_event", category), category, "log_event", (event, fields), expect,
                          public=public, scenario="logger"))
    for item in corpus.get("detect_bruteforce", []):
        category, events, params = item["category"], item["events"], item.get("params", {})
        expected = _expected_alerts(events, params)
        found.append(Case(_part("detect_bruteforce", category), category, "detect_bruteforce", (events, params),
                          satisfies(_same_alerts(expected), f"{_alerts_text(expected)}, and events unchanged",
                                    _explain_alerts), public=public, scenario="detect"))
    return found


# --- the public corpus --------------------------------------------------------------------

def _failures(ip: str, user: str, start: float, count: int, gap: float, ok: bool = False) -> list[dict[str, Any]]:
    return [{"ts": start + gap * number, "ip": ip, "user": user, "ok": ok} for number in range(count)]


def _public_log_events() -> list[dict[str, Any]]:
    token = "tok_" + "9f8e7d6c5b4a3f2e1d0c"
    demo_credential = "Tr0ub4dor&3-demo"
    items: list[dict[str, Any]] = [
        {"category": "structured", "event": "login.failure", "fields": {"user": "alice", "ip": "203.0.113.7"}},
        {"category": "structured", "event": "login", "fields": {}},
        {"category": "structured", "event": "order.paid",
         "fields": {"order": 1042, "amount": 19.99, "gift": False, "coupon": None}},
        {"category": "structured", "event": "profile.update",
         "fields": {"user": "Zoë", "city": "東京", "changes": {"name": ["Zoe", "Zoë"], "tags": [1, 2.5, True]}}},
        {"category": "structured", "event": "report_2024.q1",
         "fields": {"message": "100% done, %s left", "name": "quarterly", "args": [1, 2]}},
        {"category": "event-name", "event": "Login", "fields": {}},
        {"category": "event-name", "event": "login\nfake", "fields": {}},
        {"category": "event-name", "event": "login.failure\n", "fields": {}},
        {"category": "event-name", "event": "login failure", "fields": {}},
        {"category": "event-name", "event": "", "fields": {}},
        {"category": "event-name", "event": 42, "fields": {}},
        {"category": "line-injection", "event": "login.failure",
         "fields": {"user": "nobody\n2025-06-01T03:14:15Z INFO login success user=admin"}},
        {"category": "line-injection", "event": "login.failure",
         "fields": {"user": 'x"}\r\n{"event": "login.success", "user": "admin"}'}},
        {"category": "line-injection", "event": "login.failure", "fields": {"user": "nobody\u2028login.success admin"}},
        {"category": "line-injection", "event": "login.failure",
         "fields": {"agent": "curl\x85next\x7f\x1b[31mred\x00", "user\nname": "eve"}},
        {"category": "redaction", "event": "login.failure",
         "fields": {"user": "alice", "password": demo_credential, "Authorization": f"Bearer {token}"}},
        {"category": "redaction", "event": "http.request",
         "fields": {"request": {"headers": {"Cookie": f"session={token}", "User-Agent": "curl/8.5"},
                                "form": [{"username": "alice", "new_Password": demo_credential}]}}},
        {"category": "redaction", "event": "config.loaded",
         "fields": {"session_count": 3, "API-Key": token, "settings": {"client_secret": {"value": token}}}},
        {"category": "unencodable", "event": "upload.received",
         "fields": {"tags": {"$py": "set", "items": [3, 1, 2]}, "raw": {"$py": "bytes", "hex": "0d0a41"},
                    "at": {"$py": "datetime", "iso": "2025-06-01T09:30:00"}}},
        {"category": "unencodable", "event": "debug.state",
         "fields": {"thing": {"$py": "str_raises"}, "nested": {"when": {"$py": "date", "iso": "2025-06-01"}}}},
        {"category": "unencodable", "event": "debug.state",
         "fields": {"loop": {"$py": "circular_list", "items": [1, 2]}, "ok": True}},
        {"category": "unencodable", "event": "debug.state",
         "fields": {"same": {"$py": "shared", "value": {"a": 1}}}},
        {"category": "unencodable", "event": "debug.state",
         "fields": {"pair": {"$py": "tuple", "items": ["x", {"token": token}]}}},
        {"category": "keys", "event": "stats.daily",
         "fields": {"counts": {"$py": "dict", "pairs": [[7, "seven"], [True, "yes"], [None, "none"], [2.5, "half"],
                                                        [{"$py": "tuple", "items": [1, 2]}, "pair"]]}}},
    ]
    return items


def _public_detections() -> list[dict[str, Any]]:
    brute = _failures("203.0.113.66", "admin", 1000.0, 6, 2.0)
    stuffing = [{"ts": 2000.0 + 3 * number, "ip": "203.0.113.200", "user": user, "ok": False}
                for number, user in enumerate(["ann", "ben", "cho", "dev", "eli"])]
    distributed = [{"ts": 3000.0 + 8 * number, "ip": f"2001:db8::{number + 1}", "user": "carol", "ok": False}
                   for number in range(5)]
    background = [{"ts": 500.0, "ip": "198.51.100.20", "user": "dana", "ok": True},
                  {"ts": 510.5, "ip": "198.51.100.21", "user": "emil", "ok": False},
                  {"ts": 515.25, "ip": "198.51.100.21", "user": "emil", "ok": True}]
    interleaved = []
    for attempt in _failures("203.0.113.9", "bob", 100.0, 5, 4.0):
        interleaved += [attempt, {"ts": attempt["ts"] + 1.0, "ip": "203.0.113.9", "user": "bob", "ok": True}]
    shuffled = brute[3:] + brute[:3]
    shuffled[1], shuffled[4] = shuffled[4], shuffled[1]
    return [
        {"category": "brute-force", "events": background + brute},
        {"category": "brute-force", "events": _failures("203.0.113.66", "admin", 0.0, 20, 1.0)},
        {"category": "brute-force", "events": _failures("203.0.113.66", "admin", 0.0, 4, 1.0)},
        {"category": "distributed", "events": distributed},
        {"category": "stuffing", "events": stuffing},
        {"category": "stuffing", "events": [{**event, "user": "ann" if number % 2 else "ben"}
                                            for number, event in enumerate(_failures("203.0.113.7", "", 0.0, 6, 1.0))]},
        {"category": "stuffing", "events": background + brute + stuffing + distributed},
        {"category": "parameters", "events": brute, "params": {"threshold": 3, "window": 10.0}},
        {"category": "parameters", "events": brute, "params": [2, 3.0]},
        {"category": "parameters", "events": _failures("203.0.113.5", "fay", 0.0, 5, 14.0)},
        {"category": "parameters", "events": _failures("203.0.113.5", "fay", 0.0, 5, 14.0), "params": {"window": 30.0}},
        {"category": "alert-format", "events": []},
        {"category": "alert-format", "events": background},
        {"category": "alert-format", "events": stuffing[:1], "params": {"threshold": 1}},
        {"category": "alert-format", "events": sorted(_failures("203.0.113.9", "ivy", 0.0, 5, 1.0)
                                                      + _failures("198.51.100.4", "jon", 0.0, 5, 1.0),
                                                      key=lambda event: event["ts"])},
        {"category": "out-of-order", "events": shuffled},
        {"category": "out-of-order", "events": list(reversed(stuffing + distributed))},
        {"category": "successes", "events": interleaved},
        {"category": "window-edge", "events": _failures("203.0.113.8", "gus", 0.0, 5, 15.0)},
        {"category": "window-edge", "events": _failures("203.0.113.8", "gus", 0.0, 5, 15.0625)},
        {"category": "sliding", "events": _failures("203.0.113.4", "hal", 56.0, 5, 2.0)},
        {"category": "first-reach", "events": [brute[0]] + _failures("203.0.113.66", "admin", 1100.0, 5, 1.0)},
        {"category": "once", "events": brute + _failures("203.0.113.66", "admin", 9000.0, 6, 1.0)},
        {"category": "unchanged", "events": list(reversed(brute))},
    ]


def public_corpus() -> dict[str, list[Any]]:
    return {"log_event": _public_log_events(), "detect_bruteforce": _public_detections()}


# --- the exploit challenge ------------------------------------------------------------------

MAX_EXPLOIT_LENGTH = 2000


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded username against fresh login services with the vulnerable and the fixed audit log.

    Each gets one failed login with that username (and a random password); the payload
    works when the lesson's log reader then finds a successful admin login in the log.
    """
    from seclab.topics.logging.attacks import forge_admin_login
    from seclab.topics.logging.targets import fixed_plain_audit, vulnerable_plain_audit

    if not isinstance(payload, str) or not payload or len(payload) > MAX_EXPLOIT_LENGTH:
        return {"vulnerable": False, "fixed": False}
    return {"vulnerable": forge_admin_login(vulnerable_plain_audit, payload).succeeded,
            "fixed": forge_admin_login(fixed_plain_audit, payload).succeeded}

