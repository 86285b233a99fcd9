"""`make lesson` creates a whole lesson in the course's layout, and the structural checks pass on it."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO

from seclab.course import exercise_id, notebook_name, parse_course
from seclab.errors import ScaffoldError
from seclab.notebooks import grade_id, read_cells
from seclab.scaffold import add_to_manifest, scaffold

pytestmark = pytest.mark.grading  # runs nbgrader (generate_assignment)


def course_copy(destination: Path) -> Path:
    """The files of this checkout that git knows or would add (no .venv, no runtime folders)."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def in_copy(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(root)})


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory):
    root = course_copy(tmp_path_factory.mktemp("course"))
    made = in_copy(root, "-m", "seclab.scaffold", "21", "--title", "Throwaway Lesson", "--topic", "throwaway",
                   "--part", "Extras", "--functions", "alpha", "beta")
    assert made.returncode == 0, made.stdout + made.stderr
    return root


def test_every_file_of_the_lesson_is_created(scaffolded):
    expected = ["notebooks/21_Throwaway_Lesson.ipynb", "autograder/source/21_throwaway/21_throwaway.ipynb",
                "autograder/hidden/21_throwaway.json", "exercises/21_throwaway/21_throwaway.ipynb",
                "tests/topics/test_throwaway.py", "tests/topics/throwaway.roundtrip.json",
                *(f"seclab/topics/throwaway/{name}" for name in
                  ("__init__.py", "targets.py", "attacks.py", "widgets.py", "spec.py", "quiz.toml"))]
    assert [name for name in expected if not (scaffolded / name).is_file()] == []
    course = parse_course((scaffolded / "course.toml").read_text())
    lesson = course.lesson(21)
    assert (lesson.topic, lesson.exercise, lesson.part) == ("throwaway", "21_throwaway", "Extras")
    assert "21_throwaway" in (scaffolded / "README.md").read_text()


def test_the_exercise_has_the_standard_cells_and_its_release_no_solutions(scaffolded):
    ids = [grade_id(cell) for cell in read_cells(scaffolded / "autograder/source/21_throwaway/21_throwaway.ipynb")]
    for function in ("alpha", "beta"):
        assert {f"impl_{function}", f"test_{function}_works", f"test_{function}_attack"} <= set(ids)
    assert {"setup", "quiz_widget", "test_quiz_q1", "test_quiz_q3", "test_exploit", "md_submit"} <= set(ids)
    released = (scaffolded / "exercises/21_throwaway/21_throwaway.ipynb").read_text()
    assert "BEGIN SOLUTION" not in released and "HIDDEN TESTS" not in released


def test_structural_checks_pass_on_the_scaffolded_course(scaffolded):
    checks = in_copy(scaffolded, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_navigation.py",
                     "tests/test_course_files.py", "-k", "not exercises_folder or throwaway")
    assert checks.returncode == 0, checks.stdout[-3000:]


def test_stubs_fail_loudly_until_written(scaffolded):
    topic_tests = in_copy(scaffolded, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/topics/test_throwaway.py")
    assert topic_tests.returncode != 0 and "NotImplementedError" in topic_tests.stdout
    quiz = in_copy(scaffolded, "-c", "from seclab.quiz import quiz_questions; quiz_questions('throwaway', 'lesson')")
    assert "TODO placeholder" in quiz.stderr


def test_scaffold_never_overwrites(scaffolded):
    again = in_copy(scaffolded, "-m", "seclab.scaffold", "21", "--title", "Throwaway Lesson", "--topic", "throwaway",
                    "--functions", "alpha")
    assert again.returncode == 2 and "exists already" in again.stderr


def test_unplanned_lesson_needs_a_title_and_topic(tmp_path):
    (tmp_path / "course.toml").write_text((REPO / "course.toml").read_text())
    with pytest.raises(ScaffoldError, match="--title and --topic"):
        scaffold(42, ["alpha"], root=tmp_path, release=False)
    assert not (tmp_path / "notebooks").exists()


def course_with_lesson_planned(number: int) -> str:
    """course.toml with lesson ``number`` turned back into a [[planned]] entry at the end (the real
    course has none left)."""
    text = (REPO / "course.toml").read_text()
    lesson = parse_course(text).lesson(number)
    blocks = re.split(r"(?m)^(?=\[\[lesson\]\])", text)
    kept = [block for block in blocks if not re.search(rf"(?m)^number = {number}$", block)]
    assert len(kept) == len(blocks) - 1
    return "".join(kept).rstrip("\n") + (f'\n\n[[planned]]\nnumber = {number}\ntopic = "{lesson.topic}"\n'
                                         f'title = "{lesson.title}"\npart = "{lesson.part}"\n')


def test_planned_entry_becomes_a_lesson_in_course_order():
    text = course_with_lesson_planned(12)
    planned = parse_course(text).planned[0]
    assert planned.number == 12 and 12 not in [lesson.number for lesson in parse_course(text).lessons]
    updated = parse_course(add_to_manifest(text, planned.number, planned.title, planned.topic, planned.part, 45))
    assert planned.number not in [entry.number for entry in updated.planned]
    numbers = [lesson.number for lesson in updated.lessons]
    assert numbers == sorted(numbers) and planned.number in numbers
    assert updated.lesson(planned.number).notebook == f"notebooks/{notebook_name(planned.number, planned.title)}"


def test_names_are_derived_from_number_title_and_topic():
    assert notebook_name(10, "Server-Side Request Forgery") == "10_Server_Side_Request_Forgery.ipynb"
    assert notebook_name(18, "AI-Generated Code") == "18_AI_Generated_Code.ipynb"
    assert exercise_id(6, "supply_chain") == "06_supply_chain"
