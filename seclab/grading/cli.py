"""usage: python -m seclab.grading.cli [-h] [--course-dir COURSE_DIR] [--workers WORKERS]
                                    [--no-feedback] [--cell-timeout CELL_TIMEOUT]
                                    [--submission-timeout SUBMISSION_TIMEOUT] [--unconfined]
                                    assignment

Grade every submission of one assignment (``make grade ASSIGNMENT=03_injection``).

Each student's code runs confined (bubblewrap: no course, no other students, loopback
only, an unprivileged user of its own, resource limits); without bubblewrap the command
refuses, unless --unconfined (practice only: the summary then says loudly that student
code ran unconfined). Exit status: 0 all graded, 1 grading could not run, 2 some
submissions failed or could not be graded, 3 confinement is not possible here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from seclab.errors import ConfinementError, SeclabError
from seclab.grading import policy


def parser() -> argparse.ArgumentParser:
    made = argparse.ArgumentParser(prog="python -m seclab.grading.cli",
                                   description="Grade every submission of one assignment.")
    made.add_argument("assignment")
    made.add_argument("--course-dir", type=Path, default=Path(__file__).resolve().parents[2] / "autograder")
    made.add_argument("--workers", type=int, default=None, help="parallel workers (default: all cores)")
    made.add_argument("--no-feedback", action="store_true", help="skip generate_feedback and export")
    made.add_argument("--cell-timeout", type=float, default=policy.KERNEL.seconds, help="seconds per cell")
    made.add_argument("--submission-timeout", type=float, default=policy.SUBMISSION_SECONDS,
                      help="seconds per submission, everything included")
    made.add_argument("--unconfined", action="store_true",
                      help="grade even where student code cannot be confined (practice only)")
    return made


def main(argv: list[str] | None = None) -> int:
    from seclab.grading.classroom import grade_class

    args = parser().parse_args(argv)
    try:
        outcomes = grade_class(args.course_dir, args.assignment, args.workers, feedback=not args.no_feedback,
                               cell_seconds=args.cell_timeout, unconfined=args.unconfined,
                               submission_seconds=args.submission_timeout)
    except ConfinementError as error:
        print(f"refusing to grade: {error}\nTo confine student code, {policy.INSTALL_HINT}.\n"
              "To grade unconfined anyway (practice only): make grade ASSIGNMENT=… UNCONFINED=1", file=sys.stderr)
        return 3
    except SeclabError as error:
        print(error, file=sys.stderr)
        return 1
    return 0 if all(o.status in ("graded", "attention") for o in outcomes) else 2


if __name__ == "__main__":
    sys.exit(main())
