"""Prompt Injection: the demo applications, as vulnerable and fixed twins.

``SERVABLE`` maps a target name to (summary, factory of a WSGI app) for
``python -m seclab.targets serve NAME``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {}


def vulnerable_feature(value: Any) -> Any:
    """TODO: the feature written the insecure way."""
    raise NotImplementedError("lesson 17: write this in seclab/topics/prompt_injection/targets.py")


def fixed_feature(value: Any) -> Any:
    """TODO: the same feature, fixed."""
    raise NotImplementedError("lesson 17: write this in seclab/topics/prompt_injection/targets.py")
