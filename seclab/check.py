"""Learner-side feedback: run an exercise's public tests and attacks against a function.

``check("03_injection.get_user", get_user)`` prints, per graded part, how many checks
passed, what went wrong on the first failures and a hint. It runs in the learner's
kernel with the public corpus only; the grader uses an isolated process and a larger
hidden corpus, so passing here is necessary but not a guarantee.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seclab.answers import AnswersFileError, record
from seclab.outcomes import run_case
from seclab.spec import Case, load_spec

_SHOWN_FAILURES = 3


@dataclass(frozen=True)
class CaseResult:
    part: str
    case: Case
    outcome: dict[str, Any]
    passed: bool


def run_checks(target: str, function: Callable[..., Any],
               namespace: dict[str, Any] | None = None) -> list[CaseResult]:
    """Judge ``function`` on the public cases of ``target`` ("<exercise>.<function>").

    ``namespace`` holds the learner's other functions, for cases that use several.
    """
    exercise, _, name = target.partition(".")
    spec = load_spec(exercise)
    cases = [case for case in spec.cases(spec.public_corpus()) if case.function == name]
    if not cases:
        known = sorted({part.function for part in spec.PARTS.values()})
        raise ValueError(f"{exercise} has no function {name!r} to check; try one of {known}")
    scope = {**(namespace or {}), name: function}
    results = []
    for case in cases:
        outcome = run_case(spec, scope, case.function, case.fixture, list(case.args), case.scenario)
        results.append(CaseResult(case.part, case, outcome, case.expect.judge(outcome)))
    return results


def format_report(target: str, results: list[CaseResult]) -> str:
    """The text ``check`` prints."""
    exercise, _, _name = target.partition(".")
    spec = load_spec(exercise)
    lines = []
    if any(_not_written(r.outcome) and not r.case.needs for r in results):
        return (f"✗ {target}: not written yet. Replace `raise NotImplementedError()` in its cell "
                "with your code, run that cell, then run check again.")
    waiting = [r for r in results if r.case.needs and _not_written(r.outcome)]
    results = [r for r in results if not (r.case.needs and _not_written(r.outcome))]
    for part_name in dict.fromkeys(r.part for r in results):
        part_results = [r for r in results if r.part == part_name]
        passed = sum(r.passed for r in part_results)
        mark = "✓" if passed == len(part_results) else "✗"
        lines.append(f"{mark} {spec.PARTS[part_name].title}: {passed}/{len(part_results)}")
        failures = [r for r in part_results if not r.passed]
        for failure in failures[:_SHOWN_FAILURES]:
            lines.append(f"    {failure.case.shown_call()} {failure.case.expect.what_happened(failure.outcome)};"
                         f" expected: {failure.case.expect.describe}")
        if len(failures) > _SHOWN_FAILURES:
            lines.append(f"    … and {len(failures) - _SHOWN_FAILURES} more")
        for category in dict.fromkeys(f.case.category for f in failures):
            lines.append(f"    Hint: {spec.HINTS.get(category, 'Re-read the task.')}")
    if waiting:
        others = " and ".join(sorted({name for r in waiting for name in r.case.needs}))
        lines.append(f"… {len(waiting)} more checks also call {others}, which is not written yet: "
                     "write it, run its cell, then run this check again.")
    elif all(r.passed for r in results):
        lines.append("All public checks pass. The grader also tries hidden attacks, so keep it general.")
    return "\n".join(lines)


def _not_written(outcome: dict[str, Any]) -> bool:
    return "NotImplementedError" in outcome.get("raised", ()) or outcome.get("error") == "missing"


def check(target: str, function: Callable[..., Any]) -> None:
    """Print how ``function`` does on the public checks, and remember the verdict.

    The caller's global names (the notebook's) are available to cases that need more
    than one of the learner's functions.
    """
    results = run_checks(target, function, namespace=dict(sys._getframe(1).f_globals))
    print(format_report(target, results))
    try:
        record(f"check:{target}", all(r.passed for r in results))
    except (AnswersFileError, OSError):
        pass  # feedback matters more than the progress record
