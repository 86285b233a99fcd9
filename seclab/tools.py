"""The command-line tools the lessons run: what static analysis (bandit, ruff) says about code,
and a clean environment for running tools (pip, uv, pip-audit, git …) the same way everywhere.

``clean_environment()`` is ``os.environ`` without the user's pip/uv settings, proxies, CA
bundles or PYTHONPATH, with colour codes off; ``CommandResult`` is what one command did and
shows itself as a terminal would.
"""

from __future__ import annotations

import json
import os
import subprocess  # runs the course's own tools with fixed argv lists, no shell  # nosec B404
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from seclab.errors import BanditError


@dataclass(frozen=True)
class Finding:
    test_id: str
    test_name: str
    severity: str
    confidence: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.test_id} {self.test_name} (severity {self.severity}, line {self.line}): {self.text}"


def bandit_scan_files(paths: list[Path]) -> dict[str, list[Finding]]:
    """Scan files with bandit; findings per file path (as given). Honours ``# nosec``."""
    if not paths:
        return {}
    completed = subprocess.run(  # fixed argv, our own interpreter  # nosec B603
        [sys.executable, "-m", "bandit", "-q", "-f", "json", *map(str, paths)],
        capture_output=True, text=True, check=False,
    )
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise BanditError(f"bandit failed (exit {completed.returncode}): {completed.stderr.strip()[-500:]}") from None
    if report.get("errors"):
        raise BanditError(f"bandit could not parse: {report['errors']}")
    findings: dict[str, list[Finding]] = {str(path): [] for path in paths}
    for item in report["results"]:
        findings.setdefault(item["filename"], []).append(Finding(
            item["test_id"], item["test_name"], item["issue_severity"], item["issue_confidence"],
            item["line_number"], item["issue_text"]))
    return findings


def bandit_scan_many(snippets: list[str]) -> list[list[Finding]]:
    """bandit's findings on each of several snippets of Python source, in one bandit run."""
    with tempfile.TemporaryDirectory(prefix="seclab-bandit-") as folder:
        paths = [Path(folder) / f"snippet_{number}.py" for number in range(len(snippets))]
        for path, code in zip(paths, snippets, strict=True):
            path.write_text(code, encoding="utf-8")
        found = bandit_scan_files(paths)
        return [found[str(path)] for path in paths]


def bandit_scan(code: str) -> list[Finding]:
    """bandit's findings on a snippet of Python source."""
    return bandit_scan_many([code])[0]


def bandit_ids(code: str) -> set[str]:
    """Just the test ids (e.g. ``{"B608"}``) bandit reports for ``code``."""
    return {finding.test_id for finding in bandit_scan(code)}


def bandit_api_scan(sources: dict[str, str]) -> dict[str, list[Finding]]:
    """bandit's findings per named piece of source, through bandit's Python API (one manager, no subprocess).

    Honours ``# nosec``; uses bandit's default profile (every test).
    """
    from bandit.core import config as bandit_config
    from bandit.core import manager

    with tempfile.TemporaryDirectory(prefix="seclab-bandit-") as folder:
        paths = {}
        for number, (name, code) in enumerate(sources.items()):
            path = Path(folder) / f"part_{number}.py"
            path.write_text(code, encoding="utf-8")
            paths[str(path)] = name
        scanner = manager.BanditManager(bandit_config.BanditConfig(), "file", quiet=True)
        scanner.discover_files(list(paths))
        scanner.run_tests()
        if scanner.skipped:
            raise BanditError(f"bandit could not parse: {scanner.skipped}")
        found: dict[str, list[Finding]] = {name: [] for name in sources}
        for issue in scanner.get_issue_list():
            found[paths[issue.fname]].append(Finding(issue.test_id, issue.test, str(issue.severity),
                                                     str(issue.confidence), issue.lineno, issue.text))
    return found


def ruff_security_codes(source: str) -> set[str]:
    """The codes of ruff's security rules (``--select S``, flake8-bandit) that fire on ``source``."""
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        from ruff.__main__ import find_ruff_bin

        ruff = Path(find_ruff_bin())
    done = subprocess.run(  # fixed argument list, no shell, the source on stdin  # nosec B603
        [str(ruff), "check", "--select", "S", "--output-format", "json", "--no-cache", "--isolated",
         "--stdin-filename", "snippet.py", "-"],
        input=source, capture_output=True, text=True, timeout=60, check=False)
    try:
        return {item["code"] for item in json.loads(done.stdout or "[]")}
    except json.JSONDecodeError:
        raise BanditError(f"ruff failed (exit {done.returncode}): {done.stderr.strip()[-500:]}") from None


# --- running tools in a clean environment -------------------------------------------------------

_DROPPED = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
            "SSL_CERT_FILE", "SSL_CERT_DIR", "PYTHONPATH", "VIRTUAL_ENV"}


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """``os.environ`` without pip/uv settings, proxies, CA bundles or PYTHONPATH, no colours, plus ``extra``."""
    environment = {key: value for key, value in os.environ.items()
                   if key.upper() not in _DROPPED and not key.upper().startswith(("PIP_", "UV_"))}
    environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    environment["NO_COLOR"] = "1"  # plain text output, no terminal colour codes
    environment.update(extra or {})
    return environment


@dataclass(frozen=True)
class CommandResult:
    """What one command did: its (displayed) command line, exit code and output."""

    command: str
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return (self.stdout + self.stderr).strip()

    def shown(self, max_lines: int = 40) -> str:
        """``$ command``, the output (at most ``max_lines`` lines) and the exit code."""
        lines = self.output.splitlines()
        if len(lines) > max_lines:
            lines = lines[:max_lines] + [f"… ({len(lines) - max_lines} more lines)"]
        return "\n".join([f"$ {self.command}", *lines, f"[exit code {self.returncode}]"])
