"""Widgets are thin views over plain functions; both are tested without a browser."""

from seclab import answers
from seclab.widgets import injection as playgrounds
from seclab.widgets.quiz import Question, judge_choice, quiz

QUESTION = {"id": "q1", "prompt": "Safe?", "options": {"a": "no", "b": "yes"}, "answer": "a", "explanation": "Because."}


def test_lookup_report_marks_injection_and_compares_both_lookups():
    report = playgrounds.lookup_report("1 OR 1=1")
    assert report.injected
    assert report.query.endswith("WHERE id = 1 OR 1=1")
    assert len(report.vulnerable_rows) == 7
    assert report.fixed_rows == [] and report.fixed_error.startswith("rejected")


def test_lookup_report_for_a_plain_id_is_not_injected():
    report = playgrounds.lookup_report("2")
    assert not report.injected
    assert report.vulnerable_rows == report.fixed_rows == [{"id": 2, "name": "bob", "email": "bob@example.com"}]


def test_lookup_report_shows_database_errors():
    report = playgrounds.lookup_report("1; DROP TABLE users")
    assert report.vulnerable_error.startswith("database error")


def test_rendered_report_escapes_the_input():
    html = playgrounds.render_lookup_report(playgrounds.lookup_report("<b>1</b>"))
    assert "<b>1</b>" not in html and "&lt;b&gt;1&lt;/b&gt;" in html


def test_sql_playground_updates_when_the_input_changes():
    widget = playgrounds.sql_playground()
    text_box, output = widget.children
    text_box.value = "0 UNION SELECT user_id, api_key, 1 FROM api_keys"
    assert "sk_demo_" in output.value


def test_try_login_shows_bypass_on_vulnerable_twin_only():
    attempt = playgrounds.try_login("admin' --", "wrong")
    assert attempt.vulnerable_user["name"] == "admin" and attempt.fixed_user is None
    assert "admin' --" in attempt.query


def test_login_playground_records_the_username(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    widget = playgrounds.login_playground(record_key="exploit")
    username, _password, log_in, record_button, result = widget.children
    username.value = "admin' --"
    log_in.click()
    assert "logged in as <b>admin</b>" in result.value
    record_button.click()
    assert answers.recorded("exploit") == "admin' --"


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
