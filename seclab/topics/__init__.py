"""One package per topic, and the registry that finds them through course.toml.

A topic package (``seclab/topics/<topic>/``, named by the ``topic`` of its lesson in
course.toml) holds everything about one subject, in files named the same in every topic:

``targets.py``
    the demo applications as vulnerable and fixed twins; ``SERVABLE`` maps a target
    name to ``(summary, factory of a WSGI app)`` for ``python -m seclab.targets serve``.
``attacks.py``
    the public payload corpora and the attack drivers that judge success.
``widgets.py``
    the playgrounds: thin ipywidgets views over plain functions.
``spec.py``
    the exercise's contract as cases (``PARTS``, ``HINTS``, ``FIXTURES``, ``cases``,
    ``public_corpus``, ``exploit_works``); see ``seclab.spec``.
``quiz.toml``
    the lesson quiz (with answers and explanations) and the exercise quiz (questions
    only: its keys live in the hidden tests); see ``seclab.quiz``.

A topic may add a module of its own for a job none of these roles covers (lesson 10's
``ssrf/network.py``: the simulated network its demo machines live in); the registry
does not look for such modules, the topic's own modules import them.

The exercise's hidden corpus is ``autograder/hidden/<exercise>.json`` (instructors may
point ``SECLAB_HIDDEN_CORPUS_DIR`` elsewhere). Framework code never imports a topic by
name: it asks this registry, which only knows the topics course.toml lists.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from seclab.course import Course, load_course
from seclab.errors import CourseManifestError, UnknownExerciseError

#: the modules every topic package may have, by their role
TOPIC_MODULES = ("targets", "attacks", "widgets", "spec")


def topic_module(topic: str, role: str, course: Course | None = None) -> ModuleType:
    """``seclab.topics.<topic>.<role>`` for a topic course.toml lists."""
    course = course or load_course()
    if topic not in course.topics:
        raise CourseManifestError(f"topic {topic!r} is not a lesson's topic in course.toml "
                                  f"(known: {', '.join(course.topics)})")
    if role not in TOPIC_MODULES:
        raise ValueError(f"a topic has no module {role!r}; roles: {', '.join(TOPIC_MODULES)}")
    return importlib.import_module(f"{__name__}.{topic}.{role}")


def spec_of(exercise: str, course: Course | None = None) -> ModuleType:
    """The spec module of ``exercise`` (e.g. ``03_injection``); UnknownExerciseError if none."""
    course = course or load_course()
    name = f"{__name__}.{course.lesson_of_exercise(exercise).topic}.spec"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        raise UnknownExerciseError(f"exercise {exercise!r} has no spec: expected a module {name}") from None


def servable_targets(course: Course | None = None) -> dict[str, tuple[str, Callable[[], Any]]]:
    """Every servable target of every lesson's topic, by name."""
    course = course or load_course()
    found: dict[str, tuple[str, Callable[[], Any]]] = {}
    for topic in course.topics:
        try:
            module = importlib.import_module(f"{__name__}.{topic}.targets")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{topic}.targets":
                raise
            continue  # a topic without demo applications
        for name, entry in getattr(module, "SERVABLE", {}).items():
            if name in found:
                raise CourseManifestError(f"target name {name!r} is defined twice (seclab.topics.{topic})")
            found[name] = entry
    return found
