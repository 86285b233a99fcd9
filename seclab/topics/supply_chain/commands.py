"""Run the real tools of the lesson (pip, pip-audit, cyclonedx-py) offline, in a throwaway folder.

Every command runs with the course's own interpreter (``python -m pip`` …), in the
lesson's scratch folder, with an environment cleaned of the user's pip settings,
proxies and certificate bundles, so what it does depends on the lesson alone. pip is
always run with ``--isolated --no-index`` and installs into a ``--target`` folder,
never into the course's environment. ``CommandResult.shown()`` is the command and its
output as a learner would see them in a terminal.
"""

from __future__ import annotations

import os
import subprocess  # runs the course's own tools with fixed argv lists, no shell  # nosec B404
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from seclab.tools import CommandResult, clean_environment

_TOOLS = {"pip": "pip", "pip-audit": "pip_audit", "cyclonedx-py": "cyclonedx_py", "uv": "uv"}


def run_tool(tool: str, arguments: Sequence[str | Path], folder: Path, env: Mapping[str, str] | None = None,
             timeout: float = 60) -> CommandResult:
    """Run ``tool`` (pip, pip-audit, cyclonedx-py or uv) from the course's environment in ``folder``."""
    argv = [sys.executable, "-m", _TOOLS[tool], *(str(argument) for argument in arguments)]
    completed = subprocess.run(  # the course's interpreter, a fixed module, no shell  # nosec B603
        argv, cwd=folder, env=clean_environment(env), capture_output=True, text=True, timeout=timeout, check=False)
    shown = " ".join([tool, *(_relative(str(argument), folder) for argument in arguments)])
    return CommandResult(shown, completed.returncode, _tidy(completed.stdout, folder), _tidy(completed.stderr, folder))


def _relative(text: str, folder: Path) -> str:
    """An argument as typed in ``folder``: paths inside it without the folder's prefix."""
    return text[len(str(folder)) + 1:] if text.startswith(str(folder) + os.sep) else text


def _tidy(text: str, folder: Path) -> str:
    """Output with the scratch folder's path written ``<scratch>``, and pip's colour codes removed."""
    return text.replace(str(folder), "<scratch>").replace("\x1b[0m", "")


def pip_install(folder: Path, target: str, arguments: Sequence[str | Path],
                env: Mapping[str, str] | None = None) -> CommandResult:
    """``pip install --isolated --no-cache-dir --target <target> …`` in ``folder``.

    ``--isolated`` ignores the user's pip configuration and ``PIP_*`` variables, so pip
    looks only where ``arguments`` say (``--no-index --find-links`` or a loopback index).
    """
    return run_tool("pip", ["install", "--isolated", "--disable-pip-version-check", "--no-cache-dir",
                            "--target", target, *arguments], folder, env)


def import_package(folder: Path, target: str, module: str) -> CommandResult:
    """What a build's test step does: ``import module`` from the ``--target`` folder ``target``.

    Prints the module's ORIGIN and VERSION; importing is enough to run a payload.
    """
    if not module.isidentifier():
        raise ValueError(f"not a module name: {module!r}")
    code = f"import {module}; print({module}.ORIGIN, {module}.VERSION)"
    completed = subprocess.run(  # the course's interpreter, code built from a module name  # nosec B603
        [sys.executable, "-c", code], cwd=folder, env=clean_environment({"PYTHONPATH": str(folder / target)}),
        capture_output=True, text=True, timeout=60, check=False)
    return CommandResult(f"PYTHONPATH={target} python -c {code!r}", completed.returncode,
                         _tidy(completed.stdout, folder), _tidy(completed.stderr, folder))
