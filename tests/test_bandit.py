"""bandit agrees with what the lessons claim: insecure cells are flagged, the rest is clean."""

import tomllib
from pathlib import Path

import pytest
from support import REPO

from seclab.course import load_course
from seclab.notebooks import tagged_code
from seclab.tools import bandit_scan, bandit_scan_files

LESSONS = [lesson for lesson in load_course().lessons
           if lesson.bandit_expected or (lesson.path.exists() and tagged_code(lesson.path, "insecure"))]


def _scan_cells(cells, tmp_path):
    paths = []
    for number, code in enumerate(cells):
        path = tmp_path / f"cell_{number}.py"
        path.write_text(code)
        paths.append(path)
    return bandit_scan_files(paths)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.notebook)
def test_insecure_cells_trigger_the_expected_bandit_ids(lesson, tmp_path):
    cells = tagged_code(lesson.path, "insecure")
    assert cells, "a lesson with bandit expectations needs cells tagged `insecure`"
    findings = _scan_cells(cells, tmp_path)  # an empty expectation means: bandit sees none of it
    found = {finding.test_id for per_cell in findings.values() for finding in per_cell}
    assert found == set(lesson.bandit_expected)


@pytest.mark.parametrize("lesson", load_course().lessons, ids=lambda lesson: lesson.notebook)
def test_secure_cells_have_no_findings(lesson, tmp_path):
    findings = _scan_cells(tagged_code(lesson.path, "secure"), tmp_path)
    assert {path: f for path, f in findings.items() if f} == {}


def _bandit_excluded() -> list[Path]:
    """The paths pyproject.toml's [tool.bandit] exclude_dirs takes out of `make check` (the capstone's starter app)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return [REPO / entry for entry in config["tool"]["bandit"]["exclude_dirs"]]


def test_seclab_package_has_no_findings():
    excluded = _bandit_excluded()
    paths = [path for path in (REPO / "seclab").rglob("*.py")
             if not any(path == skip or skip in path.parents for skip in excluded)]
    findings = bandit_scan_files(paths)
    assert {path: f for path, f in findings.items() if f} == {}


def test_only_the_capstones_deliberately_vulnerable_app_is_excluded_and_bandit_does_flag_it():
    inside = [path for path in _bandit_excluded() if REPO / "seclab" in path.parents]
    assert inside == [REPO / "seclab" / "topics" / "capstone" / "starter.py"]
    found = {f.test_id for f in bandit_scan_files(inside)[str(inside[0])]}
    assert found >= {"B301", "B324", "B608", "B701"}


def test_bandit_scan_finds_a_shell_injection():
    assert {f.test_id for f in bandit_scan("import subprocess\nsubprocess.run('ls ' + x, shell=True)\n")} >= {"B602"}
