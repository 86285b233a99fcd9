"""Lesson headers and footers are what course.toml says, and the generator touches nothing else."""

import copy
import json
import shutil
import subprocess
import sys

import pytest
from support import REPO

from seclab.course import load_course
from seclab.navigation import (
    FOOTER_TAG,
    HEADER_TAG,
    NavigationError,
    apply_navigation,
    binder_url,
    dump_notebook,
    footer_source,
    header_source,
    load_repository,
    read_notebook,
    readme_lessons,
    update_notebook,
    update_readme,
)

COURSE = load_course()
LESSONS = {lesson.notebook: lesson for lesson in COURSE.lessons}


def tagged(notebook: dict, tag: str) -> list[int]:
    return [i for i, cell in enumerate(notebook["cells"]) if tag in cell.get("metadata", {}).get("tags", [])]


def text(cell: dict) -> str:
    return "".join(cell["source"])


@pytest.mark.parametrize("notebook", list(LESSONS))
def test_lesson_header_and_footer_are_up_to_date(notebook):
    """Fails until `make nav` has been run after a change to course.toml or a new lesson."""
    lesson = LESSONS[notebook]
    assert lesson.path.is_file(), f"{notebook} is listed in course.toml but missing"
    current = read_notebook(lesson.path)
    assert tagged(current, HEADER_TAG) == [0], f"{notebook}: no {HEADER_TAG} cell first: run `make nav`"
    assert tagged(current, FOOTER_TAG) == [len(current["cells"]) - 1], \
        f"{notebook}: no {FOOTER_TAG} cell last: run `make nav`"
    wanted = apply_navigation(current, COURSE, lesson, load_repository())
    assert dump_notebook(wanted) == lesson.path.read_text(encoding="utf-8"), \
        f"{notebook}: navigation cells are out of date: run `make nav`"


def test_readme_lesson_table_is_up_to_date():
    assert not update_readme(REPO / "README.md", COURSE, write=False), "run `make nav`"
    table = readme_lessons(COURSE)
    for lesson in COURSE.lessons:
        assert f"[{lesson.title}]({lesson.notebook})" in table
    for planned in COURSE.planned:
        assert f"{planned.title} *(coming soon)*" in table
    numbers = [int(row.split("|")[1]) for row in table.splitlines() if row.startswith("| ") and row[2].isdigit()]
    assert numbers == sorted(numbers), "lessons and planned lessons in course order"


def test_repository_comes_from_course_toml():
    assert load_repository() == "safer-python/safer-python"


def test_header_names_course_part_position_and_binder_link_to_the_notebook():
    injection = COURSE.lesson(3)
    header = header_source(COURSE, injection, "someone/fork")
    assert "**Safer Python**" in header and "OWASP Top 10" in header
    last = max(entry.number for entry in (*COURSE.lessons, *COURSE.planned))
    assert last >= 20 and f"Lesson 3 of {last}" in header
    assert "Introduction" in header_source(COURSE, COURSE.lesson(0), "someone/fork")
    link = "https://mybinder.org/v2/gh/someone/fork/HEAD?urlpath=lab/tree/notebooks/03_Injection.ipynb"
    assert binder_url("someone/fork", injection.notebook) == link
    assert f"]({link})" in header


def test_footer_links_previous_next_and_exercise_relative_to_the_notebook():
    lessons = COURSE.lessons
    middle = lessons.index(COURSE.lesson(3))
    footer = footer_source(COURSE, COURSE.lesson(3))
    previous, following = lessons[middle - 1], lessons[middle + 1]
    assert f"({previous.path.name})" in footer and previous.title in footer
    assert f"({following.path.name})" in footer and following.title in footer
    assert "(../exercises/03_injection/03_injection.ipynb)" in footer
    assert footer.index("Previous") < footer.index("Exercise") < footer.index("Next")


def test_first_lesson_has_no_previous_and_last_points_at_what_is_coming():
    first, last = COURSE.lessons[0], COURSE.lessons[-1]
    assert "Previous" not in footer_source(COURSE, first)
    last_footer = footer_source(COURSE, last)
    upcoming = [p for p in COURSE.planned if p.number > last.number]
    assert "coming soon" in last_footer if upcoming else "last lesson" in last_footer
    assert ("Exercise" in footer_source(COURSE, first)) == bool(first.exercise)


def lesson_notebook(cells: list[dict]) -> dict:
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def markdown(cell_id: str, source: str, **metadata) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": metadata, "source": [source]}


def test_navigation_is_inserted_when_absent_and_other_cells_are_untouched():
    original = lesson_notebook([markdown("title", "# Title"),
                                {"cell_type": "code", "id": "code", "metadata": {}, "source": ["1"],
                                 "outputs": [], "execution_count": None}])
    updated = apply_navigation(original, COURSE, COURSE.lesson(3), "o/r")
    assert [cell["id"] for cell in updated["cells"]] == [HEADER_TAG, "title", "code", FOOTER_TAG]
    assert updated["cells"][1:3] == original["cells"]
    assert original["cells"][0]["id"] == "title"  # the input is not modified
    assert apply_navigation(updated, COURSE, COURSE.lesson(3), "o/r") == updated


def test_stale_navigation_is_replaced_in_place_keeping_its_cell_id():
    original = lesson_notebook([markdown("abc", "old header", tags=[HEADER_TAG], extra=1),
                                markdown("body", "text"),
                                markdown("xyz", "old footer", tags=[FOOTER_TAG]),
                                markdown("after", "a cell after the footer")])
    updated = apply_navigation(original, COURSE, COURSE.lesson(3), "o/r")
    assert [cell["id"] for cell in updated["cells"]] == ["abc", "body", "xyz", "after"]
    assert updated["cells"][0]["metadata"] == {"extra": 1, "tags": [HEADER_TAG]}
    assert text(updated["cells"][0]) == header_source(COURSE, COURSE.lesson(3), "o/r")
    assert text(updated["cells"][2]) == footer_source(COURSE, COURSE.lesson(3))
    assert updated["cells"][1] == original["cells"][1] and updated["cells"][3] == original["cells"][3]


def test_two_header_cells_are_an_error():
    notebook = lesson_notebook([markdown("a", "x", tags=[HEADER_TAG]), markdown("b", "y", tags=[HEADER_TAG])])
    with pytest.raises(NavigationError, match="2 cells tagged"):
        apply_navigation(notebook, COURSE, COURSE.lesson(3), "o/r")


def test_update_rewrites_only_navigation_and_keeps_notebooks_output_free(tmp_path):
    root = tmp_path / "course"
    lesson = COURSE.lesson(3)
    (root / "notebooks").mkdir(parents=True)
    target = root / lesson.notebook
    shutil.copy(lesson.path, target)
    stripped = read_notebook(target)
    stripped["cells"] = [cell for cell in stripped["cells"]
                         if not {HEADER_TAG, FOOTER_TAG} & set(cell.get("metadata", {}).get("tags", []))]
    target.write_text(dump_notebook(stripped), encoding="utf-8")
    before = copy.deepcopy(stripped)

    assert update_notebook(target, COURSE, "o/r", root=root, write=False) is True
    assert read_notebook(target) == before  # --check mode writes nothing
    assert update_notebook(target, COURSE, "o/r", root=root) is True
    assert update_notebook(target, COURSE, "o/r", root=root) is False  # idempotent
    after = read_notebook(target)
    assert after["cells"][1:-1] == before["cells"] and after["metadata"] == before["metadata"]
    for cell in after["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_a_notebook_that_is_no_lesson_is_refused(tmp_path):
    stray = tmp_path / "stray.ipynb"
    stray.write_text(json.dumps(lesson_notebook([])))
    with pytest.raises(NavigationError, match="not a \\[\\[lesson\\]\\]"):
        update_notebook(stray, COURSE, "o/r")


def test_command_line_check_mode_reports_and_changes_nothing():
    lesson = COURSE.lesson(3)
    before = lesson.path.read_bytes()
    completed = subprocess.run([sys.executable, "-m", "seclab.navigation", "--check", lesson.notebook],
                               cwd=REPO, capture_output=True, text=True, check=False)
    assert lesson.path.read_bytes() == before
    assert completed.returncode in (0, 1), completed.stderr
    assert lesson.notebook in completed.stdout
