"""The lesson's small world: a shop's helper package in two releases, throwaway git repositories, and the
command-line tools of the lesson run the way a learner would run them in a terminal.

The lesson notebook runs pip, uv, pip-audit and cyclonedx-py with lesson 06's ``run_tool`` (the same
clean, offline set-up); this module adds what lesson 11 needs besides: a Python program started with
a given interpreter, git with a fixed identity, detect-secrets, and the operating system's own Python
for the "externally managed" refusal. Every command has a time-out, runs inside the lesson's scratch
folder with the user's pip settings, proxies and CA bundles removed from its environment, and
returns a ``CommandResult`` (``seclab.tools``, shared with lesson 06) that shows itself as a terminal
would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # fixed argv lists of the course's own tools, no shell  # nosec B404
import sys
import sysconfig
from pathlib import Path
from typing import Any

from seclab.tools import CommandResult, clean_environment

#: acme-utils 1.0.0: what the shop was written against.
UTILS_1 = '''"""acme-utils 1.0.0"""

ORIGIN = "acme-utils as its authors built it"
VERSION = "1.0.0"


def total(prices):
    """The sum of the prices, in cents."""
    return sum(prices)
'''
#: acme-utils 2.0.0: a new major release that renamed ``total`` (the reporting tool needs it).
UTILS_2 = '''"""acme-utils 2.0.0: total() is now sum_cents()"""

ORIGIN = "acme-utils as its authors built it"
VERSION = "2.0.0"


def sum_cents(prices):
    return sum(prices)
'''
#: What the shop runs: it needs acme-utils 1.x.
SHOP_CODE = "from acme_utils import VERSION, total; print('shop OK with acme-utils', VERSION, '- total:', total([250, 199]))"
#: What the reporting tool runs: it needs acme-utils 2.x.
REPORT_CODE = "from acme_utils import VERSION, sum_cents; print('report OK with acme-utils', VERSION)"
TIMEOUT = 60


def _tidy(text: str, folder: Path) -> str:
    return text.replace(str(folder), "<scratch>")


def _run(argv: list[str], folder: Path, shown: str, env: dict[str, str] | None = None) -> CommandResult:
    environment = dict(env if env is not None else clean_environment())
    completed = subprocess.run(  # a fixed argv of a known program, no shell  # nosec B603
        argv, cwd=folder, env=environment, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    return CommandResult(shown, completed.returncode, _tidy(completed.stdout, folder), _tidy(completed.stderr, folder))


def run_python(python: Path | str, code: str, folder: Path, path: Path | None = None) -> CommandResult:
    """``python -c code`` in ``folder``; with ``path``, that folder is put on ``PYTHONPATH`` (a shared site-packages)."""
    extra = {"PYTHONPATH": str(path)} if path is not None else {}
    prefix = f"PYTHONPATH={_tidy(str(path), folder)} " if path is not None else ""
    shown = "python" if str(python) == sys.executable else _tidy(str(python), folder)
    return _run([str(python), "-c", code], folder, f"{prefix}{shown} -c {code[:60]!r}…", clean_environment(extra))


def make_venv(folder: Path, name: str) -> Path:
    """``python -m venv --without-pip <name>`` in ``folder``; returns the environment's python."""
    result = _run([sys.executable, "-m", "venv", "--without-pip", name], folder, f"python -m venv --without-pip {name}")
    if result.returncode != 0:
        raise RuntimeError(result.output)
    return folder / name / "bin" / "python"


def prefixes(python: Path | str, folder: Path) -> dict[str, str]:
    """``sys.prefix`` and ``sys.base_prefix`` of an interpreter, as it reports them."""
    result = run_python(python, "import json, sys; print(json.dumps([sys.prefix, sys.base_prefix]))", folder)
    prefix, base = json.loads(result.stdout)
    return {"sys.prefix": prefix, "sys.base_prefix": base}


def externally_managed_python() -> str | None:
    """The operating system's python3 when its standard library carries PEP 668's EXTERNALLY-MANAGED marker and it
    has pip (Debian, Ubuntu, Fedora …); None elsewhere (Binder's conda Python, macOS, Windows)."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if not os.path.exists(candidate):
            continue
        probe = subprocess.run(  # the system's own interpreter, fixed code  # nosec B603
            [candidate, "-c", "import os, sysconfig, pip; print(os.path.exists(os.path.join("
             "sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))"],
            capture_output=True, text=True, timeout=TIMEOUT, check=False, env=clean_environment())
        if probe.returncode == 0 and probe.stdout.strip() == "True":
            return candidate
    return None


def system_pip_install(python: str, folder: Path, package: str) -> CommandResult:
    """``python -m pip install --no-index <package>`` with the system's Python: what ``sudo pip install`` would do
    (``--no-index`` keeps it offline, and there is nothing to install, so nothing can change either way)."""
    return _run([python, "-m", "pip", "install", "--isolated", "--no-index", package], folder,
                f"{python} -m pip install --no-index {package}")


def marker_of_this_python() -> Path:
    """Where PEP 668's marker would be for the interpreter running this notebook."""
    return Path(sysconfig.get_path("stdlib")) / "EXTERNALLY-MANAGED"


def git(repo: Path, *arguments: str) -> CommandResult:
    """git in ``repo`` with a fixed identity and no user or system configuration."""
    executable = shutil.which("git")
    if executable is None:
        raise RuntimeError("git is not installed")
    environment = clean_environment({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
                                     "GIT_AUTHOR_DATE": "2025-01-06T09:00:00Z",
                                     "GIT_COMMITTER_DATE": "2025-01-06T09:00:00Z"})
    argv = [executable, "-c", "user.name=Ada Developer", "-c", "user.email=ada@shop.example", "-c",
            "init.defaultBranch=main", "-c", "commit.gpgsign=false", *arguments]
    return _run(argv, repo, "git " + " ".join(arguments), environment)


def new_repository(folder: Path, files: dict[str, str]) -> Path:
    """A fresh git repository in ``folder`` with ``files`` written (nothing committed yet)."""
    folder.mkdir(parents=True, exist_ok=True)
    git(folder, "init", "-q")
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def detect_secrets(repo: Path) -> dict[str, list[dict[str, Any]]]:
    """``detect-secrets scan`` in a git repository (it scans the files git tracks): ``{file: [finding]}``."""
    executable = Path(sys.executable).with_name("detect-secrets")
    argv = [str(executable)] if executable.exists() else [sys.executable, "-m", "detect_secrets"]
    result = _run([*argv, "scan"], repo, "detect-secrets scan")
    if result.returncode != 0:
        raise RuntimeError(result.output)
    found: dict[str, list[dict[str, Any]]] = json.loads(result.stdout)["results"]
    return found
