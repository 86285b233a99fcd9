"""Spec of exercise 02_crypto: password hashing, authenticated encryption, reset tokens.

Functions (fixed names and signatures):

* ``hash_password(password: str) -> str`` and ``verify_password(stored: str, password: str) -> bool``
  -- a salted, memory-hard hash. Accepted schemes (checked on the stored string):
  argon2id in its standard form ``$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>``
  with m >= 19456 (19 MiB) and t >= 2 (the OWASP Password Storage Cheat Sheet's minimum),
  or scrypt written as ``$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>`` with ln >= 14
  (N >= 2**14) and r >= 8.
* ``encrypt_secret(plaintext: str, key: bytes) -> str`` and ``decrypt_secret(token: str, key: bytes) -> str``
  -- authenticated encryption. The key is a Fernet key: 32 random bytes, url-safe base64
  encoded (44 bytes), exactly what ``Fernet.generate_key()`` returns.
* ``new_reset_token() -> str`` -- URL-safe, at least 128 bits from ``secrets``.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import string
from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Part, raises, returns, satisfies

PARTS = {
    part.name: part
    for part in [
        Part("passwords.works", "hash_password", "hash_password/verify_password accept the right password, reject a wrong one"),
        Part("passwords.security", "hash_password",
             "passwords are salted and memory-hard (argon2id or scrypt); verify_password never raises"),
        Part("secrets.works", "encrypt_secret", "decrypt_secret(encrypt_secret(text, key), key) gives the text back"),
        Part("secrets.security", "encrypt_secret",
             "authenticated encryption: a fresh nonce, no readable plaintext, tampering and wrong keys raise ValueError"),
        Part("reset_token.works", "new_reset_token", "new_reset_token returns distinct URL-safe strings"),
        Part("reset_token.security", "new_reset_token", "reset tokens carry at least 128 bits from secrets, not random"),
    ]
}

ARGON2_MIN_MEMORY_KIB = 19456
ARGON2_MIN_TIME_COST = 2
SCRYPT_MIN_LOG2_N = 14
SCRYPT_MIN_R = 8

HINTS = {
    "round-trip": "hash_password must return a str, and verify_password(hash_password(p), p) must be True.",
    "wrong-password": "verify_password must return False (not raise) when the password does not match.",
    "salt": "Hashing the same password twice must give different strings: use a random salt per hash "
            "(argon2-cffi's PasswordHasher does that for you).",
    "cost": "Store an argon2id hash with m >= 19456 KiB and t >= 2, e.g. PasswordHasher(time_cost=2, "
            "memory_cost=19456, parallelism=1), or scrypt as '$scrypt$ln=14,r=8,p=1$<salt>$<hash>' (N >= 2**14). "
            "A bare MD5/SHA hex digest is fast to crack and unsalted.",
    "malformed": "verify_password must return False for a stored value that is not a valid hash: catch the "
                 "library's errors (argon2.exceptions.VerificationError, InvalidHashError) instead of letting them out.",
    "decrypt": "encrypt_secret must return a str, and decrypt_secret(encrypt_secret(text, key), key) must return text.",
    "nonce": "Two encryptions of the same text must differ: Fernet does that; with AESGCM use a new "
             "os.urandom(12) nonce per message and store it with the ciphertext.",
    "plaintext-visible": "The token must not contain the text, its base64 or its hex: encode is not encrypt.",
    "wrong-key": "Decrypting with another key must raise ValueError: use authenticated encryption "
                 "(Fernet or AESGCM) and turn its error (InvalidToken, InvalidTag) into ValueError.",
    "tamper": "A modified or malformed token must raise ValueError: authenticated encryption detects it; "
              "catch InvalidToken/InvalidTag (and decoding errors) and raise ValueError.",
    "token-format": "Return a str made only of URL-safe characters (A-Z a-z 0-9 - _), e.g. secrets.token_urlsafe(32).",
    "unique": "Every call must return a new token.",
    "entropy": "A token needs at least 128 random bits: 16 bytes or more, e.g. secrets.token_urlsafe(32) "
               "(43 characters) or secrets.token_hex(16) (32 hex digits).",
    "predictable": "Do not use the random module for tokens: its output repeats when it is seeded the same way "
                   "and can be predicted from earlier outputs. Use secrets.",
}

#: Failure categories, most severe first: check() shows the attacks that worked before the rest.
SEVERITY = ("plaintext-visible", "tamper", "wrong-key", "cost", "salt", "predictable", "entropy", "nonce",
            "malformed", "round-trip", "wrong-password", "decrypt", "token-format", "unique")

_URLSAFE = frozenset(string.ascii_letters + string.digits + "-_")
_HEX = frozenset(string.hexdigits)
_ARGON2 = re.compile(r"\$(argon2(?:id|i|d))\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}")
_SCRYPT = re.compile(r"\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$[A-Za-z0-9+/=._-]{11,}\$[A-Za-z0-9+/=._-]{16,}")
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128}")

#: Where in a token a character is changed to check tampering is detected (fractions of its length).
TAMPER_POINTS = (0.25, 0.5, 0.75)


class LearnerCallFailed(RuntimeError):
    """A learner's function failed where a scenario needed its result (not the expected error)."""


def _key() -> list[Any]:
    from cryptography.fernet import Fernet

    return [Fernet.generate_key()]


FIXTURES: dict[str, Callable[[], list[Any]]] = {"key": _key}


# --- scenarios (run inside whichever process runs the learner's code) -------------------

def _call(namespace: dict[str, Any], name: str, *args: Any) -> Any:
    """Call the learner's ``name`` where a scenario needs its result.

    A function that is not defined or still raises NotImplementedError surfaces as
    NotImplementedError, so ``check`` waits for it (``Case.needs``) instead of failing
    the function it is checking; any other error becomes LearnerCallFailed, which can
    never pass for the ValueError a case expects.
    """
    function = namespace.get(name)
    if not callable(function):
        raise NotImplementedError(f"{name} is not written yet")
    try:
        return function(*args)
    except NotImplementedError:
        raise
    except Exception as error:
        raise LearnerCallFailed(f"{name} raised {type(error).__name__}: {error}"[:200]) from None


def _own(namespace: dict[str, Any], name: str) -> Callable[..., Any]:
    """The function a case judges: its errors are the outcome (run_case made sure it exists)."""
    function = namespace.get(name)
    if not callable(function):
        raise NotImplementedError(f"{name} is not written yet")
    return function


def _stored_hash(namespace: dict[str, Any], password: str) -> str:
    stored = _call(namespace, "hash_password", password)
    if type(stored) is not str:
        raise LearnerCallFailed(f"hash_password returned a {type(stored).__name__}, not a str")
    return stored


def _password_round_trip(namespace: dict[str, Any], password: str) -> Any:
    return _call(namespace, "verify_password", _stored_hash(namespace, password), password)


def _wrong_password(namespace: dict[str, Any], password: str, wrong: str) -> Any:
    return _call(namespace, "verify_password", _stored_hash(namespace, password), wrong)


def _two_hashes_differ(namespace: dict[str, Any], password: str) -> bool:
    return _stored_hash(namespace, password) != _stored_hash(namespace, password)


def scheme_problem(stored: Any, password: str) -> str:
    """"ok" if ``stored`` is an accepted salted, memory-hard hash of ``password``, else what is wrong."""
    if type(stored) is not str:
        return f"hash_password returned a {type(stored).__name__}, not a str"
    if len(password) >= 4 and password in stored:
        return "the stored value contains the password"
    if _HEX_DIGEST.fullmatch(stored):
        return "a bare hex digest (MD5/SHA family): fast and unsalted"
    argon2 = _ARGON2.fullmatch(stored)
    if argon2:
        variant, memory, time_cost = argon2[1], int(argon2[2]), int(argon2[3])
        if variant != "argon2id":
            return f"{variant}: use argon2id"
        if memory < ARGON2_MIN_MEMORY_KIB or time_cost < ARGON2_MIN_TIME_COST:
            return (f"argon2id with m={memory} KiB, t={time_cost}: too cheap "
                    f"(need m >= {ARGON2_MIN_MEMORY_KIB}, t >= {ARGON2_MIN_TIME_COST})")
        return "ok"
    scrypt = _SCRYPT.fullmatch(stored)
    if scrypt:
        log2_n, block = int(scrypt[1]), int(scrypt[2])
        if log2_n < SCRYPT_MIN_LOG2_N or block < SCRYPT_MIN_R:
            return f"scrypt with ln={log2_n}, r={block}: too cheap (need ln >= {SCRYPT_MIN_LOG2_N}, r >= {SCRYPT_MIN_R})"
        return "ok"
    return "not an argon2id ('$argon2id$v=19$m=...') or scrypt ('$scrypt$ln=...') hash string"


def _hash_scheme(namespace: dict[str, Any], password: str) -> str:
    return scheme_problem(_stored_hash(namespace, password), password)


def _token(namespace: dict[str, Any], plaintext: str, key: bytes) -> str:
    token = _call(namespace, "encrypt_secret", plaintext, key)
    if type(token) is not str:
        raise LearnerCallFailed(f"encrypt_secret returned a {type(token).__name__}, not a str")
    return token


def _secret_round_trip(namespace: dict[str, Any], key: bytes, plaintext: str) -> Any:
    return _own(namespace, "decrypt_secret")(_token(namespace, plaintext, key), key)


def _fresh_nonce(namespace: dict[str, Any], key: bytes, plaintext: str) -> bool:
    return _token(namespace, plaintext, key) != _token(namespace, plaintext, key)


def _readable_forms(plaintext: str) -> list[str]:
    raw = plaintext.encode("utf-8")
    forms = [plaintext, raw.hex(), raw.hex().upper()]
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.append(encode(raw).decode().rstrip("="))
    return forms


def _plaintext_hidden(namespace: dict[str, Any], key: bytes, plaintext: str) -> bool:
    token = _token(namespace, plaintext, key)
    return not any(form and form in token for form in _readable_forms(plaintext))


def _wrong_key(namespace: dict[str, Any], key: bytes, plaintext: str) -> Any:
    from cryptography.fernet import Fernet

    token = _token(namespace, plaintext, key)
    return _own(namespace, "decrypt_secret")(token, Fernet.generate_key())


def tampered(token: str, fraction: float) -> str:
    """``token`` with one character near ``fraction`` of its length changed within its class.

    A digit becomes another digit, a lowercase letter another lowercase letter (hex stays
    hex, base64 stays base64), so the change reaches the integrity check instead of
    merely breaking the encoding.
    """
    if not token:
        return "x"
    start = min(int(len(token) * fraction), len(token) - 1)
    for index in list(range(start, len(token))) + list(range(start - 1, -1, -1)):
        char = token[index]
        for alphabet in (string.digits, string.ascii_lowercase, string.ascii_uppercase):
            if char in alphabet:
                replacement = alphabet[(alphabet.index(char) + 1) % 6]
                if replacement == char:
                    replacement = alphabet[(alphabet.index(char) + 2) % 6]
                return token[:index] + replacement + token[index + 1:]
    return token[:start] + ("A" if token[start] != "A" else "B") + token[start + 1:]


def _tampered(namespace: dict[str, Any], key: bytes, plaintext: str, fraction: float) -> Any:
    token = _token(namespace, plaintext, key)
    return _own(namespace, "decrypt_secret")(tampered(token, fraction), key)


def _garbage(namespace: dict[str, Any], key: bytes, token: str) -> Any:
    return _own(namespace, "decrypt_secret")(token, key)


def _token_batch(namespace: dict[str, Any], count: int) -> list[Any]:
    return [_own(namespace, "new_reset_token")() for _ in range(count)]


def _reseeded_tokens(namespace: dict[str, Any], seed: int) -> list[Any]:
    """Tokens made right after seeding ``random`` the same way twice: equal means predictable."""
    random.seed(seed)
    first = _own(namespace, "new_reset_token")()
    random.seed(seed)
    second = _own(namespace, "new_reset_token")()
    return [first, second]


SCENARIOS: dict[str, Callable[..., Any]] = {
    "password_round_trip": _password_round_trip,
    "wrong_password": _wrong_password,
    "two_hashes": _two_hashes_differ,
    "hash_scheme": _hash_scheme,
    "secret_round_trip": _secret_round_trip,
    "fresh_nonce": _fresh_nonce,
    "plaintext_hidden": _plaintext_hidden,
    "wrong_key": _wrong_key,
    "tampered": _tampered,
    "garbage_token": _garbage,
    "token_batch": _token_batch,
    "reseeded_tokens": _reseeded_tokens,
}


# --- judging tokens ---------------------------------------------------------------------

def is_urlsafe_token(token: Any) -> bool:
    return type(token) is str and bool(token) and set(token) <= _URLSAFE


def token_bits(token: str) -> int:
    """A generous estimate of a token's randomness: 4 bits per hex digit, else 6 per character."""
    per_char = 4 if set(token) <= _HEX else 6
    return len(token) * per_char


def _distinct_urlsafe(tokens: Any) -> bool:
    return isinstance(tokens, list) and all(map(is_urlsafe_token, tokens)) and len(set(tokens)) == len(tokens)


def _all_strong(tokens: Any) -> bool:
    return isinstance(tokens, list) and all(is_urlsafe_token(t) and token_bits(t) >= 128 for t in tokens)


def _differ(pair: Any) -> bool:
    return isinstance(pair, list) and len(pair) == 2 and pair[0] != pair[1]


# --- cases ------------------------------------------------------------------------------

def cases(corpus: dict[str, list[str]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``).

    Round trips judge two functions together: such a case names the other one in
    ``needs``, and ``shown`` writes the calls in the order of the signatures.
    """
    found: list[Case] = []

    def add(part: str, category: str, function: str, args: tuple[Any, ...], expect: Any,
            scenario: str | None = None, fixture: str | None = None, needs: tuple[str, ...] = (),
            shown: str | None = None) -> None:
        found.append(Case(part, category, function, args, expect, fixture, public, scenario, needs, shown))

    for password in corpus.get("passwords", []):
        add("passwords.works", "round-trip", "hash_password", (password,), returns(True), "password_round_trip",
            needs=("verify_password",), shown=f"verify_password(hash_password({password!r}), {password!r})")
        wrong = password + "!"
        add("passwords.works", "wrong-password", "verify_password", (password, wrong), returns(False),
            "wrong_password", needs=("hash_password",),
            shown=f"verify_password(hash_password({password!r}), {wrong!r})")
    for stored in corpus.get("malformed_hashes", []):
        add("passwords.security", "malformed", "verify_password", (stored, "hunter2hunter2"), returns(False))
    for plaintext in corpus.get("plaintexts", []):
        add("secrets.works", "decrypt", "encrypt_secret", (plaintext,), returns(plaintext), "secret_round_trip", "key",
            needs=("decrypt_secret",), shown=f"decrypt_secret(encrypt_secret({plaintext!r}, key), key)")
        add("secrets.security", "wrong-key", "decrypt_secret", (plaintext,), raises("ValueError"), "wrong_key", "key",
            needs=("encrypt_secret",), shown=f"decrypt_secret(encrypt_secret({plaintext!r}, key), other_key)")
    for token in corpus.get("garbage_tokens", []):
        add("secrets.security", "tamper", "decrypt_secret", (token,), raises("ValueError"), "garbage_token", "key",
            shown=f"decrypt_secret({token!r}, key)")
    if public:
        phrase = "correct horse battery staple"
        wrong = "Correct horse battery staple"
        add("passwords.works", "wrong-password", "verify_password", (phrase, wrong),
            returns(False), "wrong_password", needs=("hash_password",),
            shown=f"verify_password(hash_password({phrase!r}), {wrong!r})")
        add("passwords.security", "salt", "hash_password", (phrase,), returns(True), "two_hashes",
            shown=f"hash_password({phrase!r}) != hash_password({phrase!r})")
        add("passwords.security", "cost", "hash_password", (phrase,), returns("ok"), "hash_scheme",
            shown=f"hash_password({phrase!r}) checked for an accepted scheme and cost")
        api_key = "sk_live_4f9a2c7e1b8d3f60"
        add("secrets.security", "nonce", "encrypt_secret", (api_key,), returns(True), "fresh_nonce", "key",
            shown=f"encrypt_secret({api_key!r}, key) != encrypt_secret({api_key!r}, key)")
        add("secrets.security", "plaintext-visible", "encrypt_secret", (api_key,), returns(True),
            "plaintext_hidden", "key", shown=f"encrypt_secret({api_key!r}, key) hides the text")
        for fraction in TAMPER_POINTS:
            add("secrets.security", "tamper", "decrypt_secret", (api_key, fraction), raises("ValueError"),
                "tampered", "key", needs=("encrypt_secret",),
                shown=f"decrypt_secret(<encrypt_secret({api_key!r}, key) with one character changed "
                      f"{int(fraction * 100)}% of the way in>, key)")
        add("reset_token.works", "token-format", "new_reset_token", (),
            satisfies(is_urlsafe_token, "a non-empty str of URL-safe characters"))
        add("reset_token.works", "unique", "new_reset_token", (100,),
            satisfies(_distinct_urlsafe, "100 different URL-safe tokens"), "token_batch",
            shown="[new_reset_token() for _ in range(100)]")
        add("reset_token.security", "entropy", "new_reset_token", (50,),
            satisfies(_all_strong, "every token with at least 128 bits (32 hex digits or 22 base64url characters)"),
            "token_batch", shown="[new_reset_token() for _ in range(50)]")
    for seed in corpus.get("seeds", []):
        add("reset_token.security", "predictable", "new_reset_token", (int(seed),),
            satisfies(_differ, "different tokens even when random is seeded the same way"), "reseeded_tokens",
            shown=f"new_reset_token() twice, each right after random.seed({int(seed)})")
    return found


def public_corpus() -> dict[str, list[str]]:
    return {
        "passwords": ["correct horse battery staple", "pässwörd ☃ 2024"],
        "malformed_hashes": ["", "not a hash", "5f4dcc3b5aa765d61d8327deb882cf99",
                             "$argon2id$v=19$m=19456,t=2,p=1$", "$scrypt$ln=14,r=8,p=1$$"],
        "plaintexts": ["sk_live_4f9a2c7e1b8d3f60", "a secret with spaces and ünïcode"],
        "garbage_tokens": ["", "not-a-token", "gAAAAABnotreallyafernettoken=="],
        "seeds": ["1234"],
    }


# --- the exploit challenge -------------------------------------------------------------

def _md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # comparing with the leaked weak hash  # nosec B324


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recovered password against both stores' leaks.

    "vulnerable": ``md5(payload)`` equals the leaked hash: the wordlist attack worked.
    "fixed": the same wordlist attack, given the same time the MD5 crack needed, recovers
    the password from the fixed store's leak, where it is kept as argon2id with a random
    salt. It does not: one argon2id guess costs tens of milliseconds, the whole MD5
    crack a few. The fix buys cost, not impossibility: with days of computing the same
    weak password falls, which is why weak passwords must also be refused at sign-up.
    """
    from seclab.topics.crypto.attacks import crack_salted, crack_unsalted, load_wordlist
    from seclab.topics.crypto.targets import LEAKED_MD5, argon2id_hasher, argon2id_verify

    if not isinstance(payload, str) or not payload or _md5_hex(payload) != LEAKED_MD5:
        return {"vulnerable": False, "fixed": False}

    words = load_wordlist()
    md5_attack = crack_unsalted({"victim": LEAKED_MD5}, _md5_hex, words)
    fixed_leak = {"victim": argon2id_hasher().hash(payload)}
    fixed_attack = crack_salted(fixed_leak, argon2id_verify, words, time_budget=md5_attack.seconds)
    return {"vulnerable": md5_attack.found.get("victim") == payload, "fixed": "victim" in fixed_attack.found}
