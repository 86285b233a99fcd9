"""Multiple-choice quizzes: immediate feedback in lessons, recorded answers in exercises."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from seclab.answers import AnswersFileError, load_answers, record


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


def quiz(questions: list[dict[str, Any]], record_answers: bool = False) -> Any:
    """Show the questions; with ``record_answers`` every choice is saved for grading."""
    import ipywidgets as widgets

    try:
        saved = load_answers() if record_answers else {}
    except AnswersFileError:
        saved = {}
    boxes = []
    for raw in questions:
        question = Question.from_dict(raw)
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
