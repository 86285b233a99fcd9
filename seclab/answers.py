"""Recorded answers: quiz choices, exploit payloads and check() results.

nbgrader re-executes a notebook headless, so a widget click is gone at grading time.
Every answer is therefore written to ``seclab_answers.json`` in the exercise folder (the
kernel's working directory). The file travels with an nbgrader submission, widgets read
it back when shown again, and ``record()`` sets an answer from code for frontends
without widgets.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from seclab.errors import AnswersFileError

ANSWERS_FILE = "seclab_answers.json"


__all__ = ["ANSWERS_FILE", "AnswersFileError", "answers_path", "load_answers", "optional", "record", "recorded"]


def _is_instructor_source(folder: Path) -> bool:
    """True for ``<course>/source/<assignment>/``, the instructor's nbgrader source folder."""
    return folder.parent.name == "source" and (folder.parent.parent / "nbgrader_config.py").is_file()


def answers_path(folder: str | Path | None = None) -> Path:
    """Where the answers of ``folder`` (default: the working directory) are kept.

    Running an instructor notebook in ``<course>/source/<id>/`` records answers too; they
    go to a folder in the temporary directory instead, because nbgrader copies every
    file of the source folder into the student release.
    """
    base = Path(folder if folder is not None else os.getcwd()).resolve()
    if _is_instructor_source(base):
        private = Path(tempfile.gettempdir()) / "safer-python-instructor-answers" / base.name
        private.mkdir(parents=True, exist_ok=True)
        return private / ANSWERS_FILE
    return base / ANSWERS_FILE


def load_answers(folder: str | Path | None = None) -> dict[str, Any]:
    """All recorded answers in ``folder`` (default: the working directory); {} if none."""
    path = answers_path(folder)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise AnswersFileError(
            f"{path} is not valid JSON ({error}); rename it and record your answers again"
        ) from None
    if not isinstance(data, dict):
        raise AnswersFileError(f"{path} should hold a JSON object; rename it and record again")
    return data


def record(key: str, value: Any, folder: str | Path | None = None) -> None:
    """Record ``value`` (JSON data) under ``key``, keeping every other answer.

    The file is replaced atomically, so an interrupted write never loses earlier answers.
    """
    if not isinstance(key, str) or not key:
        raise ValueError("record() needs a non-empty string key, e.g. record('q1', 'b')")
    json.dumps(value)  # refuse what cannot be stored before touching the file
    path = answers_path(folder)
    answers = load_answers(folder)
    answers[key] = value
    handle, temporary = tempfile.mkstemp(prefix=".answers-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(answers, stream, indent=2, sort_keys=True)
        stream.write("\n")
    os.replace(temporary, path)


def recorded(key: str, folder: str | Path | None = None) -> Any:
    """The answer recorded under ``key``, or None."""
    return load_answers(folder).get(key)


@contextmanager
def optional(what: str = "answers") -> Iterator[None]:
    """Run an optional "record in code" block; left unsolved, it does nothing.

    An exercise's optional answer cell wraps its nbgrader solution region in
    ``with optional():``. In the released notebook the region is nbgrader's stub, which
    raises NotImplementedError: that is caught and explained, so *Run All* goes on for a
    learner who answered with the widgets. Any other error propagates.
    """
    try:
        yield
    except NotImplementedError:
        print(f"Nothing recorded in code here: record your {what} with the widget above, "
              "or write record(...) calls in this cell.")
