"""Topic exceptions (lesson 19 Mishandling Exceptional Conditions): the twins, the attacks and the playground.

The exercise's contract (instructor solution, vulnerable solution, exploit replay, quiz
keys) is checked for every exercise by tests/test_exercise_contracts.py, from
exceptions.roundtrip.json beside this file. Here: the twins and the spec's scenarios.
"""

import json
import logging
from pathlib import Path

import pytest

from seclab.outcomes import run_case
from seclab.topics.exceptions import attacks, spec, targets, widgets

FUNCTIONS = ["is_allowed", "error_response", "transfer", "read_body"]
HIDDEN = Path(__file__).resolve().parents[2] / "autograder" / "hidden" / "19_exceptions.json"


def _namespace(kind: str) -> dict:
    return {name: getattr(targets, f"{kind}_{name}") for name in FUNCTIONS}


def _scores(namespace: dict, corpus: dict) -> dict[str, tuple[int, int]]:
    scores: dict[str, list[bool]] = {}
    for case in spec.cases(corpus, public=False):
        outcome = run_case(spec, namespace, case.function, None, list(case.args), case.scenario)
        scores.setdefault(case.part, []).append(case.expect.judge(outcome))
    return {part: (sum(results), len(results)) for part, results in scores.items()}


def test_the_attack_succeeds_on_the_vulnerable_twin_only():
    assert attacks.attack(targets.vulnerable_is_allowed).succeeded
    assert not attacks.attack(targets.fixed_is_allowed).succeeded


@pytest.mark.parametrize("corpus", ["public", "hidden"])
def test_the_reference_passes_every_case_and_the_vulnerable_twins_only_the_works_parts(corpus):
    data = spec.public_corpus() if corpus == "public" else json.loads(HIDDEN.read_text())
    assert set(data) == set(spec.public_corpus()), "the hidden corpus has the public corpus's keys"
    fixed = _scores(_namespace("fixed"), data)
    assert all(passed == total > 0 for passed, total in fixed.values()), fixed
    assert set(fixed) == set(spec.PARTS)
    vulnerable = _scores(_namespace("vulnerable"), data)
    for part, (passed, total) in vulnerable.items():
        if part.endswith(".works"):
            assert passed == total, part
        else:
            assert passed < total, part


def test_every_category_has_a_hint():
    assert {case.category for case in spec.cases(spec.public_corpus())} <= set(spec.HINTS)


def test_fail_open_grants_on_any_error_and_fail_closed_refuses():
    for doc_id in ["3", "99", "abc", None]:
        assert targets.vulnerable_is_allowed(attacks.MALLORY, doc_id, attacks.lookup) is True
        assert targets.fixed_is_allowed(attacks.MALLORY, doc_id, attacks.lookup) is False
    assert targets.fixed_is_allowed(attacks.MALLORY, 2, attacks.lookup) is True


def test_bare_except_would_swallow_ctrl_c_but_the_fix_lets_it_through():
    def interrupted(_number):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        targets.fixed_is_allowed({"id": 1}, 1, interrupted)


def test_error_response_logs_the_details_and_returns_only_the_generic_body(caplog):
    error = FileNotFoundError("/srv/app/secrets.toml")
    with caplog.at_level(logging.ERROR, logger="app"):
        status, body = targets.fixed_error_response(error, "req-9")
    assert (status, body) == (500, {"error": "internal error", "request_id": "req-9"})
    assert caplog.records[0].exc_info[1] is error and "req-9" in caplog.records[0].getMessage()
    assert "secrets.toml" in targets.vulnerable_error_response(error, "req-9")[1]["detail"]
    with pytest.raises(SystemExit):
        targets.fixed_error_response(SystemExit(1), "req-10")


@pytest.mark.parametrize("isolation_level", ["", None])
def test_a_crash_between_the_writes_loses_money_only_without_a_transaction(isolation_level):
    assert attacks.crash_between_writes(targets.vulnerable_transfer, isolation_level)["total"] == 120
    kept = attacks.crash_between_writes(targets.fixed_transfer, isolation_level)
    assert kept["balances"] == {1: 100, 2: 50} and kept["error"].startswith("IntegrityError")


def test_read_body_is_bounded_on_an_endless_stream():
    endless = spec.FakeStream(endless=True, chunk=10)
    with pytest.raises(ValueError):
        targets.fixed_read_body(endless, 95)
    assert endless.bounded(95) and endless.handed == 96
    with pytest.raises(MemoryError):
        targets.vulnerable_read_body(attacks.EndlessStream(limit=1_000_000), 1000)


def test_the_playground_shows_both_authorizers():
    page = widgets.render_comparison("3", widgets.compare_authorizers("3"))
    assert "LEAKED" in page and "safe" in page and "TimeoutError" in page
    assert widgets.playground() is not None and widgets.exploit_playground("exploit_test") is not None


def test_exploit_replay():
    assert spec.exploit_works("3") == {"vulnerable": True, "fixed": False}
    assert spec.exploit_works("2") == {"vulnerable": False, "fixed": False}
    assert spec.exploit_works(["3"]) == {"vulnerable": False, "fixed": False}
