"""Grade a whole class: in parallel, confined, resumable, and without trusting any student.

``grade_class(course, assignment)`` grades every ``submitted/<student>/<assignment>/`` of
the course root and leaves what ``nbgrader autograde`` leaves (the gradebook,
``autograded/``), then runs nbgrader's ``generate_feedback`` and ``export``. The command
line is ``seclab.grading.cli`` (``make grade ASSIGNMENT=…``). The jobs are split:

- ``intake``: finding submissions, validating their files, digests and resume markers;
- ``worker``: one submission in a worker process (sanitise, verify, execute, judge);
- ``executor``/``kernel``: the confined kernel that executes a notebook;
- ``records``: the gradebook and ``autograded/``, written by this process alone;
- ``policy``: the sandbox's limits, environment and view of the file system.

Grades equal those of serial ``nbgrader autograde`` for honest work; a kernel that
claims more than the isolated check confirms gets the confirmed points and is flagged.
A submission that breaks anything costs only its own grade: the pool is rebuilt and the
others are graded, and a grader error records nothing (an earlier grade stays).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path

from seclab.errors import ConfinementError, NothingToGrade
from seclab.grading import intake, policy, records
from seclab.grading.intake import already_graded, submission_folders, tree_digest
from seclab.grading.worker import SubmissionResult, grade_submission, start_worker
from seclab.release import run_nbgrader

__all__ = ["SubmissionResult", "grade_class", "print_summary", "submission_folders", "tree_digest"]

UNCONFINED_BANNER = ("!!! STUDENT CODE RAN UNCONFINED: it could read and change the course, the hidden "
                     "tests and other students' work. Do not use these grades for a graded class. !!!")
#: wall clock the main process grants a worker beyond a submission's own limit
_POOL_GRACE_SECONDS = 120.0


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def _graded_in_pools(course: Path, assignment: str, work: dict[str, dict[str, bytes]], workers: int,
                     cell_seconds: float, submission_seconds: float, confined: bool) -> Iterator[SubmissionResult]:
    """Grade ``work`` (student -> validated files) in worker pools; a broken or stuck pool is rebuilt.

    A submission in flight when a pool broke is tried once more; if it breaks a pool again
    it is reported as a grader error.
    """
    queue = list(work)
    tries: Counter[str] = Counter()
    context = get_context("fork")
    stall = submission_seconds + _POOL_GRACE_SECONDS
    while queue:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=start_worker,
                                   initargs=(confined,))
        pending: dict[Future[SubmissionResult], str] = {
            pool.submit(grade_submission, str(course), assignment, student, work[student], cell_seconds,
                        submission_seconds): student
            for student in queue}
        queue = []
        try:
            while pending:
                done, _ = wait(pending, timeout=stall, return_when=FIRST_COMPLETED)
                if not done:  # nothing finished for longer than any submission may take
                    for student in pending.values():
                        tries[student] += 1
                        queue.append(student)
                    pending.clear()
                    break
                for future in done:
                    student = pending.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        tries[student] += 1
                        queue.append(student)
                    except Exception as error:  # noqa: BLE001 - reported, never recorded
                        yield SubmissionResult(student, "error", notes=[
                            f"grader error: {type(error).__name__}: {error}; nothing was recorded"])
                if queue:  # the pool is broken: everything still pending goes round again
                    for student in pending.values():
                        tries[student] += 1
                        queue.append(student)
                    pending.clear()
        finally:
            _kill_pool(pool)  # each worker's kernel dies with it (bwrap --die-with-parent, or its pipe closes)
        for student in [s for s in queue if tries[s] > 1]:
            queue.remove(student)
            yield SubmissionResult(student, "error", notes=[
                "grading this submission broke or stalled the grading worker twice; nothing was recorded"])


def grade_class(course: Path, assignment: str, workers: int | None = None, feedback: bool = True,
                cell_seconds: float = policy.KERNEL.seconds, unconfined: bool = False,
                submission_seconds: float = policy.SUBMISSION_SECONDS) -> list[SubmissionResult]:
    """Grade every submission of ``assignment``; prints progress and returns the outcomes.

    ConfinementError when learner code cannot be confined here, unless ``unconfined``;
    NothingToGrade when the course has no such assignment or no submissions of it.
    """
    confined = False
    if not unconfined:
        works, why = policy.confinement()
        if not works:
            raise ConfinementError(f"student code cannot be confined here: {why}. Grade anyway, unconfined, "
                                   "only for practice: --unconfined")
        confined = True
    course = course.resolve()
    records.ensure_assignment(course, assignment)
    folders = submission_folders(course, assignment)
    if not folders:
        raise NothingToGrade(f"no submissions in {course / 'submitted'}/*/{assignment}/ — collect them first")
    before = intake.course_digests(course, assignment)
    notebook_ids = sorted(p.stem for p in (course / "source" / assignment).glob("*.ipynb"))
    digests = {student: tree_digest(folder) for student, folder in folders.items()}
    todo = [s for s in folders if not already_graded(course, assignment, s, digests[s])]
    workers = workers or os.cpu_count() or 1
    print(f"{assignment}: {len(folders)} submissions, {len(folders) - len(todo)} already graded, "
          f"{len(todo)} to grade on {workers} workers" + ("" if confined else " (UNCONFINED)"), flush=True)
    intakes = {student: intake.read_submission(folders[student], notebook_ids) for student in todo}
    outcomes: list[SubmissionResult] = []
    started = time.monotonic()
    from nbgrader.api import Gradebook

    work = {student: found.files for student, found in intakes.items()}
    with records.quiet_sqlalchemy(), Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for outcome in _graded_in_pools(course, assignment, work, workers, cell_seconds, submission_seconds,
                                        confined):
            student = outcome.student
            for note in intakes[student].refused:
                outcome.flag(note)
            if outcome.status == "error":
                earlier = records.earlier_score(gradebook, assignment, student)
                outcome.notes.append("earlier grade kept: " + (f"{earlier[0]:g}/{earlier[1]:g}" if earlier
                                                                else "none"))
            else:
                try:
                    if outcome.status == "failed" and not outcome.notebooks:
                        records.record_failure(gradebook, assignment, outcome, intakes[student].files)
                    else:
                        records.record_outcome(gradebook, course, assignment, outcome, intakes[student].files,
                                               digests[student])
                except Exception as error:  # e.g. a grade cell the gradebook does not know
                    gradebook.db.rollback()
                    outcome.notebooks.clear()
                    outcome.flag(f"could not be recorded ({type(error).__name__}: {str(error)[:200]}); "
                                 "nothing was recorded", "error")
                    earlier = records.earlier_score(gradebook, assignment, student)
                    outcome.notes.append("earlier grade kept: " + (f"{earlier[0]:g}/{earlier[1]:g}" if earlier
                                                                    else "none"))
            outcomes.append(outcome)
            score = "not graded" if outcome.status == "error" else f"{outcome.score:g}/{outcome.max_score:g}"
            print(f"[{len(outcomes)}/{len(todo)}] {student}: {score}"
                  + (f"  ({outcome.status}: {'; '.join(outcome.notes)})" if outcome.notes else ""), flush=True)
    changed = [name for name, digest in intake.course_digests(course, assignment).items()
               if before.get(name) != digest]
    changed += [f"submitted/{student}/{assignment}" for student, folder in folders.items()
                if tree_digest(folder) != digests[student]]
    for name in changed:
        print(f"WARNING: {name} changed during grading; find out why and restore it from your copy", flush=True)
    elapsed = time.monotonic() - started
    if feedback and not any((course / "autograded").glob(f"*/{assignment}/*.ipynb")):
        print("nothing autograded yet: no feedback to generate", flush=True)
    elif feedback:
        print("generating feedback and exporting grades …", flush=True)
        run_nbgrader(["generate_feedback", assignment, "--force"], course)
        run_nbgrader(["export", "--to", "grades.csv"], course)
    print_summary(outcomes, elapsed, confined, changed)
    return outcomes


def print_summary(outcomes: list[SubmissionResult], seconds: float, confined: bool = True,
                  changed: list[str] | None = None) -> None:
    by_status = {status: [o for o in outcomes if o.status == status]
                 for status in ("graded", "attention", "failed", "error")}
    print(f"\nsummary: {len(by_status['graded'])} graded, {len(by_status['attention'])} need attention, "
          f"{len(by_status['failed'])} failed, {len(by_status['error'])} not graded (grader error) "
          f"({seconds:.1f} s)")
    for status in ("attention", "failed", "error"):
        for outcome in by_status[status]:
            print(f"  {status}: {outcome.student}: {'; '.join(outcome.notes)}")
    for name in changed or []:
        print(f"  CHANGED during grading: {name}")
    if not confined:
        print("\n" + UNCONFINED_BANNER)


def main(argv: list[str] | None = None) -> int:
    """``python -m seclab.grading.classroom`` is the same command as ``python -m seclab.grading.cli``."""
    from seclab.grading.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    import sys

    sys.exit(main())
