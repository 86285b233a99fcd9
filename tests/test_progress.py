"""The progress view reads the exercises' answer files and reports them honestly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seclab.course import Course, Lesson, PlannedLesson, load_course
from seclab.progress import (
    FunctionCheck,
    LessonProgress,
    collect_progress,
    progress_view,
    render_progress_html,
)

INJECTION_FUNCTIONS = ["get_user", "search_users", "ping_command", "render_greeting"]

COURSE = Course(
    title="Test course",
    lessons=(
        Lesson(0, "Start Here", "Foundations", 30, topic="start_here"),
        Lesson(3, "Injection", "OWASP Top 10", 75, topic="injection", has_exercise=True),
    ),
    planned=(PlannedLesson(1, "Broken Access Control"), PlannedLesson(10, "SSRF")),
)


def _cell(grade_id: str) -> dict[str, object]:
    return {"cell_type": "code", "source": "", "metadata": {"nbgrader": {"grade_id": grade_id}},
            "outputs": [], "execution_count": None}


def write_exercise(exercises: Path, answers: object | None = None, raw: str | None = None,
                   quiz: int = 3, exploit: bool = True) -> Path:
    """An exercise folder with a notebook shaped like a released one and an answers file."""
    folder = exercises / "03_injection"
    folder.mkdir(parents=True)
    cells = [_cell("setup"), _cell("impl_get_user")]
    cells += [_cell(f"test_quiz_q{n}") for n in range(1, quiz + 1)]
    cells += [_cell("test_exploit")] if exploit else []
    (folder / "03_injection.ipynb").write_text(json.dumps({"cells": cells, "metadata": {},
                                                           "nbformat": 4, "nbformat_minor": 5}))
    if raw is not None:
        (folder / "seclab_answers.json").write_text(raw)
    elif answers is not None:
        (folder / "seclab_answers.json").write_text(json.dumps(answers))
    return folder


def injection_entry(progress: list[LessonProgress]) -> LessonProgress:
    return next(entry for entry in progress if entry.exercise == "03_injection")


def test_lessons_and_planned_come_back_in_course_order(tmp_path: Path) -> None:
    progress = collect_progress(COURSE, tmp_path)
    assert [(entry.number, entry.planned) for entry in progress] == [
        (0, False), (1, True), (3, False), (10, True)]
    assert [entry.status for entry in progress] == [
        "no exercise", "coming soon", "not started", "coming soon"]


def test_untouched_exercise_is_not_started(tmp_path: Path) -> None:
    write_exercise(tmp_path)
    entry = injection_entry(collect_progress(COURSE, tmp_path))
    assert entry.started is False
    assert entry.quiz_answered == ()
    assert entry.quiz_total == 3
    assert entry.exploit_recorded is False
    assert entry.checks == tuple(FunctionCheck(name, None) for name in INJECTION_FUNCTIONS)
    assert entry.problem is None


def test_partial_answers_are_counted_not_judged(tmp_path: Path) -> None:
    write_exercise(tmp_path, {"q3": "a", "q1": "b", "note": "x",
                              "check:03_injection.get_user": True,
                              "check:03_injection.ping_command": False})
    entry = injection_entry(collect_progress(COURSE, tmp_path))
    assert entry.started is True
    assert entry.quiz_answered == ("q1", "q3")
    assert entry.exploit_recorded is False
    assert dict((c.function, c.passed) for c in entry.checks) == {
        "get_user": True, "search_users": None, "ping_command": False, "render_greeting": None}
    assert entry.checks_passed == 1
    assert entry.status == "in progress"


def test_everything_done_reads_ready_to_submit(tmp_path: Path) -> None:
    answers = {f"check:03_injection.{name}": True for name in INJECTION_FUNCTIONS}
    answers.update(q1="c", q2="b", q3="a", exploit="admin' --")
    write_exercise(tmp_path, answers)
    entry = injection_entry(collect_progress(COURSE, tmp_path))
    assert (len(entry.quiz_answered), entry.quiz_total) == (3, 3)
    assert entry.exploit_recorded is True
    assert entry.checks_passed == 4
    assert entry.status == "ready to submit"


def test_one_failing_check_is_not_ready(tmp_path: Path) -> None:
    answers = {f"check:03_injection.{name}": True for name in INJECTION_FUNCTIONS}
    answers.update({"check:03_injection.render_greeting": False, "q1": "c", "q2": "b",
                    "q3": "a", "exploit": "x"})
    write_exercise(tmp_path, answers)
    assert injection_entry(collect_progress(COURSE, tmp_path)).status == "in progress"


def test_exercise_without_exploit_challenge_reports_none(tmp_path: Path) -> None:
    write_exercise(tmp_path, {"q1": "a"}, quiz=2, exploit=False)
    entry = injection_entry(collect_progress(COURSE, tmp_path))
    assert entry.exploit_recorded is None
    assert entry.quiz_total == 2


def test_damaged_answers_file_is_reported_not_raised(tmp_path: Path) -> None:
    write_exercise(tmp_path, raw="{not json")
    entry = injection_entry(collect_progress(COURSE, tmp_path))
    assert entry.started is True
    assert entry.problem is not None and "not valid JSON" in entry.problem
    assert entry.quiz_answered == ()


def test_missing_exercise_notebook_leaves_totals_unknown(tmp_path: Path) -> None:
    entry = injection_entry(collect_progress(COURSE, tmp_path))
    assert entry.quiz_total is None
    assert entry.exploit_recorded is None
    assert entry.problem is not None and "no such notebook" in entry.problem


def test_html_says_answered_n_of_m_and_marks_checks(tmp_path: Path) -> None:
    write_exercise(tmp_path, {"q1": "b", "q2": "c", "check:03_injection.get_user": True,
                              "check:03_injection.search_users": False})
    page = render_progress_html(collect_progress(COURSE, tmp_path))
    assert "answered 2 of 3" in page
    assert '<a href="03_Injection.ipynb">Injection</a>' in page
    assert '<a href="../exercises/03_injection/03_injection.ipynb">exercise</a>' in page
    assert '✓ <code>get_user</code>' in page
    assert '✗ <code>search_users</code>' in page
    assert '· <code>ping_command</code>' in page
    assert page.count("coming soon") == 3  # two rows and the caption
    assert "2 lessons available, 2 coming soon" in page


def test_html_escapes_titles_and_problems() -> None:
    entry = LessonProgress(5, "<script>alert(1)</script>", exercise="x", started=True,
                           problem="<b>bad</b>")
    page = render_progress_html([entry])
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;bad&lt;/b&gt;" in page


def test_real_manifest_lists_every_lesson_and_planned_entry(tmp_path: Path) -> None:
    course = load_course()
    progress = collect_progress(course, tmp_path)
    assert len(progress) == len(course.lessons) + len(course.planned)
    assert [entry.number for entry in progress] == sorted(entry.number for entry in progress)


def test_widget_refresh_rereads_the_files(tmp_path: Path) -> None:
    pytest.importorskip("ipywidgets")
    folder = write_exercise(tmp_path)
    view = progress_view(tmp_path, COURSE)
    button, table = view.children
    assert "answered 0 of 3" in table.value
    (folder / "seclab_answers.json").write_text(json.dumps({"q1": "a", "q2": "b"}))
    assert "answered 0 of 3" in table.value  # nothing changes until Refresh
    button.click()
    assert "answered 2 of 3" in table.value
