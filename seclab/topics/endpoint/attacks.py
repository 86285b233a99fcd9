"""Securing an Endpoint: the public payloads and the attack drivers that judge success."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seclab.attacks import AttackResult

#: TODO: the public payloads (the hidden ones are in autograder/hidden/13_endpoint.json)
PAYLOADS: list[Any] = []


def attack(feature: Callable[[Any], Any]) -> AttackResult:
    """Fire the public payloads at ``feature``; ``succeeded`` when the damage happened."""
    raise NotImplementedError("lesson 13: write this in seclab/topics/endpoint/attacks.py")
