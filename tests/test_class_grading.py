"""Class grading: same grades as nbgrader for honest work, no gain from cheating, resumable."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import (
    SOURCE,
    load_notebook,
    read_grades_csv,
    roundtrip_data,
    save_notebook,
    solution_sources,
    with_cells_replaced,
)

from seclab.answers import ANSWERS_FILE
from seclab.grading.classroom import grade_class, tree_digest
from seclab.release import make_course_copy, run_nbgrader

pytestmark = pytest.mark.grading

EXERCISE = "03_injection"
NOTEBOOK = f"{EXERCISE}.ipynb"
DATA = roundtrip_data(EXERCISE)
INSTRUCTOR = SOURCE / EXERCISE / NOTEBOOK


def new_course(root: Path) -> tuple[Path, dict]:
    make_course_copy(root, [EXERCISE])
    run_nbgrader(["generate_assignment", EXERCISE, "--create", "--force"], root)
    return root, load_notebook(root / "release" / EXERCISE / NOTEBOOK)


def submit(root: Path, student: str, notebook: dict | str, answers: dict | None = None) -> Path:
    folder = root / "submitted" / student / EXERCISE
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(notebook, str):
        (folder / NOTEBOOK).write_text(notebook)
    else:
        save_notebook(notebook, folder / NOTEBOOK)
    if answers is not None:
        (folder / ANSWERS_FILE).write_text(json.dumps(answers))
    return folder


def honest_submissions(released: dict) -> dict:
    return {
        "solution": (with_cells_replaced(released, solution_sources(INSTRUCTOR)), None),
        "untouched": (released, None),
        "vulnerable": (with_cells_replaced(released, DATA["vulnerable_solution"]), None),
        "partial_quiz": (released, DATA["partial_quiz"]["answers"]),
        "exploit": (released, DATA["exploit"]["answers"]),
    }


def cell_scores(root: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        assignment = gradebook.find_assignment(EXERCISE)
        return {submission.student_id: {grade.name: grade.score for grade in submission.notebooks[0].grades}
                for submission in assignment.submissions}


def test_class_grades_equal_serial_nbgrader_autograde(tmp_path):
    serial, released = new_course(tmp_path / "serial")
    parallel, _ = new_course(tmp_path / "parallel")
    for student, (notebook, answers) in honest_submissions(released).items():
        submit(serial, student, notebook, answers)
        submit(parallel, student, notebook, answers)
    run_nbgrader(["autograde", EXERCISE], serial)
    outcomes = grade_class(parallel, EXERCISE, workers=2)
    assert {o.student for o in outcomes} == set(honest_submissions(released))
    assert cell_scores(parallel) == cell_scores(serial)
    assert read_grades_csv(parallel / "grades.csv", EXERCISE)["solution"] == 17
    for student in honest_submissions(released):
        assert (parallel / "autograded" / student / EXERCISE / NOTEBOOK).is_file()
        assert (parallel / "feedback" / student / EXERCISE / f"{EXERCISE}.html").is_file()


def _prepend(notebook: dict, grade_id: str, code: str) -> dict:
    cell = next(c for c in notebook["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)
    return with_cells_replaced(notebook, {grade_id: code + "\n" + "".join(cell["source"])})


def cheats(vulnerable: dict, course: Path) -> dict[str, dict | str]:
    """Each cheat is added to the vulnerable solution, whose honest part is worth its *works* cells."""
    tests_of_injection = [c for c in vulnerable["cells"]
                          if c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "").endswith("_injection")]
    edited = json.loads(json.dumps(vulnerable))
    for cell in edited["cells"]:
        if cell in tests_of_injection:
            cell["source"] = "pass"
    deleted = json.loads(json.dumps(vulnerable))
    deleted["cells"] = [c for c in deleted["cells"] if c not in tests_of_injection]
    return {
        "cheat_edit_locked": edited,
        "cheat_delete_tests": deleted,
        "cheat_redefine_helper": _prepend(vulnerable, "impl_render_greeting",
                                          "def check(*args, **kwargs):\n    print('all good')\n"
                                          "def make_user_db():\n    raise ValueError('no database today')\n"),
        "cheat_always_equal": with_cells_replaced(vulnerable, {"impl_get_user": (
            "class Anything(dict):\n    def __eq__(self, other):\n        return True\n"
            "    def __getitem__(self, key):\n        return Anything()\n"
            "def get_user(conn, user_id):\n    return Anything()\n")}),
        "cheat_input_transformer": _prepend(vulnerable, "impl_get_user",
                                            "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])"),
        "cheat_monkeypatch_grading": _prepend(vulnerable, "impl_get_user",
                                              "import seclab.grading as g\n"
                                              "g.require = g.require_answer = g.require_exploit = lambda *a, **k: None\n"
                                              "g.verify = lambda *a, **k: {}\n"),
        "cheat_sys_exit": _prepend(vulnerable, "impl_ping_command", "import sys\nsys.exit(0)"),
        "cheat_os_exit": _prepend(vulnerable, "impl_search_users", "import os\nos._exit(1)"),
        "cheat_endless_loop": _prepend(vulnerable, "impl_ping_command", "while True:\n    pass"),
        "cheat_memory_bomb": _prepend(vulnerable, "impl_render_greeting", "hog = bytearray(16 * 1024 ** 3)"),
        "cheat_write_files": _prepend(vulnerable, "impl_get_user", (
            "import pathlib\n"
            f"for target in ['{course}/gradebook.db', '{course}/submitted/solution/{EXERCISE}/{NOTEBOOK}',\n"
            f"               '{course}/source/{EXERCISE}/{NOTEBOOK}', '{course}/submitted/vulnerable/{EXERCISE}/x.txt']:\n"
            "    pathlib.Path(target).write_text('owned')\n")),
        "cheat_not_json": "{ this is not a notebook",
    }


@pytest.fixture(scope="module")
def cheating_class(tmp_path_factory):
    course, released = new_course(tmp_path_factory.mktemp("class"))
    honest = honest_submissions(released)
    for student, (notebook, answers) in honest.items():
        submit(course, student, notebook, answers)
    for student, notebook in cheats(honest["vulnerable"][0], course).items():
        submit(course, student, notebook)
    protected = {path: tree_digest(path) for path in
                 [course / "source", *(course / "submitted" / s for s in honest)]}
    outcomes = {o.student: o for o in grade_class(course, EXERCISE, workers=2, cell_seconds=3)}
    return course, outcomes, protected


def test_honest_students_get_exactly_their_grades_despite_cheaters(cheating_class):
    course, outcomes, _ = cheating_class
    grades = read_grades_csv(course / "grades.csv", EXERCISE)
    assert {s: grades[s] for s in ("solution", "untouched", "vulnerable", "partial_quiz", "exploit")} == {
        "solution": 17, "untouched": 0, "vulnerable": 4, "partial_quiz": 2, "exploit": 2}


@pytest.mark.parametrize("cheater", [
    "cheat_edit_locked", "cheat_delete_tests", "cheat_redefine_helper", "cheat_always_equal",
    "cheat_input_transformer", "cheat_monkeypatch_grading", "cheat_sys_exit", "cheat_os_exit",
    "cheat_endless_loop", "cheat_memory_bomb", "cheat_write_files", "cheat_not_json"])
def test_cheater_gains_nothing_beyond_honest_work(cheating_class, cheater):
    course, outcomes, _ = cheating_class
    honest_part = read_grades_csv(course / "grades.csv", EXERCISE)["vulnerable"]
    assert read_grades_csv(course / "grades.csv", EXERCISE)[cheater] <= honest_part
    assert cheater in outcomes


@pytest.mark.parametrize("cheater, note", [
    ("cheat_edit_locked", "edited locked cells"),
    ("cheat_delete_tests", "restored deleted cells"),
    ("cheat_always_equal", "unplain"),
    ("cheat_redefine_helper", "redefines names the locked cells provide: check, make_user_db"),
    ("cheat_input_transformer", "kernel reported success but the isolated check failed"),
    ("cheat_monkeypatch_grading", "kernel reported success but the isolated check failed"),
    ("cheat_os_exit", "ended or hung"),
    ("cheat_endless_loop", "ran past the time limit"),
    ("cheat_memory_bomb", "MemoryError"),
    ("cheat_sys_exit", "SystemExit"),
    ("cheat_write_files", "tried to reach the course"),
    ("cheat_not_json", "not a valid notebook"),
])
def test_summary_names_the_submission_and_what_happened(cheating_class, cheater, note):
    _course, outcomes, _ = cheating_class
    assert outcomes[cheater].status in ("attention", "failed")
    assert note in " ".join(outcomes[cheater].notes)


def test_nobody_can_write_the_course_while_being_graded(cheating_class):
    course, _outcomes, protected = cheating_class
    assert {path: tree_digest(path) for path in protected} == protected
    assert not (course / "submitted" / "vulnerable" / EXERCISE / "x.txt").exists()


def test_cheater_feedback_hides_hidden_tests(cheating_class):
    course, _outcomes, _ = cheating_class
    page = (course / "feedback" / "cheat_monkeypatch_grading" / EXERCISE / f"{EXERCISE}.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in page and "Hint:" in page


def _start(course: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "seclab.grading.cli", EXERCISE, "--course-dir", str(course),
         "--workers", "1", "--no-feedback"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def test_killed_grading_resumes_and_every_student_has_one_correct_grade(tmp_path):
    course, released = new_course(tmp_path / "course")
    solved = with_cells_replaced(released, solution_sources(INSTRUCTOR))
    vulnerable = with_cells_replaced(released, DATA["vulnerable_solution"])
    expected = {}
    for number in range(8):
        student = f"student{number}"
        submit(course, student, solved if number % 2 else vulnerable)
        expected[student] = 17 if number % 2 else 4
    first = _start(course)
    graded_lines = 0
    deadline = time.monotonic() + 120
    for line in first.stdout:
        if line.startswith("["):
            graded_lines += 1
        if graded_lines == 3 or time.monotonic() > deadline:
            break
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert graded_lines == 3, "the first run should have been killed half-way"
    second = _start(course)
    output = second.communicate(timeout=300)[0]
    assert second.returncode == 0, output
    assert "3 already graded, 5 to grade" in output
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submissions = gradebook.find_assignment(EXERCISE).submissions
        assert sorted(s.student_id for s in submissions) == sorted(expected)
        assert {s.student_id: s.score for s in submissions} == expected
