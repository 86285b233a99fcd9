"""A network that answers every HTTPS request with 404, on loopback.

Many networks do this to outgoing traffic: a corporate proxy that blocks a site, a
captive portal, a DNS sinkhole (the machine this course was written on sends pypi.org
to one). ``sinkhole(folder)`` starts such a proxy on 127.0.0.1: it accepts
``CONNECT host:443``, completes TLS with a certificate for that host signed by its own
throwaway certificate authority, and answers whatever is asked with ``404 Not Found``.
A tool started with ``HTTPS_PROXY`` pointing at it and ``REQUESTS_CA_BUNDLE`` at the
authority's certificate (``Sinkhole.environment()``) reaches nothing but loopback.
"""

from __future__ import annotations

import datetime
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from seclab.server import LOOPBACK

_NOT_FOUND = (b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 38\r\nConnection: close\r\n\r\n"
              b"<h1>404 Not Found: blocked here</h1>\r\n")


class _Authority:
    """A throwaway certificate authority that signs a certificate for any host name asked for."""

    def __init__(self, folder: Path) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Safer Python sinkhole CA (lesson 06)")])
        self.certificate = (
            self._builder(name, name, self.key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.ca_file = folder / "sinkhole-ca.pem"
        self.ca_file.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        self._folder = folder
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _builder(subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
        now = datetime.datetime.now(datetime.UTC)
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1)))

    def context_for(self, host: str) -> ssl.SSLContext:
        """A server-side TLS context presenting a certificate for ``host``."""
        with self._lock:
            if host not in self._contexts:
                key = ec.generate_private_key(ec.SECP256R1())
                certificate = (
                    self._builder(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]),
                                  self.certificate.subject, key.public_key())
                    .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
                    .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                    .sign(self.key, hashes.SHA256())
                )
                stem = "".join(char if char.isalnum() else "_" for char in host)
                cert_file, key_file = self._folder / f"sinkhole-{stem}.pem", self._folder / f"sinkhole-{stem}.key"
                cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
                key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
                context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                context.load_cert_chain(cert_file, key_file)
                self._contexts[host] = context
            return self._contexts[host]


def _read_head(connection: socket.socket | ssl.SSLSocket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 65536:
        chunk = connection.recv(4096)
        if not chunk:
            break
        head += chunk
    return head


@dataclass
class Sinkhole:
    """A running sinkhole: its proxy URL, its CA file, and what it was asked for."""

    proxy_url: str
    ca_file: Path
    requests: list[str]

    def environment(self) -> dict[str, str]:
        """Environment variables that send a requests-based tool (pip-audit) through the sinkhole."""
        return {"HTTPS_PROXY": self.proxy_url, "HTTP_PROXY": self.proxy_url,
                "https_proxy": self.proxy_url, "http_proxy": self.proxy_url,
                "REQUESTS_CA_BUNDLE": str(self.ca_file)}


@contextmanager
def sinkhole(folder: Path) -> Iterator[Sinkhole]:
    """Run the 404-answering proxy on 127.0.0.1 for a ``with`` block; its files go into ``folder``."""
    authority = _Authority(folder)
    seen: list[str] = []

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            connection: socket.socket = self.request
            connection.settimeout(10)
            try:
                request_line = _read_head(connection).split(b"\r\n", 1)[0].decode("latin-1")
                method, _, rest = request_line.partition(" ")
                target = rest.split(" ", 1)[0]
                if method != "CONNECT":
                    seen.append(f"{method} {target}")
                    connection.sendall(_NOT_FOUND)
                    return
                host = target.rsplit(":", 1)[0]
                connection.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                with authority.context_for(host).wrap_socket(connection, server_side=True) as tls:
                    inner = _read_head(tls).split(b"\r\n", 1)[0].decode("latin-1")
                    method, _, rest = inner.partition(" ")
                    seen.append(f"{method} https://{host}{rest.split(' ', 1)[0]}")
                    tls.sendall(_NOT_FOUND)
            except (OSError, ssl.SSLError):
                pass  # a client that gives up is no concern of a sinkhole

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    with Server((LOOPBACK, 0), Handler) as server:
        thread = threading.Thread(target=server.serve_forever, name="seclab-sinkhole", daemon=True)
        thread.start()
        try:
            yield Sinkhole(f"http://{LOOPBACK}:{server.server_address[1]}", authority.ca_file, seen)
        finally:
            server.shutdown()
            thread.join(timeout=5)


def dead_proxy_environment() -> dict[str, str]:
    """Environment variables that send HTTPS to a loopback port where nothing listens: no network at all."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port = probe.getsockname()[1]
    url = f"http://{LOOPBACK}:{port}"
    return {"HTTPS_PROXY": url, "HTTP_PROXY": url, "https_proxy": url, "http_proxy": url}
