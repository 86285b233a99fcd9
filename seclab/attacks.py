"""Public payload corpora and attack drivers, one module per topic.

Lessons use them to demonstrate and ``check()`` fires them at a learner's code. The
graders add a larger, hidden corpus kept under ``autograder/hidden/`` (instructors may
replace it with their own).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class AttackResult:
    """What one attack achieved; ``succeeded`` is the verdict a lesson asserts on."""

    payload: str
    succeeded: bool
    evidence: str

    def __str__(self) -> str:
        """One line a learner reads: the verdict, what was sent, what it achieved."""
        verdict = "attack worked" if self.succeeded else "attack failed"
        return f"{verdict}: {self.payload} -> {self.evidence}"
