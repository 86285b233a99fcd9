"""binder/postBuild works in a fresh environment that stands in for the Binder image.

repo2docker cannot run here, so this builds the closest thing: a new virtual environment
with exactly requirements.txt installed (hash-checked, by uv, as environment.yml pins the same
versions; tests/test_course_files.py keeps the two equal), a copy of the tracked files of
the repository, and binder/postBuild run in it with that environment first on PATH.
Then the learner's view must hold: seclab imports, the instructor-only nbgrader
extensions are off and the student ones on.

The install uses uv (about 30 s here with a cold cache; pip took 3 minutes of CPU);
postBuild's eight jupyter commands take about a minute. Part of `make test`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO

pytestmark = pytest.mark.timeout(900)

ANSI = re.compile(r"\x1b\[[0-9;]*m")
EXTENSION_STATE = re.compile(r"^\s*(?P<name>[\w.]+)\s+(?P<state>enabled|disabled)\s*$", re.MULTILINE)

def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,  # nosec B603
                               timeout=timeout, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"{' '.join(command)} failed ({completed.returncode}):\n{output[-4000:]}"
    return output


def copy_tracked_files(destination: Path) -> None:
    """The repository as Binder would clone it: every file git tracks, modes kept."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file():  # tracked but deleted in the working tree: Binder would not have it either
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


@pytest.fixture(scope="module")
def binder_image(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | dict[str, str]]:
    """A fresh venv with requirements.txt, a copy of the repository, and postBuild run in it."""
    base = tmp_path_factory.mktemp("binder")
    venv, repo = base / "venv", base / "repo"
    bin_dir = venv / "bin"
    env = {key: value for key, value in os.environ.items()
           if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV"}}
    env.update({
        "PATH": str(bin_dir) + os.pathsep + env.get("PATH", ""),
        "VIRTUAL_ENV": str(venv),
        # No user-level Jupyter config or extensions: only what the image itself has.
        "JUPYTER_CONFIG_DIR": str(base / "jupyter-config"),
        "JUPYTER_DATA_DIR": str(base / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(base / "jupyter-runtime"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    })
    run([sys.executable, "-m", "venv", str(venv)], cwd=base, env=env)
    # uv (pinned in requirements.txt) installs the same hash-checked pins as pip would, in about 30 s
    # instead of pip's 3 minutes of CPU here, and compiles bytecode as Binder's pip does (each jupyter
    # command of postBuild takes 8-13 s instead of 6-7 s without it); postBuild then uses the new pip.
    uv = Path(sys.executable).with_name("uv")
    run([str(uv), "pip", "install", "--quiet", "--compile-bytecode", "--python", str(bin_dir / "python"), "--require-hashes",
         "-r", str(REPO / "requirements.txt")], cwd=base, env=env, timeout=900)
    copy_tracked_files(repo)
    output = run([str(repo / "binder" / "postBuild")], cwd=repo, env=env)
    (base / "postBuild.log").write_text(output)
    return {"venv": venv, "repo": repo, "env": env, "base": base}


def test_seclab_imports_in_the_binder_environment(binder_image):
    venv, repo, env = binder_image["venv"], binder_image["repo"], binder_image["env"]
    output = run([str(venv / "bin" / "python"), "-c", "import seclab.course, sys; print(seclab.course.REPO_ROOT)"],
                 cwd=binder_image["base"], env=env)  # not from the repo folder: the installed package
    assert Path(output.strip().splitlines()[-1]) == repo


def test_learners_get_student_nbgrader_extensions_only(binder_image):
    venv, env = binder_image["venv"], binder_image["env"]
    listing = run([str(venv / "bin" / "jupyter"), "labextension", "list"], cwd=binder_image["base"], env=env)
    assert "@jupyter/nbgrader" in listing
    disabled = listing.split("Disabled extensions:", 1)[1] if "Disabled extensions:" in listing else ""
    assert "@jupyter/nbgrader:create-assignment" in disabled, listing
    assert "@jupyter/nbgrader:course-list" in disabled, listing
    assert "@jupyter/nbgrader:assignment-list" not in disabled, listing
    assert "@jupyter/nbgrader:validate-assignment" not in disabled, listing
    page_config = json.loads((venv / "etc" / "jupyter" / "labconfig" / "page_config.json").read_text())
    assert page_config["disabledExtensions"]["@jupyter/nbgrader:create-assignment"] is True
    assert page_config["disabledExtensions"].get("@jupyter/nbgrader:assignment-list", False) is False
    assert {"@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list"} <= set(
        page_config.get("lockedExtensions", {})), "instructor plugins could be re-enabled in the Plugin Manager"


def test_formgrader_server_extension_is_disabled(binder_image):
    venv, env = binder_image["venv"], binder_image["env"]
    listing = run([str(venv / "bin" / "jupyter"), "server", "extension", "list"], cwd=binder_image["base"], env=env)
    states: dict[str, set[str]] = {}
    for match in EXTENSION_STATE.finditer(ANSI.sub("", listing)):
        states.setdefault(match["name"], set()).add(match["state"])
    assert states.get("nbgrader.server_extensions.formgrader") == {"disabled"}, listing
    assert states.get("nbgrader.server_extensions.course_list") == {"disabled"}, listing
    assert states.get("nbgrader.server_extensions.assignment_list") == {"enabled"}, listing
    assert states.get("nbgrader.server_extensions.validate_assignment") == {"enabled"}, listing
