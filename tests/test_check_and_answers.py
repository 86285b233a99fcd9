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
    assert "✗ get_user resists SQL injection and validates the id" in out
    assert "Hint: The payload ran as SQL. Never build SQL text" in out
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


# --- functions judged together: a check waits for a partner instead of failing ------------------

def _run_top_to_bottom(exercise: str, folder) -> dict:
    """Run the instructor solution's setup, function and check() cells in order, in ``folder``."""
    from support import SOURCE

    from seclab.notebooks import grade_id, read_cells, source

    namespace: dict = {}
    for cell in read_cells(SOURCE / exercise / f"{exercise}.ipynb"):
        text = source(cell)
        if cell.get("cell_type") == "code" and (grade_id(cell) == "setup" or grade_id(cell).startswith("impl_")
                                               or text.startswith("check(")):
            exec(compile(text, grade_id(cell) or "check", "exec"), namespace)  # noqa: S102  # the course's own solution
    return namespace


@pytest.mark.parametrize("exercise", ["01_access_control", "02_crypto", "03_injection", "04_insecure_design"])
def test_a_correct_solution_run_top_to_bottom_shows_only_ticks_and_counts_every_function(
        exercise, tmp_path, monkeypatch, capsys):
    from seclab.course import load_course
    from seclab.progress import collect_progress

    folder = tmp_path / exercise
    folder.mkdir()
    monkeypatch.chdir(folder)
    _run_top_to_bottom(exercise, folder)
    out = capsys.readouterr().out
    assert "✗" not in out and "Traceback" not in out and "KeyError" not in out
    entry = next(e for e in collect_progress(load_course(), tmp_path) if e.exercise == exercise)
    assert entry.checks and entry.checks_passed == len(entry.checks), entry.checks


def _ctr_functions():
    """Unauthenticated AES-CTR: it round-trips, hides the text and uses a fresh nonce, yet accepts tampering.

    (Decoding with errors="replace" keeps a changed byte from raising UnicodeDecodeError, a
    ValueError, by chance: the tests stay deterministic.)
    """
    import base64
    import os

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    def encrypt_secret(plaintext, key):
        nonce = os.urandom(16)
        encryptor = Cipher(algorithms.AES(base64.urlsafe_b64decode(key)), modes.CTR(nonce)).encryptor()
        return base64.urlsafe_b64encode(nonce + encryptor.update(plaintext.encode()) + encryptor.finalize()).decode()

    def decrypt_secret(token, key):
        data = base64.urlsafe_b64decode(token)
        decryptor = Cipher(algorithms.AES(base64.urlsafe_b64decode(key)), modes.CTR(data[:16])).decryptor()
        return (decryptor.update(data[16:]) + decryptor.finalize()).decode(errors="replace")

    return encrypt_secret, decrypt_secret


def test_a_partner_not_written_yet_is_waited_for_not_failed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    encrypt_secret, decrypt_secret = _ctr_functions()
    check("02_crypto.encrypt_secret", encrypt_secret)  # decrypt_secret does not exist yet
    out = capsys.readouterr().out
    assert "✗" not in out and "✓" not in out, "a part that could not run in full gets neither mark"
    assert "wait for decrypt_secret" in out and "not written yet" in out and "KeyError" not in out
    assert answers.recorded("check:02_crypto.encrypt_secret") is None


def test_unauthenticated_encryption_fails_its_part_once_both_functions_exist(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    encrypt_secret, decrypt_secret = _ctr_functions()
    namespace = {"encrypt_secret": encrypt_secret, "decrypt_secret": decrypt_secret}
    results = run_checks("02_crypto.encrypt_secret", encrypt_secret, namespace)
    from seclab.check import format_report, verdicts

    report = format_report("02_crypto.encrypt_secret", results)
    assert "✗ authenticated encryption" in report and "Hint: A modified or malformed token" in report
    assert verdicts("02_crypto.encrypt_secret", results)["encrypt_secret"] is False


def test_failure_lines_write_calls_in_the_order_of_the_signatures(tmp_path, monkeypatch):
    from seclab.check import format_report

    monkeypatch.chdir(tmp_path)
    encrypt_secret, decrypt_secret = _ctr_functions()
    namespace = {"encrypt_secret": encrypt_secret, "decrypt_secret": decrypt_secret}
    report = format_report("02_crypto.decrypt_secret", run_checks("02_crypto.decrypt_secret", decrypt_secret, namespace))
    calls = [line.strip() for line in report.splitlines() if line.startswith("    decrypt_secret(")]
    shown = [call.split(" returned ")[0].split(" raised ")[0] for call in calls]
    assert shown and all(call.endswith("key)") for call in shown), shown  # token first, key last
    assert any(call.startswith("decrypt_secret(<encrypt_secret('sk_live") for call in shown)
    assert "(key, " not in report


def test_check_output_never_contains_the_kernels_environment(tmp_path, monkeypatch, capsys):
    import os

    from jinja2 import Environment

    from seclab.topics.injection.attacks import PLANTED_VARIABLE

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECLAB_TEST_PRIVATE_VALUE", "do-not-print-me-0451")

    def render_greeting(name):  # vulnerable: the name is part of the template
        return Environment().from_string("Hello, " + name + "!").render()

    check("03_injection.render_greeting", render_greeting)
    out = capsys.readouterr().out
    assert "✗ render_greeting shows template syntax" in out
    assert "fake-secret-" in out, "the payload proves the injection with the planted value"
    leaked = [key for key, value in os.environ.items() if len(value) >= 8 and value in out]
    assert leaked == [] and "environ(" not in out
    assert PLANTED_VARIABLE not in os.environ, "the planted value is removed again"


def test_expected_errors_print_without_memory_addresses(capsys):
    import ast

    from seclab.lesson import expect_error

    with expect_error(ValueError):
        ast.literal_eval('__import__("os").getcwd()')
    out = capsys.readouterr().out
    assert "ValueError: malformed node or string" in out and "<ast.Call>" in out and " at 0x" not in out


def test_an_attack_result_prints_as_one_readable_line():
    from seclab.attacks import AttackResult

    assert str(AttackResult("admin' --", True, "logged in as admin")) == "attack worked: admin' -- -> logged in as admin"
    assert str(AttackResult("x", False, "login refused")).startswith("attack failed: x")


def test_check_describes_a_failure_in_the_spec_own_words():
    """An Expectation with ``explain`` (e.g. the HTTP statuses an API answered) replaces the raw returned value."""
    from seclab.check import CaseResult, format_report
    from seclab.spec import Case, satisfies

    expect = satisfies(lambda value: False, "a 429", lambda outcome: f"statuses {outcome['value']['statuses']}")
    case = Case("get_user.works", "valid-id", "get_user", (1,), expect)
    report = format_report("03_injection.get_user",
                           [CaseResult("get_user.works", case, {"value": {"statuses": "200, 200"}}, False)])
    assert "statuses 200, 200; expected: a 429" in report and "{'statuses'" not in report


def test_returns_exactly_tells_apart_what_equality_does_not():
    from seclab.spec import returns_exactly, same_data

    assert same_data({"a": [1, 2.5, float("nan"), None]}, {"a": [1, 2.5, float("nan"), None]})
    for left, right in [(True, 1), (1.0, 1), (-0.0, 0.0), ([1], (1,)), ({"a": 1}, {"a": 1, "b": 2}),
                        (float("nan"), 0.0), ("1", 1)]:
        assert not same_data(left, right) and not same_data(right, left), (left, right)
    judge = returns_exactly({"ok": True}).judge
    assert judge({"value": {"ok": True}}) and not judge({"value": {"ok": 1}}) and not judge({"raised": ["ValueError"]})
