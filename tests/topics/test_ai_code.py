"""Topic ai_code (lesson 18 AI-Generated Code): the reviewer, the dependency check, the simulated AI reviewer.

The exercise's contract (instructor solution, vulnerable solution, exploit replay, quiz
keys) is checked for every exercise by tests/test_exercise_contracts.py, from
ai_code.roundtrip.json beside this file.
"""

import pytest

from seclab.topics.ai_code import attacks, spec, targets, widgets


def test_the_injected_comment_gets_flawed_code_past_the_ai_gate_only():
    assert attacks.attack(targets.vulnerable_pipeline).succeeded
    assert not attacks.attack(targets.fixed_pipeline).succeeded


def test_the_simulated_reviewer_refuses_the_plain_flaw_and_says_it_is_a_simulation():
    verdict = targets.simulated_ai_review(attacks.PLAIN_FLAW)
    assert verdict["verdict"] == "request changes" and verdict["simulation"] is True
    assert not attacks.sneak_past(targets.vulnerable_pipeline, attacks.PLAIN_FLAW).succeeded
    assert "SIMULATED" in targets.SIMULATION_LABEL


@pytest.mark.parametrize("rule", targets.RULES)
def test_every_rule_has_a_public_case_and_a_hint(rule):
    sources = [source for _category, source in spec.public_corpus()["review"]]
    assert any(rule in {item["rule"] for item in targets.fixed_review(source)} for source in sources)
    assert rule in spec.HINTS


@pytest.mark.parametrize("source, expected", [
    ("# subprocess.run(x, shell=True)\ns = 'eval(x)'\n", []),
    ("import subprocess as sp\nsp.call(c, shell=True)\n", [(2, "shell-true")]),
    ("from os import system\nsystem(c)\n", [(2, "shell-true")]),
    ("x = {\n    'api_key': 'k',\n}\n", [(2, "hardcoded-secret")]),
    ("monkey = random.random()\ntokenizer = random.choice(t)\n", []),
    ("import random\nsessionKey = random.random()\n", [(2, "insecure-random")]),
    ("def f():\n    DEBUG = True\n", []),
    ("yaml.load(s, Loader=SafeLoader)\nyaml.load(s, yaml.CSafeLoader)\n", []),
    ("jwt.decode(t, k, options={'verify_signature': False}, algorithms=['HS256'])\n", [(1, "jwt-unverified")]),
])
def test_review_edges(source, expected):
    assert [(item["line"], item["rule"]) for item in targets.fixed_review(source)] == expected


def test_review_refuses_unparseable_source():
    with pytest.raises(ValueError):
        targets.fixed_review("def (:\n")


def test_naive_review_misses_aliases_and_flags_comments():
    assert targets.naive_review("# shell=True is bad\n") != []
    assert targets.naive_review("import os as o\no.system(c)\n") == []


def test_unknown_dependencies_reads_requirements_like_pip_and_leaves_the_index_alone():
    index = {"Requests", "Flask_Login"}
    text = "-r base.txt\nrequests==2 \\\n  --hash=sha256:ab\nflask.login\nghost @ https://x/g.whl\n./local\nnew-\\\nthing\n"
    assert targets.fixed_unknown_dependencies(text, index) == ["ghost", "new-thing"]
    assert index == {"Requests", "Flask_Login"}


def test_the_shipped_index_snapshot_knows_real_projects_only():
    snapshot = targets.index_snapshot()
    assert {"requests", "flask", "pyjwt"} <= snapshot
    assert targets.fixed_unknown_dependencies("huggingface-cli\nrequests\n", snapshot) == ["huggingface-cli"]


def test_installing_a_squatted_name_is_stopped_by_the_check_only():
    snapshot, squatted = targets.index_snapshot(), {"flask-security-helpers"}
    text = "flask\nflask-security-helpers\n"
    assert attacks.install_hallucinated(lambda _r, _i: [], text, snapshot, squatted).succeeded
    assert not attacks.install_hallucinated(targets.fixed_unknown_dependencies, text, snapshot, squatted).succeeded


def test_gallery_scoring_counts_recall_per_rule_and_wrong_findings():
    expected = [[(2, "eval")], [(1, "shell-true")]]
    assert spec.score_gallery(expected, [[[2, "eval"]], [[1, "shell-true"], [3, "eval"]]]) == {
        "recall": 1.0, "per_rule": {"shell-true": 1.0, "eval": 1.0}, "wrong": 1 / 3}


def test_exploit_replay():
    assert spec.exploit_works(attacks.INJECTED_REVIEW) == {"vulnerable": True, "fixed": False}
    assert spec.exploit_works(attacks.PLAIN_FLAW) == {"vulnerable": False, "fixed": False}
    assert spec.exploit_works(42) == {"vulnerable": False, "fixed": False}


def test_gate_report_renders_both_gates_and_the_simulation_label():
    text = widgets.render_gate_report(widgets.gate_report(attacks.INJECTED_REVIEW))
    assert "MERGED" in text and "rejected" in text and "SIMULATED" in text


def test_the_playgrounds_build():
    pytest.importorskip("ipywidgets")
    assert widgets.playground() is not None
    assert widgets.exploit_playground(record_key="exploit") is not None
