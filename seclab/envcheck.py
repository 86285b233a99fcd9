"""Is this environment ready for the course? Packages, the widgets extension, Python.

``check_environment()`` looks everything up without importing the packages themselves
(``importlib.metadata`` for the installed version, ``importlib.util.find_spec`` for
whether the top-level module can be found), so it is fast and has no side effects.
``render_environment_html()`` turns the result into a table and ``widget_probe()``
returns a slider whose mere appearance proves that ipywidgets render in this frontend.
"""

from __future__ import annotations

import html
import importlib.util
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

#: Distribution names the course needs, in the order the table shows them.
REQUIRED_PACKAGES: tuple[str, ...] = (
    "jupyterlab",
    "notebook",
    "nbgrader",
    "ipywidgets",
    "bandit",
    "pytest",
    "nbval",
    "flask",
    "jinja2",
    "mongomock",
    "argon2-cffi",
    "bcrypt",
    "cryptography",
    "matplotlib",
)

#: Where a distribution's top-level module is not simply its name.
IMPORT_NAMES: dict[str, str] = {"argon2-cffi": "argon2"}

MINIMUM_PYTHON: tuple[int, int] = (3, 11)

#: The JupyterLab extension that draws ipywidgets, relative to ``sys.prefix``.
WIDGETS_EXTENSION = Path("share", "jupyter", "labextensions", "@jupyter-widgets",
                         "jupyterlab-manager")

_INSTALL_HINT = "pip install --require-hashes -r requirements.txt (in the course's venv)"


@dataclass(frozen=True)
class Requirement:
    """One thing the course needs and what this environment has of it.

    ``found`` is the installed version (None when missing); ``ok`` says whether the
    requirement is met; ``hint`` says what to do when it is not (empty when ``ok``).
    """

    name: str
    kind: str  # "python", "package" or "labextension"
    wanted: str
    found: str | None
    ok: bool
    hint: str = ""


def _python_requirement(version: Sequence[int]) -> Requirement:
    found = ".".join(str(part) for part in version[:3])
    ok = tuple(version[:2]) >= MINIMUM_PYTHON
    wanted = f">= {MINIMUM_PYTHON[0]}.{MINIMUM_PYTHON[1]}"
    hint = "" if ok else f"create the venv with Python {wanted.removeprefix('>= ')} or newer"
    return Requirement("Python", "python", wanted, found, ok, hint)


def _package_requirement(distribution: str) -> Requirement:
    try:
        version: str | None = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        version = None
    module = IMPORT_NAMES.get(distribution, distribution.replace("-", "_"))
    try:
        importable = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        importable = False
    if version is None:
        hint = f"not installed here; {_INSTALL_HINT}"
    elif not importable:
        hint = f"installed, but module {module!r} cannot be found; reinstall it: {_INSTALL_HINT}"
    else:
        hint = ""
    return Requirement(distribution, "package", "installed", version,
                       version is not None and importable, hint)


def _extension_requirement(prefix: Path) -> Requirement:
    folder = prefix / WIDGETS_EXTENSION
    name = "@jupyter-widgets/jupyterlab-manager"
    try:
        package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
        version = str(package.get("version", "?")) if isinstance(package, dict) else "?"
    except FileNotFoundError:
        return Requirement(name, "labextension", "installed", None, False,
                           f"no {folder}; install ipywidgets in the environment that runs JupyterLab")
    except (OSError, ValueError):
        version = "?"  # the folder is there; an unreadable package.json is not our problem
    return Requirement(name, "labextension", "installed", version, True)


def check_environment(
    packages: Sequence[str] = REQUIRED_PACKAGES,
    prefix: str | Path | None = None,
    python_version: Sequence[int] | None = None,
) -> list[Requirement]:
    """What the course needs and whether this environment has it.

    Returns the Python version first, then one entry per package in ``packages``, then
    the ipywidgets JupyterLab extension under ``prefix`` (default: ``sys.prefix``, the
    environment this kernel runs in). Nothing is imported; nothing is raised for a
    missing package, which shows up as ``ok=False`` with a hint instead.
    """
    version = tuple(sys.version_info[:3]) if python_version is None else tuple(python_version)
    root = Path(sys.prefix if prefix is None else prefix)
    return [
        _python_requirement(version),
        *(_package_requirement(name) for name in packages),
        _extension_requirement(root),
    ]


def missing(requirements: Sequence[Requirement]) -> list[Requirement]:
    """The requirements that are not met."""
    return [requirement for requirement in requirements if not requirement.ok]


def render_environment_html(requirements: Sequence[Requirement]) -> str:
    """An HTML table of ``requirements``: name, what is wanted, what was found, status."""
    rows = []
    for requirement in requirements:
        status = ('<span style="color:green">✓ ok</span>' if requirement.ok
                  else f'<span style="color:#b00">✗ {html.escape(requirement.hint)}</span>')
        rows.append(
            "<tr>"
            f"<td><code>{html.escape(requirement.name)}</code></td>"
            f"<td>{html.escape(requirement.kind)}</td>"
            f"<td>{html.escape(requirement.wanted)}</td>"
            f"<td>{html.escape(requirement.found or '—')}</td>"
            f"<td>{status}</td>"
            "</tr>"
        )
    problems = len(missing(requirements))
    caption = ("everything the course needs is here" if problems == 0
               else f"{problems} requirement{'s' if problems != 1 else ''} not met")
    return (
        '<table class="seclab-envcheck">'
        f"<caption>Environment check: {caption}</caption>"
        "<thead><tr><th>requirement</th><th>kind</th><th>wanted</th><th>found</th>"
        "<th>status</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def probe_message(value: int) -> str:
    """What the probe's label says when the slider stands at ``value``."""
    return (f"The kernel saw the slider at {value}: widgets render, and the browser and "
            "the kernel talk to each other.")


def widget_probe(start: int = 3) -> Any:
    """A slider and a label: if you can see the slider, ipywidgets render here.

    Moving the slider updates the label through the kernel, which also proves that
    widget events reach Python (the quizzes and playgrounds depend on both).
    """
    import ipywidgets as widgets

    slider = widgets.IntSlider(value=start, min=0, max=10, description="Move me")
    label = widgets.Label("Move the slider: this text should change as you do.")

    def on_change(change: dict[str, Any]) -> None:
        label.value = probe_message(int(change["new"]))

    slider.observe(on_change, names="value")
    return widgets.VBox([slider, label])
