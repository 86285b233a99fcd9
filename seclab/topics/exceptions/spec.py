"""Spec of exercise 19_exceptions: is_allowed, error_response, transfer, read_body.

Every function takes something that cannot cross into the grading sandbox (a lookup
callable, an exception with its traceback, a sqlite3 connection, a stream), so every case
is a SCENARIO: its arguments are plain data, the real objects are built inside the
process that runs the learner's code, and the scenario reports what happened as plain
data (what was returned or raised, what was logged, what the database holds, what the
stream was asked for). The expected report is what the reference solution
(``targets.fixed_*``) gives in the same scenario.

Corpus entries (``public_corpus()`` and ``autograder/hidden/19_exceptions.json``):

* ``is_allowed``: ``[user, doc_id, documents]`` (``documents`` maps ``str(id)`` to what
  lookup returns, or to ``{"$raise": "KeyError"}``; an id that is missing raises KeyError).
  Values that JSON cannot hold are written ``{"$": "nan" | "inf" | "bytes" | "explosive"}``.
* ``error_response``: ``[exception, request_id]`` with exception ``[class name, message]``;
  class names are built-in exceptions, ``sqlite3.OperationalError``, ``json.JSONDecodeError``
  or the demo classes in ``_CUSTOM``.
* ``transfer``: ``[accounts, src, dst, amount, mode, fault]``: accounts ``[[id, balance], …]``,
  mode ``"default"`` or ``"autocommit"``, fault ``null`` or ``"second-update"`` (a trigger
  makes the second row update of the call fail).
* ``read_body``: ``[stream, max_bytes]``, stream ``{"data": text, "chunk": n}`` (returns at
  most n bytes per read) or ``{"endless": true, "chunk": n}``.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Expectation, Part, satisfies

PARTS = {
    part.name: part
    for part in [
        Part("is_allowed.works", "is_allowed", "is_allowed grants owners and refuses other users"),
        Part("is_allowed.attack", "is_allowed",
             "is_allowed fails closed on odd ids, missing data and every exception, and lets Ctrl-C through"),
        Part("error_response.works", "error_response", "error_response maps exceptions to status and message"),
        Part("error_response.attack", "error_response",
             "error_response leaks nothing, logs the details with the request id, re-raises Ctrl-C"),
        Part("transfer.works", "transfer", "transfer moves money and refuses what it cannot do"),
        Part("transfer.attack", "transfer",
             "transfer is atomic under failures, in both transaction modes, and validates every amount"),
        Part("read_body.works", "read_body", "read_body returns the body and loops over short reads"),
        Part("read_body.attack", "read_body",
             "read_body never asks for more than max_bytes + 1 bytes and survives endless streams"),
    ]
}

HINTS = {
    "owner": "Return True exactly when lookup(int(doc_id))['owner'] == user['id']; return the bool itself "
             "(type(result) is bool).",
    "doc-id": "Accept only an int that is not a bool (type(doc_id) is int) or a non-empty str of ASCII digits "
              "0-9. int() also takes ' 7', '+7', '1_000', '٣' and True: refuse them before converting.",
    "fail-closed": "Wrap the whole check in try/except Exception and return False there: a lookup that raises, a "
                   "missing 'id' or 'owner', a result that is not a dict, a user id of None are all refusals.",
    "interrupt": "Catch Exception, never BaseException or a bare except: KeyboardInterrupt and SystemExit must "
                 "propagate out of is_allowed and error_response.",
    "status": "Test isinstance in the order ValueError 400, PermissionError 403, LookupError 404, TimeoutError 503, "
              "and use 500 for any other Exception; the error texts are 'bad request', 'forbidden', 'not found', "
              "'unavailable', 'internal error'. Return a tuple (status, body).",
    "leak": "The body is exactly {'error': ..., 'request_id': request_id}: no str(exc), no type name, no "
            "traceback or path. Those belong in the log.",
    "log": "Log through logging.getLogger('app').error(..., exc_info=exc), with the request id in the message.",
    "move": "Subtract from src, add to dst and commit; raise ValueError for an unknown account or when src's "
            "balance is below amount.",
    "validate": "Check the amount before touching the database: type(amount) is int, amount > 0, src != dst. "
                "Compare the balance with amount in Python: SQLite cannot bind ints beyond 64 bits "
                "(OverflowError is not a ValueError).",
    "atomic": "Put both UPDATEs in one transaction: begin it yourself when conn.in_transaction is False (that "
              "covers isolation_level=None), commit after both, and on ANY exception call conn.rollback() and "
              "re-raise it.",
    "read": "Loop: read(n) may return fewer bytes than asked; stop at b'' (EOF) and return b''.join(chunks); raise "
            "ValueError when there are more than max_bytes bytes.",
    "bounded": "Never call read() or read(-1): ask for at most max_bytes + 1 - (bytes read so far) each time, "
               "and stop as soon as you hold max_bytes + 1 bytes.",
}

SEVERITY = ("interrupt", "fail-closed", "doc-id", "leak", "log", "atomic", "validate", "bounded", "owner", "status",
            "move", "read")

FIXTURES: dict[str, Callable[[], list[Any]]] = {}


# --- plain data -> real objects, inside the process that runs the code -----------------------

class Explosive:
    """A value whose comparison raises: an error in the middle of the check."""

    def __eq__(self, other: object) -> bool:
        raise ValueError("cannot compare")

    def __ne__(self, other: object) -> bool:
        raise ValueError("cannot compare")

    __hash__ = object.__hash__


def decode(value: Any) -> Any:
    """A corpus value with its ``{"$": …}`` markers turned into Python objects."""
    if isinstance(value, dict):
        if set(value) == {"$"}:
            return {"nan": math.nan, "inf": math.inf, "bytes": b"7", "explosive": Explosive(),
                    "float": 7.0}[value["$"]]
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


_INTERRUPTS: dict[str, type[BaseException]] = {"KeyboardInterrupt": KeyboardInterrupt, "SystemExit": SystemExit,
                                               "GeneratorExit": GeneratorExit}


def _raised(error: BaseException) -> list[str]:
    return [klass.__name__ for klass in type(error).__mro__ if klass not in (BaseException, object)]


def _is_allowed_scenario(namespace: dict[str, Any], user: Any, doc_id: Any,
                         documents: dict[str, Any]) -> dict[str, Any]:
    calls: list[Any] = []

    def lookup(number: int) -> Any:
        calls.append(number if type(number) is int else repr(number))
        found = documents.get(str(number), {"$raise": "KeyError"})
        if isinstance(found, dict) and "$raise" in found:
            name = found["$raise"]
            raise (_INTERRUPTS.get(name) or _builtin(name))(name)
        return decode(found)

    report: dict[str, Any] = {"returned": None, "raised": None}
    try:
        value = namespace["is_allowed"](decode(user), decode(doc_id), lookup)
    except NotImplementedError:
        raise
    except BaseException as error:  # KeyboardInterrupt is part of the result here: this scenario raised it
        report["raised"] = _raised(error)
    else:
        report["returned"] = value if type(value) is bool else f"<{type(value).__name__}>"
    return report


def _builtin(name: str) -> type[BaseException]:
    import builtins

    found = getattr(builtins, name, None)
    if isinstance(found, type) and issubclass(found, BaseException):
        return found
    return RuntimeError


class BothDenied(PermissionError, ValueError):
    """Two categories at once: the first that matches in the contract's order wins (ValueError)."""


class MissingAndSlow(TimeoutError, LookupError):
    """LookupError comes before TimeoutError in the contract's order."""


class AppError(Exception):
    """An application's own exception: 500."""


_CUSTOM: dict[str, type[BaseException]] = {"BothDenied": BothDenied, "MissingAndSlow": MissingAndSlow,
                                           "AppError": AppError}


def build_exception(name: str, message: str) -> BaseException:
    """The exception called ``name``, raised once so that it carries a traceback."""
    if name == "sqlite3.OperationalError":
        error: BaseException = sqlite3.OperationalError(message)
    elif name == "json.JSONDecodeError":
        error = json.JSONDecodeError(message, "{", 0)
    elif name == "UnicodeDecodeError":
        error = UnicodeDecodeError("utf-8", b"\xff", 0, 1, message)
    elif name in _CUSTOM:
        error = _CUSTOM[name](message)
    else:
        error = _builtin(name)(message)
    try:
        raise error
    except BaseException as caught:  # only to give it a traceback
        return caught


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _logged(records: list[logging.LogRecord], error: BaseException, request_id: str) -> bool:
    """Was there an ERROR record with the exception's traceback and the request id?"""
    for record in records:
        if record.levelno != logging.ERROR or not record.exc_info or record.exc_info[1] is not error:
            continue
        try:
            text = record.getMessage()
        except Exception:  # a broken format string: the id is not in the message
            text = ""
        extras = [str(value) for key, value in vars(record).items() if key not in _STANDARD]
        if request_id in text or any(request_id in extra for extra in extras):
            return True
    return False


_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _error_response_scenario(namespace: dict[str, Any], exception: list[str], request_id: str) -> dict[str, Any]:
    error = build_exception(*exception)
    logger = logging.getLogger("app")
    handler = _Records()
    logger.addHandler(handler)
    level, disabled = logger.level, logger.disabled
    logger.setLevel(logging.DEBUG)
    logger.disabled = False
    report: dict[str, Any] = {"returned": None, "raised": None}
    try:
        value = namespace["error_response"](error, request_id)
    except NotImplementedError:
        raise
    except BaseException as raised:  # re-raising a KeyboardInterrupt is the expected outcome
        report["raised"] = _raised(raised)
        report["same"] = raised is error
    else:
        report["returned"] = _plain_response(value)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.disabled = disabled
    report["logged"] = _logged(handler.records, error, request_id)
    return report


def _plain_response(value: Any) -> Any:
    if type(value) is not tuple or len(value) != 2:
        return f"<not a pair: {type(value).__name__}>"
    status, body = value
    if type(status) is not int:
        return f"<status of type {type(status).__name__}>"
    if type(body) is not dict or not all(type(key) is str for key in body):
        return [status, f"<body of type {type(body).__name__}>"]
    return [status, {key: item if type(item) in (str, int, type(None)) else repr(item) for key, item in body.items()}]


def _transfer_scenario(namespace: dict[str, Any], accounts: list[list[int]], src: int, dst: int, amount: Any,
                       mode: str, fault: str | None) -> dict[str, Any]:
    from seclab.topics.exceptions.attacks import demo_bank

    conn = demo_bank(None if mode == "autocommit" else "", fail_second_update=fault == "second-update")
    conn.execute("DELETE FROM accounts")
    conn.executemany("INSERT INTO accounts VALUES (?, ?)", [tuple(account) for account in accounts])
    if conn.in_transaction:
        conn.commit()
    report: dict[str, Any] = {"returned": None, "raised": None}
    try:
        value = namespace["transfer"](conn, src, dst, decode(amount))
    except NotImplementedError:
        raise
    except Exception as error:  # the learner's code may raise anything; it is part of the result
        report["raised"] = _raised(error)
    else:
        report["returned"] = "None" if value is None else f"<{type(value).__name__}>"
    try:
        report["seen"] = [list(row) for row in conn.execute("SELECT id, balance FROM accounts ORDER BY id")]
        conn.rollback()
        report["committed"] = [list(row) for row in conn.execute("SELECT id, balance FROM accounts ORDER BY id")]
    except sqlite3.Error as error:
        report["seen"] = report["committed"] = f"<database unusable: {error}>"
    finally:
        conn.close()
    return report


class FakeStream:
    """A binary stream that records what it is asked for; endless streams never reach EOF."""

    MAX_READS = 100_000

    def __init__(self, data: bytes = b"", chunk: int = 1 << 30, endless: bool = False) -> None:
        self.data, self.chunk, self.endless = data, chunk, endless
        self.position = 0
        self.asked: list[Any] = []
        self.handed = 0
        self.over_limit = False

    def read(self, size: Any = -1) -> bytes:
        self.asked.append(size if type(size) is int else repr(size))
        if len(self.asked) > self.MAX_READS:
            raise RuntimeError("stream read too many times")
        unbounded = size is None or (type(size) is int and size < 0)
        if self.endless:
            if unbounded:
                self.over_limit = True
                raise MemoryError("read() of an endless stream")
            piece = b"A" * min(size, self.chunk)
        else:
            rest = self.data[self.position:]
            piece = rest if unbounded else rest[:min(size, self.chunk)]
            self.position += len(piece)
        self.handed += len(piece)
        return piece

    def readinto(self, buffer: Any) -> int:
        piece = self.read(len(buffer))
        buffer[:len(piece)] = piece
        return len(piece)

    def bounded(self, max_bytes: int) -> bool:
        """Was every read(n) within max_bytes + 1 - bytes already handed out?"""
        handed = 0
        position = 0
        for size in self.asked:
            if type(size) is not int or size < 0 or size > max_bytes + 1 - handed:
                return False
            if self.endless:
                got = min(size, self.chunk)
            else:
                got = min(size, self.chunk, len(self.data) - position)
                position += got
            handed += got
        return True


def _read_body_scenario(namespace: dict[str, Any], stream: dict[str, Any], max_bytes: int) -> dict[str, Any]:
    fake = FakeStream(str(stream.get("data", "")).encode(), int(stream.get("chunk", 1 << 30)),
                      bool(stream.get("endless", False)))
    report: dict[str, Any] = {"returned": None, "raised": None}
    try:
        value = namespace["read_body"](fake, max_bytes)
    except NotImplementedError:
        raise
    except Exception as error:  # the learner's code may raise anything; it is part of the result
        report["raised"] = _raised(error)
    else:
        report["returned"] = value.decode("latin-1") if type(value) is bytes else f"<{type(value).__name__}>"
    report["bounded"] = fake.bounded(max_bytes) and not fake.over_limit
    return report


SCENARIOS: dict[str, Callable[..., Any]] = {
    "authorization": _is_allowed_scenario, "error": _error_response_scenario,
    "bank": _transfer_scenario, "stream": _read_body_scenario,
}


# --- expectations: the reference solution's report in the same scenario -------------------------

def _reference() -> dict[str, Any]:
    from seclab.topics.exceptions import targets

    return {"is_allowed": targets.fixed_is_allowed, "error_response": targets.fixed_error_response,
            "transfer": targets.fixed_transfer, "read_body": targets.fixed_read_body}


def explain(outcome: Any) -> str:
    """A scenario report in words, for feedback."""
    from seclab.spec import describe_outcome

    report = outcome.get("value")
    if not isinstance(report, dict):
        return describe_outcome(outcome)
    if report.get("raised"):
        text = f"raised {report['raised'][0]}"
    else:
        returned = report.get("returned")
        text = "returned None" if returned == "None" else f"returned {returned!r}"
    if "logged" in report and not report.get("raised"):
        text += ", " + ("logged it with exc_info and the request id" if report["logged"]
                        else "but logged no ERROR record with exc_info=exc and the request id on 'app'")
    if "seen" in report:
        text += f"; balances afterwards {report['seen']}, committed {report['committed']}"
    if "bounded" in report and not report["bounded"]:
        text += "; asked the stream for more than max_bytes + 1 bytes in total (or called read() without a size)"
    return text


def _first(raised: list[str] | None) -> str | None:
    return raised[0] if raised else None


def expected_is_allowed(args: tuple[Any, ...]) -> Expectation:
    want = _is_allowed_scenario(_reference(), *args)
    if want["raised"]:
        name = _first(want["raised"])
        return satisfies(lambda got: name in (got["raised"] or ()), f"let {name} propagate", explain)
    return satisfies(lambda got: got["raised"] is None and got["returned"] is want["returned"],
                     f"return {want['returned']!r} (a bool) without raising", explain)


def expected_error_response(args: tuple[Any, ...], works: bool) -> Expectation:
    want = _error_response_scenario(_reference(), *args)
    if want["raised"]:
        name = _first(want["raised"])
        return satisfies(lambda got: name in (got["raised"] or ()) and got.get("same") is True,
                         f"re-raise the same {name}", explain)
    status, body = want["returned"]
    if works:
        def judge(got: Any) -> bool:
            returned = got["returned"]
            return (isinstance(returned, list) and returned[0] == status and isinstance(returned[1], dict)
                    and returned[1].get("error") == body["error"] and returned[1].get("request_id") == args[1])

        return satisfies(judge, f"return ({status}, {{'error': {body['error']!r}, 'request_id': ...}})", explain)
    return satisfies(lambda got: got["returned"] == [status, body] and got["logged"] is True,
                     f"return exactly ({status}, {body!r}) and log the exception (exc_info) and request id at ERROR", explain)


def expected_transfer(args: tuple[Any, ...]) -> Expectation:
    want = _transfer_scenario(_reference(), *args)
    state = want["committed"]
    if want["raised"]:
        name = _first(want["raised"])
        what = "ValueError" if name == "ValueError" else f"the {name} (rolled back, re-raised)"
        return satisfies(lambda got: name in (got["raised"] or ()) and got["seen"] == state
                         and got["committed"] == state, f"raise {what} and leave the balances at {state}", explain)
    return satisfies(lambda got: got["raised"] is None and got["seen"] == state and got["committed"] == state,
                     f"return None with the balances {state} committed", explain)


def expected_read_body(args: tuple[Any, ...], works: bool) -> Expectation:
    want = _read_body_scenario(_reference(), *args)
    bounded = "" if works else ", asking for at most max_bytes + 1 bytes in total"
    if want["raised"]:
        return satisfies(lambda got: "ValueError" in (got["raised"] or ()) and (works or got["bounded"] is True),
                         "raise ValueError" + bounded, explain)
    data = want["returned"]
    return satisfies(lambda got: got["raised"] is None and got["returned"] == data
                     and (works or got["bounded"] is True), f"return {data.encode('latin-1')!r}" + bounded, explain)


_KEYS: dict[str, tuple[str, str, str]] = {
    # corpus key: (part, hint category, scenario)
    "is_allowed_owner": ("is_allowed.works", "owner", "authorization"),
    "is_allowed_doc_id": ("is_allowed.attack", "doc-id", "authorization"),
    "is_allowed_fail_closed": ("is_allowed.attack", "fail-closed", "authorization"),
    "is_allowed_interrupt": ("is_allowed.attack", "interrupt", "authorization"),
    "error_response_status": ("error_response.works", "status", "error"),
    "error_response_leak": ("error_response.attack", "leak", "error"),
    "error_response_interrupt": ("error_response.attack", "interrupt", "error"),
    "transfer_move": ("transfer.works", "move", "bank"),
    "transfer_validate": ("transfer.attack", "validate", "bank"),
    "transfer_atomic": ("transfer.attack", "atomic", "bank"),
    "read_body_read": ("read_body.works", "read", "stream"),
    "read_body_bounded": ("read_body.attack", "bounded", "stream"),
}


def _shown(function: str, args: tuple[Any, ...]) -> str:
    if function == "is_allowed":
        user, doc_id, documents = args
        return f"is_allowed({user!r}, {doc_id!r}, lookup) where lookup reads {documents!r}"
    if function == "error_response":
        (name, message), request_id = args
        return f"error_response({name}({message!r}), {request_id!r})"
    if function == "transfer":
        accounts, src, dst, amount, mode, fault = args
        where = "isolation_level=None" if mode == "autocommit" else "default transaction mode"
        broken = ", the second UPDATE fails" if fault else ""
        return f"transfer(conn, {src}, {dst}, {amount!r}) with accounts {accounts} ({where}{broken})"
    stream, max_bytes = args
    kind = "an endless stream" if stream.get("endless") else f"a stream holding {stream.get('data', '')!r}"
    pace = f"at most {stream['chunk']} bytes per read" if "chunk" in stream else "everything at once"
    return f"read_body({kind} giving {pace}, {max_bytes})"


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found: list[Case] = []
    for key, (part, category, scenario) in _KEYS.items():
        function = part.split(".")[0]
        works = part.endswith(".works")
        for entry in corpus.get(key, []):
            args = tuple(entry)
            if function == "is_allowed":
                expect = expected_is_allowed(args)
            elif function == "error_response":
                expect = expected_error_response(args, works)
            elif function == "transfer":
                expect = expected_transfer(args)
            else:
                expect = expected_read_body(args, works)
            found.append(Case(part, category, function, args, expect, public=public, scenario=scenario,
                              shown=_shown(function, args)))
    return found


def public_corpus() -> dict[str, list[Any]]:
    docs = {"1": {"owner": 7, "title": "alice's notes"}, "2": {"owner": 8, "title": "bob's notes"}}
    alice = {"id": 7, "name": "alice"}
    bank = [[1, 100], [2, 50]]
    return {
        "is_allowed_owner": [[alice, 1, docs], [alice, "1", docs], [alice, 2, docs], [{"id": 8}, "2", docs],
                             [alice, "0001", docs]],
        "is_allowed_doc_id": [[alice, True, docs], [alice, " 1", docs], [alice, "+1", docs], [alice, "1.0", docs],
                              [alice, {"$": "float"}, docs], [alice, None, docs], [alice, "", docs],
                              [alice, "\u0661", docs]],
        "is_allowed_fail_closed": [[alice, 99, docs], [alice, "abc", docs], [{"name": "mallory"}, 1, docs],
                                   [{"id": None}, 3, {"3": {"owner": None}}], [alice, 4, {"4": {"title": "x"}}],
                                   [alice, 5, {"5": {"$raise": "TimeoutError"}}], [alice, 6, {"6": None}],
                                   [alice, 9, {"9": {"owner": {"$": "explosive"}}}]],
        "is_allowed_interrupt": [[alice, 1, {"1": {"$raise": "KeyboardInterrupt"}}],
                                 [alice, 1, {"1": {"$raise": "SystemExit"}}]],
        "error_response_status": [[["ValueError", "bad number"], "req-1"], [["PermissionError", "no"], "req-2"],
                                  [["KeyError", "7"], "req-3"], [["TimeoutError", "db"], "req-4"],
                                  [["RuntimeError", "boom"], "req-5"], [["IndexError", "list index"], "req-6"],
                                  [["sqlite3.OperationalError", "no such table: users"], "req-7"]],
        "error_response_leak": [
            [["sqlite3.OperationalError", "near \"'\": syntax error in SELECT * FROM users WHERE name = '''"], "r-10"],
            [["FileNotFoundError", "/srv/app/config/secrets.toml"], "r-11"],
            [["ZeroDivisionError", "division by zero"], "r-12"],
            [["BothDenied", "both"], "r-13"], [["MissingAndSlow", "both"], "r-14"],
            [["UnicodeDecodeError", "invalid start byte"], "r-15"], [["AppError", "password=hunter2"], "r-16"],
        ],
        "error_response_interrupt": [[["KeyboardInterrupt", ""], "r-20"], [["SystemExit", "1"], "r-21"]],
        "transfer_move": [[bank, 1, 2, 30, "default", None], [bank, 2, 1, 50, "default", None],
                          [bank, 1, 2, 101, "default", None], [bank, 1, 3, 10, "default", None],
                          [bank, 3, 1, 10, "default", None]],
        "transfer_validate": [[bank, 1, 2, 0, "default", None], [bank, 1, 2, -30, "default", None],
                              [bank, 1, 2, True, "default", None], [bank, 1, 2, {"$": "float"}, "default", None],
                              [bank, 1, 1, 10, "default", None], [bank, 1, 2, 2 ** 70, "default", None]],
        "transfer_atomic": [[bank, 1, 2, 30, "default", "second-update"], [bank, 1, 2, 30, "autocommit", None],
                            [bank, 1, 2, 30, "autocommit", "second-update"],
                            [bank, 1, 2, 500, "autocommit", None]],
        "read_body_read": [[{"data": "hello"}, 10], [{"data": "hello"}, 5], [{"data": "hello world"}, 5],
                           [{"data": "hello world", "chunk": 2}, 100], [{"data": ""}, 0]],
        "read_body_bounded": [[{"endless": True, "chunk": 4096}, 1000], [{"data": "x" * 5000}, 10],
                              [{"data": "abcdef", "chunk": 1}, 3], [{"endless": True, "chunk": 1}, 0],
                              [{"data": "hello", "chunk": 3}, 5]],
    }


# --- the exploit challenge ---------------------------------------------------------------------

def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded document id at the fail-open and the fail-closed authorizer.

    Success: mallory (id 666) is granted a document she does not own.
    """
    from seclab.topics.exceptions import attacks

    if not isinstance(payload, (str, int)) or isinstance(payload, bool) or len(str(payload)) > 200:
        return {"vulnerable": False, "fixed": False}
    from seclab.topics.exceptions.targets import fixed_is_allowed, vulnerable_is_allowed

    return {"vulnerable": attacks.steal_document(vulnerable_is_allowed, payload).succeeded,
            "fixed": attacks.steal_document(fixed_is_allowed, payload).succeeded}
