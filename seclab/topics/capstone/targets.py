"""Capstone: the notes app, as the learner receives it (twelve planted flaws) and fixed.

The app lives in two real modules cut into ``# %% impl_<component>`` sections, one per
program cell of exercise 20_capstone: ``starter`` (what the release hands out) and
``reference`` (every flaw fixed; the instructor notebook's solution cells). This module
says what the sections are (``COMPONENTS``), which flaw sits where and which earlier
lesson teaches it (``FLAWS``), builds running apps from any set of component functions
(``assemble``, ``build_app``) and provides the simulated network the link preview
fetches from (``FakeNetwork``: no DNS, no socket, nothing leaves the process).

``SERVABLE`` maps a target name to (summary, factory of a WSGI app) for
``python -m seclab.targets serve NAME``.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import socket
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from seclab.notebooks import percent_sections
from seclab.topics.capstone import reference, starter


@dataclass(frozen=True)
class Component:
    """One program cell of the app: its grade_id, what it does, the functions it must define."""

    name: str
    title: str
    functions: tuple[str, ...]

    @property
    def grade_id(self) -> str:
        return f"impl_{self.name}"


COMPONENTS = [
    Component("config", "configuration", ("make_config",)),
    Component("notes", "notes storage and search", ("open_db", "add_note", "search_notes", "get_note",
                                                    "update_note")),
    Component("accounts", "password hashing and login throttling", ("hash_password", "verify_password",
                                                                    "login_allowed", "record_failure",
                                                                    "clear_failures")),
    Component("sessions", "session cookies", ("dump_session", "load_session")),
    Component("tokens", "API tokens (JWT)", ("issue_token", "verify_token")),
    Component("preview", "link previews", ("link_preview",)),
    Component("audit", "the audit log", ("audit",)),
    Component("authz", "the admin check", ("is_admin",)),
    Component("render", "rendering a note as HTML", ("render_note",)),
    Component("app", "the web app: routes and wiring", ("create_app",)),
]
COMPONENT = {component.name: component for component in COMPONENTS}


@dataclass(frozen=True)
class Flaw:
    """A planted flaw: where it is, the earlier lesson that teaches it, its CWE."""

    key: str
    component: str
    lesson: int
    title: str
    cwe: str


FLAWS = {flaw.key: flaw for flaw in [
    Flaw("sqli", "notes", 3, "SQL injection in the search", "CWE-89"),
    Flaw("idor", "notes", 1, "notes reachable by id without an ownership check (IDOR)", "CWE-639"),
    Flaw("hash", "accounts", 2, "passwords stored as unsalted MD5", "CWE-916"),
    Flaw("throttle", "accounts", 7, "unlimited login attempts (no throttling)", "CWE-307"),
    Flaw("session", "sessions", 8, "an unsigned, pickled session cookie", "CWE-502"),
    Flaw("debug", "config", 5, "debug mode on: the Werkzeug debugger and its tracebacks", "CWE-489"),
    Flaw("key", "config", 15, "a hard-coded, well-known SECRET_KEY", "CWE-798"),
    Flaw("log", "audit", 9, "log injection: user names written to the log verbatim", "CWE-117"),
    Flaw("ssrf", "preview", 10, "server-side request forgery in the link preview", "CWE-918"),
    Flaw("jwt", "tokens", 16, "API tokens decoded without verifying signature or expiry", "CWE-347"),
    Flaw("failopen", "authz", 19, "an admin check that fails open", "CWE-636"),
    Flaw("xss", "render", 3, "stored cross-site scripting in note pages", "CWE-79"),
]}

#: Keys copied from tutorials and READMEs: what an attacker tries first.
WELL_KNOWN_KEYS = ["dev", "secret", "secret-key", "secret_key", "changeme", "change-me", "development key",
                   "super secret key", "you-will-never-guess", "mysecretkey", "keyboard cat", "notes"]


# --- the sections of the two modules ---------------------------------------------------------

def sections(module: ModuleType) -> dict[str, str]:
    """grade_id -> source of each ``# %% impl_<component>`` section of ``module``."""
    return percent_sections(Path(str(module.__file__)).read_text(encoding="utf-8"))[1]


def header(module: ModuleType) -> str:
    """The part of ``module`` before its first section: docstring and imports."""
    return percent_sections(Path(str(module.__file__)).read_text(encoding="utf-8"))[0]


def starter_cells() -> dict[str, str]:
    """What the release puts into the exercise's program cells: the app with its flaws."""
    return sections(starter)


def reference_cells() -> dict[str, str]:
    """The instructor's solution cells: the app with every flaw fixed."""
    return sections(reference)


# --- building apps from component functions --------------------------------------------------

def namespace_of(module: ModuleType) -> dict[str, Any]:
    """The globals of ``module`` (starter or reference), as a notebook's namespace would hold them."""
    return dict(vars(module))


def assemble(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides`` swapped in; functions of ``base`` now look names up in the result.

    So a ``create_app`` of ``base`` calls the overriding components, and a component of
    ``overrides`` keeps its own module's helpers.
    """
    combined = {**base, **overrides}
    originals = {id(value) for value in overrides.values()}
    for name, value in list(combined.items()):
        if isinstance(value, types.FunctionType) and id(value) not in originals:
            rebound = types.FunctionType(value.__code__, combined, value.__name__, value.__defaults__,
                                         value.__closure__)
            rebound.__kwdefaults__ = value.__kwdefaults__
            combined[name] = rebound
    return combined


def component_functions(namespace: Mapping[str, Any], names: list[str] | None = None) -> dict[str, Any]:
    """The contract's functions of the components ``names`` (default: all but the app) in ``namespace``."""
    chosen = names if names is not None else [component.name for component in COMPONENTS if component.name != "app"]
    return {function: namespace[function] for name in chosen for function in COMPONENT[name].functions
            if function in namespace}


def grading_config() -> dict[str, Any]:
    """A config as the probes use it: a fresh strong key, debug off, an administrator ``root``."""
    return {"SECRET_KEY": secrets.token_urlsafe(32), "DEBUG": False,
            "ADMINS": {"root": "root-" + secrets.token_urlsafe(12)}}


def build_app(namespace: Mapping[str, Any], config: Mapping[str, Any] | None = None,
              network: FakeNetwork | None = None) -> tuple[Any, dict[str, Any], FakeNetwork]:
    """(app, config, network): ``namespace["create_app"]`` on a grading config and a simulated network."""
    config = dict(config if config is not None else grading_config())
    network = network or FakeNetwork()
    return namespace["create_app"](config, network.fetch, network.resolve), config, network


# --- the simulated network of the link preview ------------------------------------------------

#: host name -> the addresses the simulated DNS answers with
DNS: dict[str, list[str]] = {
    "notes.example": ["93.184.216.34"],
    "blog.example": ["2606:2800:220:1:248:1893:25c8:1946"],
    "metadata.internal": ["169.254.169.254"],
    "localtest.me": ["127.0.0.1"],
    "intranet.example": ["10.0.0.7"],
    "mixed.example": ["93.184.216.35", "192.168.1.10"],
}
PUBLIC_PAGES = {
    "notes.example": "<html><head><title>Notes, kept simply</title></head><body>Welcome.</body></html>",
    "blog.example": "<html><head><title>A blog &amp; more</title></head><body>Posts.</body></html>",
    "mixed.example": "<html><head><title>Mixed</title></head></html>",
}
INTERNAL_PAGE = "<html><head><title>metadata: role=admin token=INTERNAL-SECRET</title></head></html>"


@dataclass
class FakeNetwork:
    """A simulated internet for the link preview: ``resolve`` and ``fetch`` never touch a socket.

    ``resolve(host)`` answers like ``socket.getaddrinfo`` would: an IP literal (also the
    numeric forms ``2130706433``, ``0x7f.1``, ``127.1``) stands for itself, a name in
    ``DNS`` for its addresses; anything else raises OSError. ``fetch(url)`` serves
    ``PUBLIC_PAGES`` and records in ``internal_hits`` every URL that reached an address
    that is not on the public internet, or a scheme other than http(s).
    """

    fetched: list[str] = field(default_factory=list)
    internal_hits: list[str] = field(default_factory=list)

    def resolve(self, host: str) -> list[str]:
        name = host.strip("[]").lower()
        try:
            return [str(ipaddress.ip_address(name))]
        except ValueError:
            pass
        if re.fullmatch(r"[0-9a-fx.]+", name) and not name.endswith("."):
            try:
                return [socket.inet_ntoa(socket.inet_aton(name))]  # local parsing only, no DNS
            except OSError:
                pass
        if name in DNS:
            return list(DNS[name])
        raise OSError(f"no such host: {host}")

    def fetch(self, url: str) -> str:
        self.fetched.append(url)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.internal_hits.append(url)
            return "<title>root:x:0:0:root:/root:/bin/sh</title>"
        addresses = self.resolve(parts.hostname)
        if not all(ipaddress.ip_address(address).is_global for address in addresses):
            self.internal_hits.append(url)
            return INTERNAL_PAGE
        page = PUBLIC_PAGES.get(parts.hostname.lower())
        if page is None:
            raise OSError(f"{parts.hostname} does not answer")
        return page


# --- the twins -------------------------------------------------------------------------------

def vulnerable_app(network: FakeNetwork | None = None) -> Any:
    """The notes app as handed out (INSECURE: for demonstration only), with a strong key and debug off."""
    return build_app(namespace_of(starter), network=network)[0]


def fixed_app(network: FakeNetwork | None = None) -> Any:
    """The notes app with every planted flaw fixed."""
    return build_app(namespace_of(reference), network=network)[0]


SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {
    "capstone-notes-vulnerable": ("lesson 20: the notes app with its twelve planted flaws (admin root, random "
                                  "password)", vulnerable_app),
    "capstone-notes-fixed": ("lesson 20: the notes app with every flaw fixed", fixed_app),
}
