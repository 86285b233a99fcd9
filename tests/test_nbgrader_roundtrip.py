"""The real nbgrader CLI grades 03_injection end to end on a temporary copy of the course."""

import html
import json
from pathlib import Path

import pytest
from support import (
    SOURCE,
    VULNERABLE_INJECTION_SOLUTION,
    load_notebook,
    points_per_test_cell,
    read_grades_csv,
    save_notebook,
    solution_sources,
    with_cells_replaced,
)

from seclab import grading
from seclab.answers import ANSWERS_FILE
from seclab.release import make_course_copy, run_nbgrader

pytestmark = pytest.mark.grading

EXERCISE = "03_injection"
INSTRUCTOR = SOURCE / EXERCISE / f"{EXERCISE}.ipynb"
POINTS = points_per_test_cell(INSTRUCTOR)
INJECTION_CELLS = {cell for cell in POINTS if cell.endswith("_injection")}
WORKS_CELLS = {cell for cell in POINTS if cell.endswith("_works")}


def submissions(released: dict) -> dict[str, tuple[dict, dict | None]]:
    """student id -> (notebook, recorded answers or None)."""
    return {
        "solution": (with_cells_replaced(released, solution_sources(INSTRUCTOR)), None),
        "untouched": (released, None),
        "vulnerable": (with_cells_replaced(released, VULNERABLE_INJECTION_SOLUTION), None),
        "quiz": (released, {"q1": "c", "q2": "b", "q3": "b"}),
        "exploit": (released, {"exploit": "admin' --"}),
        "wrong_exploit": (released, {"exploit": "admin"}),
    }


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    course = make_course_copy(tmp_path_factory.mktemp("course"), [EXERCISE])
    run_nbgrader(["generate_assignment", EXERCISE, "--create", "--force"], course)
    released = load_notebook(course / "release" / EXERCISE / f"{EXERCISE}.ipynb")
    for student, (notebook, recorded) in submissions(released).items():
        folder = course / "submitted" / student / EXERCISE
        save_notebook(notebook, folder / f"{EXERCISE}.ipynb")
        if recorded is not None:
            (folder / ANSWERS_FILE).write_text(json.dumps(recorded))
    run_nbgrader(["autograde", EXERCISE, "--create"], course)
    run_nbgrader(["generate_feedback", EXERCISE], course)
    run_nbgrader(["export", "--to", "grades.csv"], course)
    return course


def cell_scores(course: Path, student: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(EXERCISE, EXERCISE, student)
        return {grade.name: grade.score for grade in notebook.grades}


def test_released_notebook_has_no_solutions_or_hidden_tests(graded_course):
    text = (graded_course / "release" / EXERCISE / f"{EXERCISE}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert "admin' --" not in text and "require_answer" not in text
    assert not (graded_course / "release" / EXERCISE / ANSWERS_FILE).exists()


def test_instructor_solution_scores_full_marks(graded_course):
    grades = read_grades_csv(graded_course / "grades.csv")
    assert grades["solution"] == sum(POINTS.values())


def test_released_exercise_scores_zero(graded_course):
    assert read_grades_csv(graded_course / "grades.csv")["untouched"] == 0


def test_vulnerable_solution_loses_exactly_the_injection_points(graded_course):
    scores = cell_scores(graded_course, "vulnerable")
    assert {cell for cell, score in scores.items() if score > 0} == WORKS_CELLS
    assert all(scores[cell] == POINTS[cell] for cell in WORKS_CELLS)
    expected = sum(POINTS[cell] for cell in WORKS_CELLS)
    assert read_grades_csv(graded_course / "grades.csv")["vulnerable"] == expected


def test_recorded_quiz_answers_earn_quiz_points(graded_course):
    scores = cell_scores(graded_course, "quiz")
    assert {cell for cell, score in scores.items() if score > 0} == {"test_quiz_q1", "test_quiz_q2"}
    expected = POINTS["test_quiz_q1"] + POINTS["test_quiz_q2"]
    assert read_grades_csv(graded_course / "grades.csv")["quiz"] == expected


def test_working_exploit_earns_challenge_points(graded_course):
    grades = read_grades_csv(graded_course / "grades.csv")
    assert grades["exploit"] == POINTS["test_exploit"]
    assert grades["wrong_exploit"] == 0


def feedback_html(course: Path, student: str) -> str:
    return (course / "feedback" / student / EXERCISE / f"{EXERCISE}.html").read_text()


@pytest.mark.parametrize("student", ["solution", "untouched", "vulnerable", "quiz", "wrong_exploit"])
def test_feedback_hides_hidden_tests_and_payloads(graded_course, student):
    page = feedback_html(graded_course, student)
    unescaped = html.unescape(page)
    assert "BEGIN HIDDEN TESTS" not in unescaped and "hidden tests ran here" in unescaped
    for needle in ("grading.require", "require_answer", "require_exploit", "seclab/grading"):
        assert needle not in unescaped, needle
    for payloads in grading.hidden_corpus(EXERCISE).values():
        for payload in payloads:
            if len(payload) >= 6:
                assert payload not in unescaped, payload


def test_feedback_names_what_failed_with_a_hint(graded_course):
    page = html.unescape(feedback_html(graded_course, "vulnerable"))
    assert "GradingFailure" in page and "Hint: Never build SQL text" in page
    assert "raise GradingFailure" not in page and "site-packages" not in page
