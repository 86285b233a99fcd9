"""Package indexes on loopback: the PEP 503 "simple" API real pip installs from.

``simple_index_app(folder)`` serves every wheel in a folder: ``/simple/`` lists the
projects, ``/simple/<project>/`` links each file with its SHA-256 (``#sha256=…``), and
``/files/<file>`` serves the bytes. ``owned_names_index_app`` is the fixed set-up: one
index that serves the company's own names only from its internal folder and
everything else from the public one, so ``--extra-index-url`` is never needed.
``build_internal_wheels`` and ``publish_attacker_wheel`` write the lesson's packages:
ACME's internal ``acme-billing`` releases and the attacker's ``acme-billing 99.0.0``,
whose import writes a marker file (``payload_module``: the stand-in for a real payload).
"""

from __future__ import annotations

import atexit
import html
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name, parse_wheel_filename

from seclab.topics.supply_chain.wheels import build_wheel, sha256_of

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

INTERNAL_RELEASES = ["1.0.0", "1.1.0", "1.2.0"]
ATTACKER_VERSION = "99.0.0"
MARKER_NAME = "acme-billing-payload-ran.txt"


def _wheels(folder: Path) -> dict[str, list[Path]]:
    """``{normalised project name: [wheel paths]}`` for the wheels in ``folder``."""
    projects: dict[str, list[Path]] = {}
    for path in sorted(folder.glob("*.whl")):
        name, _version, _build, _tags = parse_wheel_filename(path.name)
        projects.setdefault(str(name), []).append(path)
    return projects


def _reply(start_response: StartResponse, status: str, body: bytes,
           content_type: str = "text/html; charset=utf-8") -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _page(title: str, links: Iterator[tuple[str, str]]) -> bytes:
    anchors = "".join(f'<a href="{html.escape(href)}">{html.escape(text)}</a><br>\n' for href, text in links)
    return (f"<!DOCTYPE html>\n<html><head><title>{html.escape(title)}</title></head>"
            f"<body><h1>{html.escape(title)}</h1>\n{anchors}</body></html>\n").encode()


def routed_index_app(folder_for: Callable[[str], Path | None], projects: Callable[[], Iterable[str]]) -> WsgiApp:
    """A simple index whose files for each project come from ``folder_for(project)``."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        parts = [part for part in path.split("/") if part]
        if parts == ["simple"]:
            return _reply(start_response, "200 OK",
                          _page("Simple index", ((f"/simple/{name}/", name) for name in sorted(projects()))))
        if len(parts) == 2 and parts[0] == "simple":
            project = str(canonicalize_name(parts[1]))
            folder = folder_for(project)
            files = _wheels(folder).get(project, []) if folder else []
            if not files:
                return _reply(start_response, "404 Not Found", b"no such project\n", "text/plain")
            links = ((f"/files/{project}/{file.name}#sha256={sha256_of(file)}", file.name) for file in files)
            return _reply(start_response, "200 OK", _page(f"Links for {project}", links))
        if len(parts) == 3 and parts[0] == "files":
            project = str(canonicalize_name(parts[1]))
            folder = folder_for(project)
            match = [file for file in (_wheels(folder).get(project, []) if folder else []) if file.name == parts[2]]
            if match:
                return _reply(start_response, "200 OK", match[0].read_bytes(), "application/octet-stream")
        return _reply(start_response, "404 Not Found", b"not found\n", "text/plain")

    return app


def simple_index_app(folder: Path) -> WsgiApp:
    """Serve every wheel in ``folder`` as a PEP 503 simple index."""
    return routed_index_app(lambda _project: folder, lambda: _wheels(folder))


def owned_names_index_app(internal: Path, public: Path, internal_names: set[str]) -> WsgiApp:
    """One index for the build: an owned name is served only from ``internal``, others only from ``public``."""
    owned = {str(canonicalize_name(name)) for name in internal_names}

    def folder_for(project: str) -> Path:
        return internal if project in owned else public

    def projects() -> set[str]:
        return {name for name in _wheels(internal) if name in owned} | \
               {name for name in _wheels(public) if name not in owned}

    return routed_index_app(folder_for, projects)


def honest_module(package: str, version: str) -> str:
    """An ``__init__.py`` that only says what it is."""
    return f'"""{package}: the real thing."""\n\nORIGIN = "{package} as its authors built it"\nVERSION = "{version}"\n'


def payload_module(package: str, version: str, drop_folder: Path, marker_name: str,
                   where: str = "the public index") -> str:
    """An ``__init__.py`` whose import writes a marker into ``drop_folder``: the stand-in for a malicious payload.

    A real payload would send the user's keys and tokens away; this one only leaves a
    note saying that it ran, from ``where``, and as whom.
    """
    marker = str(drop_folder / marker_name)
    return (
        f'"""Not the real {package}: planted by an attacker."""\n'
        "import getpass\n"
        "import pathlib\n\n"
        f'ORIGIN = "attacker\'s code from {where}"\n'
        f'VERSION = "{version}"\n'
        f"pathlib.Path({marker!r}).write_text(\n"
        f'    f"{package} {{VERSION}} from {where} ran as user {{getpass.getuser()!r}}\\n")\n'
    )


def attacker_module(drop_folder: Path) -> str:
    """The attacker's ``acme_billing/__init__.py``: importing it writes a marker into ``drop_folder``."""
    return payload_module("acme-billing", ATTACKER_VERSION, drop_folder, MARKER_NAME)


def build_internal_wheels(folder: Path) -> list[Path]:
    """ACME's own ``acme-billing`` releases, for its internal index."""
    return [build_wheel(folder, "acme-billing", version, honest_module("acme-billing", version), "ACME billing (internal)")
            for version in INTERNAL_RELEASES]


def publish_attacker_wheel(public: Path, drop_folder: Path) -> Path:
    """The attacker's upload: ``acme-billing 99.0.0``, whose import writes ``MARKER_NAME`` into ``drop_folder``."""
    return build_wheel(public, "acme-billing", ATTACKER_VERSION, attacker_module(drop_folder), "ACME billing")


def build_demo_wheels(root: Path) -> dict[str, Path]:
    """ACME's internal wheels in ``root/internal``, the attacker's in ``root/public``; returns both folders."""
    internal, public = root / "internal", root / "public"
    build_internal_wheels(internal)
    publish_attacker_wheel(public, root)
    return {"internal": internal, "public": public}


def installed_version(target: Path, name: str) -> str | None:
    """The version of ``name`` that pip installed into ``--target`` folder ``target``, or None."""
    prefix = str(canonicalize_name(name)).replace("-", "_") + "-"
    found = [path.name[len(prefix):-len(".dist-info")] for path in target.glob("*.dist-info")
             if path.name.lower().startswith(prefix)]
    return found[0] if len(found) == 1 else None


def demo_index_app(which: str) -> WsgiApp:
    """The lesson's internal or public index with freshly built wheels (for ``python -m seclab.targets``)."""
    folder = Path(tempfile.mkdtemp(prefix="safer-python-06-index-"))
    atexit.register(shutil.rmtree, folder, True)
    folders = build_demo_wheels(folder)
    return simple_index_app(folders[which])
