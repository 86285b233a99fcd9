"""Read ``course.toml``: the ordered lessons and the exercises that belong to them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class CourseManifestError(ValueError):
    """course.toml is missing or does not describe the course correctly."""


@dataclass(frozen=True)
class Lesson:
    """One lesson notebook as the manifest describes it."""

    number: int
    notebook: str
    title: str
    part: str
    minutes: int
    owasp_2021: tuple[str, ...] = ()
    owasp_2025: tuple[str, ...] = ()
    cwe: tuple[str, ...] = ()
    exercise: str | None = None
    bandit_expected: tuple[str, ...] = field(default=())

    @property
    def path(self) -> Path:
        return REPO_ROOT / self.notebook


@dataclass(frozen=True)
class PlannedLesson:
    """A lesson on the roadmap that has no notebook yet."""

    number: int
    title: str


@dataclass(frozen=True)
class Course:
    title: str
    lessons: tuple[Lesson, ...]
    planned: tuple[PlannedLesson, ...] = ()

    def lesson(self, number: int) -> Lesson:
        for lesson in self.lessons:
            if lesson.number == number:
                return lesson
        raise KeyError(f"no lesson number {number} in course.toml")

    @property
    def exercises(self) -> tuple[str, ...]:
        return tuple(lesson.exercise for lesson in self.lessons if lesson.exercise)


def _lesson_from_table(table: dict[str, object]) -> Lesson:
    try:
        return Lesson(
            number=int(table["number"]),  # type: ignore[call-overload]
            notebook=str(table["notebook"]),
            title=str(table["title"]),
            part=str(table["part"]),
            minutes=int(table["minutes"]),  # type: ignore[call-overload]
            owasp_2021=tuple(table.get("owasp_2021", ())),  # type: ignore[arg-type]
            owasp_2025=tuple(table.get("owasp_2025", ())),  # type: ignore[arg-type]
            cwe=tuple(table.get("cwe", ())),  # type: ignore[arg-type]
            exercise=table.get("exercise"),  # type: ignore[arg-type]
            bandit_expected=tuple(table.get("bandit_expected", ())),  # type: ignore[arg-type]
        )
    except KeyError as missing:
        raise CourseManifestError(
            f"a [[lesson]] in course.toml lacks the key {missing}; see the README's maintainer guide"
        ) from None


@cache
def load_course(path: Path = REPO_ROOT / "course.toml") -> Course:
    """Parse the manifest; lessons come back in course order."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseManifestError(f"{path} not found: run from a checkout of the course") from None
    lessons = sorted((_lesson_from_table(t) for t in data.get("lesson", [])), key=lambda lesson: lesson.number)
    numbers = [lesson.number for lesson in lessons]
    if len(set(numbers)) != len(numbers):
        raise CourseManifestError(f"course.toml repeats a lesson number: {numbers}")
    planned = tuple(sorted((PlannedLesson(int(t["number"]), str(t["title"])) for t in data.get("planned", [])),
                           key=lambda p: p.number))
    return Course(title=str(data["course"]["title"]), lessons=tuple(lessons), planned=planned)
