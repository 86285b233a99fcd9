"""Re-check, outside the learner's kernel, what each hidden test asks for.

A kernel can be talked into anything (a rewritten cell, a patched helper), so the class
grader reads the hidden test blocks of the *instructor's* notebook, finds the calls to
``grading.require`` / ``require_answer`` / ``require_exploit`` with literal arguments,
and evaluates them itself: the program runs in the isolated sandbox, answers come from
the submission's answers file. A test cell keeps its points only if the kernel ran it
without error *and* this check agrees.
"""

from __future__ import annotations

import ast
import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seclab import grading
from seclab.errors import UncheckableHiddenTest
from seclab.grading.feedback import HIDDEN_BLOCK

_CHECKS = {"require", "require_answer", "require_exploit"}


@dataclass(frozen=True)
class HiddenCheck:
    name: str
    args: tuple[Any, ...]


def hidden_checks(cell_source: str) -> list[HiddenCheck]:
    """The grading calls in a test cell's hidden blocks, in order."""
    checks = []
    for block in HIDDEN_BLOCK.findall(cell_source):
        for node in ast.walk(ast.parse(block)):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in _CHECKS:
                continue
            try:
                args = tuple(ast.literal_eval(arg) for arg in node.args)
            except ValueError:
                raise UncheckableHiddenTest(f"{name}(...) needs literal arguments") from None
            checks.append(HiddenCheck(name, args))
    return checks


def evaluate(check: HiddenCheck, folder: Path, notebook: Path) -> str | None:
    """None when the check holds, else the feedback message."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return _evaluate(check, folder, notebook)
    except grading.GradingFailure as failure:
        return str(failure)
    except (ValueError, KeyError) as error:
        return f"could not be checked: {error}"


def _evaluate(check: HiddenCheck, folder: Path, notebook: Path) -> str | None:
    if check.name == "require":
        exercise, part = check.args
        result = grading.verify(exercise, notebook)[part]
        return None if result["ok"] else grading.summary(result)
    if check.name == "require_answer":
        question, accepted = check.args
        grading.require_answer(question, accepted, folder=folder)
    else:
        exercise, key = (check.args + ("exploit",))[:2]
        grading.require_exploit(exercise, key, folder=folder)
    return None
