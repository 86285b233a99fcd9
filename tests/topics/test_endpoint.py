"""Topic endpoint (lesson 13 Securing an Endpoint): the twins, the attacks and the playground.

The exercise's contract (instructor solution, vulnerable solution, exploit replay, quiz
keys) is checked for every exercise by tests/test_exercise_contracts.py, from
endpoint.roundtrip.json beside this file.
"""

from seclab.topics.endpoint import attacks, targets


def test_the_attack_succeeds_on_the_vulnerable_twin_only():
    assert attacks.attack(targets.vulnerable_feature).succeeded
    assert not attacks.attack(targets.fixed_feature).succeeded


def test_todo_more_tests_for_13_endpoint():
    raise NotImplementedError("TODO: test the twins, the attack drivers and the widgets")
