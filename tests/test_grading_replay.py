"""seclab.grading.replay: a replay runs in a fresh sandbox process, in a fresh empty folder, looked at from outside."""

import os

from seclab.grading.replay import replay_in_sandbox

EXERCISE = "03_injection"  # any exercise: the replay only needs a spec for the sandbox to load


def test_replay_runs_in_another_process_in_a_fresh_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pid = replay_in_sandbox(EXERCISE, "os", "getpid", [])
    cwd = replay_in_sandbox(EXERCISE, "os", "getcwd", [])
    assert pid.outcome["value"] != os.getpid()
    assert os.path.basename(cwd.outcome["value"]).startswith("seclab-replay-")
    assert cwd.outcome["value"] != str(tmp_path) and not os.path.exists(cwd.outcome["value"])
    assert pid.files == cwd.files == frozenset()


def test_replay_reports_the_files_the_call_left_and_each_replay_starts_empty(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    made = replay_in_sandbox(EXERCISE, "os", "open", ["made-by-the-replay", os.O_CREAT | os.O_WRONLY])
    assert made.files == frozenset({"made-by-the-replay"}) and isinstance(made.outcome["value"], int)
    assert replay_in_sandbox(EXERCISE, "os", "listdir", ["."]).outcome == {"value": []}
    assert not (tmp_path / "made-by-the-replay").exists()


def test_a_replay_that_fails_or_hangs_only_reports_it():
    failed = replay_in_sandbox(EXERCISE, "os", "listdir", ["/no/such/folder"])
    assert "FileNotFoundError" in failed.outcome["raised"] and failed.files == frozenset()
    hung = replay_in_sandbox(EXERCISE, "time", "sleep", [60])
    assert hung.outcome["error"] == "timeout"


def test_only_regular_files_count():
    made = replay_in_sandbox(EXERCISE, "os", "mkdir", ["a-folder"])
    assert made.outcome == {"value": None} and made.files == frozenset()


def test_a_replay_that_cannot_load_is_a_setup_error_not_a_failed_exploit():
    import pytest

    from seclab.errors import GradingSetupError

    with pytest.raises(GradingSetupError):
        replay_in_sandbox(EXERCISE, "os", "no_such_function", [])
