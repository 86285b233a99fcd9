"""The environment check finds packages, the widgets extension and the Python version."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from seclab.envcheck import (
    REQUIRED_PACKAGES,
    WIDGETS_EXTENSION,
    Requirement,
    check_environment,
    missing,
    probe_message,
    render_environment_html,
    widget_probe,
)


def fake_prefix(tmp_path: Path, version: str | None = "5.0.1") -> Path:
    if version is not None:
        folder = tmp_path / WIDGETS_EXTENSION
        folder.mkdir(parents=True)
        (folder / "package.json").write_text(json.dumps({"name": "x", "version": version}))
    return tmp_path


def test_course_environment_has_every_required_package() -> None:
    requirements = check_environment()
    names = [requirement.name for requirement in requirements]
    assert names == ["Python", *REQUIRED_PACKAGES, "@jupyter-widgets/jupyterlab-manager"]
    assert missing(requirements) == []
    flask = next(r for r in requirements if r.name == "flask")
    assert flask.found == metadata.version("flask")


def test_missing_package_is_reported_with_a_hint(tmp_path: Path) -> None:
    requirements = check_environment(["no-such-package-seclab"], prefix=fake_prefix(tmp_path))
    package = requirements[1]
    assert (package.name, package.found, package.ok) == ("no-such-package-seclab", None, False)
    assert "requirements.txt" in package.hint
    assert missing(requirements) == [package]


def test_distribution_and_module_names_differ_for_argon2(tmp_path: Path) -> None:
    requirements = check_environment(["argon2-cffi"], prefix=fake_prefix(tmp_path))
    assert requirements[1].ok is True
    assert requirements[1].found == metadata.version("argon2-cffi")


def test_widgets_extension_is_found_with_its_version(tmp_path: Path) -> None:
    extension = check_environment([], prefix=fake_prefix(tmp_path, "5.0.1"))[-1]
    assert (extension.kind, extension.found, extension.ok) == ("labextension", "5.0.1", True)


def test_missing_widgets_extension_fails(tmp_path: Path) -> None:
    extension = check_environment([], prefix=fake_prefix(tmp_path, None))[-1]
    assert extension.ok is False and extension.found is None
    assert "ipywidgets" in extension.hint


@pytest.mark.parametrize(("version", "ok"), [((3, 11, 0), True), ((3, 13, 2), True),
                                             ((3, 10, 14), False), ((2, 7, 18), False)])
def test_python_must_be_311_or_newer(tmp_path: Path, version: tuple[int, ...], ok: bool) -> None:
    python = check_environment([], prefix=fake_prefix(tmp_path), python_version=version)[0]
    assert python.ok is ok
    assert python.found == ".".join(map(str, version))


def test_html_table_has_one_row_per_requirement_and_escapes() -> None:
    requirements = [
        Requirement("Python", "python", ">= 3.11", "3.11.7", True),
        Requirement("<evil>", "package", "installed", None, False, "not installed here; pip"),
    ]
    page = render_environment_html(requirements)
    assert page.count("<tr>") == 3  # header and two rows
    assert "&gt;= 3.11" in page and "3.11.7" in page
    assert "<evil>" not in page and "&lt;evil&gt;" in page
    assert "✗ not installed here; pip" in page
    assert "1 requirement not met" in page


def test_html_caption_when_all_is_well() -> None:
    page = render_environment_html([Requirement("Python", "python", ">= 3.11", "3.12.1", True)])
    assert "everything the course needs is here" in page


def test_probe_label_follows_the_slider() -> None:
    pytest.importorskip("ipywidgets")
    probe = widget_probe(start=2)
    slider, label = probe.children
    assert slider.value == 2
    slider.value = 7
    assert label.value == probe_message(7)
    assert "7" in label.value


def test_importing_envcheck_prints_nothing_and_imports_no_widgets() -> None:
    code = "import sys, seclab.envcheck, seclab.progress; print('ipywidgets' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout == "False\n"
    assert done.stderr == ""
