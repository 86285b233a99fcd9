"""Old home of ``Sandbox``; it lives in ``seclab.grading.sandbox`` now."""

from seclab.grading.sandbox import CALL_SECONDS, LOAD_SECONDS, Sandbox

__all__ = ["CALL_SECONDS", "LOAD_SECONDS", "Sandbox"]
