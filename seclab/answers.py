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
from pathlib import Path
from typing import Any

ANSWERS_FILE = "seclab_answers.json"


class AnswersFileError(ValueError):
    """The answers file exists but cannot be read as answers."""


def answers_path(folder: str | Path | None = None) -> Path:
    return Path(folder if folder is not None else os.getcwd()) / ANSWERS_FILE


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
