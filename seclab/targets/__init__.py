"""Demo applications: for each topic a vulnerable and a fixed twin.

Each topic module here (``injection``, …) may define ``SERVABLE``: target name ->
(summary, factory of a WSGI app). ``running(name)`` serves one on 127.0.0.1 for a
``with`` block; from a terminal, ``python -m seclab.targets serve NAME --port N`` does
the same until Ctrl-C, so a learner can attack it with curl or sqlmap.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from seclab.targets.server import serve

_NOT_TOPICS = {"server", "__main__"}


@cache
def servable_targets() -> dict[str, tuple[str, Callable[[], Any]]]:
    """Every servable target of every topic module, by name."""
    found: dict[str, tuple[str, Callable[[], Any]]] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name in _NOT_TOPICS:
            continue
        topic = importlib.import_module(f"{__name__}.{module.name}")
        for name, entry in getattr(topic, "SERVABLE", {}).items():
            if name in found:
                raise RuntimeError(f"target name {name!r} is defined twice (seclab.targets.{module.name})")
            found[name] = entry
    return found


def create(name: str) -> Any:
    """A fresh app for the target ``name``; KeyError lists the known names."""
    targets = servable_targets()
    if name not in targets:
        raise KeyError(f"unknown target {name!r}; known targets: {', '.join(sorted(targets))}")
    return targets[name][1]()


@contextmanager
def running(name: str, port: int = 0) -> Iterator[str]:
    """Serve target ``name`` on loopback; yields its base URL."""
    with serve(create(name), port=port) as base_url:
        yield base_url
