"""Replay a recorded exploit inside the grading sandbox, never in the grader's own process.

Some exploit payloads run code when they work (a pickle, a YAML tag): replaying them in
the grader would hand the learner the grader. ``replay_in_sandbox`` runs a trusted
replay function of the topic in a fresh sandbox process (the same limits, scrubbed
environment and view of the file system as the learner's program, see
``seclab.grading.sandbox``; ``policy.REPLAY`` limits), in a fresh empty temporary folder, and reports the call's outcome and which files the call
left in that folder; the folder is looked at from outside, after the process has ended.
An exercise's ``spec.exploit_works`` calls it once per twin.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seclab.errors import GradingSetupError
from seclab.grading import policy
from seclab.grading.sandbox import Sandbox
from seclab.outcomes import Outcome
from seclab.spec import Case, Expectation


@dataclass(frozen=True)
class Replay:
    """What one replay did: the call's outcome and the names of the regular files left in its folder."""

    outcome: Outcome
    files: frozenset[str]


def replay_in_sandbox(exercise: str, module: str, function: str, args: list[Any]) -> Replay:
    """Call ``module.function(*args)`` in a fresh grading sandbox, working in a fresh empty folder.

    Inside a sandbox already (the class grader's kernel), the replay is a plain child
    process of it, with the same limits.

    Returns the outcome (plain data, as ``Sandbox.call`` gives it) and the names of the
    regular files (not folders or links) in that folder once the sandbox has stopped.

    ``module`` is trusted course code (e.g. ``seclab.topics.integrity.targets``), ``args``
    plain JSON data such as the recorded payload. The call gets the sandbox's time
    limit; a payload that hangs or ends the process only ends its replay.
    GradingSetupError when the replay itself cannot be loaded (a broken installation).
    """
    with tempfile.TemporaryDirectory(prefix="seclab-replay-") as folder:
        program = [f"import os\nfrom {module} import {function} as replay\nos.chdir({folder!r})\n"]
        with Sandbox(exercise, program, limits=policy.REPLAY, writable=[folder]) as box:
            if box.load_failure is not None or box.cell_errors:
                raise GradingSetupError(f"the replay of {module}.{function} could not load: "
                                        f"{box.load_failure or box.cell_errors}")
            outcome = box.call(Case("replay", "replay", "replay", tuple(args),
                                    Expectation(lambda _outcome: True, "anything")))
        files = frozenset(path.name for path in Path(folder).iterdir() if path.is_file() and not path.is_symlink())
    return Replay(outcome, files)
