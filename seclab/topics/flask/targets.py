"""Securing Flask: the course's Flask app, as vulnerable and fixed twins.

The app is a small members area: ``POST /login`` (JSON), ``GET /me``, ``GET/POST /profile``,
``GET /admin`` for administrators, ``GET /hello?name=`` (a greeting) and ``GET /calc?expr=``
(a calculator). The vulnerable twin is what a tutorial-driven first version looks like: a
tutorial-default SECRET_KEY, an admin flag kept in the signed cookie and never cleared,
no security headers or HTTPS, ``profile.update(request.json)``, the greeting built with
``render_template_string`` and the calculator with ``eval``. The fixed twin is
``fixed_create_app`` (the exercise's reference) plus the same extra routes written safely.

``SERVABLE`` maps a target name to (summary, factory of a WSGI app) for
``python -m seclab.targets serve NAME``.
"""

from __future__ import annotations

import ast
import operator
import secrets
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import flask
from flask_talisman import Talisman
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from werkzeug.security import check_password_hash, generate_password_hash

#: The Flask tutorial's SECRET_KEY (flaskr: "dev"); the vulnerable twin ships with it.
TUTORIAL_SECRET_KEY = "dev"  # the well-known default the lesson attacks  # nosec B105

#: Keys copied from tutorials, READMEs and Stack Overflow answers: what a key cracker tries first.
TUTORIAL_DEFAULT_KEYS = [
    "secret", "secret-key", "secret_key", "SECRET_KEY", "changeme", "change-me", "change_me",
    "dev", "development key", "super secret key", "you-will-never-guess", "mysecretkey",
    "supersecretkey", "my-secret-key", "default", "flask", "s3cr3t", "keyboard cat",
]

#: scrypt with a small cost, so the demo logs in quickly on a shared machine; keep Werkzeug's default in production
DEMO_HASH_METHOD = "scrypt:4096:8:1"

MIN_SECRET_LENGTH = 32
HSTS_SECONDS = 31536000


def demo_users() -> tuple[dict[str, str], dict[str, str]]:
    """(passwords, stored hashes) of the demo members alice and admin; passwords are fresh per call."""
    passwords = {"alice": "alice-" + secrets.token_urlsafe(12), "admin": "admin-" + secrets.token_urlsafe(12)}
    return passwords, {name: generate_password_hash(password, DEMO_HASH_METHOD) for name, password in passwords.items()}


# --- the vulnerable twin --------------------------------------------------------------------

def vulnerable_app(users: Mapping[str, str] | None = None, secret_key: str = TUTORIAL_SECRET_KEY) -> flask.Flask:
    """The members area as first written (INSECURE: for demonstration only)."""
    stored = dict(users) if users is not None else demo_users()[1]
    app = flask.Flask("members_vulnerable")
    app.config["SECRET_KEY"] = secret_key  # the tutorial's default, committed to the repository
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=3650)  # "remember me", for ten years
    profiles: dict[str, dict[str, Any]] = {}

    @app.post("/login")
    def login() -> Any:
        data = flask.request.get_json()
        name, password = data["username"], data["password"]
        if name not in stored or not check_password_hash(stored[name], password):
            return {"error": "wrong user name or password"}, 401
        flask.session["user"] = name  # the session is not cleared: whatever it held stays
        if name == "admin":
            flask.session["is_admin"] = True  # set for admins, never cleared for anybody else
        return {"user": name}

    @app.get("/me")
    def me() -> Any:
        if "user" not in flask.session:
            return {"error": "log in first"}, 401
        return {"user": flask.session["user"]}

    @app.get("/admin")
    def admin() -> Any:
        if not flask.session.get("is_admin"):
            return {"error": "administrators only"}, 403
        return {"page": "admin", "members": sorted(stored)}

    @app.route("/profile", methods=["GET", "POST"])
    def profile() -> Any:
        if "user" not in flask.session:
            return {"error": "log in first"}, 401
        record = profiles.setdefault(flask.session["user"], {"display_name": flask.session["user"], "bio": ""})
        if flask.request.method == "POST":
            record.update(flask.request.get_json())  # every field the client sends, of any type
        return record

    @app.get("/hello")
    def hello() -> Any:
        name = flask.request.args.get("name", "stranger")
        return flask.render_template_string("<h1>Hello " + name + "!</h1>")  # user text becomes template code

    @app.get("/calc")
    def calc() -> Any:
        expression = flask.request.args.get("expr", "0")
        return {"result": str(eval(expression))}  # the insecure twin's deliberate eval  # nosec B307

    app.extensions["seclab_profiles"] = profiles
    return app


def debug_server(app: flask.Flask) -> Any:
    """``app`` as ``flask run --debug`` serves it, with the PIN switched off (INSECURE: for demonstration only).

    ``WERKZEUG_DEBUG_PIN=off`` is a common line in development Dockerfiles; with it the
    debugger's console runs any Python a visitor types, with nothing to guess.
    """
    from werkzeug.debug import DebuggedApplication

    app.debug = True
    return DebuggedApplication(app, evalex=True, pin_security=False)


# --- the fixed twin: the exercise's reference solution ------------------------------------------

class Credentials(BaseModel):
    """The body of ``POST /login``: exactly two strings."""

    model_config = ConfigDict(extra="forbid", strict=True)
    username: str
    password: str


class Profile(BaseModel):
    """The body of ``POST /profile``: a display name of 1-40 characters and an optional bio of at most 500."""

    model_config = ConfigDict(extra="forbid", strict=True)
    display_name: str = Field(min_length=1, max_length=40)
    bio: str = Field(default="", max_length=500)


def _json_body(model: type[BaseModel]) -> BaseModel | None:
    """The request's JSON body as ``model``, or None for a wrong content type, bad JSON or a bad shape."""
    if not flask.request.is_json:
        return None
    data = flask.request.get_json(silent=True)
    if not isinstance(data, dict):
        return None
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def fixed_create_app(config: Mapping[str, Any]) -> flask.Flask:
    """The exercise's ``create_app``: the members area with sessions, headers and validation done right."""
    secret_key = config.get("SECRET_KEY")
    if not isinstance(secret_key, str) or len(secret_key) < MIN_SECRET_LENGTH:
        raise ValueError(f"SECRET_KEY must be a string of at least {MIN_SECRET_LENGTH} characters")
    if config.get("DEBUG"):
        raise ValueError("DEBUG must be off: the Werkzeug debugger runs any code a visitor types")
    users: Mapping[str, str] = config["USERS"]
    verify: Callable[[str, str], bool] = config["VERIFY"]

    app = flask.Flask("members")
    app.config.update(SECRET_KEY=secret_key, DEBUG=False, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Lax")
    Talisman(app, force_https=True, strict_transport_security=True,
             strict_transport_security_max_age=HSTS_SECONDS,
             content_security_policy={"default-src": "'self'", "frame-ancestors": "'none'"},
             frame_options="DENY", session_cookie_secure=True, session_cookie_http_only=True,
             session_cookie_samesite="Lax")
    profiles: dict[str, dict[str, str]] = {}

    @app.errorhandler(400)
    def bad_request(_error: Exception) -> Any:
        return {"error": "bad request"}, 400

    @app.post("/login")
    def login() -> Any:
        credentials = _json_body(Credentials)
        if not isinstance(credentials, Credentials):
            return {"error": "send a JSON object with the strings username and password"}, 400
        stored = users.get(credentials.username)
        if stored is None or not verify(stored, credentials.password):
            return {"error": "wrong user name or password"}, 401
        flask.session.clear()  # nothing from before the login survives it
        flask.session["user"] = credentials.username
        return {"user": credentials.username}

    def current_user() -> str | None:
        user = flask.session.get("user")
        return user if isinstance(user, str) and user in users else None

    @app.get("/me")
    def me() -> Any:
        user = current_user()
        return ({"user": user}, 200) if user else ({"error": "log in first"}, 401)

    @app.route("/profile", methods=["GET", "POST"])
    def profile() -> Any:
        user = current_user()
        if user is None:
            return {"error": "log in first"}, 401
        if flask.request.method == "POST":
            update = _json_body(Profile)
            if not isinstance(update, Profile):
                return {"error": "send a JSON object: display_name (1-40 characters), bio (at most 500)"}, 400
            profiles[user] = update.model_dump()
        return profiles.get(user, {"display_name": user, "bio": ""})

    return app


# --- the extra routes, written safely ---------------------------------------------------------

_OPERATORS: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.USub: operator.neg, ast.UAdd: operator.pos,
}


def safe_calculate(expression: str) -> int | float:
    """Arithmetic on numbers (+ - * /) only; ValueError for anything else. No eval."""
    if len(expression) > 200:
        raise ValueError("expression too long")

    def value(node: ast.AST) -> int | float:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return node.value  # type: ignore[return-value]
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](value(node.operand))
        raise ValueError(f"not allowed in a calculation: {type(node).__name__}")

    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as error:
        raise ValueError("not an arithmetic expression") from error
    try:
        return value(tree.body)
    except ZeroDivisionError as error:
        raise ValueError("division by zero") from error


def fixed_app(users: Mapping[str, str] | None = None, secret_key: str | None = None,
              admins: tuple[str, ...] = ("admin",)) -> flask.Flask:
    """The members area fixed: ``fixed_create_app`` with a fresh random key, plus /admin, /hello and /calc."""
    stored = dict(users) if users is not None else demo_users()[1]
    app = fixed_create_app({"SECRET_KEY": secret_key or secrets.token_urlsafe(32), "USERS": stored,
                            "VERIFY": check_password_hash})

    @app.get("/admin")
    def admin() -> Any:
        if flask.session.get("user") not in admins:  # the role comes from the server's records
            return {"error": "administrators only"}, 403
        return {"page": "admin", "members": sorted(stored)}

    @app.get("/hello")
    def hello() -> Any:
        name = flask.request.args.get("name", "stranger")
        return flask.render_template_string("<h1>Hello {{ name }}!</h1>", name=name)  # name is data, escaped

    @app.get("/calc")
    def calc() -> Any:
        try:
            return {"result": str(safe_calculate(flask.request.args.get("expr", "0")))}
        except ValueError as error:
            return {"error": str(error)}, 400

    return app


def _serve_vulnerable() -> flask.Flask:
    return vulnerable_app()


def _serve_fixed() -> flask.Flask:
    """The fixed app as if behind a TLS-terminating proxy.

    Served on plain loopback HTTP, Talisman would redirect the browser to an https://
    address that nothing listens on; in production the proxy in front sets the scheme.
    """
    app = fixed_app()
    inner = app.wsgi_app

    def behind_tls_proxy(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ["wsgi.url_scheme"] = "https"
        return inner(environ, start_response)

    app.wsgi_app = behind_tls_proxy  # type: ignore[method-assign]
    return app


SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {
    "flask-members-vulnerable": ("the members area as first written: key 'dev', no headers, eval and SSTI",
                                 _serve_vulnerable),
    "flask-members-fixed": ("the members area fixed: random key, Talisman, pydantic, no eval",
                            _serve_fixed),
}
