"""The course's only network code: serve a WSGI app on loopback, and send requests to it.

``serve(app)`` runs a WSGI app on 127.0.0.1 (an ephemeral port) for a ``with`` block,
``serve_asgi(app)`` an ASGI app (FastAPI, Starlette) with uvicorn, ``serve_any(app)``
whichever of the two ``app`` is; ``serve_handler(handler)`` does the same for a standard-library ``http.server`` request
handler (e.g. the directory listing of ``python -m http.server``);
``http_request(method, url, ...)`` sends one request to such a server and refuses any
URL that is not on 127.0.0.1, so no lesson, attack or test can reach another machine.
"""

from __future__ import annotations

import inspect
import json
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from seclab.errors import ResponseTooLarge

LOOPBACK = "127.0.0.1"
# How often a serving thread looks for shutdown: closing a server waits up to this long.
_POLL_SECONDS = 0.05


class _QuietHandler(WSGIRequestHandler):
    """Keeps per-request log lines out of notebook output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def serve(app: Any, port: int = 0, ssl_context: ssl.SSLContext | None = None) -> Iterator[str]:
    """Run ``app`` on 127.0.0.1 (an ephemeral port unless ``port`` is given).

    Yields the base URL, e.g. ``http://127.0.0.1:53121`` (``https://`` with an
    ``ssl_context``); the server is shut down when the block ends, also on an exception.
    """
    server = make_server(LOOPBACK, port, app, threaded=True, request_handler=_QuietHandler,
                         ssl_context=ssl_context)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": _POLL_SECONDS},
                              name="seclab-server", daemon=True)
    thread.start()
    scheme = "https" if ssl_context else "http"
    try:
        yield f"{scheme}://{LOOPBACK}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def serve_asgi(app: Any, port: int = 0, startup_seconds: float = 10.0) -> Iterator[str]:
    """Run the ASGI ``app`` with uvicorn on 127.0.0.1 (an ephemeral port unless ``port`` is given).

    Yields the base URL. The socket is bound here and handed to uvicorn, which serves in a
    daemon thread; the server stops when the block ends, also on an exception.
    """
    import uvicorn  # only the ASGI lessons need it

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, port))
        server = uvicorn.Server(uvicorn.Config(app, log_level="critical", access_log=False, lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="seclab-uvicorn",
                                  daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + startup_seconds
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start")
                time.sleep(0.01)
            yield f"http://{LOOPBACK}:{listener.getsockname()[1]}"
        finally:
            server.should_exit = True
            thread.join(timeout=5)
    finally:
        listener.close()


def is_asgi(app: Any) -> bool:
    """True for an ASGI application (an async callable), False for a WSGI one."""
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(type(app).__call__)


def serve_any(app: Any, port: int = 0) -> Any:
    """``serve_asgi`` for an ASGI app, ``serve`` for a WSGI app (a context manager yielding the base URL)."""
    return serve_asgi(app, port=port) if is_asgi(app) else serve(app, port=port)


@contextmanager
def serve_handler(handler: Callable[..., BaseHTTPRequestHandler], port: int = 0) -> Iterator[str]:
    """Run an ``http.server`` request handler on 127.0.0.1 for a ``with`` block; yields the base URL.

    ``handler`` is a request handler class, or a factory such as
    ``functools.partial(SimpleHTTPRequestHandler, directory=...)``.
    """
    server = ThreadingHTTPServer((LOOPBACK, port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": _POLL_SECONDS},
                              name="seclab-http-server", daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def login_fields() -> tuple[str, str] | None:
    """``username`` and ``password`` of the current Flask request (JSON body or form).

    None when either is not a string, e.g. the ``{"$ne": null}`` objects of lesson 03.
    """
    from flask import request

    form = request.get_json(silent=True) or request.form
    username, password = form.get("username", ""), form.get("password", "")
    if not isinstance(username, str) or not isinstance(password, str):
        return None
    return username, password


@dataclass(frozen=True)
class HttpReply:
    """An HTTP response as plain data (error statuses included, nothing raised)."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None


def require_loopback(url: str) -> None:
    """ValueError unless ``url`` is an http(s) URL on 127.0.0.1."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname != LOOPBACK:
        raise ValueError(f"the course only sends requests to its own servers on {LOOPBACK}, not to {url!r}")


def http_request(method: str, url: str, *, json_body: Any = None, data: bytes | None = None,
                 headers: Mapping[str, str] | None = None, timeout: float = 10,
                 ssl_context: ssl.SSLContext | None = None, max_bytes: int | None = None) -> HttpReply:
    """Send one request to a course server on 127.0.0.1 and return its reply.

    ``json_body`` is sent as JSON (with its Content-Type); ``data`` as raw bytes. HTTP
    error statuses come back as replies; redirects are not followed (the reply says
    where they point). ``timeout`` applies to each socket operation; ``max_bytes`` caps
    the body: ResponseTooLarge once more arrives (at most one byte more is read).
    ValueError for a URL that is not on loopback. Proxy settings in the environment are
    ignored, so the request really goes to 127.0.0.1.
    """
    require_loopback(url)
    sent_headers = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body).encode("utf-8")
        sent_headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, headers=sent_headers, method=method.upper())
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect,
                                         urllib.request.HTTPSHandler(context=ssl_context))
    try:
        with opener.open(request, timeout=timeout) as response:  # loopback only, checked above  # nosec B310
            return HttpReply(response.status, _read(response, max_bytes), dict(response.headers.items()))
    except urllib.error.HTTPError as error:
        with error:
            return HttpReply(error.code, _read(error, max_bytes), dict(error.headers.items()))


def _read(response: Any, max_bytes: int | None) -> bytes:
    """The whole body, or ResponseTooLarge as soon as it is longer than ``max_bytes``."""
    if max_bytes is None:
        return bytes(response.read())
    body = bytes(response.read(max_bytes + 1))
    if len(body) > max_bytes:
        raise ResponseTooLarge(f"the response is larger than {max_bytes} bytes")
    return body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand a redirect back to the caller instead of following it (it may leave loopback)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
