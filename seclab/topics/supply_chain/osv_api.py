"""The OSV query API (``POST /v1/query``), answered from an advisory snapshot, on loopback.

pip-audit's OSV service (``pip-audit -s osv --osv-url URL``) asks
``{"package": {"name": …, "ecosystem": "PyPI"}, "version": …}`` and expects
``{"vulns": [OSV records]}``, or ``{}`` when nothing affects that version. Serving the
course's snapshot this way lets the real pip-audit audit offline with the same data
the lesson's matcher uses.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from seclab.topics.supply_chain.advisories import affects, entries_for, load_advisories

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def query(advisories: list[dict[str, Any]], name: str, version: str) -> list[dict[str, Any]]:
    """The advisories that affect ``version`` of PyPI package ``name``."""
    try:
        parsed = Version(version)
    except InvalidVersion:
        return []
    wanted = str(canonicalize_name(name))
    return [advisory for advisory in advisories
            if any(affects(entry, parsed) for entry in entries_for(advisory, wanted))]


def osv_api_app(advisories: list[dict[str, Any]] | None = None) -> Callable[[dict[str, Any], StartResponse],
                                                                              Iterable[bytes]]:
    """A WSGI app answering OSV ``/v1/query`` requests from ``advisories`` (default: the snapshot).

    It also records what it was asked in ``app.queries`` (name, version), for the lesson to show.
    """
    records = load_advisories() if advisories is None else advisories
    queries: list[tuple[str, str]] = []

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def reply(status: str, payload: Any) -> list[bytes]:
            body = json.dumps(payload).encode("utf-8")
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]

        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != "/v1/query":
            return reply("404 Not Found", {"code": 5, "message": "only POST /v1/query is served here"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            request = json.loads(environ["wsgi.input"].read(min(length, 1_000_000)) or b"{}")
            package = request["package"]
            name, ecosystem, version = package["name"], package.get("ecosystem"), request["version"]
        except (ValueError, KeyError, TypeError):
            return reply("400 Bad Request", {"code": 3, "message": "expected package.name and version"})
        queries.append((str(name), str(version)))
        vulns = query(records, str(name), str(version)) if ecosystem == "PyPI" else []
        return reply("200 OK", {"vulns": vulns} if vulns else {})

    app.queries = queries  # type: ignore[attr-defined]
    return app
