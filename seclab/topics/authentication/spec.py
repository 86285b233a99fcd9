"""Spec of exercise 07_authentication: LoginService, session_cookie, password_problems.

``LoginService`` is judged by *scripts*: JSON data that names users (and their
passwords), then steps (``["at", t]`` sets the clock, ``["login", user, password, ip]``,
``["user", "T1"]`` / ``["logout", "T1"]`` with the token of the first successful login,
``["user_raw", text]`` / ``["logout_raw", text]`` with any string). The scenario plays a
script against the learner's class and against the reference (``targets.LoginService``)
with a controlled clock and a stand-in ``verify`` that counts its calls, and returns
``"ok"`` or the first step where they differ, in words. A second scenario checks the
tokens of many logins for format, uniqueness and randomness.

``session_cookie`` results are judged by parsing the header value;
``password_problems`` results are compared with the reference's.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
import re
import secrets
import unicodedata
from collections.abc import Callable
from functools import partial
from typing import Any

from seclab.spec import Case, Expectation, Part, raises, returns, satisfies
from seclab.topics.authentication import targets

PARTS = {
    part.name: part
    for part in [
        Part("LoginService.works", "LoginService", "LoginService logs users in, finds their sessions and ends them"),
        Part("LoginService.attack", "LoginService",
             "LoginService resists enumeration, guessing and session theft: one verify per login, lockouts, "
             "random tokens, idle expiry"),
        Part("session_cookie.works", "session_cookie", "session_cookie builds a usable session cookie"),
        Part("session_cookie.attack", "session_cookie",
             "session_cookie sets HttpOnly, Secure and SameSite, no Domain or expiry, and refuses tokens that "
             "would inject attributes"),
        Part("password_problems.works", "password_problems",
             "password_problems applies the length, blocklist and username rules, and no composition rules"),
        Part("password_problems.attack", "password_problems",
             "password_problems sees through Unicode look-alikes (NFKC, casefold)"),
    ]
}

HINTS = {
    "login": "login returns a new token (a str) for the right password and None for a wrong password or an "
             "unknown username; session_user(token) returns the username of a live session, else None; "
             "logout(token) ends that session on the server and returns None (unknown tokens are ignored).",
    "enumeration": "Call verify exactly once in every login, whatever happens: for an unknown username against a "
                   "decoy (one of the stored hashes of users, picked in __init__) and ignore its result; for a "
                   "locked username or address too. Unknown username and wrong password both return None.",
    "lockout": "Keep each username's failure times; a failure counts while clock() < its time + 900. At the 5th "
               "counted failure, lock the username until that failure's time + 900: every login for it fails "
               "meanwhile, the right password included, and works again when clock() reaches that time.",
    "throttle": "Count failures per ip the same way: at the 20th within 900 s, refuse every login from that ip "
                "until the time of the 20th failure + 900.",
    "bookkeeping": "A login refused because of a lock is not a failure: count it nowhere. A successful login "
                   "forgets that username's failures, but not the ip's.",
    "tokens": "Make each token with secrets.token_urlsafe(32): 256 random bits, only A-Z a-z 0-9 - _, new at every "
              "login; never from random, the clock, a counter or the username.",
    "expiry": "Remember each session's last use (login is the first); session_user returns None once clock() >= "
              "last use + 1800, otherwise it returns the username and makes now the last use.",
    "cookie": "Return a str that starts with session=<token> and has the attribute Path=/, "
              "e.g. f\"session={token}; HttpOnly; Secure; SameSite=Lax; Path=/\".",
    "flags": "Add HttpOnly, Secure and SameSite=Lax (or Strict), each once; leave out Domain (host-only cookie), "
             "Expires and Max-Age (the cookie ends with the browser session).",
    "injection": "Raise ValueError unless the token is non-empty and every character is one of A-Z a-z 0-9 - _ "
                 "(ASCII only: use re.fullmatch(r\"[A-Za-z0-9_-]+\", token), not str.isalnum or \\w).",
    "length": "Count code points of unicodedata.normalize(\"NFKC\", password): fewer than 15 is too_short, more than "
              "128 too_long.",
    "breached": "Compare the NFKC form of the password with the NFKC form of each breached entry, exactly "
                "(no case folding here).",
    "username": "Report contains_username when the username (3 or more code points) appears anywhere in the "
                "password, both normalised with unicodedata.normalize(\"NFKC\", s).casefold().",
    "composition": "No composition rules: a long password with only lowercase letters (or spaces) and no other "
                   "problem returns [].",
    "unicode": "Normalise first: unicodedata.normalize(\"NFKC\", …) turns full-width letters, ligatures and "
               "composed characters into their plain forms; then casefold() (not lower()) for the username rule.",
    "order": "Return the problems in this order: too_short, too_long, breached, contains_username.",
}


# --- LoginService scripts --------------------------------------------------------------

class _Clock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class _DemoKdf:
    """A stand-in password hash, ``demo-kdf$3$<salt>$<sha256 hex>``, whose ``verify`` counts calls.

    Strict (the default), ``verify`` raises ValueError for a stored value that is not
    such a hash, as argon2's ``PasswordHasher.verify`` raises InvalidHashError.
    """

    _FORMAT = re.compile(r"demo-kdf\$3\$([0-9a-f]{16})\$([0-9a-f]{64})")

    def __init__(self, strict: bool = True) -> None:
        self.strict = strict
        self.calls = 0

    def hash(self, password: str) -> str:
        salt = secrets.token_hex(8)
        return f"demo-kdf$3${salt}${self._digest(salt, password)}"

    @staticmethod
    def _digest(salt: str, password: str) -> str:
        return hashlib.sha256((salt + "\0" + password).encode("utf-8", "surrogatepass")).hexdigest()

    def verify(self, stored: str, password: str) -> bool:
        self.calls += 1
        parsed = self._FORMAT.fullmatch(stored) if isinstance(stored, str) else None
        if parsed is None or not isinstance(password, str):
            if self.strict:
                raise ValueError("verify() was given something that is not a stored hash of this kind")
            return False
        return hmac.compare_digest(self._digest(parsed[1], password), parsed[2])


class _Run:
    """One play of a script against one LoginService class."""

    def __init__(self, service_class: Any, script: dict[str, Any]) -> None:
        self.clock = _Clock(0.0)
        self.kdf = _DemoKdf(strict=not script.get("lenient", False))
        users = {name: self.kdf.hash(password) for name, password in script["users"].items()}
        self.service = service_class(users, self.kdf.verify, self.clock)
        self.tokens: dict[str, str] = {}  # label -> token
        self.labels: dict[str, str] = {}  # token -> label

    def step(self, step: list[Any]) -> tuple[str, int] | None:
        """What the step observably did, in words, and how often it called verify (None for clock steps)."""
        kind = step[0]
        if kind == "at":
            self.clock.now = float(step[1])
            return None
        before = self.kdf.calls
        if kind == "login":
            result = self._call("login", str(step[1]), str(step[2]), str(step[3]))
            return self._describe_token(result), self.kdf.calls - before
        token = self.tokens.get(step[1], "no-such-token") if kind in ("user", "logout") else str(step[1])
        result = self._call("session_user" if kind in ("user", "user_raw") else "logout", token)
        if isinstance(result, _Raised):
            return str(result), 0
        if result is None:
            return "None", 0
        return (repr(result)[:40] if type(result) is str else f"a {type(result).__name__}"), 0

    def _call(self, method: str, *args: str) -> Any:
        try:
            return getattr(self.service, method)(*args)
        except NotImplementedError:
            raise  # not written yet: check() says so
        except Exception as error:  # the learner's code may raise anything; it is an observation
            return _Raised(f"raised {type(error).__name__}")

    def _describe_token(self, result: Any) -> str:
        if isinstance(result, _Raised):
            return str(result)
        if result is None:
            return "None"
        if type(result) is not str or not result:
            return repr(result)[:40] if type(result) is str else f"a {type(result).__name__}"
        if result in self.labels:
            return f"the token of an earlier login ({self.labels[result]})"
        label = f"T{len(self.tokens) + 1}"
        self.tokens[label], self.labels[result] = result, label
        return f"a new token ({label})"


class _Raised(str):
    """An exception, as an observation."""


def _shown_step(step: list[Any], script: dict[str, Any], now: float) -> str:
    kind = step[0]
    if kind == "login":
        user, password, ip = step[1], step[2], step[3]
        right = script["users"].get(user) == password
        shown_password = "<right password>" if right else repr(password)[:20]
        return f"t={now:g}: login({repr(user)[:20]}, {shown_password}, {ip!r})"
    method = "session_user" if kind in ("user", "user_raw") else "logout"
    argument = f"<token {step[1]}>" if kind in ("user", "logout") else repr(step[1])[:24]
    return f"t={now:g}: {method}({argument})"


def play_script(service_class: Any, script: dict[str, Any]) -> str:
    """Play ``script`` against ``service_class`` and the reference; "ok" or the first difference."""
    count_verify = bool(script.get("count_verify", False))
    try:
        learner = _Run(service_class, script)
    except NotImplementedError:
        raise
    except Exception as error:  # a constructor that fails is an answer too
        return f"LoginService(users, verify, clock) raised {type(error).__name__}"
    reference = _Run(targets.LoginService, script)
    for step in script["steps"]:
        expected, seen = reference.step(step), learner.step(step)
        if expected is None or seen is None:
            continue
        shown = _shown_step(step, script, reference.clock.now)
        if seen[0] != expected[0]:
            outcome = seen[0] if seen[0].startswith("raised") else f"returned {seen[0]}"
            return f"{shown} {outcome}, expected {expected[0]}"
        if count_verify and step[0] == "login" and seen[1] != expected[1]:
            return f"{shown} called verify {seen[1]} times, expected exactly once"
    return "ok"


def _script_scenario(namespace: dict[str, Any], script: Any) -> str:
    if isinstance(script, str):
        script = _PUBLIC_SCRIPTS_BY_NAME[script]
    return play_script(namespace["LoginService"], script)


_URLSAFE = re.compile(r"[A-Za-z0-9_-]+")


def check_tokens(service_class: Any, logins: int, seed: int) -> str:
    """Log in ``logins`` times and judge the tokens; "ok" or what is wrong with them."""
    kdf = _DemoKdf()
    users = {"alice": kdf.hash("plum tractor ladder cloud")}
    clock = _Clock(1000.0)
    service = service_class(users, kdf.verify, clock)
    tokens = []
    for _ in range(logins):
        clock.now += 1
        tokens.append(service.login("alice", "plum tractor ladder cloud", "192.0.2.10"))
    if any(type(token) is not str for token in tokens):
        return "a login returned something that is not a str token"
    if not all(_URLSAFE.fullmatch(token) for token in tokens):
        return "a token holds characters other than A-Z a-z 0-9 - _"
    if len(set(tokens)) != len(tokens):
        return "two logins returned the same token"
    twins = []
    for _ in range(2):
        random.seed(seed)  # a token from the random module repeats after the same seed
        twin = service_class(users, kdf.verify, _Clock(5.0))
        twins.append(twin.login("alice", "plum tractor ladder cloud", "192.0.2.10"))
    if twins[0] == twins[1]:
        return "two services at the same time, after the same random.seed(), gave the same token"
    shortest = min(len(token) for token in tokens)
    for position in range(shortest):
        if len({token[position] for token in tokens}) == 1:
            return f"character {position} is the same in every token: tokens are not random"
    alphabet = len(set("".join(tokens)))
    bits = shortest * math.log2(min(64, alphabet))
    if bits < 128:
        return f"tokens carry at most {bits:.0f} bits ({shortest} characters from {alphabet} different ones)"
    return "ok"


def _token_scenario(namespace: dict[str, Any], setting: Any) -> str:
    return check_tokens(namespace["LoginService"], int(setting["logins"]), int(setting["seed"]))


def _problems_scenario(namespace: dict[str, Any], password: str, username: str, breached: list[str]) -> Any:
    """password_problems with ``breached`` as a set, as the contract says."""
    return namespace["password_problems"](password, username, set(breached))


FIXTURES: dict[str, Callable[[], list[Any]]] = {}
SCENARIOS: dict[str, Callable[..., Any]] = {
    "script": _script_scenario, "tokens": _token_scenario, "problems": _problems_scenario,
}


# --- session_cookie judges ---------------------------------------------------------------

def _cookie_parts(value: Any) -> tuple[str, list[tuple[str, str]]] | None:
    """(first pair, [(attribute name lower-cased, value)]) of a Set-Cookie value, or None."""
    if type(value) is not str or any(character in value for character in "\r\n\0"):
        return None
    first, *rest = value.split(";")
    attributes = []
    for part in rest:
        name, _, attribute = part.strip().partition("=")
        attributes.append((name.strip().lower(), attribute.strip()))
    return first.strip(), attributes


def cookie_usable(value: Any, token: str) -> bool:
    """``session=<token>`` first, and ``Path=/``."""
    parts = _cookie_parts(value)
    return parts is not None and parts[0] == f"session={token}" and ("path", "/") in parts[1]


def cookie_hardened(value: Any, token: str) -> bool:
    """Usable, with HttpOnly, Secure, SameSite=Lax/Strict once each, and no Domain/Expires/Max-Age."""
    parts = _cookie_parts(value)
    if parts is None or not cookie_usable(value, token):
        return False
    names = [name for name, _ in parts[1]]
    if len(names) != len(set(names)):
        return False
    attributes = dict(parts[1])
    return ("httponly" in attributes and "secure" in attributes
            and attributes.get("samesite", "").lower() in ("lax", "strict")
            and not {"domain", "expires", "max-age"} & set(attributes))


# --- password_problems categories --------------------------------------------------------

def _category(password: str, username: str, breached: list[str], tricks: bool) -> str:
    expected = targets.password_problems(password, username, set(breached))
    if tricks or any(not text.isascii() for text in [password, username, *breached]):
        return "unicode"
    if not expected:
        normalised = unicodedata.normalize("NFKC", password)
        if any(entry and unicodedata.normalize("NFKC", entry) in normalised for entry in breached):
            return "breached"  # a breached entry inside a longer password: equality, not containment
        return "composition"
    if "breached" in expected:
        return "breached"
    if "contains_username" in expected:
        return "username"
    return "length"


# --- public data ------------------------------------------------------------------------

def _script(name: str, title: str, category: str, users: dict[str, str], steps: list[list[Any]],
            count_verify: bool = True) -> dict[str, Any]:
    # "works" scripts use a lenient verify: a decoy of the wrong kind costs attack points only
    return {"name": name, "title": title, "category": category, "users": users, "steps": steps,
            "count_verify": count_verify, "lenient": category == "login"}


_USERS = {"alice": "plum tractor ladder cloud", "bob": "sunshine1"}
_A, _B = _USERS["alice"], _USERS["bob"]

PUBLIC_SCRIPTS: list[dict[str, Any]] = [
    _script("log-in-and-out", "the right password gives a token; session_user finds it; logout ends it", "login",
            _USERS, [["at", 0], ["login", "alice", _A, "10.0.0.1"], ["user", "T1"], ["logout", "T1"], ["user", "T1"],
                     ["logout", "T1"]], count_verify=False),
    _script("wrong-and-unknown", "a wrong password and an unknown username both give None", "login", _USERS,
            [["at", 0], ["login", "alice", "wrong", "10.0.0.1"], ["login", "mallory", _A, "10.0.0.1"],
             ["login", "Alice", _A, "10.0.0.1"], ["login", "bob", _B, "10.0.0.2"], ["user", "T1"],
             ["user_raw", "not-a-token"], ["logout_raw", "not-a-token"]], count_verify=False),
    _script("two-sessions", "every login gets a fresh token; each session lives and ends on its own", "login", _USERS,
            [["at", 0], ["login", "alice", _A, "10.0.0.1"], ["at", 60], ["login", "alice", _A, "10.0.0.2"],
             ["login", "bob", _B, "10.0.0.3"], ["logout", "T1"], ["user", "T1"], ["user", "T2"], ["user", "T3"]],
            count_verify=False),
    _script("one-verify", "verify runs exactly once per login: right, wrong, and unknown usernames (a decoy)",
            "enumeration", _USERS,
            [["at", 0], ["login", "alice", _A, "10.0.0.1"], ["login", "alice", "nope", "10.0.0.1"],
             ["login", "nobody", "nope", "10.0.0.1"], ["login", "nobody", _A, "10.0.0.1"]]),
    _script("lock-after-5", "5 failures lock the username for 900 s after the 5th, the right password included",
            "lockout", _USERS,
            [["at", 0], ["login", "alice", "guess1", "10.0.0.1"], ["at", 1], ["login", "alice", "guess2", "10.0.0.2"],
             ["at", 2], ["login", "alice", "guess3", "10.0.0.3"], ["at", 3], ["login", "alice", "guess4", "10.0.0.4"],
             ["at", 4], ["login", "alice", "guess5", "10.0.0.5"], ["at", 5], ["login", "alice", _A, "10.0.0.9"],
             ["login", "bob", _B, "10.0.0.9"], ["at", 903.5], ["login", "alice", _A, "10.0.0.9"],
             ["at", 904], ["login", "alice", _A, "10.0.0.9"]]),
    _script("window-900", "a failure counts only while clock() < its time + 900", "lockout", _USERS,
            [["at", 0], ["login", "alice", "g1", "10.0.0.1"], ["at", 100], ["login", "alice", "g2", "10.0.0.1"],
             ["at", 200], ["login", "alice", "g3", "10.0.0.1"], ["at", 300], ["login", "alice", "g4", "10.0.0.1"],
             ["at", 900], ["login", "alice", "g5", "10.0.0.1"], ["at", 901], ["login", "alice", _A, "10.0.0.1"]]),
    _script("ip-20", "20 failures from one ip lock that ip for 900 s, for every username", "throttle", _USERS,
            [["at", 0], *[["login", f"user{number}", "guess", "10.9.9.9"] for number in range(20)],
             ["login", "bob", _B, "10.9.9.9"], ["login", "bob", _B, "10.0.0.1"], ["at", 899.5],
             ["login", "alice", _A, "10.9.9.9"], ["at", 900], ["login", "alice", _A, "10.9.9.9"]]),
    _script("refused-not-counted", "logins refused by a lock count nowhere", "bookkeeping", _USERS,
            [["at", 0], *[["login", "alice", f"guess{number}", f"10.0.1.{number}"] for number in range(5)],
             ["at", 10], *[["login", "alice", "again", "10.7.7.7"] for _ in range(25)],
             ["login", "bob", _B, "10.7.7.7"], ["at", 904], ["login", "alice", _A, "10.7.7.7"]]),
    _script("success-clears-user-not-ip", "a success clears the username's failures, not the ip's", "bookkeeping",
            _USERS,
            [["at", 0], *[step for _ in range(4) for step in
                          [*[["login", "alice", "guess", "10.3.3.3"] for _ in range(4)], ["login", "alice", _A, "10.3.3.3"]]],
             *[["login", "bob", "guess", "10.3.3.3"] for _ in range(4)], ["login", "alice", _A, "10.3.3.3"],
             ["login", "alice", _A, "10.4.4.4"]]),
    _script("idle-1800", "a session ends 1800 s after its last use, and session_user is a use", "expiry", _USERS,
            [["at", 0], ["login", "alice", _A, "10.0.0.1"], ["at", 1799.5], ["user", "T1"], ["at", 3599], ["user", "T1"],
             ["at", 5399], ["user", "T1"], ["user", "T1"], ["login", "bob", _B, "10.0.0.2"], ["at", 7199],
             ["user", "T2"]]),
]
_PUBLIC_SCRIPTS_BY_NAME = {script["name"]: script for script in PUBLIC_SCRIPTS}

PUBLIC_COOKIE_TOKENS = ["tV8kq2m-0Z_rYx4bN1cQ7aPw9LdE3sFhG5jK6uHn0oI", "abc", "A-_z09"]
PUBLIC_COOKIE_INJECTIONS = ["", "abc; Domain=example.com", "abc\r\nSet-Cookie: admin=1", "abc def", "ab=cd",
                            "tökén", "abc+def/ghi="]

_BREACHED = ["password", "Password1!", "sunshine1", "correcthorsebatterystaple", "iloveyouiloveyou"]
PUBLIC_PASSWORDS: list[list[Any]] = [
    ["sunshine", "alice", _BREACHED],
    ["plum tractor ladder cloud", "alice", _BREACHED],
    ["abcdefghijklmn", "bob", _BREACHED],
    ["abcdefghijklmno", "bob", _BREACHED],
    ["x" * 128, "bob", _BREACHED],
    ["x" * 129, "bob", _BREACHED],
    ["correcthorsebatterystaple", "bob", _BREACHED],
    ["CorrectHorseBatteryStaple", "bob", _BREACHED],
    ["Password1!", "bob", _BREACHED],
    ["my name is alice and I like tea", "alice", _BREACHED],
    ["ALICE in wonderland forever", "alice", _BREACHED],
    ["always be closing deals", "al", _BREACHED],
    ["iloveyouiloveyou", "you", _BREACHED],
    ["sunshine1 was never my password", "bob", _BREACHED],
    ["", "bob", []],
]
PUBLIC_PASSWORD_TRICKS: list[list[Any]] = [
    ["ｃｏｒｒｅｃｔｈｏｒｓｅｂａｔｔｅｒｙｓｔａｐｌｅ", "bob", _BREACHED],
    ["ﬁve ﬁne ﬁsh ﬂy", "bob", []],
    ["the strasse of MÜLLER is long", "straße", []],
    ["ａｌｉｃｅ loves long passphrases", "alice", []],
    ["e\u0301" * 14 + "abc", "bob", []],
]


def public_corpus() -> dict[str, list[Any]]:
    return {
        "scripts": [script["name"] for script in PUBLIC_SCRIPTS],
        "tokens": [{"logins": 200, "seed": 7}],
        "cookie_tokens": list(PUBLIC_COOKIE_TOKENS),
        "cookie_injections": list(PUBLIC_COOKIE_INJECTIONS),
        "passwords": [list(case) for case in PUBLIC_PASSWORDS],
        "password_tricks": [list(case) for case in PUBLIC_PASSWORD_TRICKS],
    }


def _says_ok(outcome: dict[str, Any]) -> bool:
    return outcome.get("value") == "ok"


def _script_case(script: Any, public: bool) -> Case:
    data = _PUBLIC_SCRIPTS_BY_NAME[script] if isinstance(script, str) else script
    part = "LoginService.works" if data["category"] == "login" else "LoginService.attack"
    return Case(part, data["category"], "LoginService", (script,),
                Expectation(_says_ok, data["title"]),
                public=public, scenario="script")


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found = [_script_case(script, public) for script in corpus.get("scripts", [])]
    for setting in corpus.get("tokens", []):
        found.append(Case("LoginService.attack", "tokens", "LoginService", (setting,),
                          Expectation(_says_ok,
                                      f"{setting['logins']} logins give unique, random, URL-safe tokens of 128+ bits"),
                          public=public, scenario="tokens"))
    for token in corpus.get("cookie_tokens", []):
        found.append(Case("session_cookie.works", "cookie", "session_cookie", (token,),
                          satisfies(partial(cookie_usable, token=token),
                                    f"a str starting session={token} with Path=/"), public=public))
        found.append(Case("session_cookie.attack", "flags", "session_cookie", (token,),
                          satisfies(partial(cookie_hardened, token=token),
                                    "HttpOnly, Secure, SameSite=Lax or Strict, Path=/, no Domain/Expires/Max-Age"),
                          public=public))
    for token in corpus.get("cookie_injections", []):
        found.append(Case("session_cookie.attack", "injection", "session_cookie", (token,), raises("ValueError"),
                          public=public))
    for key, part in (("passwords", "password_problems.works"), ("password_tricks", "password_problems.attack")):
        for password, username, breached in corpus.get(key, []):
            expected = targets.password_problems(password, username, set(breached))
            found.append(Case(part, _category(password, username, breached, key == "password_tricks"),
                              "password_problems", (password, username, list(breached)), returns(expected),
                              public=public, scenario="problems"))
    return found


# --- the exploit challenge ---------------------------------------------------------------

def existing_candidates() -> set[str]:
    """The exercise's candidate usernames that have an account in the lesson's app."""
    from seclab.topics.authentication.attacks import EXERCISE_CANDIDATES

    return set(EXERCISE_CANDIDATES) & set(targets.DEMO_PASSWORDS)


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded list of usernames: is it exactly what the app's answers reveal?

    Each app (fresh, in process, a new client address per attempt so no address lock
    interferes) is asked to log every candidate in with a wrong password; the answers
    and the hashing work give away which names exist. The payload works on an app when
    it is exactly the set of existing candidates *and* exactly what that app revealed.
    """
    from seclab.topics.authentication.attacks import EXERCISE_CANDIDATES, probe_accounts

    if (not isinstance(payload, list) or not all(isinstance(name, str) for name in payload)
            or len(payload) > len(EXERCISE_CANDIDATES)):
        return {"vulnerable": False, "fixed": False}
    claimed = set(payload)
    truth = existing_candidates()
    results = {}
    for name, vulnerable in (("vulnerable", True), ("fixed", False)):
        app = targets.create_app(vulnerable, clock=targets.ManualClock())
        revealed = probe_accounts(app, EXERCISE_CANDIDATES).exists
        results[name] = bool(claimed) and claimed == truth == revealed
    return results

