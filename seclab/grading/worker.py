"""One submission, in a grading worker process: sanitise, verify, execute, judge.

``grade_submission`` never raises and hands back plain data only (``SubmissionResult``,
a dataclass of strings, numbers and lists): whatever a notebook or nbgrader throws is
turned into a status and a note, so one submission cannot break the worker pool.
Per notebook it

1. sanitises the notebook with nbgrader's own preprocessors (locked cells restored from
   the gradebook) and puts back test cells a student deleted,
2. verifies the program in the isolated sandbox with the public and hidden corpus
   (``seclab.grading``), and re-checks every hidden test outside the kernel (``trusted``),
3. executes the notebook in the confined kernel (``executor``), whose hidden tests get
   the very same verdicts,

and writes nothing in the course: the main process records the result.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seclab.grading import policy
from seclab.grading.intake import SUBMISSION_SECRET_FILE, TIMESTAMP_FILE

#: graded: recorded; attention: recorded, look at it; failed: recorded as zero (the
#: submission is unusable); error: the grader could not grade it, nothing recorded
STATUSES = ("graded", "attention", "failed", "error")


@dataclass
class SubmissionResult:
    """What happened to one submission (plain data only)."""

    student: str
    status: str = "graded"
    score: float = 0.0
    max_score: float = 0.0
    notes: list[str] = field(default_factory=list)
    notebooks: dict[str, str] = field(default_factory=dict)  # notebook id -> executed JSON

    def flag(self, note: str, status: str = "attention") -> None:
        """Add ``note``; the status only ever gets worse (graded < attention < failed < error)."""
        self.notes.append(note)
        if STATUSES.index(status) > STATUSES.index(self.status):
            self.status = status


_kernel: Any = None


def start_worker(confined: bool) -> None:
    """Pool initializer: the worker's kernel (started on first use) and warm imports."""
    global _kernel
    from seclab.grading.executor import Kernel

    _kernel = Kernel(confined)
    import nbformat  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401

    import seclab.grading.trusted  # noqa: F401


def stop_worker() -> None:
    if _kernel is not None:
        _kernel.stop()


def grade_submission(course: str, assignment: str, student: str, files: dict[str, bytes],
                     cell_seconds: float = policy.KERNEL.seconds,
                     submission_seconds: float = policy.SUBMISSION_SECONDS) -> SubmissionResult:
    """Worker task: grade the validated ``files`` of one submission; never raises."""
    outcome = SubmissionResult(student)
    try:
        _grade(Path(course), assignment, files, cell_seconds, submission_seconds, outcome)
    except BaseException as error:  # plain data back, whatever happened (nbgrader errors do not pickle)
        from seclab.errors import KernelLost

        outcome.notebooks.clear()
        what = "grading stopped" if isinstance(error, KernelLost) else "grader error"
        outcome.flag(f"{what}: {type(error).__name__}: {str(error)[:300]}; nothing was recorded", "error")
    return outcome


def _sanitise(notebook: Any, resources: dict[str, Any]) -> Any:
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    for preprocessor in (ClearOutput(), DeduplicateIds(), OverwriteKernelspec(), OverwriteCells(),
                         CheckCellMetadata()):
        notebook, resources = preprocessor.preprocess(notebook, resources)
    return notebook


def _grade(course: Path, assignment: str, files: dict[str, bytes], cell_seconds: float,
           submission_seconds: float, outcome: SubmissionResult) -> None:
    import nbformat

    from seclab import grading
    from seclab.answers import ANSWERS_FILE
    from seclab.grading import analysis, trusted
    from seclab.notebooks import grade_id, read_cells

    db_url = f"sqlite:///{course / 'gradebook.db'}"
    source_folder = course / "source" / assignment
    notebook_ids = sorted(p.stem for p in source_folder.glob("*.ipynb"))
    instructor_files = {p.name: p.read_bytes() for p in source_folder.iterdir()
                        if p.is_file() and not p.is_symlink() and p.suffix != ".ipynb"}
    with tempfile.TemporaryDirectory(prefix="seclab-grade-") as scratch:
        workdir = Path(scratch) / assignment
        workdir.mkdir()
        for notebook_id in notebook_ids:
            name = f"{notebook_id}.ipynb"
            if name not in files:
                outcome.notes.append(f"{name} was not submitted")
                continue
            try:
                notebook = nbformat.reads(files[name].decode("utf-8"), as_version=4)
            except Exception as error:  # any damage: JSON, schema, encoding
                outcome.flag(f"{name} is not a valid notebook ({type(error).__name__})", "failed")
                continue
            instructor = read_cells(source_folder / name)
            edited = analysis.edited_locked_cells(notebook, instructor)
            if edited:
                outcome.flag(f"edited locked cells {', '.join(edited)} (restored)")
            shadowed = analysis.shadowed_locked_names(notebook)
            if shadowed:
                outcome.flag(f"redefines names the locked cells provide: {', '.join(shadowed)}")
            twice = analysis.duplicated_grade_ids(notebook)
            if twice:
                outcome.flag(f"cells copied with their grading metadata: {', '.join(twice)}")
            restored = analysis.restore_missing_cells(notebook, instructor)
            if restored:
                outcome.flag(f"restored deleted cells {', '.join(restored)}")
            resources = {"nbgrader": {"student": outcome.student, "assignment": assignment,
                                      "notebook": notebook_id, "db_url": db_url}}
            try:
                notebook = _sanitise(notebook, resources)
            except Exception as error:  # nbgrader refuses the cells' metadata
                outcome.flag(f"{name} has broken nbgrader metadata ({type(error).__name__}: "
                             f"{str(error)[:200]})", "failed")
                continue
            path = workdir / name
            nbformat.write(notebook, path)
            checks = {grade_id(cell): trusted.hidden_checks(cell.source) for cell in notebook.cells
                      if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
                      and not cell.metadata["nbgrader"].get("solution")}
            exercises = sorted({c.args[0] for found in checks.values() for c in found if c.name == "require"})
            verdicts = {exercise: grading.verify(exercise, path) for exercise in exercises}
            # The program is judged as submitted, before any of it runs; recorded answers after,
            # since answer cells may record them.
            program_problems = {gid: [trusted.evaluate(c, workdir, path) for c in found if c.name == "require"]
                                for gid, found in checks.items()}
            anomalies = _verification_anomalies(verdicts)
            if anomalies:
                outcome.flag("isolated run: " + "; ".join(anomalies))
            kernel_files = {k: v for k, v in files.items()
                            if not k.endswith(".ipynb") and k not in (TIMESTAMP_FILE, SUBMISSION_SECRET_FILE)}
            kernel_files.update(instructor_files)  # instructor files win, as in nbgrader
            kernel_files[name] = path.read_bytes()
            from seclab.grading import worker as this

            executed = this._kernel.run([cell.source if cell.cell_type == "code" else "" for cell in notebook.cells],
                                        kernel_files, assignment, cell_seconds, verdicts, submission_seconds)
            answers = workdir / ANSWERS_FILE
            answers.unlink(missing_ok=True)
            if executed.answers is not None:
                answers.write_text(executed.answers, encoding="utf-8")
            verdict_of = {}
            for gid, found in checks.items():
                problems = program_problems[gid] + [trusted.evaluate(c, workdir, path)
                                                    for c in found if c.name != "require"]
                verdict_of[gid] = next((problem for problem in problems if problem), None)
            for note in executed.notes:
                outcome.flag(note)
            count = 0
            for number, (cell, cell_outputs) in enumerate(zip(notebook.cells, executed.outputs, strict=True),
                                                          start=1):
                if cell.cell_type != "code":
                    continue
                count += 1
                for note in analysis.kernel_anomalies(cell_outputs, str(course)):
                    outcome.flag(f"cell {number} {note}")
                cell.execution_count = count
                cell.outputs = [nbformat.from_dict(output) for output in cell_outputs]
                gid = grade_id(cell)
                if gid in verdict_of:
                    _apply_verdict(cell, verdict_of[gid], outcome)
            outcome.notebooks[notebook_id] = nbformat.writes(notebook)
        shutil.rmtree(workdir, ignore_errors=True)


def _verification_anomalies(verdicts: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """Parts whose isolated run crashed, hung or returned non-plain objects."""
    from seclab.grading import ANOMALIES

    notes = []
    for results in verdicts.values():
        for part, result in results.items():
            odd = [f"{category} ×{count}" for category, count in result["failed"].items() if category in ANOMALIES]
            if odd:
                notes.append(f"{part}: {', '.join(odd)}")
    return notes


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
        outcome.flag(f"{cell.metadata['nbgrader']['grade_id']}: the kernel reported success but the "
                     "isolated check failed (tampering?)")
        cell.outputs = [o for o in cell.outputs if o.output_type != "execute_result"]
        cell.outputs.append(nbformat.v4.new_output("error", ename="GradingFailure", evalue=problem,
                                                   traceback=[f"GradingFailure: {problem}"]))
