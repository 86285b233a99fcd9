"""What static analysis says about a piece of code (bandit, run as a subprocess)."""

from __future__ import annotations

import json
import subprocess  # runs bandit with a fixed argv, no shell  # nosec B404
import sys
import tempfile
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
