"""Spec of exercise 05_misconfiguration: security_headers, parse_order_xml, app_config."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Part

PARTS = {
    part.name: part
    for part in [
        Part("security_headers.works", "security_headers", "TODO: security_headers does its job"),
        Part("security_headers.attack", "security_headers", "TODO: security_headers resists the attacks"),
        Part("parse_order_xml.works", "parse_order_xml", "TODO: parse_order_xml does its job"),
        Part("parse_order_xml.attack", "parse_order_xml", "TODO: parse_order_xml resists the attacks"),
        Part("app_config.works", "app_config", "TODO: app_config does its job"),
        Part("app_config.attack", "app_config", "TODO: app_config resists the attacks"),
    ]
}

HINTS: dict[str, str] = {
    "TODO": "TODO: one hint per failure category",
}

FIXTURES: dict[str, Callable[[], list[Any]]] = {}


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    raise NotImplementedError("lesson 05: write this in seclab/topics/misconfiguration/spec.py")


def public_corpus() -> dict[str, list[Any]]:
    return {"security_headers": [], "parse_order_xml": [], "app_config": []}


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded payload: does it work on the vulnerable twin, and on the fixed one?"""
    raise NotImplementedError("lesson 05: write this in seclab/topics/misconfiguration/spec.py")
