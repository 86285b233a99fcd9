"""The SSRF lesson's demo machines and its link-preview feature, as vulnerable and fixed twins.

Three small servers stand in for three machines (``network`` explains how demo
addresses map onto them; everything really runs on 127.0.0.1):

* the **public site** ``www.public.example`` (93.184.216.34): pages, an honest redirect,
  an open redirect ``/go?to=<url>``, a redirect loop, a huge page and a slow page;
* the **cloud metadata service** (169.254.169.254, and fd00:ec2::254 as on AWS): hands
  the instance's credentials to anyone who asks, like AWS's IMDSv1;
* the **admin console** on the preview host's own loopback (127.0.0.1, ::1): trusts
  every request that comes from the host itself.

``demo_world()`` starts them and builds the fake DNS, the address book and the client.
The link preview exists four times: ``open_preview`` fetches anything,
``blocklist_preview`` (the vulnerable twin of the exercise) refuses a list of
spellings, ``resolving_preview`` checks the first DNS answer only, and
``fixed_preview`` is the fix. ``fixed_check_url`` and ``fixed_next_hop`` are the
reference solution of exercise 10_ssrf, which ``fixed_preview`` uses.
"""

from __future__ import annotations

import atexit
import html
import ipaddress
import re
import secrets
import socket
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from seclab.server import serve
from seclab.topics.ssrf.network import (
    REDIRECT_STATUSES,
    AddressBook,
    DemoClient,
    DemoResponse,
    FakeDNS,
    Rebinding,
    Service,
    embedded_ipv4,
)

PUBLIC_IPV4 = "93.184.216.34"
PUBLIC_IPV6 = "2606:2800:220:1:248:1893:25c8:1946"
METADATA_IPV4 = "169.254.169.254"
METADATA_IPV6 = "fd00:ec2::254"
CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/demo-role"
PUBLIC_TITLE = "Example News"
HUGE_PAGE_BYTES = 5 * 1024 * 1024
MAX_SLOW_SECONDS = 3.0

#: The demo zone: what FakeDNS answers (numeric hosts it parses itself).
ZONE: dict[str, list[str] | Rebinding] = {
    "www.public.example": [PUBLIC_IPV4, PUBLIC_IPV6],
    "public.example": [PUBLIC_IPV4, PUBLIC_IPV6],
    "localhost": ["127.0.0.1", "::1"],
    "metadata.google.internal": [METADATA_IPV4],
    # the attacker owns attacker.example and may point its names anywhere
    "metadata.attacker.example": [METADATA_IPV4],
    "www.public.example.attacker.example": [METADATA_IPV4],
    "rebind.attacker.example": Rebinding(first=(PUBLIC_IPV4,), then=(METADATA_IPV4,)),
}


# --- the three machines ---------------------------------------------------------------

def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><title>{html.escape(title)}</title></head>"
            f"<body><h1>{html.escape(title)}</h1><p>{html.escape(body)}</p></body></html>")


def create_public_site() -> Any:
    """The public web site at www.public.example (Flask)."""
    from flask import Flask, Response, redirect, request

    app = Flask("public-site")

    @app.get("/")
    def home() -> str:
        return _page(PUBLIC_TITLE, "Today: a kettle that boils in ten seconds, and the weather.")

    @app.get("/article")
    def article() -> str:
        return _page("Kettle review", "It boils fast. It also whistles in C sharp.")

    @app.get("/moved")
    def moved() -> Any:
        return redirect("/article", code=301)  # an honest redirect

    @app.get("/go")
    def go() -> Any:
        # an open redirect: sends the client wherever ?to= says (a common "exit link" feature)
        return redirect(request.args.get("to", "/"), code=302)

    @app.get("/loop")
    def loop() -> Any:
        return redirect("/loop", code=302)

    @app.get("/huge")
    def huge() -> Response:
        chunk = b"x" * 65536
        return Response((chunk for _ in range(HUGE_PAGE_BYTES // len(chunk))), mimetype="text/plain")

    @app.get("/slow")
    def slow() -> str:
        try:
            seconds = min(max(float(request.args.get("seconds", "1")), 0.0), MAX_SLOW_SECONDS)
        except ValueError:
            seconds = 1.0
        time.sleep(seconds)
        return _page("Slow page", f"This page took {seconds:g} seconds.")

    return app


def create_metadata_service(secret: str) -> Any:
    """The cloud metadata service: the instance's credentials for anyone who asks (IMDSv1 style)."""
    from flask import Flask, Response, jsonify

    app = Flask("metadata-service")
    role = CREDENTIALS_PATH.rsplit("/", 1)[1]
    session_token = "demo-session-" + secrets.token_hex(8)

    def listing(*names: str) -> Response:
        return Response("\n".join(names) + "\n", mimetype="text/plain")

    @app.get("/")
    def root() -> Response:
        return listing("latest/")

    @app.get("/latest/meta-data/")
    def meta_data() -> Response:
        return listing("ami-id", "hostname", "iam/")

    @app.get("/latest/meta-data/iam/security-credentials/")
    def roles() -> Response:
        return listing(role)

    @app.get(CREDENTIALS_PATH)
    def credentials() -> Response:
        return jsonify({"Code": "Success", "AccessKeyId": "DEMO-ACCESS-KEY-ID", "SecretAccessKey": secret,
                        "Token": session_token})

    return app


def create_admin_console(secret: str) -> Any:
    """The preview host's admin console on loopback: it trusts every local request."""
    from flask import Flask, jsonify

    app = Flask("admin-console")

    @app.get("/")
    def root() -> str:
        return _page("Admin console", "Local requests only. See /admin.")

    @app.get("/admin")
    def admin() -> Any:
        return jsonify({"service": "admin console", "trusts": "every request from this host",
                        "database_password": secret})

    return app


@dataclass
class DemoWorld:
    """The running demo network: fake DNS, address book, client, and the secrets to protect."""

    dns: FakeDNS
    book: AddressBook
    client: DemoClient
    metadata_secret: str
    admin_secret: str

    def network_map(self) -> list[tuple[str, str, str]]:
        """(demo addresses, service, where it really runs) for every service."""
        return [(", ".join(addresses), service.name, service.base_url)
                for service, addresses in self.book.services().items()]

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td><code>{html.escape(addresses)}</code></td><td>{html.escape(name)}</td>"
                       f"<td><code>{html.escape(url)}</code></td></tr>" for addresses, name, url in self.network_map())
        names = "".join(f"<tr><td><code>{html.escape(name)}</code></td><td>{html.escape(_shown_record(name))}"
                        "</td></tr>" for name in self.dns.names())
        return ("<p><b>Demo network</b> (every server really listens on 127.0.0.1)</p>"
                "<table><thead><tr><th>demo address:port</th><th>service</th><th>really at</th></tr></thead>"
                f"<tbody>{rows}</tbody></table><p><b>Fake DNS zone</b></p><table><thead><tr><th>name</th>"
                f"<th>answers</th></tr></thead><tbody>{names}</tbody></table>")


def _shown_record(name: str) -> str:
    record = ZONE.get(name)
    if isinstance(record, Rebinding):
        return f"{', '.join(record.first)} on the first query, then {', '.join(record.then)} (TTL 0)"
    return ", ".join(record or [])


@contextmanager
def demo_world() -> Iterator[DemoWorld]:
    """Start the public site, the metadata service and the admin console on 127.0.0.1 for a block.

    The secrets are fresh random demo values on every start.
    """
    metadata_secret = "demo-secret-" + secrets.token_hex(12)
    admin_secret = "demo-db-password-" + secrets.token_hex(8)
    with ExitStack() as stack:
        public = Service("public site", stack.enter_context(serve(create_public_site())))
        metadata = Service("metadata service", stack.enter_context(serve(create_metadata_service(metadata_secret))))
        admin = Service("admin console (loopback)", stack.enter_context(serve(create_admin_console(admin_secret))))
        book = AddressBook()
        book.add(public, [PUBLIC_IPV4, PUBLIC_IPV6], ports=(80, 443))
        book.add(metadata, [METADATA_IPV4, METADATA_IPV6])
        book.add(admin, ["127.0.0.1", "::1"])
        dns = FakeDNS(ZONE)
        yield DemoWorld(dns, book, DemoClient(dns, book), metadata_secret, admin_secret)


@cache
def shared_world() -> DemoWorld:
    """One demo world for the whole process (playgrounds, ``python -m seclab.targets``), stopped at exit."""
    stack = ExitStack()
    world = stack.enter_context(demo_world())
    atexit.register(stack.close)
    return world


# --- what a preview shows ----------------------------------------------------------------

SNIPPET_CHARACTERS = 300


def page_summary(response: DemoResponse) -> dict[str, Any]:
    """What the link preview shows: final URL, status, the page's title and the start of its text."""
    text = response.text
    found = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    title = html.unescape(found.group(1)).strip() if found else ""
    body = re.sub(r"(?is)<head>.*?</head>", " ", text)
    visible = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
    return {"url": response.url, "status": response.status, "title": title, "text": visible[:SNIPPET_CHARACTERS]}


# --- the four previews ---------------------------------------------------------------------

def open_preview(url: str, world: DemoWorld) -> dict[str, Any]:
    """INSECURE: fetch whatever the user sent, like ``requests.get(url)``."""
    return page_summary(world.client.get(url))


BLOCKED_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0",  # a blocklist entry, nothing binds  # nosec B104
                           "::1", METADATA_IPV4, "metadata.google.internal"})
BLOCKED_PREFIXES = ("10.", "192.168.", "169.254.")


def blocklist_preview(url: str, world: DemoWorld) -> dict[str, Any]:
    """INSECURE (the vulnerable twin): refuse a list of host spellings, then fetch like open_preview."""
    host = urlsplit(url).hostname or ""
    if host in BLOCKED_HOSTS or host.startswith(BLOCKED_PREFIXES):
        raise ValueError(f"blocked host {host!r}")
    return open_preview(url, world)


def resolving_preview(url: str, world: DemoWorld) -> dict[str, Any]:
    """INSECURE: check every address of the first lookup, then let the client look up again and follow redirects."""
    host = urlsplit(url).hostname or ""
    for address in world.dns.resolve(host):
        if not ipaddress.ip_address(address).is_global:
            raise ValueError(f"{host} is an internal address ({address})")
    return open_preview(url, world)


MAX_REDIRECTS = 3
TIMEOUT_SECONDS = 1.0
DEADLINE_SECONDS = 3.0
MAX_BYTES = 64 * 1024


def fixed_preview(url: str, world: DemoWorld, allowed_hosts: frozenset[str] | None = None) -> dict[str, Any]:
    """The fix: check the URL and every redirect, connect only to checked addresses, with limits.

    With ``allowed_hosts``, every hop's host must also be one of them (exact names).
    ValueError when a URL is refused; TimeoutError, ResponseTooLarge or a connection
    error when the fetch goes wrong.
    """
    deadline = time.monotonic() + DEADLINE_SECONDS

    def allowed(checked_url: str) -> None:
        if allowed_hosts is not None and urlsplit(checked_url).hostname not in allowed_hosts:
            raise ValueError(f"{urlsplit(checked_url).hostname!r} is not an allowed host")

    allowed(url)
    address = fixed_check_url(url, world.dns.resolve)
    for _hop in range(MAX_REDIRECTS + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"gave up after {DEADLINE_SECONDS:g} s")
        response = world.client.get(url, connect_to=address, follow_redirects=False,
                                    timeout=min(TIMEOUT_SECONDS, remaining), max_bytes=MAX_BYTES)
        location = response.headers.get("Location")
        if response.status not in REDIRECT_STATUSES or location is None:
            return page_summary(response)
        url, address = fixed_next_hop(url, location, world.dns.resolve)
        allowed(url)
    raise ValueError(f"more than {MAX_REDIRECTS} redirects")


vulnerable_preview = blocklist_preview

Preview = Callable[[str, DemoWorld], dict[str, Any]]
PREVIEWS: dict[str, Preview] = {"open_preview": open_preview, "blocklist_preview": blocklist_preview,
                                "resolving_preview": resolving_preview, "fixed_preview": fixed_preview}


# --- the reference solution of exercise 10_ssrf ---------------------------------------------

_PORT = re.compile(r"[0-9]{1,5}")


def has_forbidden_character(text: str) -> bool:
    """A backslash, a character for which ``isspace()`` is true, or a control character (Cc)."""
    return any(char == "\\" or char.isspace() or unicodedata.category(char) == "Cc" for char in text)


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Global and not multicast; IPv6 that embeds IPv4 is judged by that IPv4; no zone ids."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:
            return False
        inner = embedded_ipv4(address)
        if inner is not None:
            return is_public_address(inner)
    return address.is_global and not address.is_multicast


def _check_authority(netloc: str) -> None:
    """No userinfo; a bracketed host only as ``[...]`` or ``[...]:port``; a port is 1-5 digits, 1-65535."""
    if "@" in netloc:
        raise ValueError("no user name or password in a URL: '@' is not allowed in the host part")
    if netloc.startswith("["):
        close = netloc.find("]")
        rest = netloc[close + 1:] if close > 0 else "?"
    elif "[" in netloc or "]" in netloc:
        raise ValueError("brackets only around an IPv6 address")
    else:
        _host, colon, port = netloc.partition(":")
        rest = colon + port
    if rest and not (rest.startswith(":") and _PORT.fullmatch(rest[1:]) and 1 <= int(rest[1:]) <= 65535):
        raise ValueError("a port is 1 to 5 digits with a value from 1 to 65535")


def fixed_check_url(url: str, resolve: Callable[[str], list[str]]) -> str:
    """The address to connect to for ``url``, or ValueError (the contract of exercise 10_ssrf)."""
    if not isinstance(url, str) or has_forbidden_character(url):
        raise ValueError("no backslashes, whitespace or control characters in a URL")
    parts = urlsplit(url)  # ValueError for a malformed URL
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"only http and https URLs, not {parts.scheme or 'no scheme'!r}")
    _check_authority(parts.netloc)
    host = parts.hostname
    if not host:
        raise ValueError("the URL has no host")
    if parts.netloc.startswith("["):
        try:
            address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"[{host}] is not an IPv6 address") from None
        answers = [str(address)]
    else:
        try:
            answers = [str(ipaddress.IPv4Address(socket.inet_aton(host)))]
        except (OSError, ValueError):
            try:
                answers = resolve(host)
            except Exception as error:  # whatever the resolver raises means: no address
                raise ValueError(f"cannot resolve {host!r}: {error}") from None
    if not isinstance(answers, list) or not answers:
        raise ValueError(f"no address for {host!r}")
    for answer in answers:
        if not isinstance(answer, str):
            raise ValueError(f"the resolver returned {answer!r}, not an address string")
        if not is_public_address(ipaddress.ip_address(answer)):  # ValueError for a non-address
            raise ValueError(f"{host!r} is an internal address ({answer})")
    return answers[0]


def fixed_next_hop(current_url: str, location: str, resolve: Callable[[str], list[str]]) -> tuple[str, str]:
    """(the redirect's URL, the address to connect to), or ValueError (exercise 10_ssrf)."""
    if not isinstance(location, str) or has_forbidden_character(location):
        raise ValueError("no backslashes, whitespace or control characters in a redirect")
    joined = urljoin(current_url, location)
    if urlsplit(current_url).scheme == "https" and urlsplit(joined).scheme == "http":
        raise ValueError("a redirect from https to http is not followed")
    return joined, fixed_check_url(joined, resolve)


# --- the preview as a web service --------------------------------------------------------------

def create_preview_app(preview: Preview, world: DemoWorld) -> Any:
    """``GET /preview?url=...`` runs ``preview`` and answers with its summary as JSON (400 when refused)."""
    from flask import Flask, jsonify, request

    app = Flask("link-preview")

    @app.get("/")
    def home() -> str:
        return _page("Link preview", "GET /preview?url=<a URL> shows a preview of that page.")

    @app.get("/preview")
    def show_preview() -> Any:
        url = request.args.get("url", "")
        try:
            return jsonify(preview(url, world))
        except ValueError as error:
            return jsonify({"error": f"refused: {error}"}), 400
        except (OSError, TimeoutError) as error:
            return jsonify({"error": f"could not fetch: {type(error).__name__}: {error}"}), 502

    return app


SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {
    "ssrf-preview-vulnerable": ("link preview with a blocklist (SSRF); GET /preview?url=...",
                                lambda: create_preview_app(blocklist_preview, shared_world())),
    "ssrf-preview-fixed": ("link preview, fixed; GET /preview?url=...",
                           lambda: create_preview_app(fixed_preview, shared_world())),
}
