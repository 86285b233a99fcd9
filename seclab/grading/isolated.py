"""The isolated process that runs a learner's program for the grader.

Started by ``seclab.grading.sandbox.Sandbox`` as ``python -I -m seclab.grading.isolated``
in an empty temporary directory, confined as ``seclab.grading.policy`` says. Protocol:
one JSON line in with the exercise id and the program cells, one JSON line out when
loaded; then one request line in (function, fixture, args) and one outcome line out,
until stdin closes. The learner's code never sees the protocol streams: its stdin is
/dev/null and its stdout goes to stderr.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import signal
import sys
from typing import Any, TextIO


def _private_streams() -> tuple[TextIO, TextIO]:
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return requests, replies


def _without_magics(code: str) -> str:
    """Comment out IPython-only lines (%magic, !shell) so plain Python can run the cell."""
    lines = code.splitlines()
    return "\n".join("# " + line if line.lstrip().startswith(("%", "!")) else line for line in lines)


def imported_modules(code: str) -> list[str]:
    """The absolute module names a cell imports (``import a.b``, ``from a import b``), in order."""
    try:
        tree = ast.parse(_without_magics(code))
    except (SyntaxError, ValueError):
        return []
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return list(dict.fromkeys(names))


def preimport(code: str) -> None:
    """Import the installed modules a cell names before its time limit starts.

    The per-cell limit is for the learner's code, not for loading FastAPI or Flask (seconds
    on a loaded machine). Only installed modules can be found (``python -I``: the working
    folder is not on ``sys.path``); a module that fails here fails again, reported as
    usual, when the cell runs. The sandbox's load deadline bounds this time too.
    """
    for name in imported_modules(code):
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except BaseException:  # the cell itself will raise it again and be reported
            pass


class CellTimeout(BaseException):
    """A program cell ran longer than ``policy.VERIFIER_CELL_SECONDS`` while loading."""


def _interrupt(signum: int, frame: Any) -> None:
    raise CellTimeout()


def load_program(cells: list[str], progress: TextIO | None = None) -> tuple[dict[str, Any], list[str]]:
    """Execute the cells in one namespace; a failing or hanging cell is noted, the rest still run.

    With ``progress``, a line ``{"loading": N}`` announces each cell first, so that the
    grader knows which cell it was if the process dies (``os._exit``, a hard crash).
    """
    from seclab.grading.policy import VERIFIER_CELL_SECONDS

    namespace: dict[str, Any] = {"__name__": "__main__"}
    errors = []
    signal.signal(signal.SIGALRM, _interrupt)
    for number, code in enumerate(cells, start=1):
        if progress is not None:
            progress.write(json.dumps({"loading": number}) + "\n")
            progress.flush()
        preimport(code)
        signal.setitimer(signal.ITIMER_REAL, VERIFIER_CELL_SECONDS)
        try:
            # dont_inherit: this module's `from __future__ import annotations` must not turn the learner's
            # annotations into strings (FastAPI and pydantic read them, e.g. a body model defined in a function)
            program = compile(_without_magics(code), f"<cell {number}>", "exec", dont_inherit=True)
            exec(program, namespace)  # the point of the sandbox  # nosec B102
        except BaseException as error:  # SystemExit included: a cell may not end the grader
            errors.append(f"cell {number} raised {type(error).__name__}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return namespace, errors


def main() -> None:
    requests, replies = _private_streams()
    setup = json.loads(requests.readline())
    from seclab.outcomes import run_case
    from seclab.spec import load_spec

    spec = load_spec(setup["exercise"])
    namespace, errors = load_program(setup["cells"], progress=replies)
    errors = list(setup.get("skipped", [])) + errors
    replies.write(json.dumps({"ready": True, "cell_errors": errors}) + "\n")
    replies.flush()
    for line in requests:
        request = json.loads(line)
        outcome = run_case(spec, namespace, request["function"], request.get("fixture"), request["args"],
                           request.get("scenario"))
        if outcome.get("error") == "missing" and errors:
            outcome["detail"] = "not defined; " + "; ".join(errors)
        replies.write(json.dumps(outcome) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
