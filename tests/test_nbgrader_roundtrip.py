"""The real nbgrader CLI grades every exercise end to end, a few exercises per course.

Per exercise (select one with ``-k 03_injection``), tests/topics/<topic>.roundtrip.json
says which submissions to make beyond the instructor solution and the released notebook:
a vulnerable solution, a partly right quiz and a working exploit (one submission), a
failing exploit (recorded in the untouched release, which must still score zero), and
which test cells each should score on. The exercises are graded in batches of
``BATCH_SIZE``: each batch is one temporary course in which every exercise is released
(`generate_assignment "*"`), graded (`autograde "*"`) and given feedback
(`generate_feedback "*"`) — nbgrader's start-up (about 5 s a command here) is paid once
per batch, not per exercise — and tests/conftest.py hands each batch to an xdist worker
of its own choosing, so batches run side by side. `export` runs once.
"""

import html
import json
from pathlib import Path

import pytest
from support import (
    SOURCE,
    load_notebook,
    points_per_test_cell,
    read_grades_csv,
    roundtrip_batches,
    roundtrip_data,
    save_notebook,
    solution_sources,
    with_cells_replaced,
)

from seclab import grading
from seclab.answers import ANSWERS_FILE
from seclab.course import load_course
from seclab.release import make_course_copy, run_nbgrader
from seclab.spec import load_spec

pytestmark = pytest.mark.grading

EXERCISES = list(load_course().exercises)
BATCHES = roundtrip_batches()
BATCH_OF = {exercise: number for number, batch in enumerate(BATCHES) for exercise in batch}


def instructor(exercise: str) -> Path:
    return SOURCE / exercise / f"{exercise}.ipynb"


def submissions(exercise: str, released: dict) -> dict[str, tuple[dict, dict | None]]:
    """student id -> (notebook, recorded answers or None)."""
    data = roundtrip_data(exercise)
    answers = dict(data["partial_quiz"]["answers"])
    if "exploit" in data:
        answers.update(data["exploit"]["answers"])
    found = {
        "solution": (with_cells_replaced(released, solution_sources(instructor(exercise))), None),
        "untouched": (released, data["wrong_exploit"]["answers"] if "wrong_exploit" in data else None),
        "vulnerable": (with_cells_replaced(released, data["vulnerable_solution"]), None),
        "answers_only": (released, answers),
    }
    for student, submission in data.get("more_submissions", {}).items():
        found[student] = (with_cells_replaced(released, submission["cells"]), None)
    return found


def grade_batch(root: Path, exercises: list[str]) -> Path:
    """One course in ``root`` in which ``exercises`` are released, submitted, graded and given feedback."""
    make_course_copy(root, exercises)
    every = "*" if len(exercises) > 1 else exercises[0]
    run_nbgrader(["generate_assignment", every, "--create", "--force"], root)
    for exercise in exercises:
        released = load_notebook(root / "release" / exercise / f"{exercise}.ipynb")
        for student, (notebook, recorded) in submissions(exercise, released).items():
            folder = root / "submitted" / student / exercise
            save_notebook(notebook, folder / f"{exercise}.ipynb")
            if recorded is not None:
                (folder / ANSWERS_FILE).write_text(json.dumps(recorded))
    run_nbgrader(["autograde", every, "--create"], root)
    run_nbgrader(["generate_feedback", every], root)
    return root


@pytest.fixture(scope="session")
def graded_batches(tmp_path_factory):
    """batch number -> its graded course root, built when the batch's first exercise needs it."""
    return {}


@pytest.fixture(scope="module", params=EXERCISES)
def graded(request, graded_batches, tmp_path_factory):
    """(course root, exercise): the graded course of the exercise's batch."""
    exercise = request.param
    number = BATCH_OF[exercise]
    if number not in graded_batches:
        # with `-k` only the selected exercises of the batch are graded
        wanted = [ex for ex in BATCHES[number] if ex in selected_exercises(request.session)]
        graded_batches[number] = grade_batch(tmp_path_factory.mktemp(f"course-batch{number}"), wanted)
    root = graded_batches[number]
    if not (root / "autograded" / "solution" / exercise).is_dir():
        pytest.fail(f"{exercise} was not graded in its batch course {root}")
    return root, exercise


def selected_exercises(session: pytest.Session) -> set[str]:
    """The exercises whose round-trip tests were collected and selected in this session."""
    return {item.callspec.params["graded"] for item in session.items
            if hasattr(item, "callspec") and "graded" in item.callspec.params}


def cell_scores(course: Path, exercise: str, student: str) -> dict[str, float]:
    """Every graded cell's score for ``student``, read from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(exercise, exercise, student)
        return {grade.name: grade.score for grade in notebook.grades}


def scoring_cells(course: Path, exercise: str, student: str) -> dict[str, float]:
    return {cell: score for cell, score in cell_scores(course, exercise, student).items() if score}


def expected(exercise: str, cells) -> dict[str, float]:
    points = points_per_test_cell(instructor(exercise))
    return {cell: points[cell] for cell in cells}


def test_released_notebook_has_no_solutions_or_hidden_tests(graded):
    course, exercise = graded
    text = (course / "release" / exercise / f"{exercise}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert "require_answer" not in text and "require_exploit" not in text
    assert not (course / "release" / exercise / ANSWERS_FILE).exists()


def test_instructor_solution_scores_full_marks(graded):
    course, exercise = graded
    points = points_per_test_cell(instructor(exercise))
    assert cell_scores(course, exercise, "solution") == points


def test_released_exercise_scores_zero_even_with_a_failing_exploit_recorded(graded):
    """Zero, except for an exercise that hands out a working program to repair (the capstone): its
    released notebook earns exactly the works cells its round-trip data names, and nothing else."""
    course, exercise = graded
    released = roundtrip_data(exercise).get("released_scores_only", [])
    assert scoring_cells(course, exercise, "untouched") == expected(exercise, released)


def test_vulnerable_solution_loses_exactly_the_attack_points(graded):
    course, exercise = graded
    data = roundtrip_data(exercise)
    assert scoring_cells(course, exercise, "vulnerable") == expected(exercise, data["vulnerable_scores_only"])


def test_recorded_quiz_answers_and_exploit_earn_exactly_their_points(graded):
    course, exercise = graded
    data = roundtrip_data(exercise)
    cells = list(data["partial_quiz"]["scores_only"]) + list(data.get("exploit", {}).get("scores_only", []))
    cells += data.get("released_scores_only", [])
    assert scoring_cells(course, exercise, "answers_only") == expected(exercise, cells)


def test_more_submissions_score_exactly_their_cells(graded):
    """Extra submissions of the round-trip data (the capstone's fix that breaks a feature) score exactly their cells."""
    course, exercise = graded
    for student, submission in roundtrip_data(exercise).get("more_submissions", {}).items():
        assert scoring_cells(course, exercise, student) == expected(exercise, submission["scores_only"]), student


@pytest.mark.parametrize("graded", [ex for ex in EXERCISES if hasattr(load_spec(ex), "grading_note")], indirect=True)
def test_feedback_says_how_many_flaws_are_fixed(graded):
    """An exercise whose spec adds a grading note (the capstone's "N of M flaws fixed") shows it in the feedback."""
    course, exercise = graded
    data = roundtrip_data(exercise)
    flaw_cells = [cell for cell in points_per_test_cell(instructor(exercise)) if "flaw" in cell]
    fixed_when_vulnerable = len([cell for cell in data["vulnerable_scores_only"] if cell in flaw_cells])
    for student, fixed in (("solution", len(flaw_cells)), ("untouched", 0), ("vulnerable", fixed_when_vulnerable)):
        page = feedback_html(course, exercise, student)
        assert f"{fixed} of {len(flaw_cells)} flaws fixed." in page, student


def feedback_html(course: Path, exercise: str, student: str) -> str:
    return html.unescape((course / "feedback" / student / exercise / f"{exercise}.html").read_text())


@pytest.mark.parametrize("student", ["solution", "untouched", "vulnerable", "answers_only"])
def test_feedback_hides_hidden_tests_and_payloads(graded, student):
    course, exercise = graded
    page = feedback_html(course, exercise, student)
    assert "BEGIN HIDDEN TESTS" not in page and "hidden tests ran here" in page
    for needle in ("grading.require", "require_answer", "require_exploit", "seclab/grading"):
        assert needle not in page, needle
    for payloads in grading.hidden_corpus(exercise).values():
        for payload in payloads:
            if len(str(payload)) >= 6:
                assert str(payload) not in page, payload


def test_feedback_names_what_failed_with_a_hint(graded):
    course, exercise = graded
    page = feedback_html(course, exercise, "vulnerable")
    assert "GradingFailure" in page and "Hint:" in page
    assert "raise GradingFailure" not in page and "site-packages" not in page


@pytest.mark.parametrize("graded", EXERCISES[:1], indirect=True)  # once is enough
def test_export_writes_every_students_total(graded):
    course, exercise = graded
    run_nbgrader(["export", "--to", "grades.csv"], course)
    totals = read_grades_csv(course / "grades.csv", exercise)
    points = points_per_test_cell(instructor(exercise))
    assert totals["solution"] == sum(points.values()) and totals["untouched"] == 0
    assert totals["vulnerable"] == sum(expected(exercise, roundtrip_data(exercise)["vulnerable_scores_only"]).values())
