"""Prompt Injection: the public payloads and the attack drivers that judge success."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seclab.attacks import AttackResult

#: TODO: the public payloads (the hidden ones are in autograder/hidden/17_prompt_injection.json)
PAYLOADS: list[Any] = []


def attack(feature: Callable[[Any], Any]) -> AttackResult:
    """Fire the public payloads at ``feature``; ``succeeded`` when the damage happened."""
    raise NotImplementedError("lesson 17: write this in seclab/topics/prompt_injection/attacks.py")
