"""Spec of exercise 08_integrity: sign, unsign, load_profile, check_update."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Part

PARTS = {
    part.name: part
    for part in [
        Part("sign.works", "sign", "TODO: sign does its job"),
        Part("sign.attack", "sign", "TODO: sign resists the attacks"),
        Part("unsign.works", "unsign", "TODO: unsign does its job"),
        Part("unsign.attack", "unsign", "TODO: unsign resists the attacks"),
        Part("load_profile.works", "load_profile", "TODO: load_profile does its job"),
        Part("load_profile.attack", "load_profile", "TODO: load_profile resists the attacks"),
        Part("check_update.works", "check_update", "TODO: check_update does its job"),
        Part("check_update.attack", "check_update", "TODO: check_update resists the attacks"),
    ]
}

HINTS: dict[str, str] = {
    "TODO": "TODO: one hint per failure category",
}

FIXTURES: dict[str, Callable[[], list[Any]]] = {}


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    raise NotImplementedError("lesson 08: write this in seclab/topics/integrity/spec.py")


def public_corpus() -> dict[str, list[Any]]:
    return {"sign": [], "unsign": [], "load_profile": [], "check_update": []}


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded payload: does it work on the vulnerable twin, and on the fixed one?"""
    raise NotImplementedError("lesson 08: write this in seclab/topics/integrity/spec.py")
