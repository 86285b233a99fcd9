"""Spec of exercise 17_prompt_injection: allow_tool_call, render_reply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Part

PARTS = {
    part.name: part
    for part in [
        Part("allow_tool_call.works", "allow_tool_call", "TODO: allow_tool_call does its job"),
        Part("allow_tool_call.attack", "allow_tool_call", "TODO: allow_tool_call resists the attacks"),
        Part("render_reply.works", "render_reply", "TODO: render_reply does its job"),
        Part("render_reply.attack", "render_reply", "TODO: render_reply resists the attacks"),
    ]
}

HINTS: dict[str, str] = {
    "TODO": "TODO: one hint per failure category",
}

FIXTURES: dict[str, Callable[[], list[Any]]] = {}


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    raise NotImplementedError("lesson 17: write this in seclab/topics/prompt_injection/spec.py")


def public_corpus() -> dict[str, list[Any]]:
    return {"allow_tool_call": [], "render_reply": []}


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded payload: does it work on the vulnerable twin, and on the fixed one?"""
    raise NotImplementedError("lesson 17: write this in seclab/topics/prompt_injection/spec.py")
