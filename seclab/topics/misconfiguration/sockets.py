"""Which TCP ports this machine listens on, and on which addresses, as the kernel reports it.

Linux lists every TCP socket in ``/proc/net/tcp`` (IPv4) and ``/proc/net/tcp6``: the
local address and port in hexadecimal, and a state (``0A`` is LISTEN). ``ss -ltn`` and
``netstat -ltn`` print the same table. Reading it sends nothing over the network.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

PROC_NET_TCP = Path("/proc/net/tcp")
PROC_NET_TCP6 = Path("/proc/net/tcp6")
_LISTEN = "0A"


@dataclass(frozen=True)
class Listener:
    """A listening TCP socket: the local address it accepts connections on, and its port."""

    address: str
    port: int
    raw: str  # the local_address column as the kernel wrote it

    @property
    def every_interface(self) -> bool:
        """True for 0.0.0.0 / :: — every address of this machine, not just loopback."""
        return ipaddress.ip_address(self.address).is_unspecified

    @property
    def loopback_only(self) -> bool:
        return ipaddress.ip_address(self.address).is_loopback


def decode_address(hex_address: str) -> str:
    """``0100007F`` -> ``127.0.0.1``: the kernel writes the address's bytes in host (little-endian) order."""
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    words = b"".join(raw[index:index + 4][::-1] for index in range(0, 16, 4))
    return str(ipaddress.IPv6Address(words))


def parse_proc_net_tcp(text: str) -> list[Listener]:
    """The LISTEN sockets of one ``/proc/net/tcp`` or ``tcp6`` table."""
    listeners = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4 or fields[3] != _LISTEN:
            continue
        hex_address, _, hex_port = fields[1].partition(":")
        listeners.append(Listener(decode_address(hex_address), int(hex_port, 16), fields[1]))
    return listeners


def tcp_listeners() -> list[Listener]:
    """Every listening TCP socket on this machine (empty where there is no ``/proc``, e.g. macOS)."""
    found: list[Listener] = []
    for table in (PROC_NET_TCP, PROC_NET_TCP6):
        try:
            found.extend(parse_proc_net_tcp(table.read_text()))
        except OSError:
            continue
    return found


def listeners_on_port(port: int) -> list[Listener]:
    """The listening sockets on ``port``."""
    return [listener for listener in tcp_listeners() if listener.port == port]
