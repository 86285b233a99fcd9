"""The course's own exceptions: one root, ``SeclabError``, and a subclass per kind of problem.

Each subclass also derives from the built-in exception a caller would expect (a damaged
file is a ``ValueError``, a failed tool run a ``RuntimeError``), so code may catch either
the precise class, ``SeclabError`` for anything the course raises, or the built-in one.
Library functions raise these; only a command's ``main()`` turns them into an exit code.
"""

from __future__ import annotations


class SeclabError(Exception):
    """Base class of every error the course's own code raises on purpose."""


class CourseManifestError(SeclabError, ValueError):
    """course.toml is missing or does not describe the course correctly."""


class UnknownExerciseError(SeclabError, KeyError):
    """An exercise id that course.toml does not list (or whose topic has no spec)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NotebookError(SeclabError, ValueError):
    """A file is not a readable notebook."""


class NavigationError(SeclabError, ValueError):
    """A notebook cannot get its navigation cells (not a lesson, or damaged cells)."""


class AnswersFileError(SeclabError, ValueError):
    """The answers file exists but cannot be read as answers."""


class ScaffoldError(SeclabError, ValueError):
    """A new lesson cannot be scaffolded as asked (bad number or topic, files in the way)."""


class ToolError(SeclabError, RuntimeError):
    """An external tool the course runs (bandit, nbgrader, …) failed."""


class BanditError(ToolError):
    """bandit could not scan the code."""


class NbgraderError(ToolError):
    """An nbgrader command failed; the message carries the end of its log."""


class GradingSetupError(SeclabError, RuntimeError):
    """The grader itself is misconfigured (e.g. the hidden corpus is missing or damaged)."""


class SandboxError(GradingSetupError):
    """The isolated process that runs a learner's code could not be started."""


class ConfinementError(GradingSetupError):
    """Learner code cannot be confined here (no bwrap, no namespaces) and confinement is required."""


class KernelLost(GradingSetupError):
    """The class grader's kernel did not answer within a submission's wall clock, or died."""


class NothingToGrade(GradingSetupError):
    """The course root has no such assignment or no submissions of it."""


class UncheckableHiddenTest(GradingSetupError, ValueError):
    """A hidden test block calls something other than the grading functions with literals."""


class GradingFailure(SeclabError, AssertionError):
    """A graded part does not hold; the message is feedback for the learner.

    An ``AssertionError``, so that nbgrader counts the test cell as failed.
    """


class NoErrorRaised(SeclabError, AssertionError):
    """A block was expected to fail and did not: the lesson's claim no longer holds."""


class ResponseTooLarge(SeclabError, ValueError):
    """A response body is longer than the caller's size cap (``http_request(max_bytes=...)``)."""


class NotPlainError(SeclabError, TypeError):
    """A value contains something other than exact built-in data types."""
