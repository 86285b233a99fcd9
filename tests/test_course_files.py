"""The repository keeps its promises: manifest, generated files, pins, clean notebooks."""

import filecmp
import json

import pytest
import yaml
from support import REPO

from seclab.course import load_course
from seclab.notebooks import read_cells
from seclab.pins import environment_yml, read_pins
from seclab.release import release_exercises


def test_every_lesson_in_the_manifest_exists_in_course_order():
    course = load_course()
    assert [lesson.number for lesson in course.lessons] == sorted(lesson.number for lesson in course.lessons)
    for lesson in course.lessons:
        assert lesson.path.is_file(), lesson.notebook
        assert lesson.path.name.startswith(f"{lesson.number:02d}_")
    assert set(course.exercises) == {path.name for path in (REPO / "autograder" / "source").iterdir()}


def committed_notebooks():
    found = [*REPO.glob("notebooks/*.ipynb"), *REPO.glob("autograder/source/*/*.ipynb"),
             *REPO.glob("exercises/*/*.ipynb")]
    assert found
    return found


def test_notebooks_are_committed_without_outputs():
    for path in committed_notebooks():
        for cell in read_cells(path):
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [] and cell.get("execution_count") is None, path


def test_every_cell_has_a_stable_unique_id():
    """nbformat 4.5 cell ids (nbformat warns without them, and will refuse them one day)."""
    for path in committed_notebooks():
        data = json.loads(path.read_text(encoding="utf-8"))
        assert (data["nbformat"], data["nbformat_minor"]) >= (4, 5), path
        ids = [cell.get("id") for cell in data["cells"]]
        assert all(isinstance(cell_id, str) and cell_id for cell_id in ids), (path, ids.count(None))
        assert len(set(ids)) == len(ids), path


@pytest.mark.parametrize("exercise", load_course().exercises)
def test_exercises_folder_is_what_release_generates(tmp_path, exercise):
    release_exercises([exercise], out_dir=tmp_path)
    comparison = filecmp.dircmp(tmp_path / exercise, REPO / "exercises" / exercise)
    assert not (comparison.left_only or comparison.right_only), "run `make release`"
    for name in comparison.common_files:
        generated = json.loads((tmp_path / exercise / name).read_text())
        committed = json.loads((REPO / "exercises" / exercise / name).read_text())
        assert generated == committed, f"exercises/{exercise}/{name} drifted: run `make release`"


def test_no_recorded_answers_are_shipped():
    shipped = [p for p in REPO.glob("**/seclab_answers.json") if ".venv" not in p.parts]
    tracked_sources = [p for p in shipped if "source" in p.parts or "exercises" in p.parts]
    assert tracked_sources == [], "remove recorded answers before releasing"


def test_environment_yml_pins_the_same_versions_as_requirements():
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert sorted(pip_section) == sorted(read_pins())
    assert "python=3.11" in environment["dependencies"]
    assert (REPO / "environment.yml").read_text() == environment_yml(read_pins()), "run `python -m seclab.pins`"


def test_requirements_are_pinned_with_hashes():
    text = (REPO / "requirements.txt").read_text()
    blocks = [block for block in text.split("\n") if "==" in block and not block.lstrip().startswith("#")]
    assert len(blocks) == len(read_pins()) > 50
    assert text.count("--hash=sha256:") >= len(blocks)
    for required in ("jupyterlab", "nbgrader", "ipywidgets", "bandit", "pytest", "nbval"):
        assert any(pin.startswith(f"{required}==") for pin in read_pins()), required


def test_binder_post_build_is_executable():
    post_build = REPO / "binder" / "postBuild"
    assert post_build.stat().st_mode & 0o111


def test_make_lab_gives_learners_the_view_binder_gives_them():
    """binder/learner/ (make lab's learner config) turns off at least what binder/postBuild turns off."""
    import re

    from support import REPO

    post_build = (REPO / "binder" / "postBuild").read_text()
    lab_plugins = set(re.findall(r"labextension disable .*?(@jupyter/nbgrader:[\w-]+)", post_build))
    server_extensions = set(re.findall(r"server extension disable .*?(nbgrader\.server_extensions\.\w+)", post_build))
    assert lab_plugins and server_extensions
    page_config = json.loads((REPO / "binder" / "learner" / "labconfig" / "page_config.json").read_text())
    assert {name for name, off in page_config["disabledExtensions"].items() if off} >= lab_plugins
    assert {name for name, on in page_config["lockedExtensions"].items() if on} >= lab_plugins
    server = json.loads((REPO / "binder" / "learner" / "jupyter_server_config.d" / "nbgrader-learner.json").read_text())
    extensions = server["ServerApp"]["jpserver_extensions"]
    assert {name for name, on in extensions.items() if on is False} >= server_extensions
    makefile = (REPO / "Makefile").read_text()
    assert "LAB_CONFIG_learner := $(CURDIR)/binder/learner" in makefile and "ROLE ?= learner" in makefile
