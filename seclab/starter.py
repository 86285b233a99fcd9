"""Starter code: exercises whose learners fix a given program in place (the capstone's notes app).

nbgrader's ``generate_assignment`` replaces every solution cell with a stub
(``raise NotImplementedError()``). An exercise that hands out *vulnerable code to repair*
needs that code in those cells instead. Its topic package says so with a module
``starter.py`` cut into ``# %% <grade_id>`` sections (``seclab.notebooks.percent_sections``);
``StarterCells``, registered in ``autograder/nbgrader_config.py`` right after
``ClearSolutions`` and before the checksums are computed, puts each section into the
solution cell with that grade_id. For every other exercise it changes nothing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from seclab.course import load_course
from seclab.errors import UnknownExerciseError
from seclab.notebooks import percent_sections


def starter_cells(exercise: str) -> dict[str, str]:
    """grade_id -> starter source of ``exercise``; empty when its topic has no ``starter.py``.

    The file is read, not imported: nothing of the exercise runs at release time.
    """
    try:
        topic = load_course().lesson_of_exercise(exercise).topic
    except UnknownExerciseError:
        return {}
    found = importlib.util.find_spec(f"seclab.topics.{topic}")
    if found is None or not found.submodule_search_locations:
        return {}
    path = Path(next(iter(found.submodule_search_locations))) / "starter.py"
    if not path.is_file():
        return {}
    return percent_sections(path.read_text(encoding="utf-8"))[1]


class StarterCells(Preprocessor):
    """Fill the solution cells of an exercise with a ``starter.py`` with that starter code."""

    enabled = Bool(True)  # nbconvert skips preprocessors registered by name unless enabled

    def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
        exercise = str((resources or {}).get("nbgrader", {}).get("assignment", ""))
        starters = starter_cells(exercise) if exercise else {}
        if not starters:
            return nb, resources
        filled = set()
        for cell in nb.cells:
            nbgrader = cell.get("metadata", {}).get("nbgrader", {})
            grade_id = nbgrader.get("grade_id")
            if cell.get("cell_type") == "code" and nbgrader.get("solution") and grade_id in starters:
                cell.source = starters[grade_id].rstrip("\n")
                filled.add(grade_id)
        missing = sorted(set(starters) - filled)
        if missing:
            raise ValueError(f"{exercise}: starter.py has sections {missing} but the notebook has no solution cells "
                             "with those grade_ids")
        return nb, resources
