"""Read ``course.toml``: the ordered lessons, their topic packages and their exercises.

Each lesson is spelled once, by number, title and topic; every other name is derived
here (see the comment at the top of course.toml), so that the notebook, the topic
package and the exercise of a lesson can never disagree.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from seclab.errors import CourseManifestError, UnknownExerciseError

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = REPO_ROOT / "course.toml"
TOPIC_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

__all__ = ["REPO_ROOT", "MANIFEST", "Course", "CourseManifestError", "Lesson", "PlannedLesson", "load_course",
           "notebook_name", "exercise_id"]


def notebook_name(number: int, title: str) -> str:
    """``(3, "Server-Side Request Forgery")`` -> ``"03_Server_Side_Request_Forgery.ipynb"``."""
    words = re.sub(r"[^A-Za-z0-9]+", "_", title).strip("_")
    return f"{number:02d}_{words}.ipynb"


def exercise_id(number: int, topic: str) -> str:
    """``(3, "injection")`` -> ``"03_injection"``."""
    return f"{number:02d}_{topic}"


@dataclass(frozen=True)
class Lesson:
    """One lesson as the manifest describes it; names are derived, never written twice."""

    number: int
    title: str
    part: str
    minutes: int
    topic: str | None = None
    has_exercise: bool = False
    owasp_2021: tuple[str, ...] = ()
    owasp_2025: tuple[str, ...] = ()
    cwe: tuple[str, ...] = ()
    bandit_expected: tuple[str, ...] = field(default=())

    @property
    def notebook(self) -> str:
        """The notebook's path in the repository, e.g. ``notebooks/03_Injection.ipynb``."""
        return f"notebooks/{notebook_name(self.number, self.title)}"

    @property
    def path(self) -> Path:
        return REPO_ROOT / self.notebook

    @property
    def exercise(self) -> str | None:
        """The exercise id, e.g. ``03_injection``, or None for a lesson without one."""
        return exercise_id(self.number, self.topic) if self.topic and self.has_exercise else None

    @property
    def package(self) -> str | None:
        """The topic package, e.g. ``seclab.topics.injection``."""
        return f"seclab.topics.{self.topic}" if self.topic else None


@dataclass(frozen=True)
class PlannedLesson:
    """A lesson on the roadmap that has no notebook yet."""

    number: int
    title: str
    topic: str | None = None
    part: str = ""


@dataclass(frozen=True)
class Course:
    title: str
    lessons: tuple[Lesson, ...]
    planned: tuple[PlannedLesson, ...] = ()
    repository: str = ""

    def lesson(self, number: int) -> Lesson:
        for lesson in self.lessons:
            if lesson.number == number:
                return lesson
        raise KeyError(f"no lesson number {number} in course.toml")

    @property
    def exercises(self) -> tuple[str, ...]:
        return tuple(lesson.exercise for lesson in self.lessons if lesson.exercise)

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(lesson.topic for lesson in self.lessons if lesson.topic)

    def lesson_of_exercise(self, exercise: str) -> Lesson:
        """The lesson whose exercise is ``exercise``; UnknownExerciseError if none is."""
        for lesson in self.lessons:
            if lesson.exercise == exercise:
                return lesson
        raise UnknownExerciseError(f"no lesson in course.toml has the exercise {exercise!r}; "
                                   f"known exercises: {', '.join(self.exercises)}")

    @property
    def last_number(self) -> int:
        return max([lesson.number for lesson in self.lessons] + [planned.number for planned in self.planned])


def _strings(table: dict[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, ())
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise CourseManifestError(f"course.toml: {key} of lesson {table.get('number')} must be a list of strings")
    return tuple(value)


def _topic(table: dict[str, Any]) -> str | None:
    topic = table.get("topic")
    if topic is not None and (not isinstance(topic, str) or not TOPIC_NAME.match(topic)):
        raise CourseManifestError(f"course.toml: topic {topic!r} of lesson {table.get('number')} must be a "
                                  "Python package name in lower case, like 'access_control'")
    return topic


def _lesson_from_table(table: dict[str, Any]) -> Lesson:
    try:
        lesson = Lesson(
            number=int(table["number"]),
            title=str(table["title"]),
            part=str(table["part"]),
            minutes=int(table["minutes"]),
            topic=_topic(table),
            has_exercise=bool(table.get("exercise", False)),
            owasp_2021=_strings(table, "owasp_2021"),
            owasp_2025=_strings(table, "owasp_2025"),
            cwe=_strings(table, "cwe"),
            bandit_expected=_strings(table, "bandit_expected"),
        )
    except KeyError as missing:
        raise CourseManifestError(
            f"a [[lesson]] in course.toml lacks the key {missing}; see the README's maintainer guide"
        ) from None
    if lesson.has_exercise and not lesson.topic:
        raise CourseManifestError(f"course.toml: lesson {lesson.number} has an exercise but no topic")
    return lesson


def parse_course(text: str, source: str = "course.toml") -> Course:
    """The course described by manifest ``text``; lessons come back in course order."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CourseManifestError(f"{source} is not valid TOML: {error}") from None
    lessons = sorted((_lesson_from_table(t) for t in data.get("lesson", [])), key=lambda lesson: lesson.number)
    planned = tuple(sorted((PlannedLesson(int(t["number"]), str(t["title"]), _topic(t), str(t.get("part", "")))
                            for t in data.get("planned", [])), key=lambda p: p.number))
    numbers = [lesson.number for lesson in lessons] + [entry.number for entry in planned]
    if len(set(numbers)) != len(numbers):
        raise CourseManifestError(f"{source} repeats a lesson number: {sorted(numbers)}")
    topics = [lesson.topic for lesson in lessons if lesson.topic]
    if len(set(topics)) != len(topics):
        raise CourseManifestError(f"{source} gives two lessons the same topic: {topics}")
    course = data.get("course", {})
    return Course(title=str(course.get("title", "")), lessons=tuple(lessons), planned=planned,
                  repository=str(course.get("repository", "")))


@cache
def load_course(path: Path = MANIFEST) -> Course:
    """The course in ``path`` (default: this checkout's course.toml)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CourseManifestError(f"{path} not found: run from a checkout of the course") from None
    return parse_course(text, str(path))
