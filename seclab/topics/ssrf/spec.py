"""Spec of exercise 10_ssrf: check_url, next_hop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Part

PARTS = {
    part.name: part
    for part in [
        Part("check_url.works", "check_url", "TODO: check_url does its job"),
        Part("check_url.attack", "check_url", "TODO: check_url resists the attacks"),
        Part("next_hop.works", "next_hop", "TODO: next_hop does its job"),
        Part("next_hop.attack", "next_hop", "TODO: next_hop resists the attacks"),
    ]
}

HINTS: dict[str, str] = {
    "TODO": "TODO: one hint per failure category",
}

FIXTURES: dict[str, Callable[[], list[Any]]] = {}


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    raise NotImplementedError("lesson 10: write this in seclab/topics/ssrf/spec.py")


def public_corpus() -> dict[str, list[Any]]:
    return {"check_url": [], "next_hop": []}


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded payload: does it work on the vulnerable twin, and on the fixed one?"""
    raise NotImplementedError("lesson 10: write this in seclab/topics/ssrf/spec.py")
