"""Spec of exercise 08_integrity: sign, unsign, load_profile, check_update and the pickle exploit.

Keys, manifests and raw bytes cannot cross the sandbox as JSON, so most cases are
scenarios: the case carries labels and text, and the scenario (run wherever the
learner's code runs) derives the keys, signs, encodes and calls. sign and unsign are
judged together where only a round trip can tell (``Case.needs``): a token's format is
the learner's choice, so unsign is only ever fed tokens the learner's own sign made,
changed in ways that no correct decoding can take for the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from typing import Any

from seclab.spec import (
    Case,
    Expectation,
    Part,
    compare_digest_calls,
    in_empty_folder,
    raises,
    returns_exactly,
    same_data,
    satisfies,
)
from seclab.topics.integrity import attacks

EXERCISE = "08_integrity"

PARTS = {
    part.name: part
    for part in [
        Part("sign.works", "sign", "sign makes URL-safe tokens that unsign turns back into the same dict"),
        Part("sign.attack", "sign", "sign binds every token to the key and encodes any data safely"),
        Part("unsign.works", "unsign", "unsign gives back the dict that sign signed"),
        Part("unsign.attack", "unsign",
             "unsign refuses changed, cut, spliced, malformed and wrong-key tokens and compares in constant time"),
        Part("load_profile.works", "load_profile", "load_profile returns valid profiles unchanged"),
        Part("load_profile.attack", "load_profile", "load_profile refuses everything else and never runs code"),
        Part("check_update.works", "check_update", "check_update accepts a correctly signed, newer release"),
        Part("check_update.attack", "check_update",
             "check_update refuses bad signatures and manifests, rollbacks and freezes"),
    ]
}

HINTS = {
    "token-alphabet": "Return a str made only of A-Z a-z 0-9 - _ . : base64.urlsafe_b64encode(...).rstrip(b'=') "
                      "each part, then join the parts with '.'.",
    "round-trip": "unsign(sign(d, key), key) must give back d exactly: json.dumps the dict, base64url the bytes, "
                  "MAC them with hmac.new(key, ..., hashlib.sha256); unsign checks the MAC, then reverses each step.",
    "tricky-data": "Encode the whole dict with json.dumps and base64url the bytes: every key (even 'sig' or ''), "
                   "every character (dots, quotes, newlines, emoji) and every value type must survive unchanged.",
    "weak-mac": "MAC with hmac.new(key, payload, hashlib.sha256): a plain hash of key and data such as "
                "sha256(key + data) can be extended by anyone who sees one token (length extension), and HMAC "
                "with MD5 or SHA-1 (itsdangerous' default digest), or an HMAC cut short, is weaker than the SHA-256 the "
                "contract asks for.",
    "keyless": "The token must depend on the key: a plain hash of the data is a checksum anyone can recompute; "
               "use hmac.new(key, payload, hashlib.sha256).",
    "tampering": "Recompute the MAC over the payload you received and compare it with hmac.compare_digest before "
                 "you decode or trust anything; any mismatch raises ValueError.",
    "truncated": "A token with a character missing or cut short must fail: check that it has exactly the parts you "
                 "expect, that each decodes, and that the MAC matches.",
    "extra-characters": "Characters added to a token must either make the check fail with ValueError or be ignored "
                        "by your decoding; they must never change the data you return.",
    "spliced": "Parts of two valid tokens glued together are not a valid token: the MAC must cover the whole "
               "payload, and a MAC from another token must not fit.",
    "wrong-key": "A token signed with another key must fail: recompute the MAC with the key you were given.",
    "malformed": "Anything that is not a token you made (empty, no '.', not base64, garbage) must raise ValueError: "
                 "turn binascii, JSON and Unicode errors, and itsdangerous' BadSignature, into ValueError.",
    "timing": "Compare MACs with hmac.compare_digest: == stops at the first differing byte, and the time that "
              "takes tells an attacker how much of a guess was right.",
    "valid-profile": "Return the parsed dict itself for a valid profile: decode, json.loads, check every rule, "
                     "return it (no stripping, no reformatting, no extra rules).",
    "encoding": "Decode with raw.decode('utf-8') yourself: json.loads(bytes) would also accept UTF-16, UTF-32, a "
                "BOM and surrogates; UnicodeDecodeError is a ValueError.",
    "json-syntax": "Parse with json.loads and turn its errors into ValueError; NaN and Infinity are not JSON: pass "
                   "parse_constant= a function that raises.",
    "duplicate-key": "json.loads keeps the last of two equal keys without a word: pass object_pairs_hook= a "
                     "function that raises ValueError when a key repeats.",
    "deep-nesting": "Deeply nested input makes json.loads raise RecursionError, which is not a ValueError: catch "
                    "it and raise ValueError.",
    "shape": "The top level must be a dict with exactly the keys name, age and email, no more and no fewer.",
    "types": "name and email must be str and age an int that is not a bool (type(age) is int): true, \"36\", "
             "36.0 and 1e2 are not.",
    "range": "name has 1 to 50 characters, age is 0 to 150, email has at most 254 characters.",
    "email": "email has exactly one @ with something on both sides, and no character for which str.isspace() is "
             "true (not just the space: tabs, newlines, U+00A0 too).",
    "code-execution": "Never unpickle, yaml.load or eval the bytes: parse them as JSON only, and raise ValueError "
                      "for anything else.",
    "valid-update": "Return the manifest dict when the signature verifies, the manifest is well-formed and its "
                    "version is newer per packaging.version.Version (10.0 is newer than 9.9, as strings it is not).",
    "signature": "Verify first: Ed25519PublicKey.from_public_bytes(public_key).verify(signature, manifest) over the "
                 "exact bytes; InvalidSignature is not a ValueError, so catch it (and key errors) and raise "
                 "ValueError.",
    "manifest": "After the signature: decode and json.loads the manifest; it must be a dict with exactly the keys "
                "version, url and sha256, each a str.",
    "url": "urlsplit(url).scheme must be exactly 'https' and urlsplit(url).hostname must not be empty.",
    "digest": "sha256 must be 64 lowercase hex characters: re.fullmatch('[0-9a-f]{64}', value) (re.match with $ "
              "lets a trailing newline through; int(value, 16) lets '0x', '_' and spaces through).",
    "version": "Parse both versions with packaging.version.Version; InvalidVersion is already a ValueError.",
    "rollback": "Refuse a version that is not newer than the installed one: Version(new) <= Version(installed) is "
                "a rollback (older) or a freeze/replay (the same version, however it is written).",
}

TOKEN_ALPHABET = re.compile(r"[A-Za-z0-9_.\-]+")
#: How many single-character changes of a token may be accepted (only ever with the signed data back).
TOLERATED_SAME_DATA = 2


def _is_token(token: Any) -> bool:
    return type(token) is str and TOKEN_ALPHABET.fullmatch(token) is not None


# --- keys and partners, inside whichever process runs the learner's code ----------------------

class PartnerFailed(RuntimeError):
    """The other function a case needs failed, so this case cannot judge its own function."""


class PreparationFailed(RuntimeError):
    """The grader's own preparation of a case failed (a corpus or spec bug, never the learner's).

    Raised instead of whatever went wrong, so that a ValueError of ours can never pass
    for the ValueError a case expects from the learner's code.
    """


def _prepare(make: Callable[[], Any]) -> Any:
    try:
        return make()
    except Exception as error:
        raise PreparationFailed(f"{type(error).__name__}: {error}") from error


def key_of(label: str) -> bytes:
    """The HMAC key a case's label stands for (``hex:...`` gives the bytes themselves)."""
    if label.startswith("hex:"):
        return bytes.fromhex(label[4:])
    return hashlib.sha256(label.encode("utf-8")).digest()


def _wrong_key(key: bytes, variant: str) -> bytes:
    """A key other than ``key``. (HMAC treats ``key`` and ``key + b"\\0"`` alike, so that is not one.)"""
    variants = {
        "other": lambda: hashlib.sha256(b"someone else's key for " + key).digest(),
        "bit-flip": lambda: bytes([key[0] ^ 1]) + key[1:],
        "drop-first-byte": lambda: key[1:],
        "prefixed": lambda: b"k" + key,
        "empty": lambda: b"",
    }
    return variants[variant]()


def _call_partner(namespace: dict[str, Any], name: str, *args: Any) -> Any:
    function = namespace.get(name)
    if not callable(function):
        raise NotImplementedError(f"{name} is not defined yet")
    try:
        return function(*args)
    except NotImplementedError:
        raise
    except Exception as error:
        raise PartnerFailed(f"{name} raised {type(error).__name__}: {error}"[:200]) from None


def _token(namespace: dict[str, Any], data: dict[str, Any], label: str) -> Any:
    return namespace["sign"](data, key_of(label))


def _round_trip(namespace: dict[str, Any], data: dict[str, Any], label: str) -> dict[str, Any]:
    token = _call_partner(namespace, "sign", data, key_of(label))
    return {"token": token, "back": _call_partner(namespace, "unsign", token, key_of(label))}


def _two_keys(namespace: dict[str, Any], data: dict[str, Any], first: str, second: str) -> list[Any]:
    return [namespace["sign"](data, key_of(first)), namespace["sign"](data, key_of(second))]


# --- changing tokens ---------------------------------------------------------------------------

_BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_EXTRA = ["A", "a", "0", "-", "_", ".", "=", "==", " ", "\n", "\t", "é", "\x00", "%3D", "+", "/"]


def _flip(char: str) -> str:
    """Another character that decodes differently in base64url, base32 and hex (never a case change)."""
    index = _BASE64URL.find(char)
    return _BASE64URL[index ^ 32] if index >= 0 else "A"


def changed_tokens(token: str, family: str) -> list[str]:
    """Every change of ``family`` to ``token``: each one differs from the token itself."""
    if family == "substitute":
        found = [token[:i] + _flip(token[i]) + token[i + 1:] for i in range(len(token))]
    elif family == "delete":
        found = [token[:i] + token[i + 1:] for i in range(len(token))]
    elif family == "truncate":
        found = [token[:length] for length in range(len(token))]
    elif family == "extra":
        middle = len(token) // 2
        found = ([token + extra for extra in _EXTRA] + [extra + token for extra in _EXTRA]
                 + [token[:middle] + extra + token[middle:] for extra in _EXTRA])
    else:
        raise ValueError(f"unknown family of changes {family!r}")
    return [changed for changed in dict.fromkeys(found) if changed != token]


def _tally(namespace: dict[str, Any], tokens: list[str], key: bytes, signed: list[Any]) -> dict[str, Any]:
    """Feed each changed token to unsign and count what happened."""
    unsign = namespace["unsign"]
    tally: dict[str, Any] = {"tried": len(tokens), "refused": 0, "accepted_same": 0, "accepted_other": 0,
                             "other_errors": []}
    for token in tokens:
        try:
            value = unsign(token, key)
        except ValueError:
            tally["refused"] += 1
        except Exception as error:  # the learner's code may raise anything
            if type(error).__name__ not in tally["other_errors"]:
                tally["other_errors"].append(type(error).__name__)
        else:
            kind = "accepted_same" if any(same_data(value, data) for data in signed) else "accepted_other"
            tally[kind] += 1
    return tally


def _tamper(namespace: dict[str, Any], data: dict[str, Any], label: str, family: str) -> dict[str, Any]:
    token = _call_partner(namespace, "sign", data, key_of(label))
    if type(token) is not str:
        raise PartnerFailed("sign did not return a str")
    return _tally(namespace, changed_tokens(token, family), key_of(label), [data])


def _splice(namespace: dict[str, Any], first: dict[str, Any], second: dict[str, Any], label: str) -> dict[str, Any]:
    """Glue the start of one valid token to the end of another, at every position."""
    key = key_of(label)
    one, two = (_call_partner(namespace, "sign", data, key) for data in (first, second))
    if type(one) is not str or type(two) is not str:
        raise PartnerFailed("sign did not return a str")
    glued = {a[:i] + b[i:] for a, b in ((one, two), (two, one)) for i in range(1, min(len(a), len(b)))}
    return _tally(namespace, sorted(glued - {one, two}), key, [first, second])


def _wrong_key_case(namespace: dict[str, Any], data: dict[str, Any], label: str, variant: str) -> Any:
    key, wrong = _prepare(lambda: (key_of(label), _wrong_key(key_of(label), variant)))
    token = _call_partner(namespace, "sign", data, key)
    return namespace["unsign"](token, wrong)


_PLAIN_HASHES = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
_WEAK_HMACS = ("md5", "sha1")
#: itsdangerous' default key derivation ("django-concat" with SHA-1) and its default salts
_ITSDANGEROUS_SALTS = (b"itsdangerous", b"itsdangerous.Signer", b"cookie-session")


def _decodings(text: str) -> list[bytes]:
    """What one part of a token may stand for: its bytes, base64url (any padding) or hex."""
    found = [text.encode("utf-8", "surrogatepass")]
    try:
        found.append(base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4)))
    except (binascii.Error, ValueError):
        pass
    try:
        found.append(bytes.fromhex(text))
    except ValueError:
        pass
    return found


def weak_mac(token: Any, data: dict[str, Any], key: bytes) -> str | None:
    """The weak construction whose MAC ``token`` carries (a plain hash of key and data, an HMAC
    with MD5 or SHA-1, itsdangerous' SHA-1 default, an HMAC-SHA256 cut short), or None.

    The token's format is the learner's choice, so this looks for the MAC in every part
    between dots (as text, base64url or hex) over every message a token can be built from
    (a prefix of the token, a part, its decoding, common JSON encodings of ``data``).
    A correct HMAC-SHA256 never matches; weak constructions in the usual formats do.
    """
    if type(token) is not str:
        return None
    parts = token.split(".")
    messages = {".".join(parts[:end]).encode("utf-8", "surrogatepass") for end in range(1, len(parts))}
    for part in parts:
        messages.update(_decodings(part))
    for separators in ((",", ":"), (", ", ": ")):
        for sort_keys in (False, True):
            messages.add(json.dumps(data, separators=separators, sort_keys=sort_keys).encode())
    carried = {candidate for part in parts for candidate in _decodings(part) if len(candidate) >= 8}
    short = {candidate for candidate in carried if len(candidate) < 32}
    derived = [hashlib.sha1(salt + b"signer" + key, usedforsecurity=False).digest() for salt in _ITSDANGEROUS_SALTS]
    for message in messages:
        for name in _PLAIN_HASHES:
            for text, shape in ((key + message, "key + data"), (message + key, "data + key"),
                                (message, "data alone")):
                if hashlib.new(name, text).digest() in carried:
                    return f"{name}({shape})"
        for name in _WEAK_HMACS:
            if hmac.new(key, message, name).digest() in carried:
                return f"HMAC-{name.upper()}"
        for derived_key in derived:
            if hmac.new(derived_key, message, "sha1").digest() in carried:
                return "itsdangerous with its SHA-1 default"
        full = hmac.new(key, message, "sha256").digest()
        for candidate in short:
            if full.startswith(candidate):
                return f"HMAC-SHA256 cut to {len(candidate)} bytes"
    return None


def _mac_construction(namespace: dict[str, Any], data: dict[str, Any], label: str) -> dict[str, Any]:
    key = key_of(label)
    return {"weak": weak_mac(namespace["sign"](data, key), data, key)}


def _unsign_raw(namespace: dict[str, Any], token: str, label: str) -> Any:
    return namespace["unsign"](token, _prepare(lambda: key_of(label)))


def _timing(namespace: dict[str, Any], data: dict[str, Any], label: str) -> dict[str, int]:
    """Count the calls of hmac.compare_digest (under any name it has anywhere) while unsign checks a token."""
    key = key_of(label)
    token = _call_partner(namespace, "sign", data, key)
    calls = compare_digest_calls(namespace, "unsign", lambda: namespace["unsign"](token, key))
    return {"compare_digest_calls": calls}


# --- load_profile -------------------------------------------------------------------------------

def _utf8(namespace: dict[str, Any], text: str) -> Any:
    return namespace["load_profile"](_prepare(lambda: text.encode("utf-8")))


def _raw_hex(namespace: dict[str, Any], raw_hex: str) -> Any:
    return namespace["load_profile"](_prepare(lambda: bytes.fromhex(raw_hex)))


def _deep(namespace: dict[str, Any], before: str, opener: str, closer: str, depth: int, after: str) -> Any:
    raw = _prepare(lambda: (before + opener * depth + closer * depth + after).encode("utf-8"))
    return namespace["load_profile"](raw)


def _runs_nothing(namespace: dict[str, Any], raw_hex: str) -> dict[str, Any]:
    """Call load_profile in a fresh empty folder; report how it ended and which files appeared there."""
    raw = _prepare(lambda: bytes.fromhex(raw_hex))
    return in_empty_folder(lambda: namespace["load_profile"](raw), "seclab-load-profile-")


# --- check_update ----------------------------------------------------------------------------

def _manifest_bytes(item: Any) -> bytes:
    """A manifest given as text (UTF-8), ``{"hex": ...}`` (bytes that are not UTF-8) or
    ``{"nest": [opener, closer, depth]}`` (JSON nested ``depth`` deep)."""
    if isinstance(item, dict) and "hex" in item:
        return bytes.fromhex(item["hex"])
    if isinstance(item, dict) and "nest" in item:
        opener, closer, depth = item["nest"]
        return (str(opener) * int(depth) + str(closer) * int(depth)).encode("utf-8")
    return str(item).encode("utf-8")


def _signed_update(namespace: dict[str, Any], manifest: Any, installed: str, mode: str) -> Any:
    """Sign ``manifest`` with a fresh release key, break what ``mode`` says, call check_update."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    def raw_public(private: Ed25519PrivateKey) -> bytes:
        return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    release, attacker = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    sent = _prepare(lambda: _manifest_bytes(manifest))
    signature, public_key = release.sign(sent), raw_public(release)

    def edited() -> bytes:
        changed = json.loads(sent)
        changed["url"] = "https://evil.example.net/backdoor.whl"
        return json.dumps(changed, indent=1).encode()

    changes: dict[str, Callable[[], tuple[bytes, bytes, bytes]]] = {
        "release": lambda: (sent, signature, public_key),
        "edited-after-signing": lambda: (edited(), signature, public_key),
        "other-signer": lambda: (sent, attacker.sign(sent), public_key),
        "wrong-public-key": lambda: (sent, signature, raw_public(attacker)),
        "whitespace-after-signing": lambda: (sent + b" ", signature, public_key),
        "reformatted-after-signing": lambda: (json.dumps(json.loads(sent)).encode(), signature, public_key),
        "signature-of-other-bytes": lambda: (sent, release.sign(sent + b"\n"), public_key),
        "truncated-signature": lambda: (sent, signature[:-1], public_key),
        "extended-signature": lambda: (sent, signature + b"\x00", public_key),
        "empty-signature": lambda: (sent, b"", public_key),
        "zero-signature": lambda: (sent, bytes(64), public_key),
        "flipped-signature": lambda: (sent, bytes([signature[0] ^ 1]) + signature[1:], public_key),
        "hex-signature": lambda: (sent, signature.hex().encode(), public_key),
        "short-public-key": lambda: (sent, signature, public_key[:-1]),
        "long-public-key": lambda: (sent, signature, public_key + b"\x00"),
        "empty-public-key": lambda: (sent, signature, b""),
        "zero-public-key": lambda: (sent, signature, bytes(32)),
        "hex-public-key": lambda: (sent, signature, public_key.hex().encode()),
    }
    arguments = _prepare(changes[mode])
    return namespace["check_update"](*arguments, installed)


FIXTURES: dict[str, Callable[[], list[Any]]] = {}
SCENARIOS: dict[str, Callable[..., Any]] = {
    "token": _token, "round_trip": _round_trip, "two_keys": _two_keys, "tamper": _tamper, "splice": _splice,
    "wrong_key": _wrong_key_case, "unsign_raw": _unsign_raw, "timing": _timing, "mac": _mac_construction,
    "utf8": _utf8, "raw_hex": _raw_hex, "deep": _deep, "runs_nothing": _runs_nothing,
    "signed": _signed_update,
}


# --- the cases ------------------------------------------------------------------------------

def _round_trips(data: dict[str, Any]) -> Expectation:
    return satisfies(lambda value: _is_token(value["token"]) and same_data(value["back"], data),
                     "a token of A-Z a-z 0-9 - _ . that unsign turns back into exactly the same dict")


_TOKEN = satisfies(_is_token, "a non-empty str of A-Z a-z 0-9 - _ . only")
_KEYED = satisfies(lambda tokens: all(map(_is_token, tokens)) and tokens[0] != tokens[1],
                   "different tokens for different keys")
_STRICT = satisfies(lambda tally: tally["accepted_other"] == 0 and not tally["other_errors"]
                    and tally["accepted_same"] <= TOLERATED_SAME_DATA and tally["tried"] > 0,
                    "ValueError for every changed token")
_LENIENT = satisfies(lambda tally: tally["accepted_other"] == 0 and not tally["other_errors"] and tally["tried"] > 0,
                     "ValueError, or exactly the signed dict when the added characters are ignored")
_STRONG_MAC = satisfies(lambda probe: probe["weak"] is None,
                        "an HMAC with SHA-256 or stronger, not a plain hash of key and data, MD5 or SHA-1",
                        explain=lambda outcome: f"the token carries {outcome['value']['weak']}")
_TIMING = satisfies(lambda probe: probe["compare_digest_calls"] >= 1, "the MAC compared with hmac.compare_digest")
_RUNS_NOTHING = satisfies(lambda result: "ValueError" in result["raised"] and result["files"] == [],
                          "ValueError, and no file created")
_FAMILIES = {"substitute": ("tampering", _STRICT), "delete": ("truncated", _STRICT),
             "truncate": ("truncated", _STRICT), "extra": ("extra-characters", _LENIENT)}
WRONG_KEY_VARIANTS = ("other", "bit-flip", "drop-first-byte", "prefixed", "empty")
_MANIFEST_SHA256 = hashlib.sha256(b"the release the vendor built").hexdigest()


def manifest_text(version: str, url: str = attacks.GOOD_UPDATE_URL, sha256: str = _MANIFEST_SHA256) -> str:
    return json.dumps({"version": version, "url": url, "sha256": sha256}, indent=1)


def _parsed(item: Any) -> Any:
    return json.loads(_manifest_bytes(item))


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found: list[Case] = []

    def add(part: str, category: str, args: tuple[Any, ...], expect: Expectation, scenario: str,
            needs: tuple[str, ...] = ()) -> None:
        function = part.split(".")[0]
        found.append(Case(part, category, function, args, expect, public=public, scenario=scenario, needs=needs))

    keys = [str(label) for label in corpus.get("sign_keys", [])] or ["key A"]
    for number, data in enumerate(corpus.get("sign_data", [])):
        key = keys[number % len(keys)]
        add("sign.works", "token-alphabet", (data, key), _TOKEN, "token")
        add("sign.works", "round-trip", (data, key), _round_trips(data), "round_trip", ("unsign",))
        add("unsign.works", "round-trip", (data, key), _round_trips(data), "round_trip", ("sign",))
        other = keys[(number + 1) % len(keys)] if len(keys) > 1 else key + " (another)"
        add("sign.attack", "keyless", (data, key, other), _KEYED, "two_keys")
        add("sign.attack", "weak-mac", (data, key), _STRONG_MAC, "mac")
    for number, data in enumerate(corpus.get("sign_tricky", [])):
        key = keys[number % len(keys)]
        add("sign.attack", "tricky-data", (data, key), _TOKEN, "token")
        add("sign.attack", "tricky-data", (data, key), _round_trips(data), "round_trip", ("unsign",))

    tamper_data = corpus.get("unsign_data", [])
    for number, data in enumerate(tamper_data):
        key = keys[number % len(keys)]
        for family, (category, judge) in _FAMILIES.items():
            add("unsign.attack", category, (data, key, family), judge, "tamper", ("sign",))
        add("unsign.attack", "spliced", (data, tamper_data[(number + 1) % len(tamper_data)], key), _STRICT,
            "splice", ("sign",))
        add("unsign.attack", "wrong-key", (data, key, WRONG_KEY_VARIANTS[number % len(WRONG_KEY_VARIANTS)]),
            raises("ValueError"), "wrong_key", ("sign",))
        add("unsign.attack", "timing", (data, key), _TIMING, "timing", ("sign",))
    for variant in corpus.get("wrong_keys", []):
        add("unsign.attack", "wrong-key", ({"user": "alice", "role": "user"}, keys[0], variant),
            raises("ValueError"), "wrong_key", ("sign",))
    for token in corpus.get("unsign_malformed", []):
        add("unsign.attack", "malformed", (token, keys[0]), raises("ValueError"), "unsign_raw")

    for text in corpus.get("profiles_ok", []):
        add("load_profile.works", "valid-profile", (text,), returns_exactly(json.loads(text)), "utf8")
    for category in ("json-syntax", "duplicate-key", "shape", "types", "range", "email"):
        for text in corpus.get(f"profiles_{category.replace('-', '_')}", []):
            add("load_profile.attack", category, (text,), raises("ValueError"), "utf8")
    for raw_hex in corpus.get("profiles_encoding", []):
        add("load_profile.attack", "encoding", (raw_hex,), raises("ValueError"), "raw_hex")
    for before, opener, closer, depth, after in corpus.get("profiles_deep", []):
        add("load_profile.attack", "deep-nesting", (before, opener, closer, depth, after), raises("ValueError"),
            "deep")
    for raw_hex in corpus.get("profiles_code", []):
        add("load_profile.attack", "code-execution", (raw_hex,), _RUNS_NOTHING, "runs_nothing")

    for version, installed in corpus.get("updates_newer", []):
        text = manifest_text(version)
        add("check_update.works", "valid-update", (text, installed, "release"), returns_exactly(_parsed(text)),
            "signed")
    for manifest, installed in corpus.get("updates_valid_manifests", []):
        add("check_update.works", "valid-update", (manifest, installed, "release"),
            returns_exactly(_parsed(manifest)), "signed")
    attack_cases: list[tuple[str, Any, str, str]] = (
        [("signature", manifest_text("2.0"), "1.0", mode) for mode in corpus.get("updates_bad_signatures", [])]
        + [("manifest", item, "1.0", "release") for item in corpus.get("updates_bad_manifests", [])]
        + [("url", manifest_text("2.0", url=url), "1.0", "release") for url in corpus.get("updates_bad_urls", [])]
        + [("digest", manifest_text("2.0", sha256=digest), "1.0", "release")
           for digest in corpus.get("updates_bad_digests", [])]
        + [("version", manifest_text(version), "1.0", "release") for version in corpus.get("updates_bad_versions", [])]
        + [("rollback", manifest_text(version), installed, "release")
           for version, installed in corpus.get("updates_rollbacks", [])]
    )
    for category, manifest, installed, mode in attack_cases:
        add("check_update.attack", category, (manifest, installed, mode), raises("ValueError"), "signed")
    return found


_ORDINARY_DATA: list[dict[str, Any]] = [
    {"user": "alice", "role": "user"},
    {"cart": [1, 2, 3], "total": 12.5, "gift": False, "note": None},
    {},
    {"id": 42, "name": "Zoë", "tags": ["a", "b"], "prefs": {"theme": "dark", "page_size": 50}},
]

_TRICKY_DATA: list[dict[str, Any]] = [
    {"sig": "forged", "mac": "", "signature": "AAAA", "": "an empty key"},
    {"note": "a.b.c", "cookie": "semi;colon, comma \"quote\" back\\slash", "lines": "one\r\ntwo"},
    {"emoji": "🙂", "nbsp": "\u00a0", "separator": "\u2028", "nul": "\u0000"},
    {"flag": True, "one": 1, "float_one": 1.0, "zero": 0, "off": False, "big": 2**70, "tiny": 5e-324},
    {"role": "user&role=admin", "padding": "+/=", "percent": "%2e%00"},
]


def public_corpus() -> dict[str, list[Any]]:
    return {
        "sign_keys": ["key A", "key B", "hex:" + "6b" * 16],
        "sign_data": list(_ORDINARY_DATA),
        "sign_tricky": list(_TRICKY_DATA),
        "unsign_data": [_ORDINARY_DATA[0], _ORDINARY_DATA[1]],
        "wrong_keys": [],
        "unsign_malformed": list(attacks.MALFORMED_TOKENS),
        "profiles_ok": [
            attacks.VALID_PROFILE.decode(),
            '{"email": "zoë@exämple.org", "age": 0, "name": "Zoë"}',
            '\n  {"name": "X", "age": 150, "email": "a@b"}\n',
        ],
        **{f"profiles_{category.replace('-', '_')}": list(texts) for category, texts in attacks.BAD_PROFILES.items()},
        "profiles_encoding": [raw.hex() for raw in attacks.BAD_PROFILE_BYTES],
        "profiles_deep": [list(deep) for deep in attacks.DEEP_PROFILES],
        "profiles_code": [payload.hex() for payload in attacks.code_payloads()],
        "updates_newer": [["2.0", "1.0"], ["10.0", "9.9"], ["1.0.post1", "1.0"]],
        "updates_valid_manifests": [],
        "updates_bad_signatures": list(attacks.BAD_SIGNATURES),
        "updates_bad_manifests": list(attacks.BAD_MANIFESTS),
        "updates_bad_urls": list(attacks.BAD_URLS),
        "updates_bad_digests": list(attacks.BAD_DIGESTS),
        "updates_bad_versions": list(attacks.BAD_VERSIONS),
        "updates_rollbacks": [list(pair) for pair in attacks.ROLLBACKS],
    }


# --- the exploit challenge -----------------------------------------------------------------------

#: The file the payload must make the vulnerable loader create in its working folder.
MARKER = "pwned"
MAX_PAYLOAD_CHARACTERS = 100_000


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded base64 pickle as the remember-me cookie of both twins.

    Each replay runs inside the grading sandbox, in a fresh empty temporary folder (see
    ``seclab.grading.replay``); the payload never runs in this process. It works on a
    twin when a file named ``pwned`` is left in that folder.
    """
    from seclab.grading.replay import replay_in_sandbox

    if not isinstance(payload, str) or not payload.strip() or len(payload) > MAX_PAYLOAD_CHARACTERS:
        return {"vulnerable": False, "fixed": False}
    results = {}
    for twin in ("vulnerable", "fixed"):
        replay = replay_in_sandbox(EXERCISE, "seclab.topics.integrity.targets", "replay_remember_me", [twin, payload])
        results[twin] = MARKER in replay.files
    return results
