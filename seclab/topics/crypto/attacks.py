"""Attacks on cryptographic failures: sniffing, wordlist cracking, predicting ``random``.

* ``post_login`` sends a login over HTTP or HTTPS (the client side of the sniffing demo)
  and ``sniff`` reports whether a secret shows up in a proxy's recording;
* ``crack_unsalted`` runs a wordlist against fast unsalted hashes (one hash per guess
  tests every account at once), ``crack_salted`` against a salted, slow scheme within a
  time budget, ``guesses_per_second`` measures a hash function's speed;
* ``MT19937`` is a from-scratch Mersenne Twister; ``clone_from_outputs`` rebuilds its
  state from 624 consecutive 32-bit outputs of ``random.getrandbits(32)`` by undoing the
  output tempering, after which every later output is known.

The wordlist (``load_wordlist()``) is a few thousand common-password-like words that
ship with the course (``seclab/topics/crypto/wordlist.txt``), generated from popular base words
with typical suffixes; nothing is downloaded.
"""

from __future__ import annotations

import http.client
import json
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from seclab.attacks import AttackResult

# --- sniffing ----------------------------------------------------------------------


def post_login(port: int, username: str, password: str, tls: ssl.SSLContext | None = None) -> int:
    """POST a JSON login to 127.0.0.1:``port`` (HTTPS when ``tls`` is given); the status code."""
    connection: http.client.HTTPConnection
    if tls is None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    else:
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=tls)
    try:
        body = json.dumps({"username": username, "password": password})
        connection.request("POST", "/login", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def sniff(recording: bytes, secret: str) -> AttackResult:
    """Did ``secret`` cross the wire readably? Evidence: the bytes around it."""
    needle = secret.encode("utf-8")
    where = recording.find(needle)
    if where < 0:
        return AttackResult(secret, False, f"not in the {len(recording)} recorded bytes")
    start, end = max(0, where - 40), where + len(needle) + 10
    return AttackResult(secret, True, recording[start:end].decode("utf-8", "replace"))


# --- cracking password hashes ------------------------------------------------------

@cache
def _wordlist() -> tuple[str, ...]:
    text = resources.files(__package__ or "seclab.topics.crypto").joinpath("wordlist.txt").read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line)


def load_wordlist() -> list[str]:
    """The course's wordlist of common-password-like words, most common first."""
    return list(_wordlist())


@dataclass
class CrackResult:
    """What a wordlist attack recovered: user -> password, and what it cost."""

    found: dict[str, str] = field(default_factory=dict)
    guesses: int = 0
    seconds: float = 0.0
    finished: bool = True  # False if the time budget ran out before the wordlist did

    @property
    def guesses_per_second(self) -> float:
        return self.guesses / self.seconds if self.seconds > 0 else float("inf")


def crack_unsalted(table: dict[str, str], hash_function: Callable[[str], str],
                   wordlist: Iterable[str]) -> CrackResult:
    """Hash each word once and look it up among all stored hashes.

    Without a salt equal passwords have equal hashes, so one guess tests every account
    at the same time (and a precomputed table would need no guessing at all).
    """
    users_by_hash: dict[str, list[str]] = {}
    for user, stored in table.items():
        users_by_hash.setdefault(stored, []).append(user)
    result = CrackResult()
    started = time.perf_counter()
    for word in wordlist:
        result.guesses += 1
        for user in users_by_hash.get(hash_function(word), []):
            result.found[user] = word
        if len(result.found) == len(table):
            break
    result.seconds = time.perf_counter() - started
    return result


def crack_salted(table: dict[str, str], verify: Callable[[str, str], bool], wordlist: Iterable[str],
                 time_budget: float = 1.0) -> CrackResult:
    """Try each word against each account separately (a salt forces that), within ``time_budget`` s."""
    result = CrackResult()
    remaining = dict(table)
    started = time.perf_counter()
    for word in wordlist:
        for user, stored in list(remaining.items()):
            if time.perf_counter() - started > time_budget:
                result.finished = False
                result.seconds = time.perf_counter() - started
                return result
            result.guesses += 1
            if verify(stored, word):
                result.found[user] = word
                del remaining[user]
        if not remaining:
            break
    result.seconds = time.perf_counter() - started
    return result


def guesses_per_second(hash_once: Callable[[str], object], seconds: float = 0.1, minimum: int = 2) -> float:
    """How many guesses per second ``hash_once`` allows, measured for about ``seconds``."""
    words = _wordlist()
    count = 0
    started = time.perf_counter()
    while True:
        hash_once(words[count % len(words)])
        count += 1
        elapsed = time.perf_counter() - started
        if count >= minimum and elapsed >= seconds:
            return count / elapsed


# --- predicting random -------------------------------------------------------------

_N, _M = 624, 397
_MATRIX_A, _UPPER, _LOWER = 0x9908B0DF, 0x80000000, 0x7FFFFFFF
_MASK32 = 0xFFFFFFFF


def temper(y: int) -> int:
    """MT19937's output transformation of one state word."""
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C5680
    y ^= (y << 15) & 0xEFC60000
    y ^= y >> 18
    return y & _MASK32


def _undo_right(value: int, shift: int) -> int:
    result = value
    for _ in range(32 // shift + 1):
        result = value ^ (result >> shift)
    return result & _MASK32


def _undo_left(value: int, shift: int, mask: int) -> int:
    result = value
    for _ in range(32 // shift + 1):
        result = value ^ ((result << shift) & mask)
    return result & _MASK32


def untemper(output: int) -> int:
    """The state word behind one 32-bit output: ``temper`` run backwards, step by step."""
    y = _undo_right(output & _MASK32, 18)
    y = _undo_left(y, 15, 0xEFC60000)
    y = _undo_left(y, 7, 0x9D2C5680)
    return _undo_right(y, 11)


class MT19937:
    """The Mersenne Twister as ``random`` uses it, started from a full 624-word state."""

    def __init__(self, state: list[int], index: int = _N) -> None:
        if len(state) != _N:
            raise ValueError(f"MT19937 needs exactly {_N} state words, got {len(state)}")
        self.state = [word & _MASK32 for word in state]
        self.index = index

    def _twist(self) -> None:
        state = self.state
        for i in range(_N):
            y = (state[i] & _UPPER) | (state[(i + 1) % _N] & _LOWER)
            state[i] = state[(i + _M) % _N] ^ (y >> 1) ^ (_MATRIX_A if y & 1 else 0)
        self.index = 0

    def next32(self) -> int:
        """The next output, as ``random.getrandbits(32)`` would return it."""
        if self.index >= _N:
            self._twist()
        word = self.state[self.index]
        self.index += 1
        return temper(word)


def clone_from_outputs(outputs: list[int]) -> MT19937:
    """A generator in lock-step with the one that produced ``outputs`` (624 consecutive 32-bit outputs).

    Each output is one tempered state word, and tempering is invertible, so 624 outputs
    give the whole state; the clone's next output is the victim's next output.
    """
    if len(outputs) < _N:
        raise ValueError(f"need {_N} consecutive 32-bit outputs, got {len(outputs)}")
    clone = MT19937([untemper(value) for value in outputs[:_N]])
    for _ in outputs[_N:]:
        clone.next32()
    return clone


def predict_tokens(observed: list[int], count: int = 1, words_per_token: int = 4) -> list[str]:
    """The next ``count`` hex tokens of a generator that produced the 32-bit ``observed`` outputs."""
    clone = clone_from_outputs(observed)
    return ["".join(f"{clone.next32():08x}" for _ in range(words_per_token)) for _ in range(count)]
