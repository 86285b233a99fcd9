"""Spec of exercise 12_pitfalls: require_admin, safe_extract, parse_config, valid_username."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Part

PARTS = {
    part.name: part
    for part in [
        Part("require_admin.works", "require_admin", "TODO: require_admin does its job"),
        Part("require_admin.attack", "require_admin", "TODO: require_admin resists the attacks"),
        Part("safe_extract.works", "safe_extract", "TODO: safe_extract does its job"),
        Part("safe_extract.attack", "safe_extract", "TODO: safe_extract resists the attacks"),
        Part("parse_config.works", "parse_config", "TODO: parse_config does its job"),
        Part("parse_config.attack", "parse_config", "TODO: parse_config resists the attacks"),
        Part("valid_username.works", "valid_username", "TODO: valid_username does its job"),
        Part("valid_username.attack", "valid_username", "TODO: valid_username resists the attacks"),
    ]
}

HINTS: dict[str, str] = {
    "TODO": "TODO: one hint per failure category",
}

FIXTURES: dict[str, Callable[[], list[Any]]] = {}


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    raise NotImplementedError("lesson 12: write this in seclab/topics/pitfalls/spec.py")


def public_corpus() -> dict[str, list[Any]]:
    return {"require_admin": [], "safe_extract": [], "parse_config": [], "valid_username": []}


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded payload: does it work on the vulnerable twin, and on the fixed one?"""
    raise NotImplementedError("lesson 12: write this in seclab/topics/pitfalls/spec.py")
