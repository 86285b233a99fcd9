"""Generate the student versions in exercises/ from autograder/source with nbgrader.

``python -m seclab.release [EXERCISE ...]`` (``make release``) regenerates every exercise
in course.toml, or the ones named. It works on a temporary copy of the course root, so the real gradebook is
untouched, and it never copies a recorded ``seclab_answers.json`` into a release.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # runs the nbgrader CLI with a fixed argv, no shell  # nosec B404
import sys
import tempfile
from pathlib import Path

from seclab.answers import ANSWERS_FILE
from seclab.course import REPO_ROOT, load_course
from seclab.errors import NbgraderError

AUTOGRADER = REPO_ROOT / "autograder"
EXERCISES = REPO_ROOT / "exercises"
_NOT_RELEASED = shutil.ignore_patterns(ANSWERS_FILE, ".ipynb_checkpoints", "__pycache__")


def tool_environment() -> dict[str, str]:
    """The environment for nbgrader: this interpreter's bin/ first (nbgrader runs alembic)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def run_nbgrader(args: list[str], course_root: Path) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader ARGS`` in ``course_root``; NbgraderError (with its log) if it fails."""
    command = [str(Path(sys.executable).parent / "nbgrader"), *args]
    completed = subprocess.run(  # fixed argv  # nosec B603
        command, cwd=course_root, env=tool_environment(), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        log = (completed.stdout + completed.stderr).strip()[-3000:]
        raise NbgraderError(f"`nbgrader {' '.join(args)}` failed (exit {completed.returncode}):\n{log}")
    return completed


def make_course_copy(destination: Path, exercises: list[str]) -> Path:
    """A minimal course root (config + sources of ``exercises``) in ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy2(AUTOGRADER / "nbgrader_config.py", destination / "nbgrader_config.py")
    for exercise in exercises:
        shutil.copytree(AUTOGRADER / "source" / exercise, destination / "source" / exercise,
                        ignore=_NOT_RELEASED)
    return destination


def release_exercises(exercises: list[str], out_dir: Path = EXERCISES) -> list[Path]:
    """Generate the student version of each exercise into ``out_dir/<id>/``."""
    written = []
    with tempfile.TemporaryDirectory(prefix="seclab-release-") as folder:
        course_root = make_course_copy(Path(folder), exercises)
        for exercise in exercises:
            print(f"generating {exercise} …", flush=True)
            run_nbgrader(["generate_assignment", exercise, "--create", "--force"], course_root)
            target = out_dir / exercise
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(course_root / "release" / exercise, target, ignore=_NOT_RELEASED)
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    known = list(load_course().exercises)
    exercises = list(argv if argv is not None else sys.argv[1:]) or known
    unknown = sorted(set(exercises) - set(known))
    if unknown:
        print(f"unknown exercise(s) {', '.join(unknown)}; course.toml has {', '.join(known)}", file=sys.stderr)
        return 2
    try:
        for path in release_exercises(exercises):
            print(f"wrote {path.relative_to(REPO_ROOT)}/")
    except NbgraderError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
