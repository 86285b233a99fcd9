"""Scaffold a new lesson and its exercise: every file, in the course's layout, in one command.

``python -m seclab.scaffold 05 --functions security_headers parse_order_xml app_config``
(``make lesson N=05 FUNCTIONS="..."``) turns the ``[[planned]]`` entry 05 of course.toml
into a ``[[lesson]]`` and creates:

* ``notebooks/NN_Title.ipynb`` — the lesson skeleton: synopsis table, prerequisites, one
  setup cell, a weakness section (insecure → attack → why → fix → attack failing), what
  tools see, playground, quiz, lessons learned, exercise, references, tidy-up;
* ``seclab/topics/<topic>/`` — ``targets``, ``attacks``, ``widgets``, ``spec`` and
  ``quiz.toml``, as stubs that fail loudly (NotImplementedError, TODO questions) until
  written;
* ``autograder/source/NN_topic/NN_topic.ipynb`` — the exercise with the standard cells
  (setup; per function: task, implementation, check, works and attack tests; quiz;
  exploit challenge; submit) and ``autograder/hidden/NN_topic.json``;
* ``tests/topics/test_<topic>.py`` and ``tests/topics/<topic>.roundtrip.json``;
* ``exercises/NN_topic/`` (via nbgrader, as ``make release``), and the navigation cells
  and README table (as ``make nav``).

Nothing else needs editing: Start Here's roadmap, the progress view, navigation and the
README read course.toml. A title or topic that is not planned can be given with
``--title``/``--topic``. Existing files are never overwritten.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess  # runs this interpreter on the course's own modules, fixed argv  # nosec B404
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from seclab.course import MANIFEST, REPO_ROOT, TOPIC_NAME, exercise_id, load_course, notebook_name
from seclab.errors import ScaffoldError, SeclabError

_FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TODO = "TODO"

Cell = dict[str, Any]


# --- notebook cells ------------------------------------------------------------------

def _markdown(cell_id: str, text: str, **nbgrader: Any) -> Cell:
    cell: Cell = {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text.strip("\n")}
    if nbgrader:
        cell["metadata"]["nbgrader"] = _nbgrader_metadata(**nbgrader)
    return cell


def _code(cell_id: str, text: str, tags: Sequence[str] = (), **nbgrader: Any) -> Cell:
    cell: Cell = {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": {},
                  "outputs": [], "source": text.strip("\n")}
    if tags:
        cell["metadata"]["tags"] = list(tags)
    if nbgrader:
        cell["metadata"]["nbgrader"] = _nbgrader_metadata(**nbgrader)
    return cell


def _nbgrader_metadata(grade_id: str, locked: bool = True, solution: bool = False,
                       points: int | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"grade": points is not None, "grade_id": grade_id, "locked": locked,
                            "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _notebook(cells: list[Cell]) -> dict[str, Any]:
    for cell in cells:
        cell["source"] = cell["source"].splitlines(keepends=True)
    return {"cells": cells, "metadata": {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "version": "3.11"}}, "nbformat": 4, "nbformat_minor": 5}


def _dump(notebook: dict[str, Any]) -> str:
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


# --- the lesson notebook ---------------------------------------------------------------

def lesson_notebook(number: int, title: str, topic: str, minutes: int) -> dict[str, Any]:
    """The skeleton of lesson ``number``; its code cells call the topic's stubs."""
    nn = f"{number:02d}"
    ex = exercise_id(number, topic)
    cells = [
        _markdown("synopsis", f"""
# {nn} · {title}

{TODO}: one paragraph — what goes wrong, what the learner breaks, fixes and re-attacks in
this lesson, and what tools see at the end.

| | |
|---|---|
| **OWASP Top 10** | {TODO}: 2021 id → 2025 id, with links (the same ids as course.toml) |
| **CWE** | {TODO}: the CWE ids of course.toml, each with its name |
| **Time** | about {minutes} minutes |
"""),
        _markdown("prerequisites", f"""
## Prerequisites

* [00 · Start Here](00_Start_Here.ipynb): how lessons work and why every claim sits next
  to an `assert`.
* {TODO}: earlier lessons this one builds on.

Everything dangerous in this lesson happens inside its scratch folder and on
`127.0.0.1`; the last cell removes the folder and stops every server.
"""),
        _code("setup", f"""
from seclab.lesson import Scratch, bandit_report, expect_error
from seclab.quiz import lesson_quiz
from seclab.topics.{topic} import attacks, targets

scratch = Scratch("{nn}")  # files and servers of this lesson; the last cell removes them
WORKDIR = scratch.path
"""),
        _markdown("weakness-1", f"""
## 1 · {TODO}: the first weakness

{TODO}: the feature, as a developer would first write it.
"""),
        _code("insecure-1", f"""
# INSECURE: for demonstration only - {TODO}: say in one line what is wrong
def vulnerable_feature(value):
    return targets.vulnerable_feature(value)
""", tags=["insecure"]),
        _markdown("attack-1", "**The attack.** {TODO}: what the attacker sends, and what damage to look for.".replace(
            "{TODO}", TODO)),
        _code("attack-1-runs", """
attack = attacks.attack(vulnerable_feature)
print(attack)
assert attack.succeeded
"""),
        _markdown("why-1", f"**Why it works.** {TODO}: the root cause, in two or three sentences."),
        _markdown("fix-1", f"**The fix.** {TODO}: what changes, and why it removes the cause."),
        _code("secure-1", """
def fixed_feature(value):
    return targets.fixed_feature(value)
""", tags=["secure"]),
        _markdown("attack-1-fails-md", "**The same attack, now failing.**"),
        _code("attack-1-fails", """
attack = attacks.attack(fixed_feature)
print(attack)
assert not attack.succeeded
"""),
        _markdown("tools", f"""
## 2 · What tools see

bandit scans the cells that defined each function. {TODO}: what it finds, and what it
cannot see.
"""),
        _code("tools-bandit", """
findings = bandit_report([vulnerable_feature, fixed_feature])
assert findings == {"vulnerable_feature": set(), "fixed_feature": set()}
"""),
        _markdown("playground-md", f"""
## 3 · Playground

{TODO}: what to try in the playground.
"""),
        _code("playground", f"""
from seclab.topics.{topic}.widgets import playground

playground()
"""),
        _markdown("quiz-md", """
## 4 · Quiz

Feedback comes at once; nothing is recorded (the graded quiz is in the exercise).
"""),
        _code("quiz", f'lesson_quiz("{topic}")'),
        _markdown("lessons-learned", f"""
## Lessons learned

A checklist for Monday morning:

- [ ] {TODO}

## Next: the exercise

[exercises/{ex}/{ex}.ipynb](../exercises/{ex}/{ex}.ipynb): {TODO}: what the learner builds.

## References

* {TODO}: OWASP, CWE and library documentation links.
"""),
        _code("tidy-up", """
# Tidy up: stop the servers and delete the scratch folder.
scratch.close()
assert not WORKDIR.exists()
print("scratch folder removed")
"""),
    ]
    return _notebook(cells)


# --- the exercise notebook ---------------------------------------------------------------

def exercise_notebook(number: int, title: str, topic: str, functions: Sequence[str],
                      exploit: bool) -> dict[str, Any]:
    """The instructor version of exercise ``NN_topic`` with the standard cells."""
    ex = exercise_id(number, topic)
    lesson_link = f"../../notebooks/{notebook_name(number, title)}"
    rows = "\n".join(f"| `{name}`: works (1) · resists the attacks (2) | 3 |" for name in functions)
    total = 3 * len(functions) + 3 + (2 if exploit else 0)
    exploit_row = "| exploit challenge | 2 |\n" if exploit else ""
    cells = [
        _markdown("cell-intro", f"""
# Exercise {number:02d} · {title}

*Safer Python · exercise for lesson [{number:02d} {title}]({lesson_link})*

{TODO}: what the learner builds here, in two sentences.

| part | points |
|---|---|
{rows}
| quiz: three questions | 3 |
{exploit_row}| **total** | **{total}** |

**How to work.** Replace each `raise NotImplementedError()` with your code and run the
cell. Run `check(...)` below it as often as you like: it runs the public tests and
attacks against your code and gives hints. The grader runs your code again in a
separate, locked-down process against a larger, hidden set of attacks.

**Don't** edit or delete the grey test cells: the grader restores them from its own copy.
""", grade_id="intro"),
        _code("cell-setup", """
from seclab.answers import optional, record
from seclab.check import check
from seclab.quiz import exercise_quiz
""", grade_id="setup"),
    ]
    for name in functions:
        cells += [
            _markdown(f"cell-md-{name}", f"""
## `{name}(...)`

{TODO}: the exact contract — arguments, return value, every error and its exception type.
""", grade_id=f"md_{name}"),
            _code(f"cell-impl-{name}", f'''
def {name}(*args):
    """{TODO}: one line on what it does."""
    ### BEGIN SOLUTION
    raise NotImplementedError("{TODO}: the reference solution")
    ### END SOLUTION
''', grade_id=f"impl_{name}", locked=False, solution=True),
            _code(f"cell-check-{name}", f'check("{ex}.{name}", {name})'),
            _code(f"cell-test-{name}-works", f"""
# {name} works (1 point)
assert {name} is not None, "{TODO}: visible asserts, each with a message"
### BEGIN HIDDEN TESTS
from seclab import grading
grading.require("{ex}", "{name}.works")
### END HIDDEN TESTS
""", grade_id=f"test_{name}_works", points=1),
            _code(f"cell-test-{name}-attack", f"""
# {name} resists the attacks (2 points)
assert {name} is not None, "{TODO}: visible asserts, each with a message"
### BEGIN HIDDEN TESTS
from seclab import grading
grading.require("{ex}", "{name}.attack")
### END HIDDEN TESTS
""", grade_id=f"test_{name}_attack", points=2),
        ]
    cells += [
        _markdown("cell-md-quiz", """
## Quiz

Choose an answer for each question and press **Record answer**. Your choices are saved
in `seclab_answers.json` next to this notebook and submitted with it. No widgets in your
editor? Record them in code instead: `record("q1", "a")`.
""", grade_id="md_quiz"),
        _code("cell-quiz", f'exercise_quiz("{ex}")', grade_id="quiz_widget"),
        _code("cell-answer-quiz", f"""
# Optional: record your answers in code instead of with the widget, e.g. record("q1", "a")
with optional("quiz answers"):
    ### BEGIN SOLUTION
    record("q1", "{TODO}")
    record("q2", "{TODO}")
    record("q3", "{TODO}")
    ### END SOLUTION
""", grade_id="answer_quiz", locked=False, solution=True),
    ]
    for question in ("q1", "q2", "q3"):
        cells.append(_code(f"cell-test-quiz-{question}", f"""
# quiz question {question[1:]} (1 point)
### BEGIN HIDDEN TESTS
from seclab import grading
grading.require_answer("{question}", "{TODO}")
### END HIDDEN TESTS
""", grade_id=f"test_quiz_{question}", points=1))
    if exploit:
        cells += [
            _markdown("cell-md-exploit", f"""
## Exploit challenge

{TODO}: what to achieve against the lesson's vulnerable app, and how to record it. The
grader replays your recorded payload against the vulnerable app, where it must work,
and against the fixed one, where it must fail.
""", grade_id="md_exploit"),
            _code("cell-exploit-widget", f"""
from seclab.topics.{topic}.widgets import exploit_playground

exploit_playground(record_key="exploit")
""", grade_id="exploit_widget"),
            _code("cell-answer-exploit", f"""
# Optional: record your payload in code instead, e.g. record("exploit", ...)
with optional("exploit payload"):
    ### BEGIN SOLUTION
    record("exploit", "{TODO}")
    ### END SOLUTION
""", grade_id="answer_exploit", locked=False, solution=True),
            _code("cell-test-exploit", f"""
# exploit challenge (2 points)
### BEGIN HIDDEN TESTS
from seclab import grading
grading.require_exploit("{ex}")
### END HIDDEN TESTS
""", grade_id="test_exploit", points=2),
        ]
    cells.append(_markdown("cell-submit", f"""
## Submit

Save the notebook (and keep `seclab_answers.json` beside it), then submit the folder as
your instructor tells you (e.g. `nbgrader submit {ex}` or the Assignments tab).
""", grade_id="md_submit"))
    return _notebook(cells)


# --- the topic package ---------------------------------------------------------------------

def topic_files(number: int, title: str, topic: str, functions: Sequence[str], exploit: bool) -> dict[str, str]:
    """Relative path -> text of every stub file of the topic package."""
    ex = exercise_id(number, topic)
    todo_error = f'raise NotImplementedError("lesson {number:02d}: write this in seclab/topics/{topic}/'
    parts = "\n".join(
        f'        Part("{name}.works", "{name}", "{TODO}: {name} does its job"),\n'
        f'        Part("{name}.attack", "{name}", "{TODO}: {name} resists the attacks"),' for name in functions)
    corpus_keys = ", ".join(f'"{name}": []' for name in functions)
    files = {
        "__init__.py": f'"""Topic of lesson {number:02d} {title} and its exercise {ex} (layout: see ``seclab.topics``)."""\n',
        "targets.py": f'''"""{title}: the demo applications, as vulnerable and fixed twins.

``SERVABLE`` maps a target name to (summary, factory of a WSGI app) for
``python -m seclab.targets serve NAME``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {{}}


def vulnerable_feature(value: Any) -> Any:
    """{TODO}: the feature written the insecure way."""
    {todo_error}targets.py")


def fixed_feature(value: Any) -> Any:
    """{TODO}: the same feature, fixed."""
    {todo_error}targets.py")
''',
        "attacks.py": f'''"""{title}: the public payloads and the attack drivers that judge success."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seclab.attacks import AttackResult

#: {TODO}: the public payloads (the hidden ones are in autograder/hidden/{ex}.json)
PAYLOADS: list[Any] = []


def attack(feature: Callable[[Any], Any]) -> AttackResult:
    """Fire the public payloads at ``feature``; ``succeeded`` when the damage happened."""
    {todo_error}attacks.py")
''',
        "widgets.py": f'''"""{title}: the playgrounds, as thin views over plain functions."""

from __future__ import annotations

from typing import Any


def playground() -> Any:
    """The lesson's playground widget."""
    {todo_error}widgets.py")
''' + (f'''

def exploit_playground(record_key: str = "exploit") -> Any:
    """The exercise's exploit playground; records the payload under ``record_key``."""
    {todo_error}widgets.py")
''' if exploit else ""),
        "spec.py": f'''"""Spec of exercise {ex}: {", ".join(functions)}."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Part

PARTS = {{
    part.name: part
    for part in [
{parts}
    ]
}}

HINTS: dict[str, str] = {{
    "{TODO}": "{TODO}: one hint per failure category",
}}

FIXTURES: dict[str, Callable[[], list[Any]]] = {{}}


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    {todo_error}spec.py")


def public_corpus() -> dict[str, list[Any]]:
    return {{{corpus_keys}}}
''' + (f'''

def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded payload: does it work on the vulnerable twin, and on the fixed one?"""
    {todo_error}spec.py")
''' if exploit else ""),
        "quiz.toml": f'''# Quizzes of lesson {number:02d} and exercise {ex}. Lesson questions carry their answer and
# explanation; exercise questions carry none (their keys are in the hidden tests only).
# A prompt that still starts with {TODO} makes the quiz refuse to show.

''' + "\n".join(f'''[[lesson]]
id = "q{n}"
prompt = "{TODO}: lesson question {n}"
answer = "a"
explanation = "{TODO}"
[lesson.options]
a = "{TODO}"
b = "{TODO}"
''' for n in (1, 2, 3)) + "\n" + "\n".join(f'''[[exercise]]
id = "q{n}"
prompt = "{TODO}: exercise question {n}"
[exercise.options]
a = "{TODO}"
b = "{TODO}"
''' for n in (1, 2, 3)),
    }
    return files


def test_module(number: int, title: str, topic: str) -> str:
    ex = exercise_id(number, topic)
    return f'''"""Topic {topic} (lesson {number:02d} {title}): the twins, the attacks and the playground.

The exercise's contract (instructor solution, vulnerable solution, exploit replay, quiz
keys) is checked for every exercise by tests/test_exercise_contracts.py, from
{topic}.roundtrip.json beside this file.
"""

from seclab.topics.{topic} import attacks, targets


def test_the_attack_succeeds_on_the_vulnerable_twin_only():
    assert attacks.attack(targets.vulnerable_feature).succeeded
    assert not attacks.attack(targets.fixed_feature).succeeded


def test_{TODO.lower()}_more_tests_for_{ex}():
    raise NotImplementedError("{TODO}: test the twins, the attack drivers and the widgets")
'''


def roundtrip_data(functions: Sequence[str], exploit: bool) -> str:
    data: dict[str, Any] = {
        "_comment": f"{TODO}: submissions the round trip grades (tests/test_nbgrader_roundtrip.py).",
        "vulnerable_solution": {f"impl_{name}": f"{TODO}: a working but vulnerable {name}" for name in functions},
        "vulnerable_scores_only": [f"test_{name}_works" for name in functions],
        "partial_quiz": {"answers": {"q1": TODO, "q2": TODO, "q3": TODO}, "scores_only": ["test_quiz_q1"]},
    }
    if exploit:
        data["exploit"] = {"answers": {"exploit": TODO}, "scores_only": ["test_exploit"]}
        data["wrong_exploit"] = {"answers": {"exploit": TODO}}
    return json.dumps(data, indent=2) + "\n"


# --- course.toml -----------------------------------------------------------------------

def lesson_entry(number: int, title: str, topic: str, part: str, minutes: int) -> str:
    return (f'[[lesson]]\nnumber = {number}\ntopic = "{topic}"\ntitle = "{title}"\npart = "{part}"\n'
            f'minutes = {minutes}\nowasp_2021 = []\nowasp_2025 = []\ncwe = []\nexercise = true\n'
            f"# bandit test ids the cells tagged `insecure` must trigger (tests/test_bandit.py)\n"
            f"bandit_expected = []\n")


def _block_number(block: str) -> int:
    found = re.search(r"^number = (\d+)$", block, re.M)
    if found is None:
        raise ScaffoldError(f"a course.toml entry has no number: {block.splitlines()[0]}")
    return int(found[1])


def add_to_manifest(text: str, number: int, title: str, topic: str, part: str, minutes: int) -> str:
    """course.toml ``text`` with lesson ``number`` added in course order (replacing its [[planned]] entry)."""
    preamble, *blocks = re.split(r"\n(?=\[\[)", text.rstrip("\n") + "\n")
    blocks = [block.strip("\n") for block in blocks
              if not (block.startswith("[[planned]]") and re.search(rf"^number = {number}$", block, re.M))]
    lessons = [index for index, block in enumerate(blocks)
               if block.startswith("[[lesson]]") and _block_number(block) < number]
    at = lessons[-1] + 1 if lessons else 0
    blocks.insert(at, lesson_entry(number, title, topic, part, minutes).strip("\n"))
    return preamble.rstrip("\n") + "\n\n" + "\n\n".join(blocks) + "\n"


# --- putting it together ------------------------------------------------------------------

def scaffold(number: int, functions: Sequence[str], title: str | None = None, topic: str | None = None,
             part: str | None = None, minutes: int = 60, exploit: bool = True, root: Path = REPO_ROOT,
             release: bool = True) -> list[Path]:
    """Create every file of lesson ``number``; returns the paths written."""
    manifest = root / MANIFEST.name
    course = load_course(manifest)
    if any(lesson.number == number for lesson in course.lessons):
        raise ScaffoldError(f"lesson {number:02d} exists already in course.toml")
    planned = next((entry for entry in course.planned if entry.number == number), None)
    title = title or (planned.title if planned else None)
    topic = topic or (planned.topic if planned else None)
    part = part or (planned.part if planned and planned.part else "")
    if not title or not topic:
        raise ScaffoldError(f"lesson {number:02d} is not planned in course.toml: give --title and --topic")
    if not TOPIC_NAME.match(topic) or topic in course.topics:
        raise ScaffoldError(f"topic {topic!r} must be a new lower-case Python package name")
    if not functions or not all(_FUNCTION_NAME.match(name) for name in functions):
        raise ScaffoldError("name the exercise's functions, e.g. --functions get_user search_users")
    ex = exercise_id(number, topic)
    package = root / "seclab" / "topics" / topic
    planned_files: dict[Path, str] = {
        root / "notebooks" / notebook_name(number, title): _dump(lesson_notebook(number, title, topic, minutes)),
        root / "autograder" / "source" / ex / f"{ex}.ipynb":
            _dump(exercise_notebook(number, title, topic, functions, exploit)),
        root / "autograder" / "hidden" / f"{ex}.json":
            json.dumps({name: [] for name in functions}, indent=1) + "\n",
        root / "tests" / "topics" / f"test_{topic}.py": test_module(number, title, topic),
        root / "tests" / "topics" / f"{topic}.roundtrip.json": roundtrip_data(functions, exploit),
    }
    planned_files.update({package / name: text
                          for name, text in topic_files(number, title, topic, functions, exploit).items()})
    in_the_way = [path for path in planned_files if path.exists()]
    if in_the_way:
        raise ScaffoldError("these files exist already (nothing was written): "
                            + ", ".join(str(path.relative_to(root)) for path in in_the_way))
    for path, text in planned_files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    manifest.write_text(add_to_manifest(manifest.read_text(encoding="utf-8"), number, title, topic,
                                        part or "", minutes), encoding="utf-8")
    load_course.cache_clear()
    written = [*planned_files, manifest]
    if release:
        written += _release_and_navigate(root, ex)
    return written


def _release_and_navigate(root: Path, exercise: str) -> list[Path]:
    """``make release`` for the new exercise and ``make nav`` for every lesson, in ``root``."""
    environment = {"PYTHONPATH": str(root)}
    for module, args in (("seclab.release", [exercise]), ("seclab.navigation", [])):
        completed = subprocess.run([sys.executable, "-m", module, *args], cwd=root,  # nosec B603 - fixed argv
                                   env={**os.environ, **environment}, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise ScaffoldError(f"python -m {module} failed:\n{(completed.stdout + completed.stderr)[-2000:]}")
    return [root / "exercises" / exercise]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seclab.scaffold",
                                     description="Create a new lesson, its topic package and its exercise.")
    parser.add_argument("number", type=int, help="the lesson number, e.g. 05 (a [[planned]] entry)")
    parser.add_argument("--functions", nargs="+", required=True, help="the exercise's functions")
    parser.add_argument("--title", help="the lesson title (default: the planned entry's)")
    parser.add_argument("--topic", help="the topic package name (default: the planned entry's)")
    parser.add_argument("--part", help="the part of the course (default: the planned entry's)")
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--no-exploit", action="store_true", help="the exercise has no exploit challenge")
    args = parser.parse_args(argv)
    try:
        written = scaffold(args.number, args.functions, title=args.title, topic=args.topic, part=args.part,
                           minutes=args.minutes, exploit=not args.no_exploit)
    except SeclabError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"created {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")
    print(f"Now replace every {TODO} and NotImplementedError in those files; `make test` fails until you have.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
