"""What an exercise's hidden tests call.

``require(exercise, part)`` verifies the learner's program in an isolated process
(``seclab.grading.sandbox``, confined as ``seclab.grading.policy`` says) against the
public and the hidden attack corpus and raises ``GradingFailure`` with a friendly
summary (what failed, a hint; never a payload) when the part does not hold.
``require_answer`` and ``require_exploit`` grade the recorded quiz answers and exploit
payloads (see ``seclab.answers``); the exploit is replayed in a sandbox too.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from seclab.answers import load_answers
from seclab.course import REPO_ROOT
from seclab.errors import GradingFailure, GradingSetupError
from seclab.grading.sandbox import Sandbox
from seclab.notebooks import program_cells
from seclab.spec import load_spec

HIDDEN_CORPUS_DIR = REPO_ROOT / "autograder" / "hidden"
_TIMEOUTS_BEFORE_GIVING_UP = 2
#: failure categories that say the code misbehaved, not merely answered wrong
ANOMALIES = ("timeout", "crashed", "unplain")
_cache: dict[str, dict[str, dict[str, Any]]] = {}
#: results handed to the class grader's kernel, which has no hidden corpus to judge with
_preset: dict[str, dict[str, dict[str, Any]]] = {}


def preset_results(exercise: str, results: dict[str, dict[str, Any]]) -> None:
    """Make ``verify(exercise)`` in this process return ``results`` (the grader's isolated verdict).

    The class grader's kernel sees neither the hidden corpus nor the instructor's files;
    its hidden tests get the very verdict the grader re-checks, so both sides judge with
    the same corpus.
    """
    _preset[exercise] = json.loads(json.dumps(results))


def hidden_corpus(exercise: str) -> dict[str, list[Any]]:
    """The instructor's hidden payloads (``SECLAB_HIDDEN_CORPUS_DIR`` overrides the folder)."""
    folder = Path(os.environ.get("SECLAB_HIDDEN_CORPUS_DIR", HIDDEN_CORPUS_DIR))
    path = folder / f"{exercise}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GradingSetupError(f"hidden corpus {path} is missing; restore it from the course repository") from None
    except json.JSONDecodeError as error:
        raise GradingSetupError(f"hidden corpus {path} is not valid JSON: {error}") from None
    if not isinstance(data, dict) or not all(isinstance(items, list) for items in data.values()):
        raise GradingSetupError(f"hidden corpus {path} must map names to lists of payloads")
    return data


def verify(exercise: str, notebook: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Judge every part of ``exercise`` for the program in ``notebook``.

    ``notebook`` defaults to ``<exercise>.ipynb`` in the working directory (where
    nbgrader executes it). Returns plain data per part: ``passed``, ``total``, ``ok``,
    ``failed`` (count per category) and ``hints``. Results are cached per program.
    """
    if exercise in _preset:
        return json.loads(json.dumps(_preset[exercise]))
    path = Path(notebook) if notebook is not None else Path.cwd() / f"{exercise}.ipynb"
    cells = program_cells(path)
    spec = load_spec(exercise)
    public, hidden = spec.public_corpus(), hidden_corpus(exercise)
    key = hashlib.sha256(json.dumps([exercise, cells, public, hidden]).encode()).hexdigest()
    if key not in _cache:
        cases = spec.cases(public, public=True) + spec.cases(hidden, public=False)
        _cache[key] = _judge_all(exercise, cells, spec, cases)
    return json.loads(json.dumps(_cache[key]))  # a copy the caller cannot mutate


def _judge_all(exercise: str, cells: list[str], spec: Any, cases: list[Any]) -> dict[str, dict[str, Any]]:
    results = {name: {"passed": 0, "total": 0, "failed": Counter(), "title": part.title}
               for name, part in spec.PARTS.items()}
    timeouts: Counter[str] = Counter()
    with Sandbox(exercise, cells) as box:
        for case in cases:
            if timeouts[case.function] >= _TIMEOUTS_BEFORE_GIVING_UP:
                outcome = {"error": "timeout", "detail": "skipped after repeated time-outs"}
            else:
                outcome = box.call(case)
            if outcome.get("error") == "timeout":
                timeouts[case.function] += 1
            result = results[case.part]
            result["total"] += 1
            if case.expect.judge(outcome):
                result["passed"] += 1
            else:
                reason = outcome.get("error")
                result["failed"][reason if reason in ANOMALIES or reason == "missing" else case.category] += 1
    final = {}
    for name, result in results.items():
        failed = dict(result["failed"])
        final[name] = {
            "title": result["title"], "passed": result["passed"], "total": result["total"],
            "ok": result["total"] > 0 and result["passed"] == result["total"],
            "failed": failed, "hints": [_hint(spec, category) for category in failed],
        }
    return final


def _hint(spec: Any, category: str) -> str:
    general = {
        "timeout": "Your function did not return in time: look for an endless loop.",
        "crashed": "Running your code ended the process (exit(), a crash or too much memory).",
        "missing": "The function is not defined: run its cell and check the name and spelling.",
        "unplain": "Return plain built-in values (dict, list, str, int, bool, None), not objects of your own classes.",
    }
    return general.get(category) or spec.HINTS.get(category, "Re-read the task for this part.")


def summary(result: dict[str, Any]) -> str:
    """One friendly paragraph for a part's result; names categories, never payloads."""
    lines = [f"{result['title']}: {result['passed']} of {result['total']} checks passed."]
    if result["failed"]:
        what = ", ".join(f"{category} ({count})" for category, count in result["failed"].items())
        lines.append(f"Failed: {what}.")
        lines.extend(f"Hint: {hint}" for hint in result["hints"])
    return " ".join(lines)


def require(exercise: str, part: str, notebook: str | Path | None = None) -> None:
    """Raise GradingFailure unless ``part`` of ``exercise`` holds entirely."""
    results = verify(exercise, notebook)
    result = results[part]
    note = getattr(load_spec(exercise), "grading_note", None)
    extra = note(part, results) if note is not None else None
    if not result["ok"]:
        raise GradingFailure(summary(result) + (f" {extra}" if extra else ""))
    print(f"✓ {result['title']} ({result['passed']} checks)" + (f". {extra}" if extra else ""))


def require_answer(question: str, accepted: str | set[str], folder: str | Path | None = None) -> None:
    """Raise GradingFailure unless the recorded answer to ``question`` is accepted."""
    answer = load_answers(folder).get(question)
    allowed = {accepted} if isinstance(accepted, str) else set(accepted)
    if answer is None:
        raise GradingFailure(f"Quiz question {question}: no answer recorded. Answer it with the quiz widget or record().")
    if answer not in allowed:
        raise GradingFailure(f"Quiz question {question}: the recorded answer {answer!r} is not right.")
    print(f"✓ quiz question {question}")


def exploit_verdict(exercise: str, payload: Any) -> dict[str, bool]:
    """``spec.exploit_works(payload)``, run in a grading sandbox (its limits, its time-out).

    A payload is the learner's data: a query that never ends or a pickle that runs code
    must not hang or own the grader. Inside a sandbox already, it runs in place.
    GradingFailure when the replay hangs or crashes.
    """
    from seclab.grading import policy
    from seclab.grading.replay import replay_in_sandbox

    spec = load_spec(exercise)
    if policy.nested():
        return dict(spec.exploit_works(payload))
    replay = replay_in_sandbox(exercise, spec.__name__, "exploit_works", [payload])
    value = replay.outcome.get("value")
    if not isinstance(value, dict):
        detail = replay.outcome.get("detail") or replay.outcome.get("message") or replay.outcome
        raise GradingFailure(f"Exploit challenge: replaying the recorded payload failed ({detail}).")
    return {"vulnerable": bool(value.get("vulnerable")), "fixed": bool(value.get("fixed"))}


def require_exploit(exercise: str, key: str = "exploit", folder: str | Path | None = None) -> None:
    """Replay the recorded exploit payload; it must beat the vulnerable twin and not the fixed one."""
    payload = load_answers(folder).get(key)
    if payload is None:
        raise GradingFailure("Exploit challenge: no payload recorded. Use the playground's Record button or record().")
    works = exploit_verdict(exercise, payload)
    if not works["vulnerable"]:
        raise GradingFailure("Exploit challenge: the recorded payload does not get into the vulnerable app.")
    if works["fixed"]:
        raise GradingFailure("Exploit challenge: the payload also works on the fixed app, so it does not show the flaw.")
    print("✓ exploit challenge: the recorded payload breaks the vulnerable app and not the fixed one")
