"""Prompt Injection: the playgrounds, as thin views over plain functions."""

from __future__ import annotations

from typing import Any


def playground() -> Any:
    """The lesson's playground widget."""
    raise NotImplementedError("lesson 17: write this in seclab/topics/prompt_injection/widgets.py")


def exploit_playground(record_key: str = "exploit") -> Any:
    """The exercise's exploit playground; records the payload under ``record_key``."""
    raise NotImplementedError("lesson 17: write this in seclab/topics/prompt_injection/widgets.py")
