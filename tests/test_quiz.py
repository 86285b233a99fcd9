"""Quizzes: judging choices, recording answers for grading, and quiz data kept out of notebooks."""

import pytest
from support import REPO

from seclab import answers
from seclab.course import load_course
from seclab.errors import CourseManifestError
from seclab.notebooks import read_cells, source
from seclab.quiz import Question, judge_choice, quiz, quiz_questions

QUESTION = {"id": "q1", "prompt": "Safe?", "options": {"a": "no", "b": "yes"}, "answer": "a", "explanation": "Because."}


def test_judge_choice_gives_feedback():
    question = Question.from_dict(QUESTION)
    assert judge_choice(question, "a").correct is True
    assert judge_choice(question, "b").correct is False
    assert judge_choice(question, None).correct is False


def test_graded_question_is_recorded_not_judged():
    question = Question.from_dict({**QUESTION, "answer": None})
    assert judge_choice(question, "b").correct is None


def test_recording_quiz_saves_and_restores_answers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    graded = {k: v for k, v in QUESTION.items() if k != "answer"}
    box = quiz([graded], record_answers=True).children[0]
    _prompt, choice, button, feedback = box.children
    choice.value = "b"
    button.click()
    assert answers.recorded("q1") == "b" and "recorded" in feedback.value
    restored = quiz([graded], record_answers=True).children[0].children[1]
    assert restored.value == "b"


def test_lesson_quiz_does_not_record(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    box = quiz([QUESTION]).children[0]
    _prompt, choice, button, feedback = box.children
    choice.value = "a"
    button.click()
    assert "Correct" in feedback.value
    assert not (tmp_path / answers.ANSWERS_FILE).exists()


def test_every_lesson_has_its_quiz_in_its_topic_package_not_in_the_notebook():
    for lesson in load_course().lessons:
        questions = quiz_questions(lesson.topic, "lesson")
        assert len(questions) >= 3 and all(q.answer in q.options and q.explanation for q in questions)
        code = "\n".join(source(cell) for cell in read_cells(lesson.path) if cell["cell_type"] == "code")
        assert f'lesson_quiz("{lesson.topic}")' in code, lesson.notebook
        for question in questions:
            assert question.prompt not in code and question.explanation not in code, lesson.notebook


def test_exercise_quizzes_carry_no_keys_and_the_released_notebook_shows_no_options():
    course = load_course()
    for exercise in course.exercises:
        topic = course.lesson_of_exercise(exercise).topic
        questions = quiz_questions(topic, "exercise")
        assert len(questions) == 3 and all(question.answer is None for question in questions)
        released = (REPO / "exercises" / exercise / f"{exercise}.ipynb").read_text()
        assert f'exercise_quiz(\\"{exercise}\\")' in released
        assert all(question.prompt not in released for question in questions)


def test_quiz_data_problems_are_reported():
    with pytest.raises(CourseManifestError, match="not a lesson's topic"):
        quiz_questions("no_such_topic", "lesson")
    with pytest.raises(ValueError):
        quiz_questions("injection", "homework")
