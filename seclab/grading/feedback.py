"""nbgrader preprocessor: feedback that names what failed without revealing hidden tests.

nbgrader's feedback HTML would otherwise show the hidden test source and tracebacks
through it. Configured in ``autograder/nbgrader_config.py`` for ``generate_feedback``.
"""

from __future__ import annotations

import re
from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.DOTALL)
HIDDEN_NOTE = "# (hidden tests ran here; their code is not shown)"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def redact_source(source: str) -> str:
    """``source`` with every hidden-test block replaced by a short note."""
    return HIDDEN_BLOCK.sub(HIDDEN_NOTE, source)


class RedactHiddenTests(Preprocessor):
    """Remove hidden test code and shorten tracebacks to their final message."""

    enabled = Bool(True)  # nbconvert skips preprocessors registered by name unless enabled

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        nbgrader = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and nbgrader.get("grade") and not nbgrader.get("solution"):
            cell.source = redact_source(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    message = _ANSI.sub("", f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")
                    output["traceback"] = [message]
        return cell, resources
