"""Exercise specs: what each exercise's functions must do, as cases a learner's code is judged on.

The spec of exercise ``NN_topic`` is the module ``spec`` of its topic package
(``seclab.topics.<topic>.spec``, found through course.toml by ``load_spec``). It defines
``PARTS`` (the graded parts), ``HINTS`` (per failure category), ``FIXTURES`` (how to
build leading arguments such as a seeded database inside whichever process runs the
code), ``public_corpus()``, ``cases(corpus, public)`` and, for an exploit challenge,
``exploit_works(payload)``. ``check()`` runs the public cases in the learner's kernel;
``seclab.grading`` runs all cases in an isolated process. This module holds the
building blocks: parts, cases and the judges of outcomes.
"""

from __future__ import annotations

import hmac
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from seclab.outcomes import Outcome


def load_spec(exercise: str) -> ModuleType:
    """The spec module of ``exercise`` (e.g. ``"03_injection"``); UnknownExerciseError if none."""
    from seclab.topics import spec_of

    return spec_of(exercise)


@dataclass(frozen=True)
class Part:
    """A separately graded part of an exercise, e.g. ``get_user.injection``."""

    name: str
    function: str
    title: str


@dataclass(frozen=True)
class Expectation:
    """Judges one outcome; ``describe`` says what was wanted, for feedback.

    ``explain``, when given, says what is wrong with an outcome in the spec's own words
    (feedback shows it instead of the outcome's raw value, for public cases only).
    """

    judge: Callable[[Outcome], bool]
    describe: str
    explain: Callable[[Outcome], str] | None = None

    def what_happened(self, outcome: Outcome) -> str:
        """What the learner's code did, for feedback."""
        if self.explain is None:
            return describe_outcome(outcome)
        try:
            return self.explain(outcome)
        except Exception:  # feedback must never fail: fall back to the plain description
            return describe_outcome(outcome)


def returns(expected: Any) -> Expectation:
    return Expectation(lambda outcome: outcome.get("value", object()) == expected and "value" in outcome,
                       f"return {expected!r}")


def raises(exception: str) -> Expectation:
    return Expectation(lambda outcome: exception in outcome.get("raised", ()), f"raise {exception}")


def satisfies(predicate: Callable[[Any], bool], describe: str,
              explain: Callable[[Outcome], str] | None = None) -> Expectation:
    def judge(outcome: Outcome) -> bool:
        if "value" not in outcome:
            return False
        try:
            return bool(predicate(outcome["value"]))
        except Exception:  # a malformed value simply fails the case
            return False

    return Expectation(judge, describe, explain)


def same_data(left: Any, right: Any) -> bool:
    """Equal and of the same built-in types all the way down: True is not 1, 1.0 is not 1, -0.0 is
    not 0.0, and NaN is NaN (a learner's ``float("nan")`` matches an expected NaN)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same_data(left[key], right[key]) for key in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(same_data(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, float):
        if math.isnan(left) or math.isnan(right):
            return math.isnan(left) and math.isnan(right)
        return left == right and math.copysign(1.0, left) == math.copysign(1.0, right)
    return bool(left == right)


def returns_exactly(expected: Any) -> Expectation:
    """The value must be ``expected`` by ``same_data``: same types, not merely ``==``."""
    return Expectation(lambda outcome: "value" in outcome and same_data(outcome["value"], expected),
                       f"return exactly {expected!r}"[:200])


def compare_digest_calls(namespace: dict[str, Any], function: str, call: Callable[[], Any]) -> int:
    """How often ``call()`` calls hmac.compare_digest, under any name it has anywhere (the learner's
    namespace, the globals of the learner's ``function``, every loaded module); restored afterwards."""
    original = hmac.compare_digest
    calls = [0]

    def counting(left: Any, right: Any) -> bool:
        calls[0] += 1
        return original(left, right)

    holders = [namespace, getattr(namespace.get(function), "__globals__", {})]
    holders += [module.__dict__ for module in list(sys.modules.values()) if hasattr(module, "__dict__")]
    patched = []
    for holder in holders:
        for name, value in list(holder.items()):
            if value is original:
                holder[name] = counting
                patched.append((holder, name))
    try:
        call()
    finally:
        for holder, name in patched:
            holder[name] = original
    return calls[0]


def in_empty_folder(call: Callable[[], Any], prefix: str = "seclab-case-") -> dict[str, Any]:
    """Run ``call()`` in a fresh empty working folder: ``{"raised": [exception class names, MRO order],
    "files": [what appeared there]}`` (the folder is removed afterwards)."""
    folder = tempfile.mkdtemp(prefix=prefix)
    previous = os.getcwd()
    try:
        os.chdir(folder)
        try:
            call()
            raised: list[str] = []
        except Exception as error:  # the learner's code may raise anything
            raised = [klass.__name__ for klass in type(error).__mro__]
        files = sorted(os.listdir(folder))
    finally:
        os.chdir(previous)
        shutil.rmtree(folder, ignore_errors=True)
    return {"raised": raised, "files": files}


@dataclass(frozen=True)
class Case:
    """Call ``function(*fixture_args, *args)`` and judge the outcome.

    With ``scenario``, the spec's ``SCENARIOS[scenario](namespace, *fixture_args, *args)``
    runs instead, for what one call cannot show (a class used from many threads, a
    round trip through two functions); ``namespace`` maps names to the learner's objects.
    ``needs`` names the learner's other functions such a case calls besides ``function``
    (``check`` waits for them instead of failing ``function``). ``shown``, when given,
    is how the call reads in feedback, written in the order of the functions' signatures
    (a scenario's arguments are in the order its code takes them, fixtures first).
    """

    part: str
    category: str
    function: str
    args: tuple[Any, ...]
    expect: Expectation
    fixture: str | None = None
    public: bool = True
    scenario: str | None = None
    needs: tuple[str, ...] = ()
    shown: str | None = None

    def shown_call(self) -> str:
        """How the call reads in feedback (only ever shown for public cases); long arguments are shortened."""
        if self.shown is not None:
            return _shortened(self.shown)
        shown = ([self.fixture] if self.fixture else []) + [_shortened(repr(arg)) for arg in self.args]
        if self.scenario:
            return f"{self.scenario} scenario with {self.function}({', '.join(shown)})"
        return f"{self.function}({', '.join(shown)})"


_SHOWN_ARGUMENT = 160


def _shortened(text: str) -> str:
    """``text`` itself, or its start and end around an ellipsis when it is too long to read in feedback."""
    if len(text) <= _SHOWN_ARGUMENT:
        return text
    return f"{text[:110]} … {text[-40:]}"


def describe_outcome(outcome: Outcome) -> str:
    if "value" in outcome:
        text = repr(outcome["value"])
        return "returned " + (text if len(text) < 120 else text[:117] + "...")
    if "raised" in outcome:
        return f"raised {outcome['raised'][0]}: {outcome.get('message', '')}"[:160]
    known = {
        "missing": "the function is not defined",
        "timeout": "did not finish in time",
        "crashed": "the process running it died",
    }
    return known.get(str(outcome.get("error", "")), str(outcome.get("detail", "failed")))
