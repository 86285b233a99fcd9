"""The cryptographic-failures lesson's demo targets.

* a login app (Flask) that can be served over plain HTTP or over TLS with a self-signed
  certificate made at run time, and a recording TCP proxy that sits between client and
  server and keeps every byte it forwards: what anyone on the network path would see;
* password stores twice: fast unsalted digests (MD5, SHA-256) and argon2id;
* a table of API tokens stored in clear and the same table encrypted with Fernet;
* password-reset tokens from ``random`` (Mersenne Twister) and from ``secrets``.

The vulnerable twins are deliberately weak; they exist so the lesson can break them.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import random
import secrets
import socket
import sqlite3
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Flask, jsonify

from seclab.server import LOOPBACK, login_fields, serve

# --- the login app -----------------------------------------------------------------

#: The demo account of the sniffing demo (its password is what leaks on the wire).
DEMO_USER = "alice"
DEMO_PASSWORD = "correct horse battery staple"  # a demo credential, public by design  # nosec B105


def create_login_app(username: str = DEMO_USER, password: str = DEMO_PASSWORD) -> Flask:
    """``POST /login`` (form or JSON ``username``, ``password``) -> 200 or 401.

    The app is the same for HTTP and HTTPS: whether the password is readable on the
    way depends only on the transport it is served over.
    """
    app = Flask("crypto-login")
    stored = argon2id_hasher().hash(password)

    @app.post("/login")
    def login() -> Any:
        fields = login_fields()
        if fields is None:
            return jsonify(ok=False, error="username and password must be strings"), 400
        given_user, given_password = fields
        if hmac.compare_digest(given_user.encode(), username.encode()) and argon2id_verify(stored, given_password):
            return jsonify(ok=True, user=username)
        return jsonify(ok=False), 401

    return app


@dataclass(frozen=True)
class CertificateFiles:
    """A PEM certificate and its private key, as files (what ``ssl`` loads)."""

    cert: Path
    key: Path


def make_self_signed_certificate(folder: str | Path, common_name: str = "localhost",
                                 days: int = 1) -> CertificateFiles:
    """Write a fresh self-signed certificate for 127.0.0.1 and localhost into ``folder``.

    The key is a new P-256 key each time and never leaves ``folder``. A client trusts
    this one certificate by loading it as its only CA (``cafile=``); verification stays on.
    """
    folder = Path(folder)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    public_key = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    files = CertificateFiles(folder / "server-cert.pem", folder / "server-key.pem")
    files.cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    files.key.chmod(0o600)
    return files


def server_tls_context(certificate: CertificateFiles) -> ssl.SSLContext:
    """A server-side context (TLS 1.2 or newer) that presents ``certificate``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certificate.cert, certificate.key)
    return context


def client_tls_context(certificate: CertificateFiles) -> ssl.SSLContext:
    """A client context that trusts exactly ``certificate`` and verifies it (and the host name)."""
    return ssl.create_default_context(cafile=str(certificate.cert))


@contextmanager
def serve_tls(app: Any, certificate: CertificateFiles, port: int = 0) -> Iterator[str]:
    """Like ``seclab.server.serve``, over TLS: yields ``https://127.0.0.1:PORT``."""
    with serve(app, port, ssl_context=server_tls_context(certificate)) as base_url:
        yield base_url


# --- the recording proxy -----------------------------------------------------------

class RecordingProxy:
    """A TCP proxy on 127.0.0.1 that forwards to ``upstream`` and records both directions.

    It plays whoever sits on the network path: a Wi-Fi hotspot, a router, a compromised
    host. Point a client at ``proxy.port`` instead of the server's port; afterwards
    ``client_to_server`` and ``server_to_client`` hold every byte that went past.
    """

    def __init__(self, upstream_port: int, upstream_host: str = LOOPBACK) -> None:
        if not ipaddress.ip_address(upstream_host).is_loopback:
            raise ValueError("the recording proxy only forwards to loopback addresses")
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server((LOOPBACK, 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sent = bytearray()
        self._received = bytearray()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, name="seclab-proxy", daemon=True)

    @property
    def client_to_server(self) -> bytes:
        with self._lock:
            return bytes(self._sent)

    @property
    def server_to_client(self) -> bytes:
        with self._lock:
            return bytes(self._received)

    def start(self) -> RecordingProxy:
        self._acceptor.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._acceptor.join(timeout=5)
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            for source, sink, log in ((client, upstream, self._sent), (upstream, client, self._received)):
                pump = threading.Thread(target=self._pump, args=(source, sink, log), daemon=True)
                self._threads.append(pump)
                pump.start()

    def _pump(self, source: socket.socket, sink: socket.socket, log: bytearray) -> None:
        source.settimeout(0.2)
        try:
            while not self._stopping.is_set():
                try:
                    chunk = source.recv(65536)
                except TimeoutError:
                    continue
                if not chunk:
                    break
                with self._lock:
                    log.extend(chunk)
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (sink, source):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            source.close()


@contextmanager
def recording_proxy(upstream_port: int) -> Iterator[RecordingProxy]:
    """A running ``RecordingProxy`` to 127.0.0.1:``upstream_port`` for a ``with`` block."""
    proxy = RecordingProxy(upstream_port).start()
    try:
        yield proxy
    finally:
        proxy.stop()


# --- storing passwords -------------------------------------------------------------

#: argon2id at the OWASP Password Storage Cheat Sheet's minimum: 19 MiB, 2 passes, 1 lane.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2


def md5_hex(password: str) -> str:
    """INSECURE as a password hash: fast and unsalted (the vulnerable store)."""
    return hashlib.md5(password.encode("utf-8")).hexdigest()  # deliberately weak twin  # nosec B324


def sha256_hex(password: str) -> str:
    """INSECURE as a password hash: a sound digest, but fast and unsalted."""
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def argon2id_hasher(memory_kib: int = ARGON2_MEMORY_KIB, time_cost: int = ARGON2_TIME_COST) -> PasswordHasher:
    """An argon2id hasher with a fresh 16-byte salt per hash (argon2-cffi does that)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def argon2id_verify(stored: str, password: str) -> bool:
    """True if ``password`` matches ``stored``; False for a mismatch or a malformed hash."""
    try:
        return argon2id_hasher().verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


#: Demo users for the password-store section; their passwords come from the wordlist
#: except dave's, a random passphrase. alice and carol happen to share a password.
DEMO_ACCOUNTS = {"alice": "sunshine1", "bob": "Dragon2020", "carol": "sunshine1", "dave": None}


#: The MD5 of one user's password, as leaked from the vulnerable store (the exercise's
#: exploit challenge). The password is a word of the course wordlist.
LEAKED_MD5 = "138880b7debdac85aa79ff87fec6d0d5"


def demo_passwords() -> dict[str, str]:
    """The demo users' passwords (dave's is random, new each call)."""
    return {user: password or secrets.token_urlsafe(12) for user, password in DEMO_ACCOUNTS.items()}


def password_table(passwords: dict[str, str], hash_function: Callable[[str], str]) -> dict[str, str]:
    """What a leaked ``users`` table holds: user -> stored hash."""
    return {user: hash_function(password) for user, password in passwords.items()}


# --- secrets at rest ---------------------------------------------------------------

def make_token_db(tokens: dict[str, str], fernet: Fernet | None = None) -> sqlite3.Connection:
    """A table ``api_tokens(user, token)``; with ``fernet`` the tokens are stored encrypted."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE api_tokens (user TEXT PRIMARY KEY, token TEXT NOT NULL)")
    for user, token in tokens.items():
        stored = fernet.encrypt(token.encode()).decode() if fernet else token
        conn.execute("INSERT INTO api_tokens VALUES (?, ?)", (user, stored))
    conn.commit()
    return conn


def read_token(conn: sqlite3.Connection, user: str, fernet: Fernet | None = None) -> str:
    """The user's token, decrypted if ``fernet`` is given; ValueError if it was tampered with."""
    row = conn.execute("SELECT token FROM api_tokens WHERE user = ?", (user,)).fetchone()
    if row is None:
        raise KeyError(user)
    if fernet is None:
        return str(row[0])
    try:
        return fernet.decrypt(row[0].encode()).decode()
    except InvalidToken:
        raise ValueError(f"the stored token of {user!r} was modified or encrypted with another key") from None


def dump_db(conn: sqlite3.Connection) -> str:
    """The whole database as SQL text: what a stolen backup contains."""
    return "\n".join(conn.iterdump())


# --- password-reset tokens ---------------------------------------------------------

class PredictableResetTokens:
    """INSECURE: reset tokens from a Mersenne Twister (``random.Random``).

    Each token is four 32-bit outputs as 32 hex digits (128 bits, which sounds plenty).
    The seed comes from ``secrets``, so nobody can guess it; that does not help.
    """

    def __init__(self, seed: int | None = None) -> None:
        chosen = secrets.randbits(64) if seed is None else seed
        self._rng = random.Random(chosen)  # deliberately predictable twin  # nosec B311

    def issue(self) -> str:
        return "".join(f"{self._rng.getrandbits(32):08x}" for _ in range(4))


class SecureResetTokens:
    """Reset tokens from ``secrets``: 32 bytes (256 bits) from the OS, URL-safe."""

    def issue(self) -> str:
        return secrets.token_urlsafe(32)


def token_words(token: str) -> list[int]:
    """The four 32-bit outputs a ``PredictableResetTokens`` token is made of, in order."""
    if len(token) != 32:
        raise ValueError("a predictable reset token has 32 hex digits")
    return [int(token[index:index + 8], 16) for index in range(0, 32, 8)]

