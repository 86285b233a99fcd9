"""Serve any lesson's demo application on loopback, from code or from a terminal.

``running(name)`` serves one target on 127.0.0.1 for a ``with`` block. From a terminal,
``python -m seclab.targets serve NAME [--port N]`` does the same until Ctrl-C, so a
learner can attack it with curl or sqlmap; ``python -m seclab.targets list`` names them
all. Targets come from the topic packages of course.toml (their ``SERVABLE`` dicts).
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from seclab.server import serve_any
from seclab.topics import servable_targets as _servable_targets


@cache
def servable_targets() -> dict[str, tuple[str, Callable[[], Any]]]:
    """Every servable target, by name: (one-line summary, factory of a WSGI or ASGI app)."""
    return _servable_targets()


def create(name: str) -> Any:
    """A fresh app for the target ``name``; KeyError lists the known names."""
    targets = servable_targets()
    if name not in targets:
        raise KeyError(f"unknown target {name!r}; known targets: {', '.join(sorted(targets))}")
    return targets[name][1]()


@contextmanager
def running(name: str, port: int = 0) -> Iterator[str]:
    """Serve target ``name`` on loopback; yields its base URL."""
    with serve_any(create(name), port=port) as base_url:
        yield base_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seclab.targets",
                                     description="List or serve the course's demo applications (loopback only).")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the demo targets")
    serve_command = commands.add_parser("serve", help="serve a target on 127.0.0.1 until Ctrl-C")
    serve_command.add_argument("name", choices=sorted(servable_targets()))
    serve_command.add_argument("--port", type=int, default=8000,
                               help="port on 127.0.0.1 (default 8000; 0 picks a free one)")
    args = parser.parse_args(argv)

    if args.command == "list":
        for name, (summary, _factory) in sorted(servable_targets().items()):
            print(f"{name:20} {summary}")
        return 0
    try:
        with running(args.name, port=args.port) as base_url:
            print(f"{args.name} listening on {base_url} (loopback only); Ctrl-C stops it", flush=True)
            threading.Event().wait()
    except OSError as error:
        print(f"cannot listen on 127.0.0.1:{args.port}: {error}; try another --port", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
