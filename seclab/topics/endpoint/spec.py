"""Spec of exercise 13_endpoint: create_app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Part

PARTS = {
    part.name: part
    for part in [
        Part("create_app.works", "create_app", "TODO: create_app does its job"),
        Part("create_app.attack", "create_app", "TODO: create_app resists the attacks"),
    ]
}

HINTS: dict[str, str] = {
    "TODO": "TODO: one hint per failure category",
}

FIXTURES: dict[str, Callable[[], list[Any]]] = {}


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    raise NotImplementedError("lesson 13: write this in seclab/topics/endpoint/spec.py")


def public_corpus() -> dict[str, list[Any]]:
    return {"create_app": []}


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded payload: does it work on the vulnerable twin, and on the fixed one?"""
    raise NotImplementedError("lesson 13: write this in seclab/topics/endpoint/spec.py")
