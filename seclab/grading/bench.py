"""Benchmark class grading against serial ``nbgrader autograde`` on the same submissions.

``python -m seclab.grading.bench --n 60`` (``make bench-grading``) builds N synthetic
submissions of one exercise (correct, partly wrong and untouched, in turn), grades them
once with ``nbgrader autograde`` and once with the class command, each in its own copy
of the course, checks that every test cell got the same score, and prints both wall
times and the speed-up. Exit status 1 when any grade differs.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess  # runs the nbgrader CLI and the class command with fixed argv  # nosec B404
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from seclab.notebooks import solution_sources, with_sources
from seclab.release import AUTOGRADER, make_course_copy, run_nbgrader, tool_environment

_SOLUTION = re.compile(r"### BEGIN SOLUTION\n.*?### END SOLUTION\n?", re.DOTALL)


def synthetic_submissions(exercise: str, released: dict[str, Any], count: int) -> dict[str, dict[str, Any]]:
    """``count`` notebooks: correct, partly wrong (first function stubbed, no quiz), untouched."""
    solved = solution_sources(AUTOGRADER / "source" / exercise / f"{exercise}.ipynb")
    first_function = next(gid for gid in solved if gid.startswith("impl_"))
    partly = {gid: (_SOLUTION.sub("    return None\n", text) if gid == first_function else text)
              for gid, text in solved.items() if not gid.startswith("answer_quiz")}
    kinds = [with_sources(released, solved), with_sources(released, partly), released]
    return {f"student{number:03d}": kinds[number % 3] for number in range(count)}


def _cell_scores(course: Path, exercise: str) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {submission.student_id: {g.name: g.score for nb in submission.notebooks for g in nb.grades}
                for submission in gradebook.find_assignment(exercise).submissions}


def _prepare(root: Path, exercise: str, count: int) -> Path:
    make_course_copy(root, [exercise])
    run_nbgrader(["generate_assignment", exercise, "--create", "--force"], root)
    released = json.loads((root / "release" / exercise / f"{exercise}.ipynb").read_text())
    for student, notebook in synthetic_submissions(exercise, released, count).items():
        folder = root / "submitted" / student / exercise
        folder.mkdir(parents=True)
        (folder / f"{exercise}.ipynb").write_text(json.dumps(notebook))
    return root


def _timed(command: list[str], cwd: Path) -> float:
    started = time.monotonic()
    subprocess.run(command, cwd=cwd, env=tool_environment(), check=True,  # nosec B603 - fixed argv
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seclab.grading.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=60, help="number of submissions (default 60)")
    parser.add_argument("--exercise", default="03_injection")
    args = parser.parse_args(argv)
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    with tempfile.TemporaryDirectory(prefix="seclab-bench-") as folder:
        print(f"building {args.n} submissions of {args.exercise} in two course copies …", flush=True)
        serial = _prepare(Path(folder) / "serial", args.exercise, args.n)
        parallel = _prepare(Path(folder) / "parallel", args.exercise, args.n)
        print("grading with serial nbgrader autograde …", flush=True)
        autograde = _timed([nbgrader, "autograde", args.exercise], serial)
        feedback = _timed([nbgrader, "generate_feedback", args.exercise], serial)
        feedback += _timed([nbgrader, "export", "--to", "grades.csv"], serial)
        print("grading with the class command …", flush=True)
        classroom = _timed([sys.executable, "-m", "seclab.grading.cli", args.exercise,
                            "--course-dir", str(parallel)], parallel)
        classroom_only = _timed([sys.executable, "-m", "seclab.grading.cli", args.exercise,
                                 "--course-dir", str(_prepare(Path(folder) / "bare", args.exercise, args.n)),
                                 "--no-feedback"], Path(folder))
        serial_scores, parallel_scores = _cell_scores(serial, args.exercise), _cell_scores(parallel, args.exercise)
    same = serial_scores == parallel_scores
    print(f"\n{args.n} submissions of {args.exercise}")
    print(f"  serial nbgrader autograde:                 {autograde:7.1f} s")
    print(f"  class command, grading only:              {classroom_only:7.1f} s   speed-up {autograde / classroom_only:4.1f}×")
    print(f"  serial autograde + feedback + export:      {autograde + feedback:7.1f} s")
    print(f"  class command (grading, feedback, export): {classroom:7.1f} s   speed-up "
          f"{(autograde + feedback) / classroom:4.1f}×")
    print(f"  grades identical: {'yes' if same else 'NO'}")
    if not same:
        for student in sorted(set(serial_scores) | set(parallel_scores)):
            if serial_scores.get(student) != parallel_scores.get(student):
                print(f"    {student}: nbgrader {serial_scores.get(student)} vs class {parallel_scores.get(student)}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
