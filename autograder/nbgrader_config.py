"""nbgrader configuration: this folder is the course root.

Run nbgrader commands from here (``cd autograder``) or pass ``--course-dir autograder``.
"""

from pathlib import Path

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "safer-python"
c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.db_url = "sqlite:///" + str(Path(__file__).resolve().parent / "gradebook.db")

# Hidden tests verify solutions in a separate process; leave them room to run.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# The released exercise gets its solution cells stubbed, except where the exercise hands out
# code to repair (the capstone's vulnerable app): seclab.starter.StarterCells puts that in,
# right after ClearSolutions and before the checksums (a no-op for every other exercise).
c.GenerateAssignment.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "seclab.starter.StarterCells",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback names what failed and hints at the fix, without hidden test code or payloads.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "seclab.grading.feedback.RedactHiddenTests",
]
