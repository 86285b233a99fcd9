"""Topic pitfalls (lesson 12 Python Pitfalls): the twins, the attacks, the fence, the scenarios and the playgrounds.

The exercise's contract (instructor solution, vulnerable solution, exploit replay, quiz
keys) is checked for every exercise by tests/test_exercise_contracts.py, from
pitfalls.roundtrip.json beside this file.
"""

import base64
import os
import subprocess
import sys
import tarfile

import pytest

from seclab import grading
from seclab.grading.sandbox import interpreter_options
from seclab.outcomes import run_case
from seclab.topics.pitfalls import attacks, spec, targets, widgets


@pytest.mark.parametrize("name", list(attacks.ESCAPING_ARCHIVES))
def test_every_escaping_archive_beats_the_vulnerable_extractor_only(tmp_path, name):
    assert attacks.escape_attack(targets.vulnerable_extract, tmp_path, name).succeeded
    refused = attacks.escape_attack(targets.fixed_extract, tmp_path, name)
    assert not refused.succeeded and "refused" in refused.evidence


def test_fixed_extract_extracts_honest_archives_of_every_compression(tmp_path):
    for compression in ("", "gz", "bz2", "xz"):
        dest = tmp_path / f"dest-{compression or 'plain'}"
        dest.mkdir()
        archive = tmp_path / f"honest-{compression}.tar"
        attacks.build_archive(archive, attacks.HONEST_ARCHIVE, compression)
        assert targets.fixed_extract(str(archive), str(dest)) == ["data/numbers.csv", "docs/readme.txt"]
        assert (dest / "docs" / "readme.txt").read_text() == "hello\n"


def test_the_fence_stops_writes_outside_its_folder_and_allows_escapes_within(tmp_path):
    folder = tmp_path / "fenced"
    (folder / "uploads").mkdir(parents=True)
    far = tmp_path / "far-away"
    far.mkdir()
    archive = tmp_path / "far.tar"
    attacks.build_archive(archive, [{"name": "link", "type": "symlink", "link": str(far)},
                                    {"name": "link/pwned", "data": "x"}])
    with pytest.raises(targets.LeftTheReplayFolder), targets.fenced_extraction(str(folder)):
        targets.vulnerable_extract(str(archive), str(folder / "uploads"))
    assert list(far.iterdir()) == []
    assert tarfile.fully_trusted_filter is not None and "fenced" not in repr(tarfile.fully_trusted_filter)
    near = tmp_path / "near.tar"
    attacks.build_archive(near, attacks.ESCAPING_ARCHIVES["dot-dot name"])
    with targets.fenced_extraction(str(folder)):
        targets.vulnerable_extract(str(near), str(folder / "uploads"))
    assert (folder / attacks.ESCAPED).is_file()


def test_replay_reports_files_outside_uploads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = attacks.archive_base64(attacks.ESCAPING_ARCHIVES["dot-dot name"])
    assert targets.replay_extract("vulnerable", payload)["outside"] == [attacks.ESCAPED]
    for name in ("uploads", attacks.ESCAPED):
        path = tmp_path / name
        if path.is_dir():
            import shutil

            shutil.rmtree(path)
        else:
            path.unlink()
    fixed = targets.replay_extract("fixed", payload)
    assert fixed["raised"] == "ValueError" and fixed["outside"] == [] and fixed["inside"] == []


def test_decode_archive_refuses_what_is_not_base64_or_too_big():
    for payload in ["not base64 at all!", "", base64.b64encode(bytes(targets.MAX_ARCHIVE_BYTES + 1)).decode()]:
        with pytest.raises(ValueError):
            targets.decode_archive(payload)
    assert targets.decode_archive(base64.urlsafe_b64encode(b"\xfb\xff").decode().rstrip("=")) == b"\xfb\xff"


def test_require_admin_twins_differ_only_under_python_minus_o():
    code = ("from seclab.topics.pitfalls.targets import vulnerable_require_admin as check\n"
            "check({'role': 'user'})\nprint('let in')\n")
    plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    optimised = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True)
    assert "AssertionError" in plain.stderr and optimised.stdout == "let in\n"
    with pytest.raises(PermissionError):
        targets.fixed_require_admin({"role": "user"})
    assert targets.fixed_require_admin({"role": "admin"}) is None


def test_the_exercise_is_graded_under_python_minus_o():
    assert interpreter_options(spec.EXERCISE) == ("-O",)


def test_check_recompiles_an_assert_based_require_admin_without_its_asserts():
    namespace: dict = {}
    exec("def require_admin(user):\n    assert user.get('role') == 'admin'\n", namespace)  # noqa: S102
    # exec'd code has no source to read: judged as it is (asserts on)
    assert "AssertionError" in run_case(spec, namespace, "require_admin", None, [{"role": "user"}],
                                        "optimized")["raised"]
    namespace = {"require_admin": targets.vulnerable_require_admin}
    assert run_case(spec, namespace, "require_admin", None, [{"role": "user"}], "optimized") == {"value": None}


def test_username_twins_redos_and_trailing_newline():
    assert targets.vulnerable_username("alice\n") and not targets.fixed_username("alice\n")
    _verdict, slow = attacks.time_check(targets.vulnerable_username, attacks.redos_input(20))
    _verdict, fast = attacks.time_check(targets.fixed_username, attacks.redos_input(100_000))
    assert slow > 10 * fast
    for name in attacks.TRICKY_USERNAMES.values():
        assert targets.fixed_username(name) is False


def test_timed_scenario_interrupts_a_backtracking_check():
    probe = spec.SCENARIOS["timed"]({"valid_username": targets.vulnerable_username}, attacks.redos_input(40), 0.2)
    assert probe["interrupted"] and probe["value"] is None
    fast = spec.SCENARIOS["timed"]({"valid_username": targets.fixed_username}, attacks.redos_input(100_000))
    assert fast["value"] is False and fast["seconds"] <= spec.LINEAR_SECONDS


def test_python_tags_run_in_the_vulnerable_loader_and_count_against_it():
    import yaml

    def unsafe_parse_config(text):
        return yaml.load(text, Loader=yaml.UnsafeLoader)  # noqa: S506  # the attack under test

    result = spec.SCENARIOS["runs_nothing"]({"parse_config": unsafe_parse_config},
                                            "settings: !!python/object/apply:builtins.open [pwned, w]\n")
    assert result == {"raised": [], "files": ["pwned"]}


def test_many_files_archive_is_fast_and_readable(tmp_path):
    path = tmp_path / "many.tar"
    attacks.build_many_files_archive(path, 1234)
    with tarfile.open(path) as tar:
        names = tar.getnames()
    assert len(names) == 1234 and names[0] == "f00000" and names[-1] == "f01233"


def test_every_hidden_archive_builds(tmp_path):
    hidden = grading.hidden_corpus(spec.EXERCISE)
    for _category, archive in hidden["archives_ok"] + hidden["archives_refused"]:
        if "members" in archive:
            attacks.build_archive(tmp_path / "x.tar", archive["members"], archive.get("compression", ""),
                                  outside=str(tmp_path))


def test_playground_functions(tmp_path):
    members = widgets.parse_members("a.txt\nsub/\nlink -> ..\nhard => a.txt\n\n../escaped.txt")
    assert [member.get("type", "file") for member in members] == ["file", "dir", "symlink", "hardlink", "file"]
    runs = widgets.compare_extractors(attacks.archive_bytes(widgets.parse_members(widgets.EXAMPLE)), str(tmp_path))
    assert runs[0].outside == (attacks.ESCAPED,) and runs[1].outside == ()
    assert runs[1].ended.startswith("ValueError")
    table = widgets.render_runs(runs)
    assert "ESCAPED" in table and "contained" in table
    (tmp_path / "fence").mkdir()
    escaping = widgets.compare_extractors(attacks.archive_bytes([{"name": f"{tmp_path}/pwned", "data": "x"}]),
                                          str(tmp_path / "fence"))  # the fence's folder is the run's own
    assert escaping[0].ended.startswith("stopped by the playground's fence") and escaping[0].outside == ()
    assert not (tmp_path / "pwned").exists()
    listing = widgets.list_members(attacks.archive_base64(attacks.ESCAPING_ARCHIVES["symlink, then a file through it"]))
    assert "symlink -> .." in listing
    assert widgets.list_members("!!!").startswith("not a readable archive")


def test_widgets_build_without_a_frontend(tmp_path):
    assert widgets.archive_playground(tmp_path) is not None
    assert widgets.exploit_playground(record_key=None) is not None


def test_replay_report_in_words():
    report = widgets.replay_report(attacks.archive_base64(attacks.ESCAPING_ARCHIVES["dot-dot name"]))
    assert "vulnerable: extracted; files outside uploads/: ['escaped.txt']" in report
    assert "fixed: raised ValueError; files outside uploads/: none" in report


def test_no_trace_of_the_tests_outside_temporary_folders():
    assert not os.path.exists("pwned")


def test_cheap_bombs_declare_or_hold_more_than_100_mib_in_a_small_file(tmp_path):
    bomb, declared = tmp_path / "bomb.tar.gz", tmp_path / "declared.tar"
    attacks.build_archive(bomb, [{"name": "a.txt", "data": "a"}, {"name": "zeros", "zeros": targets.MAX_TOTAL_BYTES + 1},
                                 {"name": "b.txt", "data": "b"}], "gz")
    attacks.build_archive(declared, [{"name": "a.txt", "data": "a"},
                                     {"name": "big", "declared": targets.MAX_TOTAL_BYTES, "data": "x"}])
    assert bomb.stat().st_size < 1024 * 1024 and declared.stat().st_size < 4096
    with tarfile.open(bomb) as tar:
        assert [(member.name, member.size) for member in tar] == [
            ("a.txt", 1), ("zeros", targets.MAX_TOTAL_BYTES + 1), ("b.txt", 1)]
        assert tar.extractfile("b.txt").read() == b"b"
    with tarfile.open(declared) as tar:
        assert tar.next().name == "a.txt" and tar.next().size == targets.MAX_TOTAL_BYTES
    for archive in (bomb, declared):
        dest = tmp_path / f"dest-{archive.name}"
        dest.mkdir()
        with pytest.raises(ValueError):
            targets.fixed_extract(str(archive), str(dest))
        assert list(dest.iterdir()) == []


def test_an_assert_based_require_admin_lets_everyone_in_where_the_grader_runs_it():
    from seclab.grading.sandbox import Sandbox

    program = ["def require_admin(user):\n    assert user.get('role') == 'admin', 'admins only'\n"]
    refusals = [case for case in spec.cases(spec.public_corpus())
                if case.part == "require_admin.works" and case.category == "not-admin"]
    with Sandbox(spec.EXERCISE, program) as box:
        outcomes = [box.call(case) for case in refusals]
    assert refusals and outcomes == [{"value": None}] * len(refusals)
