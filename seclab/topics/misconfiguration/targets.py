"""Security Misconfiguration: the demo applications, as vulnerable and fixed twins.

The code of each twin is the same; what differs is how it is configured and deployed:

* an **admin panel**, deployed with the installer's ``admin``/``admin`` or with a
  password only its operator knows;
* a **reports** app and the exercise's **shop**, whose crashes the Werkzeug debugger
  turns into pages full of source code, error messages and (with its console) a Python
  prompt, vs the same apps with debug off;
* a **storefront** to measure response headers on;
* a **project folder** served with ``http.server``'s directory listing, ``.env`` and
  all, vs a handler that serves one public folder and nothing else.

Django's DEBUG pages live in ``django_site``. ``SERVABLE`` maps a target name to
(summary, factory of a WSGI app) for ``python -m seclab.targets serve NAME``.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import sys
import urllib.parse
from collections.abc import Callable, Iterable
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request
from flask.logging import default_handler
from werkzeug.debug import DebuggedApplication
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.test import Client

from seclab.server import login_fields

WSGIApp = Callable[..., Iterable[bytes]]


class ServerLog:
    """WSGI middleware for an app served inside the notebook's own process: what the server
    would print stays out of the notebook.

    * ``environ["wsgi.errors"]``, where Werkzeug's debugger and Flask write tracebacks,
      goes to ``text``: the server's log, which the lesson can read;
    * while a request runs, ``sys.stdout`` and ``sys.displayhook`` are restored to what
      Werkzeug's debugger console expects (IPython swaps in its own hook while a cell
      runs), so the console's output goes into its reply instead of into a notebook cell.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self._stream = io.StringIO()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        from werkzeug.debug.console import ThreadedStream

        environ["wsgi.errors"] = self._stream
        saved = sys.stdout, sys.displayhook
        sys.displayhook = ThreadedStream.displayhook
        try:
            return list(self.app(environ, start_response))
        finally:
            sys.stdout, sys.displayhook = saved

    @property
    def text(self) -> str:
        """Everything written to the error stream so far."""
        return self._stream.getvalue()


# --- 1. default credentials: an admin panel ------------------------------------------

ADMIN_USERNAME = "admin"


def create_admin_panel(admin_password: str) -> Flask:
    """An admin panel with ``POST /admin/login`` (JSON or form: username, password).

    The code is the same for every deployment; which password it gets is configuration
    (the lesson's ``admin_password_setting`` twins). It keeps only a hash of it.
    """
    if not admin_password:
        raise ValueError("the admin panel needs a password")
    stored_hash = generate_password_hash(admin_password)
    app = Flask("admin-panel")

    @app.get("/")
    def index() -> Any:
        return jsonify(app="shop admin panel", login="POST /admin/login with username and password")

    @app.post("/admin/login")
    def login() -> Any:
        fields = login_fields()
        if fields is None:
            return jsonify(ok=False, error="username and password must be strings"), 400
        username, password = fields
        if username == ADMIN_USERNAME and check_password_hash(stored_hash, password):
            return jsonify(ok=True, user=username, role="admin")
        return jsonify(ok=False), 401

    return app


# --- 2. debug mode: a reports app --------------------------------------------------------

SALES_BY_YEAR = {2023: 1_204_300, 2024: 1_451_950}


def create_reports_app(secret_key: str) -> Flask:
    """A sales-report app whose ``GET /report?year=`` crashes on anything but a number.

    The crash is an everyday bug; what a crash shows the world is configuration.
    """
    app = Flask("reports")
    app.config["SECRET_KEY"] = secret_key
    app.logger.addHandler(default_handler)  # errors go to the server's error stream, whatever else logs them

    @app.get("/")
    def index() -> Any:
        return jsonify(reports="GET /report?year=2024")

    @app.get("/report")
    def report() -> Any:
        year = int(request.args.get("year", ""))
        return jsonify(year=year, sales=SALES_BY_YEAR.get(year))

    return app


# --- the exercise: a shop that calls an internal inventory API ---------------------------

#: Where the shop believes its inventory service lives. The call is made in-process
#: (see ``create_shop``): nothing is ever sent to this name.
INVENTORY_URL = "http://inventory.internal"

#: The internal API token of the exercise's shop: an obviously fake demo value, fixed (not
#: random) so that the grader can replay a recorded token against a fresh app. The lesson's
#: own apps get random tokens from ``secrets``.
EXERCISE_API_TOKEN = "demo-inventory-token-" + hashlib.sha256(b"safer-python 05 shop").hexdigest()[:12]

STOCK = {"AB-12": 7, "CD-34": 0, "EF-56": 31}


class InternalApiError(RuntimeError):
    """The inventory service answered with an error; worded like requests' HTTPError."""


def create_inventory_api(token: str) -> Flask:
    """The internal inventory service: ``GET /stock/<sku>`` with the token, as the
    ``X-Internal-Token`` header or the ``api_token`` query parameter."""
    app = Flask("inventory")

    @app.get("/stock/<sku>")
    def stock(sku: str) -> Any:
        given = request.headers.get("X-Internal-Token") or request.args.get("api_token", "")
        if not secrets.compare_digest(given.encode(), token.encode()):
            return jsonify(error="missing or wrong internal token"), 401
        if sku not in STOCK:
            return jsonify(error="unknown sku"), 404
        return jsonify(sku=sku, qty=STOCK[sku])

    return app


def create_shop(*, vulnerable: bool, token: str = EXERCISE_API_TOKEN) -> ServerLog:
    """The exercise's shop: ``GET /stock/<sku>`` asks the inventory service.

    The inventory service is mounted at ``/internal`` of the same server (so the grader
    can reach it) and the shop calls it in-process, as if over the network. The
    vulnerable twin passes the token in the URL and runs under Werkzeug's debugger
    (traceback pages, no console); the fixed twin sends the token in a header, turns an
    unknown product into a 404 and any other failure into a generic 502, and runs with
    debug off.
    """
    inventory = create_inventory_api(token)
    inventory_client = Client(inventory)
    shop = Flask("debug-shop-vulnerable" if vulnerable else "debug-shop-fixed")

    @shop.get("/")
    def index() -> Any:
        return jsonify(shop="Misconfigured Mugs", stock="GET /stock/<sku>", skus=sorted(STOCK))

    @shop.get("/stock/<sku>")
    def stock(sku: str) -> Any:
        path = "/stock/" + urllib.parse.quote(sku, safe="")
        if vulnerable:
            reply = inventory_client.get(path, query_string={"api_token": token})
            if reply.status_code != 200:
                url = f"{INVENTORY_URL}{path}?api_token={token}"
                raise InternalApiError(f"{reply.status_code} Client Error: {reply.status.partition(' ')[2]} for url: {url}")
        else:
            reply = inventory_client.get(path, headers={"X-Internal-Token": token})
            if reply.status_code == 404:
                return jsonify(error="no such product"), 404
            if reply.status_code != 200:
                print(f"inventory service answered {reply.status_code} for {path}", file=request.environ["wsgi.errors"])
                return jsonify(error="the inventory is unavailable, try again later"), 502
        qty = reply.get_json()["qty"]
        return jsonify(sku=sku, in_stock=qty > 0, qty=qty)

    app: WSGIApp = DispatcherMiddleware(shop, {"/internal": inventory})
    if vulnerable:
        shop.debug = True
        app = DebuggedApplication(app, evalex=False)
    return ServerLog(app)


# --- 4. response headers: a storefront ---------------------------------------------------

def create_storefront() -> Flask:
    """A product page, as a framework serves it before anyone thinks about headers."""
    app = Flask("storefront")

    @app.get("/")
    def index() -> Any:
        return ("<!doctype html><title>Misconfigured Mugs</title>"
                '<h1>Misconfigured Mugs</h1><p>The mug that says "it works on my machine".</p>')

    return app


# --- 6. a project folder served over HTTP ------------------------------------------------

def make_project_folder(root: Path, secret_key: str, database_password: str) -> Path:
    """A typical small web project: code, a ``.env`` with its secrets, and ``public/`` assets."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    (root / "requirements.txt").write_text("flask\n")
    (root / ".env").write_text(f"SECRET_KEY={secret_key}\n"
                               f"DATABASE_URL=postgresql://shop:{database_password}@db.internal/shop\n")
    public = root / "public"
    public.mkdir(exist_ok=True)
    (public / "index.html").write_text("<!doctype html><title>Shop</title><h1>Welcome</h1>\n")
    (public / "style.css").write_text("h1 { color: teal; }\n")
    return root


class QuietFileHandler(SimpleHTTPRequestHandler):
    """``python -m http.server``'s handler, unchanged, except that it logs nothing."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class PublicFileHandler(QuietFileHandler):
    """Serves files only: no directory listings, nothing whose path has a part starting with a dot."""

    def send_head(self) -> Any:
        parts = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).split("/")
        if any(part.startswith(".") for part in parts if part):
            self.send_error(404)
            return None
        return super().send_head()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404)
        return None


# --- serving from a terminal -------------------------------------------------------------

SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {
    "admin-default-password": ("admin panel still on the installer's password admin/admin (lesson 05)",
                               lambda: create_admin_panel("admin")),
    "admin-chosen-password": ("admin panel with a random password nobody was told (lesson 05)",
                              lambda: create_admin_panel(secrets.token_urlsafe(24))),
    "debug-shop-vulnerable": ("shop under Werkzeug's debugger: GET /stock/<sku> (exercise 05)",
                              lambda: create_shop(vulnerable=True)),
    "debug-shop-fixed": ("the same shop with debug off (exercise 05)", lambda: create_shop(vulnerable=False)),
}
