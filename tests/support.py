"""Shared helpers for the tests: notebooks as data, submissions, nbgrader course copies."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from seclab import notebooks
from seclab.course import load_course
from seclab.notebooks import read_cells

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "autograder" / "source"

TOPIC_TESTS = Path(__file__).resolve().parent / "topics"

#: Exercises per nbgrader course in the round trip (tests/test_nbgrader_roundtrip.py).
ROUNDTRIP_BATCH_SIZE = 4


def roundtrip_batches() -> list[list[str]]:
    """The course's exercises cut into the round trip's batches, in course order."""
    exercises = list(load_course().exercises)
    return [exercises[start:start + ROUNDTRIP_BATCH_SIZE] for start in range(0, len(exercises), ROUNDTRIP_BATCH_SIZE)]


def roundtrip_data(exercise: str) -> dict[str, Any]:
    """The submissions the round trip grades for ``exercise`` (tests/topics/<topic>.roundtrip.json)."""
    topic = load_course().lesson_of_exercise(exercise).topic
    return json.loads((TOPIC_TESTS / f"{topic}.roundtrip.json").read_text(encoding="utf-8"))


def load_notebook(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def save_notebook(notebook: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


solution_sources = notebooks.solution_sources
with_cells_replaced = notebooks.with_sources


def points_per_test_cell(source_notebook: Path) -> dict[str, float]:
    """grade_id -> points of every autograded test cell."""
    points = {}
    for cell in read_cells(source_notebook):
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if nbgrader.get("grade") and not nbgrader.get("solution"):
            points[nbgrader["grade_id"]] = float(nbgrader["points"])
    return points


def read_grades_csv(path: Path, assignment: str) -> dict[str, float]:
    """student id -> score for one assignment in an ``nbgrader export`` CSV."""
    with path.open(newline="") as stream:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(stream)
                if row["assignment"] == assignment}


def program_notebook(tmp_path: Path, exercise: str, replacements: dict[str, str]) -> Path:
    """The instructor notebook of ``exercise`` with these cells replaced, saved in ``tmp_path``."""
    path = tmp_path / f"{exercise}.ipynb"
    instructor = SOURCE / exercise / f"{exercise}.ipynb"
    save_notebook(with_cells_replaced(load_notebook(instructor), replacements), path)
    return path


def failing_parts(results: dict[str, dict[str, Any]]) -> set[str]:
    """The parts of a ``seclab.grading.verify`` result that do not hold."""
    return {name for name, result in results.items() if not result["ok"]}
