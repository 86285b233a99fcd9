"""check() gives the learner friendly feedback; answers are recorded safely."""

import json

import pytest

from seclab import answers
from seclab.check import check, run_checks


def solved_get_user(conn, user_id):
    if isinstance(user_id, str) and user_id.isascii() and user_id.isdigit():
        user_id = int(user_id)
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise ValueError("not an id")
    row = conn.execute("SELECT id, name, email FROM users WHERE id = ?", (user_id,)).fetchone()
    return None if row is None else {"id": row[0], "name": row[1], "email": row[2]}


def string_built_get_user(conn, user_id):
    row = conn.execute(f"SELECT id, name, email FROM users WHERE id = {user_id}").fetchone()
    return None if row is None else {"id": row[0], "name": row[1], "email": row[2]}


def unsolved(conn, user_id):
    raise NotImplementedError()


def test_check_passes_a_correct_function(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    check("03_injection.get_user", solved_get_user)
    out = capsys.readouterr().out
    assert "✗" not in out and "All public checks pass" in out
    assert answers.recorded("check:03_injection.get_user") is True


def test_check_shows_failing_public_payload_and_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    check("03_injection.get_user", string_built_get_user)
    out = capsys.readouterr().out
    assert "✓ get_user returns the right user" in out
    assert "✗ get_user validates the id and resists SQL injection" in out
    assert "Hint: Never build SQL text" in out
    assert answers.recorded("check:03_injection.get_user") is False


def test_check_on_unsolved_function_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    check("03_injection.get_user", unsolved)
    out = capsys.readouterr().out
    assert "not written yet" in out and "NotImplementedError" in out
    assert "Traceback" not in out


def test_check_rejects_unknown_function():
    with pytest.raises(ValueError, match="get_user"):
        run_checks("03_injection.no_such_function", solved_get_user)


def test_record_keeps_other_answers_and_writes_json(tmp_path):
    answers.record("q1", "a", folder=tmp_path)
    answers.record("q2", "b", folder=tmp_path)
    answers.record("q1", "c", folder=tmp_path)
    assert json.loads((tmp_path / answers.ANSWERS_FILE).read_text()) == {"q1": "c", "q2": "b"}


def test_damaged_answers_file_is_reported_not_overwritten(tmp_path):
    path = tmp_path / answers.ANSWERS_FILE
    path.write_text("{half written")
    with pytest.raises(answers.AnswersFileError, match="rename it"):
        answers.record("q1", "a", folder=tmp_path)
    assert path.read_text() == "{half written"


def test_record_refuses_values_that_are_not_json(tmp_path):
    with pytest.raises(TypeError):
        answers.record("q1", object(), folder=tmp_path)
    assert not (tmp_path / answers.ANSWERS_FILE).exists()


def test_answers_recorded_in_an_instructor_source_folder_stay_out_of_the_release(tmp_path):
    course = tmp_path / "course"
    source_folder = course / "source" / "03_injection"
    source_folder.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    answers.record("q1", "c", folder=source_folder)
    assert not (source_folder / answers.ANSWERS_FILE).exists()
    assert answers.recorded("q1", folder=source_folder) == "c"
    student_folder = course / "autograded" / "alice" / "03_injection"
    student_folder.mkdir(parents=True)
    answers.record("q1", "b", folder=student_folder)
    assert (student_folder / answers.ANSWERS_FILE).exists()


def test_an_unsolved_optional_answer_cell_does_nothing_and_says_so(capsys):
    from seclab.answers import optional

    with optional("quiz answers"):
        raise NotImplementedError()
    assert "record your quiz answers with the widget" in capsys.readouterr().out
    with pytest.raises(KeyError), optional():
        raise KeyError("a real mistake is not swallowed")


def test_check_describes_a_failure_in_the_spec_own_words():
    """An Expectation with ``explain`` (e.g. the HTTP statuses an API answered) replaces the raw returned value."""
    from seclab.check import CaseResult, format_report
    from seclab.spec import Case, satisfies

    expect = satisfies(lambda value: False, "a 429", lambda outcome: f"statuses {outcome['value']['statuses']}")
    case = Case("get_user.works", "valid-id", "get_user", (1,), expect)
    report = format_report("03_injection.get_user",
                           [CaseResult("get_user.works", case, {"value": {"statuses": "200, 200"}}, False)])
    assert "statuses 200, 200; expected: a 429" in report and "{'statuses'" not in report
