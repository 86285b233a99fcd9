"""Topic environment (lesson 11 A Clean Environment): the twins, the attacks, the spec and the playground.

The exercise's contract (instructor solution, vulnerable solution, quiz keys) is checked for
every exercise by tests/test_exercise_contracts.py, from environment.roundtrip.json beside
this file. Here: the reference linter reads requirements files the way pip does, every
clause of the contract on its own, the naive twins fall to the lesson's attacks and the
fixed ones hold, and the spec's scenarios judge what they claim to.
"""

import hashlib

import pytest

from seclab import grading
from seclab.outcomes import run_case
from seclab.topics.environment import attacks, spec, targets
from seclab.topics.environment import widgets as playgrounds

SHA = "--hash=sha256:" + "ab" * 32


def problems(text):
    return [(finding["line"], finding["code"]) for finding in targets.fixed_requirements_problems(text)]


# --- reading the file as pip does -------------------------------------------------------------

def test_logical_lines_join_continuations_cut_comments_and_keep_the_first_line_number():
    text = "# header\n\na==1 \\\n  --hash=sha256:x \\\n  --hash=sha256:y\nb  # why\nc#d\n"
    assert list(targets.logical_lines(text)) == [
        (3, "a==1   --hash=sha256:x   --hash=sha256:y"), (6, "b"), (7, "c#d")]


def test_a_comment_line_ends_a_continuation_and_is_never_one_itself():
    assert list(targets.logical_lines("a==1 \\\n# note \\\nb\n")) == [(1, "a==1"), (3, "b")]


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing\n   # at all\n", "-r base.txt\n-c constraints.txt\n",
                                  f"Django == 5.0.3 {SHA}\n", f"pkg[extra]==1.0 ; python_version >= '3.9' {SHA}\n",
                                  f"pkg==1.0+local {SHA}\n", "pkg==1.0 --hash sha512:" + "0f" * 64 + "\n",
                                  f"pkg==1.0 \\\n  \\\n  {SHA}\n", "--index-url https://pypi.org/simple\n",
                                  "--find-links ./wheels\n--no-index\n--require-hashes\n"])
def test_clean_files_have_no_findings(text):
    assert problems(text) == []


@pytest.mark.parametrize("requirement", ["flask", "requests>=2.31", "Django~=5.0", "idna===3.7", "six==1.*",
                                         "attrs==23.1,<24", "pkg!=1.0", "pkg<2", "pkg ; python_version<'3.9'",
                                         "not a requirement at all", "pkg=1.0"])
def test_everything_but_one_exact_pin_is_unpinned(requirement):
    assert problems(f"{requirement} {SHA}\n") == [(1, "unpinned")]


@pytest.mark.parametrize(("line", "codes"), [
    ("acme @ https://files.example/acme-1.0.tar.gz", ["direct-url", "no-hash"]),
    ("acme@https://files.example/acme-1.0.tar.gz", ["direct-url", "no-hash"]),
    ("https://files.example/acme-1.0-py3-none-any.whl", ["direct-url", "no-hash"]),
    ("file:///srv/acme-1.0.zip", ["direct-url", "no-hash"]),
    ("./dist/acme-1.0.tar.gz", ["direct-url", "no-hash"]),
    ("acme-1.0.TGZ", ["direct-url", "no-hash"]),
    ("./packages/acme", ["no-hash"]),
    ("git+https://github.com/acme/tool#egg=tool", ["no-hash", "vcs"]),
    ("tool @ HG+https://hg.example/tool", ["no-hash", "vcs"]),
    ("-e .", ["editable", "no-hash"]),
    ("--editable=git+https://github.com/acme/tool#egg=tool", ["editable", "no-hash", "vcs"]),
    ("-e https://files.example/acme-1.0.zip", ["direct-url", "editable", "no-hash"]),
    ("pkg==1.0 --hash=md5:" + "0" * 32, ["no-hash", "weak-hash"]),
    ("pkg==1.0 --hash=SHA1:" + "0" * 40 + " " + SHA, ["weak-hash"]),
    ("pkg==1.0 --hash=blake2b:" + "0" * 128, ["no-hash"]),
    (f"pkg==1.0  # {SHA}", ["no-hash"]),
    ("--extra-index-url https://pypi.example/simple", ["extra-index"]),
    ("--extra-index-url=HTTP://pypi.example/simple", ["extra-index", "insecure-index"]),
    ("-ihttp://pypi.example/simple --trusted-host pypi.example", ["insecure-index", "trusted-host"]),
    ("-f http://wheels.example/", ["insecure-index"]),
    ("--find-links=http://wheels.example/", ["insecure-index"]),
    ("--trusted-host=pypi.example", ["trusted-host"]),
])
def test_each_code_of_the_contract(line, codes):
    assert problems(line + "\n") == [(1, code) for code in codes]


def test_findings_are_sorted_by_line_then_code_and_unique_per_line():
    text = "--extra-index-url http://a/ --extra-index-url http://b/\nflask\n"
    assert problems(text) == [(1, "extra-index"), (1, "insecure-index"), (2, "no-hash"), (2, "unpinned")]


def test_the_course_lock_file_has_no_findings():
    from seclab.course import REPO_ROOT

    assert targets.fixed_requirements_problems((REPO_ROOT / "requirements.txt").read_text()) == []


# --- verify_artifact ---------------------------------------------------------------------------

def test_verify_artifact_accepts_any_matching_strong_hash_and_refuses_everything_else(tmp_path):
    path = tmp_path / "pkg-1.0-py3-none-any.whl"
    path.write_bytes(b"reviewed")
    good = {name: f"{name}:{hashlib.new(name, b'reviewed').hexdigest()}" for name in ("sha256", "sha384", "sha512")}
    for entry in good.values():
        assert targets.fixed_verify_artifact(str(path), [entry]) is None
    assert targets.fixed_verify_artifact(str(path), ["sha256:" + "0" * 64, good["sha512"]]) is None
    weak = "md5:" + hashlib.md5(b"reviewed", usedforsecurity=False).hexdigest()
    for bad in ([], ["sha256:" + "0" * 64], [good["sha256"], weak], [good["sha256"].upper()],
                [good["sha256"], "sha256:abc"], [good["sha256"], None], [good["sha256"] + "\n"]):
        with pytest.raises(ValueError):
            targets.fixed_verify_artifact(str(path), bad)


def test_a_64_mib_file_is_checked_with_well_under_32_mib(tmp_path):
    assert attacks.memory_peak(targets.fixed_verify_artifact, tmp_path, 64 << 20) < 8 << 20


# --- the twins fall and hold ---------------------------------------------------------------------

def test_the_naive_linter_misses_risky_lines_and_the_fixed_one_does_not():
    assert attacks.lint_evasion(targets.naive_requirements_problems).succeeded
    assert not attacks.lint_evasion(targets.fixed_requirements_problems).succeeded


def test_the_md5_collision_is_real_and_only_the_naive_verifier_falls_for_it(tmp_path):
    reviewed, swapped = attacks.colliding_files(tmp_path)
    assert reviewed.read_bytes() != swapped.read_bytes()
    assert attacks.md5_of(reviewed) == attacks.md5_of(swapped)
    assert hashlib.sha256(reviewed.read_bytes()).digest() != hashlib.sha256(swapped.read_bytes()).digest()
    assert attacks.collision_swap(targets.naive_verify_artifact, tmp_path / "a").succeeded
    assert not attacks.collision_swap(targets.fixed_verify_artifact, tmp_path / "b").succeeded


# --- the spec's scenarios judge what they claim ----------------------------------------------------

def _outcome(namespace, case):
    return run_case(spec, namespace, case.function, case.fixture, list(case.args), case.scenario)


def test_the_memory_scenario_tells_chunked_reading_from_a_whole_file_read():
    memory_case = next(case for case in spec.cases(spec.public_corpus()) if case.category == "memory")
    assert memory_case.expect.judge(_outcome({"verify_artifact": targets.fixed_verify_artifact}, memory_case))
    assert not memory_case.expect.judge(_outcome({"verify_artifact": targets.naive_verify_artifact}, memory_case))


def test_the_timing_scenario_sees_compare_digest_under_any_name():
    import hmac

    timing_case = next(case for case in spec.cases(spec.public_corpus()) if case.category == "timing")
    assert timing_case.expect.judge(_outcome({"verify_artifact": targets.fixed_verify_artifact}, timing_case))
    assert not timing_case.expect.judge(_outcome({"verify_artifact": targets.naive_verify_artifact}, timing_case))
    namespace = {}
    exec(  # a learner's cell that imported compare_digest under another name  # noqa: S102
        "import hashlib\nfrom hmac import compare_digest as same\n"
        "def verify_artifact(path, hashes):\n"
        "    digest = hashlib.sha256(open(path, 'rb').read()).hexdigest()\n"
        "    if not same(digest, hashes[0].split(':')[1]):\n"
        "        raise ValueError('no match')\n", namespace)
    assert timing_case.expect.judge(_outcome(namespace, timing_case))
    assert namespace["same"] is hmac.compare_digest  # the scenario puts the original back


def test_placeholders_stand_for_real_and_wrong_digests():
    data = b"abc"
    real, wrong, upper = spec.resolved_hashes(data, ["sha256:{sha256}", "sha256:{other:sha256}",
                                                     "x{upper:sha256}"])
    assert real == "sha256:" + hashlib.sha256(data).hexdigest()
    assert wrong != real and len(wrong) == len(real)
    assert upper == "x" + hashlib.sha256(data).hexdigest().upper()


def test_hidden_corpus_adds_cases_for_every_part_and_category():
    hidden = spec.cases(grading.hidden_corpus("11_environment"), public=False)
    assert {case.part for case in hidden} == set(spec.PARTS)
    assert {case.category for case in hidden} == set(spec.HINTS)


# --- the playground ---------------------------------------------------------------------------------

def test_the_playground_table_marks_what_the_naive_linter_misses():
    table = playgrounds.lint_table_html("six==1.*\nflask\n")
    assert table.count("<tr>") == 3 and 'color:#b00' in table and "unpinned" in table
    widget = playgrounds.playground("flask\n")
    area, output = widget.children
    area.value = "--trusted-host example.org\n"
    assert "trusted-host" in output.value
