"""What each exercise's functions must do, as cases a learner's code is judged on.

A spec module defines ``PARTS`` (the graded parts), ``FIXTURES`` (how to build the
leading arguments, e.g. a seeded database, inside whichever process runs the code) and
``cases(corpus)`` (the cases for a payload corpus). ``check()`` runs the public cases
in the learner's kernel; ``seclab.grading`` runs all cases in an isolated process.
"""

from __future__ import annotations

import importlib
from types import ModuleType

SPEC_MODULES = {
    "03_injection": "seclab.specs.injection",
}


def load_spec(exercise: str) -> ModuleType:
    """The spec module of ``exercise``; KeyError names the known exercises."""
    try:
        return importlib.import_module(SPEC_MODULES[exercise])
    except KeyError:
        raise KeyError(
            f"no spec for exercise {exercise!r}; known: {', '.join(SPEC_MODULES)}"
        ) from None
