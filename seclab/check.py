"""Learner-side feedback: run an exercise's public tests and attacks against a function.

``check("03_injection.get_user", get_user)`` prints, per graded part, how many checks
passed, what went wrong on the first failures (the most severe first) and a hint. It
runs in the learner's kernel with the public corpus only; the grader uses an isolated
process and a larger hidden corpus, so passing here is necessary but not a guarantee.

Functions judged together (``Case.needs``: a round trip through ``hash_password`` and
``verify_password``) are checked together: checking either runs the cases of both, and
a case that calls a function not written yet *waits* for it instead of failing. The
verdict ``check`` records for the progress view is True or False only for functions
whose every case ran; a function still waiting for a partner is recorded as not
checked yet (None), never as failing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

from seclab.answers import AnswersFileError, record
from seclab.outcomes import run_case
from seclab.spec import Case, load_spec

_SHOWN_FAILURES = 3


@dataclass(frozen=True)
class CaseResult:
    """One case's outcome; ``waits_for`` names the functions not written yet that it calls."""

    part: str
    case: Case
    outcome: dict[str, Any]
    passed: bool
    waits_for: frozenset[str] = frozenset()

    @property
    def not_written(self) -> bool:
        """The case stopped at NotImplementedError or a missing function."""
        return _not_written(self.outcome)


def partners(cases: Iterable[Case], name: str) -> set[str]:
    """``name`` and every function judged together with it through ``Case.needs``, transitively."""
    links = [{case.function, *case.needs} for case in cases]
    group = {name}
    grown = True
    while grown:
        grown = False
        for linked in links:
            if linked & group and not linked <= group:
                group |= linked
                grown = True
    return group


def run_checks(target: str, function: Callable[..., Any],
               namespace: dict[str, Any] | None = None) -> list[CaseResult]:
    """Judge ``function`` on the public cases of ``target`` ("<exercise>.<function>").

    Cases of the functions judged together with it (see ``partners``) run as well;
    ``namespace`` holds the learner's other functions.
    """
    exercise, _, name = target.partition(".")
    spec = load_spec(exercise)
    public = spec.cases(spec.public_corpus())
    if not any(case.function == name for case in public):
        known = sorted({part.function for part in spec.PARTS.values()})
        raise ValueError(f"{exercise} has no function {name!r} to check; try one of {known}")
    group = partners(public, name)
    scope = {**(namespace or {}), name: function}
    results = []
    for case in public:
        if case.function not in group:
            continue
        outcome = run_case(spec, scope, case.function, case.fixture, list(case.args), case.scenario)
        results.append(CaseResult(case.part, case, outcome, case.expect.judge(outcome)))
    # A partner is not written yet when it is missing or one of its own single-function
    # cases stops at NotImplementedError; every case that calls it waits for it.
    unwritten = {other for other in group - {name}
                 if not callable(scope.get(other))
                 or any(r.not_written and not r.case.needs for r in results if r.case.function == other)}
    final = []
    for result in results:
        if spec.PARTS[result.part].function in unwritten:
            continue  # the parts of a partner not written yet are its own business, not this check's
        waits = {result.case.function, *result.case.needs} & unwritten
        if not waits and result.not_written and result.case.needs:
            waits = set(result.case.needs) - {name}
        final.append(replace(result, waits_for=frozenset(waits)))
    return final


def _category(spec: ModuleType, result: CaseResult) -> str:
    """The failure's category; a spec may refine it from what the code did (``failure_category``)."""
    refine = getattr(spec, "failure_category", None)
    if refine is None:
        return result.case.category
    try:
        return str(refine(result.case, result.outcome))
    except Exception:  # feedback must never fail: fall back to the case's own category
        return result.case.category


def _by_severity(spec: ModuleType, failures: list[CaseResult]) -> list[CaseResult]:
    """``failures`` with the most severe first (the spec's ``SEVERITY`` order of categories)."""
    order = {category: rank for rank, category in enumerate(getattr(spec, "SEVERITY", ()))}
    return sorted(failures, key=lambda failure: order.get(_category(spec, failure), len(order)))


def format_report(target: str, results: list[CaseResult]) -> str:
    """The text ``check`` prints."""
    exercise, _, name = target.partition(".")
    spec = load_spec(exercise)
    if any(r.not_written and r.case.function == name and not r.case.needs for r in results):
        return (f"✗ {target}: not written yet. Replace `raise NotImplementedError()` in its cell "
                "with your code, run that cell, then run check again.")
    waiting = [r for r in results if r.waits_for]
    ran = [r for r in results if not r.waits_for]
    lines = []
    for part_name in dict.fromkeys(r.part for r in results):
        part_results = [r for r in ran if r.part == part_name]
        part_waiting = [r for r in waiting if r.part == part_name]
        passed = sum(r.passed for r in part_results)
        title = spec.PARTS[part_name].title
        if passed < len(part_results):
            mark = "✗"
        elif part_waiting:
            mark = "…"
        else:
            mark = "✓"
        line = f"{mark} {title}: {passed}/{len(part_results)}"
        if part_waiting:
            others = " and ".join(sorted(set().union(*(r.waits_for for r in part_waiting))))
            if part_results:
                line += f" so far, {len(part_waiting)} more wait for {others}"
            else:
                line = f"{mark} {title}: {len(part_waiting)} checks wait for {others}"
        lines.append(line)
        failures = _by_severity(spec, [r for r in part_results if not r.passed])
        for failure in failures[:_SHOWN_FAILURES]:
            lines.append(f"    {failure.case.shown_call()} {failure.case.expect.what_happened(failure.outcome)};"
                         f" expected: {failure.case.expect.describe}")
        if len(failures) > _SHOWN_FAILURES:
            lines.append(f"    … and {len(failures) - _SHOWN_FAILURES} more")
        for category in dict.fromkeys(_category(spec, f) for f in failures):
            lines.append(f"    Hint: {spec.HINTS.get(category, 'Re-read the task.')}")
    if waiting:
        others = " and ".join(sorted(set().union(*(r.waits_for for r in waiting))))
        lines.append(f"… {len(waiting)} checks also call {others}, which is not written yet: nothing failed "
                     f"because of that. Write it, run its cell and check it: that runs these checks too.")
    elif all(r.passed for r in results):
        lines.append("All public checks pass. The grader also tries hidden attacks, so keep it general.")
    return "\n".join(lines)


def _not_written(outcome: dict[str, Any]) -> bool:
    return "NotImplementedError" in outcome.get("raised", ()) or outcome.get("error") == "missing"


def verdicts(target: str, results: list[CaseResult]) -> dict[str, bool | None]:
    """What ``check`` records per function: passed, failed, or None while it waits for a partner.

    A function is judged on its own cases and on every case of the parts graded under
    its name (``Part.function``): ``encrypt_secret`` fails when the tampering cases of
    its "authenticated encryption" part fail, although ``decrypt_secret`` is the one
    they call. The checked function itself, when not written yet, is recorded as
    failing (its check printed ✗).
    """
    exercise, _, name = target.partition(".")
    parts = load_spec(exercise).PARTS
    found: dict[str, bool | None] = {}
    functions = dict.fromkeys([r.case.function for r in results] + [parts[r.part].function for r in results])
    for function in functions:
        own = [r for r in results if function in (r.case.function, parts[r.part].function)]
        if function == name and any(r.not_written and not r.case.needs and r.case.function == name for r in own):
            found[function] = False
        elif any(r.waits_for for r in own):
            if function == name or any(not r.waits_for for r in own):
                found[function] = None
        else:
            found[function] = all(r.passed for r in own)
    return found


def check(target: str, function: Callable[..., Any] | None = None) -> None:
    """Print how ``function`` does on the public checks, and remember the verdicts.

    The caller's global names (the notebook's) are available to cases that need more
    than one of the learner's functions. An exercise whose spec judges a whole program
    (``check_program(namespace)``, e.g. the capstone's app) is checked by its id alone:
    ``check("20_capstone")``.
    """
    if function is None:
        _check_program(target, dict(sys._getframe(1).f_globals))
        return
    results = run_checks(target, function, namespace=dict(sys._getframe(1).f_globals))
    print(format_report(target, results))
    exercise = target.partition(".")[0]
    try:
        for name, verdict in verdicts(target, results).items():
            record(f"check:{exercise}.{name}", verdict)
    except (AnswersFileError, OSError):
        pass  # feedback matters more than the progress record


def _check_program(exercise: str, namespace: dict[str, Any]) -> None:
    """``check(exercise)``: the spec's own report on the learner's whole program; records its verdicts."""
    spec = load_spec(exercise)
    judge = getattr(spec, "check_program", None)
    if judge is None:
        known = sorted({part.function for part in spec.PARTS.values()})
        raise ValueError(f"check a function of {exercise}, e.g. check(\"{exercise}.{known[0]}\", {known[0]})")
    report, verdicts = judge(namespace)
    print(report)
    try:
        for name, verdict in verdicts.items():
            record(f"check:{exercise}.{name}", verdict)
    except (AnswersFileError, OSError):
        pass  # feedback matters more than the progress record
