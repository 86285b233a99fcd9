"""Serve a WSGI app on loopback for the length of a ``with`` block."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

LOOPBACK = "127.0.0.1"


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
    thread = threading.Thread(target=server.serve_forever, name="seclab-server", daemon=True)
    thread.start()
    scheme = "https" if ssl_context else "http"
    try:
        yield f"{scheme}://{LOOPBACK}:{server.server_port}"
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
