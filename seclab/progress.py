"""How far the learner is, lesson by lesson, read from the exercises' answer files.

What counts as a signal, and why:

* **started** — ``exercises/<id>/seclab_answers.json`` exists. Every ``check(...)``,
  quiz answer and exploit record writes that file, so it appears as soon as the learner
  does anything that counts. A notebook's modification time would be a worse signal:
  a fresh clone, a ``git pull`` or an autosave changes it without any work being done.
* **quiz** — the keys ``q1``, ``q2``, … recorded in that file, counted against the quiz
  questions the exercise notebook grades (its ``test_quiz_<id>`` cells). Whether an
  answer is *right* is decided by the hidden tests at grading, so this view only ever
  says "answered 2 of 3".
* **exploit** — whether a payload is recorded under ``exploit`` (for exercises whose
  notebook has a ``test_exploit`` cell). Whether it works is, again, decided at grading.
* **checks** — ``check()`` records ``check:<exercise>.<function>`` → true/false; the
  functions of an exercise are the ``function`` of the parts in its spec. A pass means
  the *public* checks passed the last time ``check`` ran, not that hidden tests will.

``collect_progress`` is a pure function of the manifest and the files; the widget
``progress_view`` only renders it and re-reads on "Refresh".
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seclab.answers import ANSWERS_FILE, AnswersFileError, load_answers
from seclab.course import REPO_ROOT, Course, load_course
from seclab.notebooks import NotebookError, grade_id, read_cells

DEFAULT_EXERCISES_DIR = REPO_ROOT / "exercises"

_QUIZ_KEY = re.compile(r"q\d+")
_QUIZ_CELL = "test_quiz_"
_EXPLOIT_CELL = "test_exploit"
EXPLOIT_KEY = "exploit"


@dataclass(frozen=True)
class FunctionCheck:
    """The last ``check()`` verdict for one function: True, False, or None (never run)."""

    function: str
    passed: bool | None


@dataclass(frozen=True)
class LessonProgress:
    """Where the learner stands in one lesson (or a planned one, ``planned=True``).

    ``quiz_total`` and ``exploit_recorded`` are None when the exercise notebook is not
    there to say how many questions it grades or whether it has an exploit challenge.
    ``problem`` explains anything that kept the numbers from being read.
    """

    number: int
    title: str
    notebook: str | None = None
    exercise: str | None = None
    planned: bool = False
    started: bool = False
    quiz_answered: tuple[str, ...] = ()
    quiz_total: int | None = None
    exploit_recorded: bool | None = None
    checks: tuple[FunctionCheck, ...] = ()
    problem: str | None = None

    @property
    def checks_passed(self) -> int:
        """How many functions passed their public checks the last time they were checked."""
        return sum(check.passed is True for check in self.checks)

    @property
    def status(self) -> str:
        """One word or phrase for the table: coming soon, no exercise, not started, …"""
        if self.planned:
            return "coming soon"
        if self.exercise is None:
            return "no exercise"
        if not self.started:
            return "not started"
        quiz_done = self.quiz_total is not None and len(self.quiz_answered) >= self.quiz_total
        exploit_done = self.exploit_recorded is not False
        if self.checks and self.checks_passed == len(self.checks) and quiz_done and exploit_done:
            return "ready to submit"
        return "in progress"


def _quiz_sort_key(key: str) -> int:
    return int(key[1:])


def _exercise_shape(notebook: Path) -> tuple[int | None, bool | None, str | None]:
    """(number of graded quiz questions, has an exploit challenge, problem) of a notebook."""
    try:
        ids = [grade_id(cell) for cell in read_cells(notebook)]
    except NotebookError as error:
        return None, None, str(error)
    quiz_total = len({gid for gid in ids if gid.startswith(_QUIZ_CELL)})
    has_exploit = any(gid.startswith(_EXPLOIT_CELL) for gid in ids)
    return quiz_total, has_exploit, None


def _exercise_functions(exercise: str) -> tuple[list[str], str | None]:
    from seclab.spec import load_spec

    try:
        spec = load_spec(exercise)
    except KeyError as error:
        return [], str(error.args[0])
    return list(dict.fromkeys(part.function for part in spec.PARTS.values())), None


def _exercise_progress(number: int, title: str, notebook: str, exercise: str,
                       exercises_dir: Path) -> LessonProgress:
    folder = exercises_dir / exercise
    problems: list[str] = []
    quiz_total, has_exploit, problem = _exercise_shape(folder / f"{exercise}.ipynb")
    if problem:
        problems.append(problem)
    functions, problem = _exercise_functions(exercise)
    if problem:
        problems.append(problem)
    started = (folder / ANSWERS_FILE).is_file()
    answers: dict[str, Any] = {}
    if started:
        try:
            answers = load_answers(folder)
        except AnswersFileError as error:
            problems.append(str(error))
    answered = tuple(sorted((key for key, value in answers.items()
                             if _QUIZ_KEY.fullmatch(key) and value not in (None, "")),
                            key=_quiz_sort_key))
    exploit_recorded = None if not has_exploit else answers.get(EXPLOIT_KEY) not in (None, "")
    checks = []
    for function in functions:
        verdict = answers.get(f"check:{exercise}.{function}")
        checks.append(FunctionCheck(function, verdict if isinstance(verdict, bool) else None))
    return LessonProgress(
        number=number, title=title, notebook=notebook, exercise=exercise, started=started,
        quiz_answered=answered, quiz_total=quiz_total, exploit_recorded=exploit_recorded,
        checks=tuple(checks), problem="; ".join(problems) or None,
    )


def collect_progress(course: Course, exercises_dir: str | Path) -> list[LessonProgress]:
    """Progress in every lesson of ``course``, planned ones included, in course order.

    Reads ``<exercises_dir>/<exercise>/seclab_answers.json`` and the exercise notebook
    next to it; never writes anything and never raises for a missing or damaged file
    (that is reported in ``problem``).
    """
    folder = Path(exercises_dir)
    progress = []
    for lesson in course.lessons:
        if lesson.exercise is None:
            progress.append(LessonProgress(lesson.number, lesson.title, notebook=lesson.notebook))
        else:
            progress.append(_exercise_progress(lesson.number, lesson.title, lesson.notebook,
                                               lesson.exercise, folder))
    progress.extend(LessonProgress(planned.number, planned.title, planned=True)
                    for planned in course.planned)
    return sorted(progress, key=lambda entry: entry.number)


def _quiz_cell(entry: LessonProgress) -> str:
    if entry.exercise is None:
        return ""
    answered = len(entry.quiz_answered)
    if entry.quiz_total is None:
        return f"answered {answered}"
    if entry.quiz_total == 0:
        return "no quiz"
    return f"answered {answered} of {entry.quiz_total}"


def _exploit_cell(entry: LessonProgress) -> str:
    return {None: "", True: "recorded", False: "not recorded"}[entry.exploit_recorded]


def _checks_cell(entry: LessonProgress) -> str:
    marks = {True: ("✓", "green", "passed"), False: ("✗", "#b00", "failed"),
             None: ("·", "#777", "not checked yet")}
    parts = []
    for check in entry.checks:
        mark, colour, meaning = marks[check.passed]
        parts.append(f'<span style="color:{colour}" title="{meaning}">{mark} '
                     f"<code>{html.escape(check.function)}</code></span>")
    return " ".join(parts)


def render_progress_html(progress: Sequence[LessonProgress], notebooks_link: str = "",
                         exercises_link: str = "../exercises/") -> str:
    """An HTML table of ``progress``, linking each lesson and its exercise notebook.

    Lesson titles link to ``notebooks_link`` + the notebook's file name, exercises to
    ``exercises_link`` + ``<id>/<id>.ipynb``. The defaults suit a notebook in
    ``notebooks/`` showing the table.
    """
    rows = []
    for entry in progress:
        title = html.escape(entry.title)
        if entry.notebook:
            href = html.escape(notebooks_link + Path(entry.notebook).name, quote=True)
            title = f'<a href="{href}">{title}</a>'
        if entry.exercise:
            href = html.escape(f"{exercises_link}{entry.exercise}/{entry.exercise}.ipynb", quote=True)
            title += f' · <a href="{href}">exercise</a>'
        style = ' style="color:#777"' if entry.planned else ""
        problem = (f'<br><small style="color:#b00">{html.escape(entry.problem)}</small>'
                   if entry.problem else "")
        rows.append(
            f"<tr{style}>"
            f"<td>{entry.number:02d}</td><td>{title}</td>"
            f"<td>{html.escape(entry.status)}{problem}</td>"
            f"<td>{html.escape(_quiz_cell(entry))}</td>"
            f"<td>{html.escape(_exploit_cell(entry))}</td>"
            f"<td>{_checks_cell(entry)}</td>"
            "</tr>"
        )
    available = sum(not entry.planned for entry in progress)
    return (
        '<table class="seclab-progress">'
        f"<caption>Your progress: {available} lesson{'s' if available != 1 else ''} available, "
        f"{len(progress) - available} coming soon</caption>"
        "<thead><tr><th>#</th><th>lesson</th><th>status</th><th>quiz</th><th>exploit</th>"
        "<th>check() results</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        "<p><small>✓ passed · ✗ failed · · not checked yet — public checks only, as of the "
        "last <code>check(...)</code>; quiz answers and exploits are judged at grading."
        "</small></p>"
    )


def progress_view(exercises_dir: str | Path | None = None, course: Course | None = None) -> Any:
    """A widget showing the progress table, with a "Refresh" button that re-reads the files."""
    import ipywidgets as widgets

    folder = DEFAULT_EXERCISES_DIR if exercises_dir is None else Path(exercises_dir)
    table = widgets.HTML()
    button = widgets.Button(description="Refresh", icon="refresh",
                            tooltip="Read the answer files again")

    def refresh(_button: Any = None) -> None:
        table.value = render_progress_html(
            collect_progress(course if course is not None else load_course(), folder))

    button.on_click(refresh)
    refresh()
    return widgets.VBox([button, table])
