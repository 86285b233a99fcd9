"""Demo applications: for each topic a vulnerable and a fixed twin.

``running(name)`` serves one on 127.0.0.1 for a ``with`` block; from a terminal,
``python -m seclab.targets serve NAME --port N`` does the same until Ctrl-C, so a
learner can attack it with curl or sqlmap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from seclab.targets.server import serve


def _sqli(vulnerable: bool) -> Callable[[], Any]:
    def factory() -> Any:
        from seclab.targets import injection

        return injection.create_app(vulnerable=vulnerable)

    return factory


TARGETS: dict[str, tuple[str, Callable[[], Any]]] = {
    "sqli-vulnerable": ("GET /user?id=, POST /login with string-built SQL (lesson 03)", _sqli(True)),
    "sqli-fixed": ("the same endpoints with parameterised SQL (lesson 03)", _sqli(False)),
}


def create(name: str) -> Any:
    """A fresh app for the target ``name``; KeyError lists the known names."""
    try:
        return TARGETS[name][1]()
    except KeyError:
        raise KeyError(f"unknown target {name!r}; known targets: {', '.join(TARGETS)}") from None


@contextmanager
def running(name: str, port: int = 0) -> Iterator[str]:
    """Serve target ``name`` on loopback; yields its base URL."""
    with serve(create(name), port=port) as base_url:
        yield base_url
