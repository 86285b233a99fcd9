"""Topic capstone (lesson 20 Capstone): the twins, the attacks and the playground.

The exercise's contract (instructor solution, vulnerable solution, exploit replay, quiz
keys) is checked for every exercise by tests/test_exercise_contracts.py, from
capstone.roundtrip.json beside this file.
"""

from seclab.topics.capstone import attacks, targets


def test_the_attack_succeeds_on_the_vulnerable_twin_only():
    assert attacks.attack(targets.vulnerable_feature).succeeded
    assert not attacks.attack(targets.fixed_feature).succeeded


def test_todo_more_tests_for_20_capstone():
    raise NotImplementedError("TODO: test the twins, the attack drivers and the widgets")
