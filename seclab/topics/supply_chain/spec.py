"""Spec of exercise 06_supply_chain: vulnerable_pins, typosquat_of, resolve_source."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Part

PARTS = {
    part.name: part
    for part in [
        Part("vulnerable_pins.works", "vulnerable_pins", "TODO: vulnerable_pins does its job"),
        Part("vulnerable_pins.attack", "vulnerable_pins", "TODO: vulnerable_pins resists the attacks"),
        Part("typosquat_of.works", "typosquat_of", "TODO: typosquat_of does its job"),
        Part("typosquat_of.attack", "typosquat_of", "TODO: typosquat_of resists the attacks"),
        Part("resolve_source.works", "resolve_source", "TODO: resolve_source does its job"),
        Part("resolve_source.attack", "resolve_source", "TODO: resolve_source resists the attacks"),
    ]
}

HINTS: dict[str, str] = {
    "TODO": "TODO: one hint per failure category",
}

FIXTURES: dict[str, Callable[[], list[Any]]] = {}


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    raise NotImplementedError("lesson 06: write this in seclab/topics/supply_chain/spec.py")


def public_corpus() -> dict[str, list[Any]]:
    return {"vulnerable_pins": [], "typosquat_of": [], "resolve_source": []}


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded payload: does it work on the vulnerable twin, and on the fixed one?"""
    raise NotImplementedError("lesson 06: write this in seclab/topics/supply_chain/spec.py")
