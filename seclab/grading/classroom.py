"""Grade a whole class: in parallel, resumable, and without trusting any student's kernel.

``python -m seclab.grading.classroom grade ASSIGNMENT`` (``make grade ASSIGNMENT=…``)
grades every ``submitted/<student>/<assignment>/`` of the course root and leaves what
``nbgrader autograde`` leaves (the gradebook, ``autograded/``), then runs nbgrader's
``generate_feedback`` and ``export``. Per submission, a worker process

1. sanitises the notebook with nbgrader's own preprocessors (locked cells restored from
   the gradebook) and puts back test cells a student deleted,
2. executes it in a forked, confined child (``executor``) instead of a new kernel,
3. re-checks every hidden test outside the kernel (``trusted``),

and the main process alone writes the gradebook, one submission at a time, then marks
the submission done, so a killed run resumes where it stopped. Grades equal those of
serial ``nbgrader autograde`` for honest work; a kernel that claims more than the
isolated check confirms gets the confirmed points and is flagged.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from seclab.grading.executor import CELL_SECONDS
from seclab.release import NbgraderError, run_nbgrader

GRADER_VERSION = "1"
DONE_MARKER = ".seclab-graded"
CHILD_ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "MALLOC_ARENA_MAX": "2",
                     "NBGRADER_EXECUTION": "autograde", "MPLBACKEND": "Agg"}


@dataclass
class SubmissionResult:
    """What happened to one submission; ``status`` is graded, failed or attention."""

    student: str
    status: str = "graded"
    score: float = 0.0
    max_score: float = 0.0
    notes: list[str] = field(default_factory=list)
    notebooks: dict[str, str] = field(default_factory=dict)  # notebook id -> executed JSON


# --- finding work ------------------------------------------------------------------------

def submission_folders(course: Path, assignment: str) -> dict[str, Path]:
    """student id -> their submitted folder for ``assignment``."""
    found = {}
    submitted = course / "submitted"
    if submitted.is_dir():
        for student in sorted(submitted.iterdir()):
            folder = student / assignment
            if folder.is_dir():
                found[student.name] = folder
    return found


def tree_digest(folder: Path) -> str:
    """A digest of every file (names and bytes) below ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _marker(course: Path, assignment: str, student: str) -> Path:
    return course / "autograded" / student / assignment / DONE_MARKER


def already_graded(course: Path, assignment: str, student: str, digest: str) -> bool:
    try:
        return _marker(course, assignment, student).read_text() == f"{GRADER_VERSION}:{digest}"
    except FileNotFoundError:
        return False


# --- the worker side ---------------------------------------------------------------------

def _warm_up() -> None:
    """Import what notebooks use once per worker, so each forked child starts warm."""
    import IPython.core.interactiveshell  # noqa: F401
    import ipywidgets  # noqa: F401
    import jinja2  # noqa: F401
    import nbformat  # noqa: F401

    import seclab.check  # noqa: F401
    import seclab.quiz  # noqa: F401


def _instructor_cells(course: Path, assignment: str, notebook_id: str) -> list[dict[str, Any]]:
    from seclab.notebooks import read_cells

    return read_cells(course / "source" / assignment / f"{notebook_id}.ipynb")


def _restore_missing_cells(notebook: Any, instructor: list[dict[str, Any]]) -> list[str]:
    """Put back locked or graded cells the student deleted; returns their grade_ids."""
    import nbformat

    from seclab.notebooks import grade_id, source

    present = {grade_id(cell) for cell in notebook.cells}
    restored = []
    for position, cell in enumerate(instructor):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = grade_id(cell)
        if not gid or gid in present or not (meta.get("locked") or meta.get("grade")):
            continue
        before = {grade_id(c) for c in instructor[:position]}
        insert_at = 0
        for index, existing in enumerate(notebook.cells):
            if grade_id(existing) in before:
                insert_at = index + 1
        restored_cell = nbformat.from_dict(cell)
        restored_cell.source = source(cell)
        notebook.cells.insert(insert_at, restored_cell)
        present.add(gid)
        restored.append(gid)
    return restored


def _edited_locked_cells(notebook: Any, instructor: list[dict[str, Any]]) -> list[str]:
    """grade_ids of locked cells whose submitted source differs from the instructor's released one."""
    from seclab.grading.feedback import redact_source
    from seclab.notebooks import grade_id, source

    def released(text: str) -> str:
        return redact_source(text).replace("# (hidden tests ran here; their code is not shown)", "").strip()

    originals = {grade_id(c): released(source(c)) for c in instructor
                 if c.get("metadata", {}).get("nbgrader", {}).get("locked")}
    return [grade_id(cell) for cell in notebook.cells
            if grade_id(cell) in originals and released(cell.source) != originals[grade_id(cell)]
            and cell.source.strip() != originals[grade_id(cell)]]


def _defined_names(code: str, imports: bool = True) -> set[str]:
    """Top-level names a cell binds (assignments, defs, classes and, with ``imports``, imports)."""
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom) and imports:
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name))
    return names


def _shadowed_locked_names(notebook: Any) -> list[str]:
    """Names that the student's own cells rebind although a locked cell provides them.

    Re-importing a module the setup cell imports is harmless and not counted.
    """
    locked: set[str] = set()
    mine: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if cell.metadata.get("nbgrader", {}).get("locked"):
            locked |= _defined_names(cell.source)
        else:
            mine |= _defined_names(cell.source, imports=False)
    return sorted(locked & mine)


def _verification_anomalies(notebook_path: Path, checks: dict[str, list[Any]]) -> list[str]:
    """Parts whose isolated run crashed, hung or returned non-plain objects."""
    from seclab.grading import ANOMALIES, verify

    exercises = {c.args[0] for found in checks.values() for c in found if c.name == "require"}
    notes = []
    for exercise in sorted(exercises):
        for part, result in verify(exercise, notebook_path).items():
            odd = [f"{category} ×{count}" for category, count in result["failed"].items() if category in ANOMALIES]
            if odd:
                notes.append(f"{part}: {', '.join(odd)}")
    return notes


def grade_submission(course: str, assignment: str, student: str, folder: str,
                     cell_seconds: float = CELL_SECONDS) -> SubmissionResult:
    """Worker task: sanitise, execute and check one submission (writes nothing in the course)."""
    import nbformat
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    from seclab.grading import trusted
    from seclab.grading.confine import protected_paths
    from seclab.grading.executor import execute_cells
    from seclab.notebooks import grade_id

    course_root = Path(course)
    outcome = SubmissionResult(student)
    db_url = f"sqlite:///{course_root / 'gradebook.db'}"
    protect = protected_paths(course)
    notebook_ids = sorted(p.stem for p in (course_root / "source" / assignment).glob("*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="seclab-grade-") as scratch:
        workdir = Path(scratch) / assignment
        shutil.copytree(folder, workdir, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        for path in (course_root / "source" / assignment).iterdir():  # instructor files win, as in nbgrader
            if path.is_file() and path.suffix != ".ipynb":
                shutil.copy2(path, workdir / path.name)
        for notebook_id in notebook_ids:
            submitted = Path(folder) / f"{notebook_id}.ipynb"
            try:
                notebook = nbformat.read(submitted, as_version=4)
            except FileNotFoundError:
                outcome.notes.append(f"{notebook_id}.ipynb was not submitted")
                continue
            except Exception as error:  # any damage: JSON, schema, encoding
                outcome.status = "failed"
                outcome.notes.append(f"{notebook_id}.ipynb is not a valid notebook ({type(error).__name__})")
                continue
            resources = {"nbgrader": {"student": student, "assignment": assignment, "notebook": notebook_id,
                                      "db_url": db_url}}
            instructor = _instructor_cells(course_root, assignment, notebook_id)
            edited = _edited_locked_cells(notebook, instructor)
            if edited:
                outcome.status = "attention"
                outcome.notes.append(f"edited locked cells {', '.join(edited)} (restored)")
            shadowed = _shadowed_locked_names(notebook)
            if shadowed:
                outcome.status = "attention"
                outcome.notes.append(f"redefines names the locked cells provide: {', '.join(shadowed)}")
            restored = _restore_missing_cells(notebook, instructor)
            if restored:
                outcome.status = "attention"
                outcome.notes.append(f"restored deleted cells {', '.join(restored)}")
            for preprocessor in (ClearOutput(), DeduplicateIds(), OverwriteKernelspec(), OverwriteCells(),
                                 CheckCellMetadata()):
                notebook, resources = preprocessor.preprocess(notebook, resources)
            path = workdir / f"{notebook_id}.ipynb"
            nbformat.write(notebook, path)
            checks = {grade_id(cell): trusted.hidden_checks(cell.source) for cell in notebook.cells
                      if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
                      and not cell.metadata["nbgrader"].get("solution")}
            # The program is judged as submitted, before any of it runs (running it could rewrite the file);
            # recorded answers are judged after, since answer cells may record them.
            program_problems = {gid: [trusted.evaluate(c, workdir, path) for c in found if c.name == "require"]
                                for gid, found in checks.items()}
            anomalies = _verification_anomalies(path, checks)
            if anomalies:
                outcome.status = "attention"
                outcome.notes.append("isolated run: " + "; ".join(anomalies))
            cells = [cell.source if cell.cell_type == "code" else "" for cell in notebook.cells]
            outputs, notes = execute_cells(cells, str(workdir), dict(CHILD_ENVIRONMENT, HOME=str(workdir)), protect,
                                           cell_seconds)
            verdicts = {}
            for gid, found in checks.items():
                problems = program_problems[gid] + [trusted.evaluate(c, workdir, path)
                                                    for c in found if c.name != "require"]
                verdicts[gid] = next((problem for problem in problems if problem), None)
            if notes:
                outcome.status = "attention"
                outcome.notes.extend(notes)
            count = 0
            for number, (cell, cell_outputs) in enumerate(zip(notebook.cells, outputs, strict=True), start=1):
                if cell.cell_type != "code":
                    continue
                count += 1
                for note in _kernel_anomalies(cell_outputs):
                    outcome.status = "attention"
                    outcome.notes.append(f"cell {number} {note}")
                cell.execution_count = count
                cell.outputs = [nbformat.from_dict(output) for output in cell_outputs]
                gid = grade_id(cell)
                if gid in verdicts:
                    _apply_verdict(cell, verdicts[gid], outcome)
            outcome.notebooks[notebook_id] = nbformat.writes(notebook)
    return outcome


def _kernel_anomalies(outputs: list[dict[str, Any]]) -> list[str]:
    """What a cell did that an instructor should hear about (beyond failing a test)."""
    found = []
    for output in outputs:
        if output.get("output_type") != "error":
            continue
        name, value = output.get("ename", ""), str(output.get("evalue", ""))
        if name == "MemoryError":
            found.append("ran out of memory (MemoryError)")
        elif name == "SystemExit":
            found.append("called exit() (SystemExit)")
        elif "Read-only file system" in value:
            found.append("tried to write into the course (blocked: read-only)")
    return found


def _apply_verdict(cell: Any, problem: str | None, outcome: SubmissionResult) -> None:
    """Make a test cell's outputs say what the isolated check found."""
    import nbformat

    failed_in_kernel = any(o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr")
                           for o in cell.outputs)
    if problem is None:
        if not failed_in_kernel:  # full points: drop any number a kernel may have printed as "partial credit"
            cell.outputs = [o for o in cell.outputs if o.output_type != "execute_result"]
        return
    if not failed_in_kernel:
        outcome.status = "attention"
        outcome.notes.append(f"{cell.metadata['nbgrader']['grade_id']}: the kernel reported success but the "
                             "isolated check failed (tampering?)")
        cell.outputs = [o for o in cell.outputs if o.output_type != "execute_result"]
        cell.outputs.append(nbformat.v4.new_output("error", ename="GradingFailure", evalue=problem,
                                                   traceback=[f"GradingFailure: {problem}"]))


# --- the main process: the only writer -----------------------------------------------------

def _ensure_assignment(course: Path, assignment: str) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    if not (course / "source" / assignment).is_dir():
        raise SystemExit(f"no source/{assignment}/ in {course}: is that the course root and the assignment id?")
    try:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            gradebook.find_assignment(assignment)
            return
    except MissingEntry:
        pass
    print(f"{assignment} is not in the gradebook yet: running nbgrader generate_assignment", flush=True)
    run_nbgrader(["generate_assignment", assignment, "--create", "--force"], course)


@contextmanager
def _quiet_sqlalchemy() -> Iterator[None]:
    """nbgrader's gradebook code triggers harmless SQLAlchemy session warnings; keep them off the log."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*not in session.*")
        yield


def _timestamp(folder: Path) -> str | None:
    try:
        return (folder / "timestamp.txt").read_text().strip() or None
    except FileNotFoundError:
        return None


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


def record_outcome(gradebook: Any, course: Path, assignment: str, outcome: SubmissionResult, folder: Path,
                   digest: str) -> None:
    """Write autograded/, the gradebook and the done-marker for one graded submission."""
    import nbformat
    from nbgrader.preprocessors import LimitOutput

    gradebook.update_or_create_student(outcome.student)
    timestamp = _timestamp(folder)
    if timestamp:
        gradebook.update_or_create_submission(assignment, outcome.student, timestamp=timestamp)
    else:
        gradebook.update_or_create_submission(assignment, outcome.student)
    target = course / "autograded" / outcome.student / assignment
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
    shutil.copytree(folder, staging, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.ipynb"))
    for path in (course / "source" / assignment).iterdir():
        if path.is_file() and path.suffix != ".ipynb":
            shutil.copy2(path, staging / path.name)
    for notebook_id, text in outcome.notebooks.items():
        notebook = nbformat.reads(text, as_version=4)
        notebook, _ = LimitOutput().preprocess(notebook, {})
        _save_grades(gradebook, notebook, assignment, outcome.student, notebook_id)
        nbformat.write(notebook, staging / f"{notebook_id}.ipynb")
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)
    submission = gradebook.find_submission(assignment, outcome.student)
    outcome.score, outcome.max_score = submission.score, submission.max_score
    (target / DONE_MARKER).write_text(f"{GRADER_VERSION}:{digest}")


def _record_failure(gradebook: Any, assignment: str, outcome: SubmissionResult) -> None:
    """A submission that could not be graded at all scores zero (and is reported)."""
    gradebook.update_or_create_student(outcome.student)
    submission = gradebook.update_or_create_submission(assignment, outcome.student)
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
    gradebook.db.commit()
    outcome.max_score = submission.max_score


def grade_class(course: Path, assignment: str, workers: int | None = None,
                feedback: bool = True, cell_seconds: float = CELL_SECONDS) -> list[SubmissionResult]:
    """Grade every submission of ``assignment``; prints progress and returns the outcomes."""
    course = course.resolve()
    _ensure_assignment(course, assignment)
    folders = submission_folders(course, assignment)
    if not folders:
        raise SystemExit(f"no submissions in {course / 'submitted'}/*/{assignment}/ — collect them first")
    source_digest = tree_digest(course / "source" / assignment)
    digests = {student: tree_digest(folder) for student, folder in folders.items()}
    todo = [s for s in folders if not already_graded(course, assignment, s, digests[s])]
    print(f"{assignment}: {len(folders)} submissions, {len(folders) - len(todo)} already graded, "
          f"{len(todo)} to grade on {workers or os.cpu_count()} workers", flush=True)
    os.environ["SECLAB_PROTECT"] = str(course)
    outcomes: list[SubmissionResult] = []
    started = time.monotonic()
    context = get_context("fork")
    from nbgrader.api import Gradebook

    with _quiet_sqlalchemy(), Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook, \
            ProcessPoolExecutor(max_workers=workers or os.cpu_count(), mp_context=context,
                                initializer=_warm_up) as pool:
        pending: dict[Future[SubmissionResult], str] = {
            pool.submit(grade_submission, str(course), assignment, s, str(folders[s]), cell_seconds): s
            for s in todo}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                student = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as error:  # a worker crash must not stop the class
                    outcome = SubmissionResult(student, "failed", notes=[f"grader error: {type(error).__name__}: {error}"])
                if outcome.status == "failed" and not outcome.notebooks:
                    _record_failure(gradebook, assignment, outcome)
                else:
                    record_outcome(gradebook, course, assignment, outcome, folders[student], digests[student])
                outcomes.append(outcome)
                print(f"[{len(outcomes)}/{len(todo)}] {student}: {outcome.score:g}/{outcome.max_score:g}"
                      + (f"  ({outcome.status}: {'; '.join(outcome.notes)})" if outcome.notes else ""),
                      flush=True)
    if tree_digest(course / "source" / assignment) != source_digest:
        print(f"WARNING: source/{assignment} changed during grading; restore it from version control",
              flush=True)
    for student, folder in folders.items():
        if folder.exists() and tree_digest(folder) != digests[student]:
            print(f"WARNING: submitted/{student}/{assignment} changed during grading", flush=True)
    elapsed = time.monotonic() - started
    if feedback:
        print("generating feedback and exporting grades …", flush=True)
        run_nbgrader(["generate_feedback", assignment, "--force"], course)
        run_nbgrader(["export", "--to", "grades.csv"], course)
    print_summary(outcomes, elapsed)
    return outcomes


def print_summary(outcomes: list[SubmissionResult], seconds: float) -> None:
    by_status = {status: [o for o in outcomes if o.status == status] for status in ("graded", "attention", "failed")}
    print(f"\nsummary: {len(by_status['graded'])} graded, {len(by_status['attention'])} need attention, "
          f"{len(by_status['failed'])} failed ({seconds:.1f} s)")
    for status in ("attention", "failed"):
        for outcome in by_status[status]:
            print(f"  {status}: {outcome.student}: {'; '.join(outcome.notes)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seclab.grading.classroom", description=__doc__.split("\n")[0])
    parser.add_argument("assignment")
    parser.add_argument("--course-dir", type=Path, default=Path(__file__).resolve().parents[2] / "autograder")
    parser.add_argument("--workers", type=int, default=None, help="parallel workers (default: all cores)")
    parser.add_argument("--no-feedback", action="store_true", help="skip generate_feedback and export")
    parser.add_argument("--cell-timeout", type=float, default=CELL_SECONDS, help="seconds per cell")
    args = parser.parse_args(argv)
    try:
        outcomes = grade_class(args.course_dir, args.assignment, args.workers, feedback=not args.no_feedback,
                               cell_seconds=args.cell_timeout)
    except NbgraderError as error:
        print(error, file=sys.stderr)
        return 1
    return 0 if all(o.status != "failed" for o in outcomes) else 2


if __name__ == "__main__":
    sys.exit(main())

