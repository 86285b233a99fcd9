"""The SSRF lesson's simulated network: fake DNS, demo addresses, and an HTTP client.

SSRF is about *where* a server connects. To show it for real without touching any
machine but this one, the lesson's servers run on 127.0.0.1 and this module puts a
simulated network around them:

* ``FakeDNS`` answers lookups from its own zone and parses numeric hosts the way
  ``getaddrinfo`` does (``0x7f.1`` is 127.0.0.1). It never asks real DNS: it calls no
  ``socket`` resolver, only the pure parser ``socket.inet_aton``.
* ``table_resolver`` builds the resolver the exercise passes to ``check_url``: a plain
  table, with a record of every name it was asked.
* ``AddressBook`` says which loopback server a demo address stands for (169.254.169.254
  is the metadata service, 93.184.216.34 the public site, ...).
* ``DemoClient`` is the HTTP client the previews use. Like ``requests.get`` it parses the
  URL, resolves the host, connects and follows redirects; every connection goes through
  the address book.

Why nothing can reach another machine: a demo address is only ever a *key* of the
address book. Its values are base URLs checked to be ``http://127.0.0.1:<port>`` when
they are added (``seclab.server.require_loopback``); an address the book does not list
is refused with ConnectionRefusedError and never dialled; and every request is sent by
``seclab.server.http_request``, which refuses any URL not on 127.0.0.1 once more. So
whatever URL a preview is tricked into fetching, the bytes go to one of the lesson's
own servers, or nowhere.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from seclab.server import HttpReply, http_request, require_loopback

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: what the demo client waits at most per socket operation when the caller sets no timeout
DEMO_TIMEOUT_CAP = 10.0

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LOOPBACK = ipaddress.IPv4Address("127.0.0.1")


class TooManyRedirects(ValueError):
    """The demo client followed ``max_redirects`` redirects and was sent on again."""


# --- names -------------------------------------------------------------------------------

def numeric_host(name: str) -> str | None:
    """The address a numeric host stands for, read as ``getaddrinfo`` reads it, or None.

    IPv4 in every form ``socket.inet_aton`` accepts (``2130706433``, ``0x7f.1``,
    ``0177.0.0.1``, ``127.1``), and IPv6 text (without brackets).
    """
    try:
        return str(ipaddress.IPv4Address(socket.inet_aton(name)))
    except (OSError, ValueError):
        pass
    try:
        return str(ipaddress.IPv6Address(name))
    except ValueError:
        return None


@dataclass(frozen=True)
class Rebinding:
    """A DNS record whose answer changes: ``first`` for the first query, ``then`` for every later one.

    This is DNS rebinding: the attacker owns the zone and answers with a time-to-live of
    zero, so the next lookup of the same name may return something else entirely.
    """

    first: tuple[str, ...]
    then: tuple[str, ...]


@dataclass(frozen=True)
class Query:
    """One lookup ``FakeDNS`` answered (``answers`` is empty when it failed)."""

    name: str
    answers: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.name} -> {', '.join(self.answers) or 'no such name'}"


class FakeDNS:
    """A resolver with a fixed zone, standing in for the system resolver (no real DNS).

    ``resolve(name)`` behaves like ``getaddrinfo`` with the system resolver: a numeric
    host is parsed (``numeric_host``), a name is IDNA-encoded, looked up without regard
    to case or a trailing dot, and answered from the zone; an unknown name raises
    ``socket.gaierror``. Every query lands in ``log``; ``reset()`` clears the log and the
    query counts that ``Rebinding`` records depend on.
    """

    def __init__(self, zone: Mapping[str, Sequence[str] | Rebinding]) -> None:
        self._zone = {self._key(name): record if isinstance(record, Rebinding) else tuple(record)
                      for name, record in zone.items()}
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.log: list[Query] = []

    @staticmethod
    def _key(name: str) -> str:
        return name.lower().removesuffix(".")

    def names(self) -> list[str]:
        return sorted(self._zone)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self.log.clear()

    def resolve(self, name: str) -> list[str]:
        """The addresses of ``name``; ``socket.gaierror`` when there is no such name."""
        answers = self._answer(name)
        with self._lock:
            self.log.append(Query(name, tuple(answers)))
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, f"Name or service not known: {name!r} (demo DNS)")
        return list(answers)

    def _answer(self, name: str) -> tuple[str, ...]:
        try:
            ascii_name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return ()
        numeric = numeric_host(ascii_name)
        if numeric is not None:
            return (numeric,)
        key = self._key(ascii_name)
        record = self._zone.get(key, ())
        if isinstance(record, Rebinding):
            with self._lock:
                self._counts[key] += 1
                first = self._counts[key] == 1
            return record.first if first else record.then
        return record


class TableResolver:
    """A resolver built from plain data, which remembers every name it was asked.

    ``table`` maps a host name (exactly as it will be asked) to one of:

    * a list of address strings, returned (as a fresh list) on every call;
    * ``{"error": kind}``: raise that kind of error (``"gaierror"``, ``"timeout"``,
      ``"oserror"``, ``"lookup"``, ``"unicode"``, ``"runtime"``);
    * ``{"rebind": [first, then]}``: ``first`` on the first call, ``then`` afterwards.

    A name the table does not hold raises ``socket.gaierror``, as an unknown name does.
    ``calls`` lists the names asked, in order.
    """

    _ERRORS: dict[str, type[Exception]] = {"gaierror": socket.gaierror, "timeout": TimeoutError,
                                           "oserror": OSError, "lookup": LookupError,
                                           "unicode": UnicodeError, "runtime": RuntimeError}

    def __init__(self, table: Mapping[str, Any] | None = None) -> None:
        self.table = dict(table or {})
        self.calls: list[str] = []

    def __call__(self, name: str) -> list[str]:
        self.calls.append(name if isinstance(name, str) else f"<not a str: {type(name).__name__}>")
        record = self.table.get(name) if isinstance(name, str) else None
        if record is None:
            raise socket.gaierror(socket.EAI_NONAME, f"Name or service not known: {name!r}")
        if isinstance(record, dict) and "error" in record:
            raise self._ERRORS[record["error"]](f"lookup of {name!r} failed ({record['error']})")
        if isinstance(record, dict) and "rebind" in record:
            first, then = record["rebind"]
            return list(first if self.calls.count(name) == 1 else then)
        return list(record)

    def __repr__(self) -> str:
        return f"table_resolver({self.table!r})"


def table_resolver(table: Mapping[str, Any] | None = None) -> TableResolver:
    """A resolver for ``check_url`` from a dict of names; see ``TableResolver``."""
    return TableResolver(table)


# --- addresses ----------------------------------------------------------------------------

def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, IPv4-compatible, 6to4 or NAT64 IPv6 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or int(address) >> 32 == 0:  # NAT64 64:ff9b::/96, IPv4-compatible ::/96
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


@dataclass(frozen=True)
class Service:
    """A demo server: its name in the story and the loopback URL it really runs on."""

    name: str
    base_url: str


class AddressBook:
    """Which loopback server each demo address and port stands for; nothing else is reachable.

    Delivery follows what real networks do: an IPv4-mapped address reaches its IPv4
    address (dual-stack sockets), so do NAT64 (``64:ff9b::/96``, a NAT64 gateway) and
    6to4 addresses (``2002::/16``, a relay); 0.0.0.0, ``::``, ``127.0.0.0/8`` and ``::1``
    reach this host's own loopback services (as on Linux). Deprecated IPv4-compatible
    addresses (``::a.b.c.d``) reach nothing.
    """

    def __init__(self) -> None:
        self._routes: dict[tuple[IPAddress, int], Service] = {}

    def add(self, service: Service, addresses: Iterable[str], ports: Iterable[int] = (80,)) -> None:
        """Let ``service`` answer at these demo addresses and ports; its URL must be on 127.0.0.1."""
        require_loopback(service.base_url)
        if urlsplit(service.base_url).path not in ("", "/"):
            raise ValueError(f"a service's base URL has no path: {service.base_url!r}")
        port_list = list(ports)
        for text in addresses:
            for port in port_list:
                self._routes[(self.deliver_to(ipaddress.ip_address(text)), port)] = service

    @staticmethod
    def deliver_to(address: IPAddress) -> IPAddress:
        """The address a packet for ``address`` really reaches in the demo network."""
        if isinstance(address, ipaddress.IPv6Address) and address.scope_id is None:
            inner = (address.ipv4_mapped or address.sixtofour
                     or (ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF) if address in _NAT64 else None))
            if inner is not None:
                address = inner
        if address.is_loopback or address.is_unspecified:
            return _LOOPBACK
        return address

    def route(self, address: str, port: int) -> Service:
        """The service at ``address``:``port``; ConnectionRefusedError when nothing answers there."""
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            raise ConnectionRefusedError(f"{address!r} is not an address") from None
        service = self._routes.get((self.deliver_to(parsed), port))
        if service is None:
            raise ConnectionRefusedError(f"nothing answers at {address} port {port} in the demo network")
        return service

    def services(self) -> dict[Service, list[str]]:
        """Each service with the demo addresses and ports it answers at (for the lesson's map)."""
        found: dict[Service, list[str]] = {}
        for (address, port), service in self._routes.items():
            if address == _LOOPBACK:
                shown = f"127.0.0.0/8, [::1], 0.0.0.0, [::] port {port}"
            else:
                shown = f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"
            found.setdefault(service, []).append(shown)
        return found


# --- the HTTP client ----------------------------------------------------------------------

@dataclass(frozen=True)
class Hop:
    """One request the demo client sent: where the URL pointed and what answered."""

    url: str
    address: str
    service: str
    status: int

    def __str__(self) -> str:
        return f"GET {self.url}  ->  {self.address} ({self.service})  ->  HTTP {self.status}"


@dataclass(frozen=True)
class DemoResponse:
    """The final response of ``DemoClient.get`` and the hops that led to it."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    hops: tuple[Hop, ...] = field(default=())

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _request_target(path: str, query: str) -> str:
    safe = "/%:@!$&'()*+,;=-._~"
    target = quote(path or "/", safe=safe)
    return target + ("?" + quote(query, safe=safe + "?") if query else "")


class DemoClient:
    """An HTTP client for the demo network that behaves like ``requests.get``.

    ``get(url)`` reads the host the way ``urlsplit`` does (a userinfo part is dropped),
    resolves it with ``dns`` when it connects, connects to the first address, and
    follows up to ``max_redirects`` redirects, resolving every new host again, as real
    clients do. ``connect_to`` pins the first connection to an address the caller has
    already checked. https URLs are fetched like http ones (the demo servers have no
    certificates). Every hop is appended to ``trace``.
    """

    def __init__(self, dns: FakeDNS, book: AddressBook) -> None:
        self.dns = dns
        self.book = book
        self.trace: list[Hop] = []

    def get(self, url: str, *, connect_to: str | None = None, follow_redirects: bool = True,
            max_redirects: int = 10, timeout: float | None = None, max_bytes: int | None = None) -> DemoResponse:
        """GET ``url``; ``timeout`` per socket operation (None: up to DEMO_TIMEOUT_CAP), ``max_bytes`` per body."""
        hops: list[Hop] = []
        current, address = url, connect_to
        for _ in range(max_redirects + 1):
            reply, hop = self._send(current, address, timeout, max_bytes)
            hops.append(hop)
            location = reply.headers.get("Location")
            if not (follow_redirects and reply.status in REDIRECT_STATUSES and location):
                return DemoResponse(current, reply.status, reply.headers, reply.body, tuple(hops))
            current, address = urljoin(current, location), None
        raise TooManyRedirects(f"more than {max_redirects} redirects")

    def _send(self, url: str, connect_to: str | None, timeout: float | None,
              max_bytes: int | None) -> tuple[HttpReply, Hop]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"the demo client speaks http and https, not {parts.scheme or 'no scheme'!r}")
        host = parts.hostname
        if not host:
            raise ValueError(f"no host in {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = connect_to if connect_to is not None else self.dns.resolve(host)[0]
        service = self.book.route(address, port)
        reply = http_request("GET", service.base_url + _request_target(parts.path, parts.query),
                             headers={"Host": parts.netloc.rpartition("@")[2]},
                             timeout=DEMO_TIMEOUT_CAP if timeout is None else min(timeout, DEMO_TIMEOUT_CAP),
                             max_bytes=max_bytes)
        hop = Hop(url, address, service.name, reply.status)
        self.trace.append(hop)
        return reply, hop
