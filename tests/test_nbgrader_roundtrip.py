"""The real nbgrader CLI grades every exercise end to end on a temporary copy of the course.

Per exercise, tests/topics/<topic>.roundtrip.json says which submissions to make beyond the
instructor solution and the untouched release: a vulnerable solution, a partly right
quiz, a working and a failing exploit, and which test cells each should score on.
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
    roundtrip_data,
    save_notebook,
    solution_sources,
    with_cells_replaced,
)

from seclab import grading
from seclab.answers import ANSWERS_FILE
from seclab.course import load_course
from seclab.release import make_course_copy, run_nbgrader

pytestmark = pytest.mark.grading

EXERCISES = list(load_course().exercises)


def instructor(exercise: str) -> Path:
    return SOURCE / exercise / f"{exercise}.ipynb"


def submissions(exercise: str, released: dict) -> dict[str, tuple[dict, dict | None]]:
    """student id -> (notebook, recorded answers or None)."""
    data = roundtrip_data(exercise)
    made = {
        "solution": (with_cells_replaced(released, solution_sources(instructor(exercise))), None),
        "untouched": (released, None),
        "vulnerable": (with_cells_replaced(released, data["vulnerable_solution"]), None),
    }
    for student in ("partial_quiz", "exploit", "wrong_exploit"):
        if student in data:
            made[student] = (released, data[student]["answers"])
    return made


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """One course copy in which every exercise is released, submitted, graded and exported."""
    root = make_course_copy(tmp_path_factory.mktemp("course"), EXERCISES)
    for exercise in EXERCISES:
        run_nbgrader(["generate_assignment", exercise, "--create", "--force"], root)
        released = load_notebook(root / "release" / exercise / f"{exercise}.ipynb")
        for student, (notebook, recorded) in submissions(exercise, released).items():
            folder = root / "submitted" / student / exercise
            save_notebook(notebook, folder / f"{exercise}.ipynb")
            if recorded is not None:
                (folder / ANSWERS_FILE).write_text(json.dumps(recorded))
        run_nbgrader(["autograde", exercise, "--create"], root)
        run_nbgrader(["generate_feedback", exercise], root)
    run_nbgrader(["export", "--to", "grades.csv"], root)
    return root


def grades(course: Path, exercise: str) -> dict[str, float]:
    return read_grades_csv(course / "grades.csv", exercise)


def scoring_cells(course: Path, exercise: str, student: str) -> dict[str, float]:
    """Test cells with a non-zero score for ``student``."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(exercise, exercise, student)
        return {grade.name: grade.score for grade in notebook.grades if grade.score}


@pytest.mark.parametrize("exercise", EXERCISES)
def test_released_notebook_has_no_solutions_or_hidden_tests(course, exercise):
    text = (course / "release" / exercise / f"{exercise}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert "require_answer" not in text and "require_exploit" not in text
    assert not (course / "release" / exercise / ANSWERS_FILE).exists()


@pytest.mark.parametrize("exercise", EXERCISES)
def test_instructor_solution_scores_full_marks(course, exercise):
    assert grades(course, exercise)["solution"] == sum(points_per_test_cell(instructor(exercise)).values())


@pytest.mark.parametrize("exercise", EXERCISES)
def test_released_exercise_scores_zero(course, exercise):
    assert grades(course, exercise)["untouched"] == 0


@pytest.mark.parametrize("exercise", EXERCISES)
def test_vulnerable_solution_loses_exactly_the_attack_points(course, exercise):
    points = points_per_test_cell(instructor(exercise))
    expected_cells = set(roundtrip_data(exercise)["vulnerable_scores_only"])
    assert scoring_cells(course, exercise, "vulnerable") == {cell: points[cell] for cell in expected_cells}
    assert grades(course, exercise)["vulnerable"] == sum(points[cell] for cell in expected_cells)


@pytest.mark.parametrize("exercise", EXERCISES)
def test_recorded_quiz_answers_earn_exactly_their_points(course, exercise):
    points = points_per_test_cell(instructor(exercise))
    expected_cells = set(roundtrip_data(exercise)["partial_quiz"]["scores_only"])
    assert scoring_cells(course, exercise, "partial_quiz") == {cell: points[cell] for cell in expected_cells}


@pytest.mark.parametrize("exercise", EXERCISES)
def test_working_exploit_earns_challenge_points_and_a_failing_one_none(course, exercise):
    points = points_per_test_cell(instructor(exercise))
    expected_cells = set(roundtrip_data(exercise)["exploit"]["scores_only"])
    assert scoring_cells(course, exercise, "exploit") == {cell: points[cell] for cell in expected_cells}
    assert grades(course, exercise)["wrong_exploit"] == 0


def feedback_html(course: Path, exercise: str, student: str) -> str:
    return html.unescape((course / "feedback" / student / exercise / f"{exercise}.html").read_text())


@pytest.mark.parametrize("exercise", EXERCISES)
@pytest.mark.parametrize("student", ["solution", "untouched", "vulnerable", "partial_quiz", "wrong_exploit"])
def test_feedback_hides_hidden_tests_and_payloads(course, exercise, student):
    page = feedback_html(course, exercise, student)
    assert "BEGIN HIDDEN TESTS" not in page and "hidden tests ran here" in page
    for needle in ("grading.require", "require_answer", "require_exploit", "seclab/grading"):
        assert needle not in page, needle
    for payloads in grading.hidden_corpus(exercise).values():
        for payload in payloads:
            if len(str(payload)) >= 6:
                assert str(payload) not in page, payload


@pytest.mark.parametrize("exercise", EXERCISES)
def test_feedback_names_what_failed_with_a_hint(course, exercise):
    page = feedback_html(course, exercise, "vulnerable")
    assert "GradingFailure" in page and "Hint:" in page
    assert "raise GradingFailure" not in page and "site-packages" not in page
