"""Read notebook cells straight from the JSON (no nbformat import, which is slow here)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from seclab.errors import NotebookError

__all__ = ["NotebookError", "read_cells", "source", "tags", "grade_id", "tagged_code", "program_cells",
           "solution_sources", "with_sources", "percent_sections", "PROGRAM_CELL_PREFIXES"]

#: nbgrader grade_id prefixes of the cells that make up a learner's program: the locked
#: setup cell(s) and the cells where the learner implements the functions.
PROGRAM_CELL_PREFIXES = ("setup", "impl_")


def read_cells(path: str | Path) -> list[dict[str, Any]]:
    """The cells of the notebook at ``path``; NotebookError if it is not a notebook."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        cells = data["cells"]
    except FileNotFoundError:
        raise NotebookError(f"{path}: no such notebook") from None
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
        raise NotebookError(f"{path} is not a valid notebook (damaged JSON?)") from None
    if not isinstance(cells, list):
        raise NotebookError(f"{path} is not a valid notebook")
    return [cell for cell in cells if isinstance(cell, dict)]


def source(cell: dict[str, Any]) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def tags(cell: dict[str, Any]) -> list[str]:
    found = cell.get("metadata", {}).get("tags", [])
    return [tag for tag in found if isinstance(tag, str)] if isinstance(found, list) else []


def grade_id(cell: dict[str, Any]) -> str:
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    return str(nbgrader.get("grade_id", "")) if isinstance(nbgrader, dict) else ""


def tagged_code(path: str | Path, tag: str) -> list[str]:
    """Sources of the code cells carrying ``tag`` (e.g. ``insecure``)."""
    return [source(c) for c in read_cells(path) if c.get("cell_type") == "code" and tag in tags(c)]


def program_cells(path: str | Path) -> list[str]:
    """The learner's program in an exercise notebook: setup and implementation cells."""
    return [
        source(cell)
        for cell in read_cells(path)
        if cell.get("cell_type") == "code" and grade_id(cell).startswith(PROGRAM_CELL_PREFIXES)
    ]


def solution_sources(path: str | Path) -> dict[str, str]:
    """grade_id -> source of every nbgrader solution cell of the notebook at ``path``."""
    return {grade_id(cell): source(cell) for cell in read_cells(path)
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution")}


def with_sources(notebook: dict[str, Any], replacements: dict[str, str]) -> dict[str, Any]:
    """A copy of ``notebook`` (parsed JSON) whose cells with these grade_ids get new source.

    KeyError names any grade_id that is not in the notebook.
    """
    changed = copy.deepcopy(notebook)
    found = set()
    for cell in changed["cells"]:
        if grade_id(cell) in replacements:
            cell["source"] = replacements[grade_id(cell)]
            found.add(grade_id(cell))
    missing = set(replacements) - found
    if missing:
        raise KeyError(f"no cells with grade_id {sorted(missing)}")
    return changed


_PERCENT_SECTION = re.compile(r"^# %% (\w+)\n", re.MULTILINE)


def percent_sections(text: str) -> tuple[str, dict[str, str]]:
    """(header, grade_id -> source) of a Python file cut into ``# %% <grade_id>`` sections.

    The percent format of Jupytext and editors: a module can hold a notebook's program
    cells as real, importable, linted code. Each source is stripped of blank lines at
    both ends and ends with one newline.
    """
    pieces = _PERCENT_SECTION.split(text)
    return pieces[0], {name: body.strip("\n") + "\n" for name, body in zip(pieces[1::2], pieces[2::2], strict=True)}
