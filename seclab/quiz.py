"""Multiple-choice quizzes: immediate feedback in lessons, recorded answers in exercises.

The questions live in each topic package's ``quiz.toml``, not in a notebook cell a
learner scrolls past before answering::

    [[lesson]]                      # shown by lesson_quiz("injection"), with its key
    id = "q1"
    prompt = "..."
    answer = "b"
    explanation = "..."
    [lesson.options]
    a = "..."
    b = "..."

    [[exercise]]                    # shown by exercise_quiz("03_injection"): no key here,
    id = "q1"                       # the hidden tests hold it
    prompt = "..."
    [exercise.options]
    a = "..."
"""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from seclab.answers import AnswersFileError, load_answers, record
from seclab.errors import CourseManifestError

QUIZ_FILE = "quiz.toml"


@dataclass(frozen=True)
class Question:
    """One question. ``answer`` is None in graded exercises (the key is in the hidden tests)."""

    id: str
    prompt: str
    options: dict[str, str]
    answer: str | None = None
    explanation: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        return cls(data["id"], data["prompt"], dict(data["options"]), data.get("answer"),
                   data.get("explanation", ""))


def quiz_questions(topic: str, kind: str) -> list[Question]:
    """The ``kind`` ("lesson" or "exercise") questions in the quiz.toml of ``topic``.

    CourseManifestError when the file is missing or malformed, or when an exercise
    question carries an answer (exercise keys belong in the hidden tests only).
    """
    if kind not in ("lesson", "exercise"):
        raise ValueError("kind is 'lesson' or 'exercise'")
    from seclab.course import load_course

    if topic not in load_course().topics:
        raise CourseManifestError(f"topic {topic!r} is not a lesson's topic in course.toml")
    where = f"seclab/topics/{topic}/{QUIZ_FILE}"
    try:
        text = resources.files(f"seclab.topics.{topic}").joinpath(QUIZ_FILE).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (FileNotFoundError, ModuleNotFoundError):
        raise CourseManifestError(f"{where} is missing") from None
    except tomllib.TOMLDecodeError as error:
        raise CourseManifestError(f"{where} is not valid TOML: {error}") from None
    found = []
    for raw in data.get(kind, []):
        try:
            question = Question.from_dict(raw)
        except (KeyError, TypeError, ValueError):
            raise CourseManifestError(f"{where}: a [[{kind}]] question needs id, prompt and options") from None
        if question.prompt.startswith("TODO"):
            raise CourseManifestError(f"{where}: question {question.id} is still a TODO placeholder: write it")
        if kind == "exercise" and question.answer is not None:
            raise CourseManifestError(f"{where}: exercise question {question.id} must not carry its answer")
        if kind == "lesson" and question.answer not in question.options:
            raise CourseManifestError(f"{where}: lesson question {question.id} needs an answer among its options")
        found.append(question)
    if not found:
        raise CourseManifestError(f"{where} has no [[{kind}]] questions")
    return found


@dataclass(frozen=True)
class Verdict:
    correct: bool | None  # None: recorded for grading, not judged here
    message: str


def judge_choice(question: Question, choice: str | None) -> Verdict:
    """What the learner is told after choosing ``choice``."""
    if choice not in question.options:
        return Verdict(False, "Pick one of the options first.")
    if question.answer is None:
        return Verdict(None, f"Answer recorded: {choice}. It is graded when you submit.")
    if choice == question.answer:
        return Verdict(True, "Correct. " + question.explanation)
    return Verdict(False, "Not quite. " + question.explanation)


def lesson_quiz(topic: str) -> Any:
    """The lesson quiz of ``topic``: immediate feedback, nothing recorded."""
    return quiz(quiz_questions(topic, "lesson"))


def exercise_quiz(exercise: str) -> Any:
    """The quiz of ``exercise`` (e.g. ``"03_injection"``): each choice is recorded for grading."""
    from seclab.course import load_course

    topic = load_course().lesson_of_exercise(exercise).topic or ""
    return quiz(quiz_questions(topic, "exercise"), record_answers=True)


def quiz(questions: list[Question] | list[dict[str, Any]], record_answers: bool = False) -> Any:
    """Show the questions; with ``record_answers`` every choice is saved for grading."""
    import ipywidgets as widgets

    try:
        saved = load_answers() if record_answers else {}
    except AnswersFileError:
        saved = {}
    boxes = []
    for raw in questions:
        question = raw if isinstance(raw, Question) else Question.from_dict(raw)
        labels = [(f"{key}) {text}", key) for key, text in question.options.items()]
        choice = widgets.RadioButtons(options=labels, value=saved.get(question.id),
                                      layout={"width": "max-content"})
        button = widgets.Button(description="Submit" if not record_answers else "Record answer",
                                button_style="primary")
        feedback = widgets.HTML()
        if saved.get(question.id) in question.options:
            feedback.value = f"<i>Recorded earlier: {html.escape(saved[question.id])}</i>"

        def on_click(_button: Any, question: Question = question, choice: Any = choice,
                     feedback: Any = feedback) -> None:
            verdict = judge_choice(question, choice.value)
            if record_answers and verdict.correct is None:
                record(question.id, choice.value)
            colour = {True: "green", False: "#b00", None: "#036"}[verdict.correct]
            feedback.value = f'<b style="color:{colour}">{html.escape(verdict.message)}</b>'

        button.on_click(on_click)
        boxes.append(widgets.VBox([widgets.HTML(f"<b>{html.escape(question.id)}.</b> "
                                                f"{html.escape(question.prompt)}"),
                                   choice, button, feedback],
                                  layout={"margin": "0 0 1em 0"}))
    return widgets.VBox(boxes)
