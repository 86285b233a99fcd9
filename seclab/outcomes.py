"""Turn whatever a learner's function did into plain, comparable data.

Graders judge only this data: an object with a rigged ``__eq__`` or a dict subclass
cannot pass as a correct answer, because only exact built-in types survive.
"""

from __future__ import annotations

from typing import Any

from seclab.errors import NotPlainError

Outcome = dict[str, Any]
"""``{"value": data}``, ``{"raised": [class names along the MRO], "message": str}``
or ``{"error": "missing" | "timeout" | "crashed" | "unplain", "detail": str}``."""

_MAX_DEPTH = 20
_MAX_ITEMS = 10_000


def to_plain(value: Any, depth: int = 0) -> Any:
    """``value`` rebuilt from exact built-in types; NotPlainError for anything else."""
    if depth > _MAX_DEPTH:
        raise NotPlainError("nested too deeply")
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if kind in (list, tuple):
        if len(value) > _MAX_ITEMS:
            raise NotPlainError("too many items")
        return [to_plain(item, depth + 1) for item in value]
    if kind is dict:
        if len(value) > _MAX_ITEMS:
            raise NotPlainError("too many items")
        plain = {}
        for key, item in value.items():
            if type(key) is not str:
                raise NotPlainError(f"dict key of type {type(key).__name__}")
            plain[key] = to_plain(item, depth + 1)
        return plain
    raise NotPlainError(f"a {kind.__name__} object")


def outcome_of_call(function: Any, args: list[Any]) -> Outcome:
    """Call ``function(*args)`` and describe what happened as plain data."""
    if not callable(function):
        return {"error": "missing", "detail": "not defined or not callable"}
    try:
        value = function(*args)
    except Exception as error:  # the learner's code may raise anything
        names = [klass.__name__ for klass in type(error).__mro__]
        return {"raised": names, "message": str(error)[:300]}
    try:
        return {"value": to_plain(value)}
    except NotPlainError as error:
        return {"error": "unplain", "detail": f"returned {error}; return built-in types only"}


def run_case(spec: Any, namespace: dict[str, Any], function: str, fixture: str | None,
             args: list[Any], scenario: str | None = None) -> Outcome:
    """Run one case of ``spec`` against the learner's ``namespace`` and describe the outcome."""
    target = namespace.get(function)
    if not callable(target):
        return {"error": "missing", "detail": "not defined or not callable"}
    leading = spec.FIXTURES[fixture]() if fixture else []
    if scenario:
        play = spec.SCENARIOS[scenario]
        return outcome_of_call(lambda *call_args: play(namespace, *call_args), leading + args)
    return outcome_of_call(target, leading + args)
