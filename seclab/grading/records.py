"""Writing results: the gradebook, ``autograded/`` and the done-markers (main process only).

Only the class grader's main process writes here, one submission at a time. What it
writes for a graded submission is what ``nbgrader autograde`` would: the executed
notebook and the submission's *validated* files in ``autograded/<student>/<id>/``,
the grades and comments in the gradebook. A submission the grader could not grade
(status ``error``) is not written at all, so an earlier grade stays.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from seclab.errors import NothingToGrade
from seclab.grading.intake import TIMESTAMP_FILE, mark_graded
from seclab.grading.worker import SubmissionResult
from seclab.release import run_nbgrader


def ensure_assignment(course: Path, assignment: str) -> None:
    """The assignment is in the gradebook (``generate_assignment`` when not); NothingToGrade without a source."""
    from nbgrader.api import Gradebook, MissingEntry

    if not (course / "source" / assignment).is_dir():
        raise NothingToGrade(f"no source/{assignment}/ in {course}: is that the course root and the assignment id?")
    try:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            gradebook.find_assignment(assignment)
            return
    except MissingEntry:
        pass
    print(f"{assignment} is not in the gradebook yet: running nbgrader generate_assignment", flush=True)
    run_nbgrader(["generate_assignment", assignment, "--create", "--force"], course)


@contextmanager
def quiet_sqlalchemy() -> Iterator[None]:
    """nbgrader's gradebook code triggers harmless SQLAlchemy session warnings; keep them off the log."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*not in session.*")
        yield


def _save_grades(gradebook: Any, notebook: Any, assignment: str, student: str, notebook_id: str) -> None:
    """What nbgrader's SaveAutoGrades stores, in one transaction instead of one per cell."""
    from nbgrader import utils

    for cell in notebook.cells:
        if utils.is_grade(cell):
            grade = gradebook.find_grade(cell.metadata.nbgrader.grade_id, notebook_id, assignment, student)
            grade.auto_score, _ = utils.determine_grade(cell)
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        if utils.is_solution(cell) or utils.is_task(cell):
            comment = gradebook.find_comment(cell.metadata.nbgrader.grade_id, notebook_id, assignment, student)
            unchanged = cell.metadata.nbgrader.get("checksum") == utils.compute_checksum(cell)
            comment.auto_comment = "No response." if unchanged and not utils.is_task(cell) else None
    # nbgrader's default late-submission policy: no penalty
    gradebook.find_submission_notebook(notebook_id, assignment, student).late_submission_penalty = None
    gradebook.db.commit()


def _submission(gradebook: Any, assignment: str, student: str, files: dict[str, bytes]) -> Any:
    gradebook.update_or_create_student(student)
    timestamp = files.get(TIMESTAMP_FILE, b"").decode("utf-8", errors="replace").strip()
    if timestamp:
        try:
            return gradebook.update_or_create_submission(assignment, student, timestamp=timestamp)
        except Exception:  # an unparsable timestamp: graded without one  # noqa: S110  # nosec B110
            gradebook.db.rollback()
    return gradebook.update_or_create_submission(assignment, student)


def record_outcome(gradebook: Any, course: Path, assignment: str, outcome: SubmissionResult,
                   files: dict[str, bytes], digest: str) -> None:
    """Write autograded/, the gradebook and the done-marker for one graded submission."""
    _submission(gradebook, assignment, outcome.student, files)
    target = course / "autograded" / outcome.student / assignment
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
    try:
        _stage(gradebook, course, assignment, outcome, files, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)
    submission = gradebook.find_submission(assignment, outcome.student)
    outcome.score, outcome.max_score = submission.score, submission.max_score
    mark_graded(course, assignment, outcome.student, digest)


def _stage(gradebook: Any, course: Path, assignment: str, outcome: SubmissionResult, files: dict[str, bytes],
           staging: Path) -> None:
    import nbformat
    from nbgrader.preprocessors import LimitOutput

    for name, data in files.items():
        if not name.endswith(".ipynb"):
            (staging / name).write_bytes(data)
    for path in (course / "source" / assignment).iterdir():
        if path.is_file() and not path.is_symlink() and path.suffix != ".ipynb":
            shutil.copy2(path, staging / path.name)
    for notebook_id, text in outcome.notebooks.items():
        notebook = nbformat.reads(text, as_version=4)
        notebook, _ = LimitOutput().preprocess(notebook, {})
        _save_grades(gradebook, notebook, assignment, outcome.student, notebook_id)
        nbformat.write(notebook, staging / f"{notebook_id}.ipynb")


def record_failure(gradebook: Any, assignment: str, outcome: SubmissionResult, files: dict[str, bytes]) -> None:
    """A submission that is unusable (no valid notebook) scores zero, and is reported (no marker: retried)."""
    submission = _submission(gradebook, assignment, outcome.student, files)
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
    gradebook.db.commit()
    outcome.max_score = submission.max_score


def earlier_score(gradebook: Any, assignment: str, student: str) -> tuple[float, float] | None:
    """The score the gradebook already holds for ``student``, if any."""
    from nbgrader.api import MissingEntry

    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return None
    return submission.score, submission.max_score
