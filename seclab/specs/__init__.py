"""What each exercise's functions must do, as cases a learner's code is judged on.

The spec of exercise ``NN_topic`` is the module ``seclab.specs.topic``. It defines
``PARTS`` (the graded parts), ``HINTS`` (per failure category), ``FIXTURES`` (how to
build leading arguments such as a seeded database inside whichever process runs the
code), ``public_corpus()``, ``cases(corpus, public)`` and, for an exploit challenge,
``exploit_works(payload)``. ``check()`` runs the public cases in the learner's kernel;
``seclab.grading`` runs all cases in an isolated process.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType

_EXERCISE_ID = re.compile(r"^\d\d_(?P<topic>[a-z][a-z0-9_]*)$")


def spec_module_name(exercise: str) -> str:
    """``"03_injection"`` -> ``"seclab.specs.injection"``."""
    match = _EXERCISE_ID.match(exercise)
    if not match:
        raise KeyError(f"{exercise!r} is not an exercise id like '03_injection'")
    return f"seclab.specs.{match['topic']}"


def load_spec(exercise: str) -> ModuleType:
    """The spec module of ``exercise``; KeyError if there is none."""
    name = spec_module_name(exercise)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        raise KeyError(f"no spec for exercise {exercise!r}: expected a module {name}") from None
