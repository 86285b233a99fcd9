"""seclab.grading judges a learner's program in an isolated process and cannot be fooled from it."""

import json
import os
from pathlib import Path

import pytest
from support import SOURCE, program_notebook, roundtrip_data

from seclab import grading
from seclab.answers import record
from seclab.spec import load_spec

INSTRUCTOR = SOURCE / "03_injection" / "03_injection.ipynb"
PARTS = set(load_spec("03_injection").PARTS)
VULNERABLE_INJECTION_SOLUTION = roundtrip_data("03_injection")["vulnerable_solution"]


def program(tmp_path: Path, replacements: dict[str, str]) -> Path:
    return program_notebook(tmp_path, "03_injection", replacements)




def test_hidden_corpus_adds_cases_beyond_the_public_ones(tmp_path):
    spec = load_spec("03_injection")
    public = spec.cases(spec.public_corpus())
    hidden = spec.cases(grading.hidden_corpus("03_injection"), public=False)
    results = grading.verify("03_injection", INSTRUCTOR)
    assert hidden and sum(r["total"] for r in results.values()) == len(public) + len(hidden)



def test_always_equal_object_does_not_pass(tmp_path):
    cheat = '''
class Anything(dict):
    def __eq__(self, other):
        return True
def get_user(conn, user_id):
    return Anything()
'''
    results = grading.verify("03_injection", program(tmp_path, {"impl_get_user": cheat}))
    assert results["get_user.works"]["passed"] == 0


def test_exit_in_a_solution_cell_costs_only_that_cell(tmp_path):
    results = grading.verify("03_injection", program(tmp_path, {"impl_get_user": "import sys\nsys.exit(0)"}))
    assert not results["get_user.works"]["ok"] and "missing" in results["get_user.works"]["failed"]
    assert results["render_greeting.works"]["ok"]


def test_os_exit_inside_a_function_costs_only_its_cases(tmp_path):
    code = "import os\ndef ping_command(host):\n    os._exit(3)\n"
    results = grading.verify("03_injection", program(tmp_path, {"impl_ping_command": code}))
    assert results["ping_command.works"]["failed"] == {"crashed": results["ping_command.works"]["total"]}
    assert results["get_user.works"]["ok"] and results["render_greeting.injection"]["ok"]


def test_endless_loop_times_out_and_grading_goes_on(tmp_path):
    code = "def render_greeting(name):\n    while True:\n        pass\n"
    results = grading.verify("03_injection", program(tmp_path, {"impl_render_greeting": code}))
    assert "timeout" in results["render_greeting.works"]["failed"]
    assert results["get_user.injection"]["ok"]


def test_memory_bomb_is_contained(tmp_path):
    code = "def search_users(conn, prefix):\n    hog = [bytearray(10**8) for _ in range(100)]\n    return []\n"
    results = grading.verify("03_injection", program(tmp_path, {"impl_search_users": code}))
    assert not results["search_users.works"]["ok"]
    assert results["get_user.works"]["ok"]


def test_printed_fake_protocol_lines_are_ignored(tmp_path):
    forged = json.dumps({"value": {"id": 1, "name": "alice", "email": "alice@example.com"}})
    code = f"def get_user(conn, user_id):\n    print({forged!r})\n    return None\n"
    results = grading.verify("03_injection", program(tmp_path, {"impl_get_user": code}))
    assert results["get_user.works"]["passed"] < results["get_user.works"]["total"]


def test_sandbox_sees_no_secrets_and_works_in_a_scratch_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFER_PYTHON_TEST_SECRET", "s3cr3t")
    code = '''
import os
def render_greeting(name):
    assert "SAFER_PYTHON_TEST_SECRET" not in os.environ
    assert not os.path.exists("03_injection.ipynb") and os.listdir(".") == ["stderr.log"]
    return "Hello, " + name + "!"
'''
    results = grading.verify("03_injection", program(tmp_path, {"impl_render_greeting": code}))
    assert results["render_greeting.works"]["ok"]


def test_require_raises_grading_failure_with_a_hint(tmp_path):
    notebook = program(tmp_path, VULNERABLE_INJECTION_SOLUTION)
    grading.require("03_injection", "get_user.works", notebook)
    with pytest.raises(grading.GradingFailure, match="Hint: .*Never build SQL text"):
        grading.require("03_injection", "get_user.injection", notebook)


def test_quiz_answers_are_judged_from_the_answers_file(tmp_path):
    with pytest.raises(grading.GradingFailure, match="no answer recorded"):
        grading.require_answer("q1", "c", folder=tmp_path)
    record("q1", "a", folder=tmp_path)
    with pytest.raises(grading.GradingFailure, match="not right"):
        grading.require_answer("q1", "c", folder=tmp_path)
    record("q1", "c", folder=tmp_path)
    grading.require_answer("q1", "c", folder=tmp_path)


@pytest.mark.parametrize("payload, verdict", [
    ("admin' --", None),
    ("admin", "does not get into"),
    ("' OR 1=1 --", "does not get into"),  # logs in as alice, not admin
    (12, "does not get into"),
])
def test_exploit_is_replayed_against_both_twins(tmp_path, payload, verdict):
    record("exploit", payload, folder=tmp_path)
    if verdict is None:
        grading.require_exploit("03_injection", folder=tmp_path)
    else:
        with pytest.raises(grading.GradingFailure, match=verdict):
            grading.require_exploit("03_injection", folder=tmp_path)


def test_missing_hidden_corpus_is_a_setup_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SECLAB_HIDDEN_CORPUS_DIR", str(tmp_path))
    with pytest.raises(grading.GradingSetupError, match="missing"):
        grading.verify("03_injection", INSTRUCTOR)


def test_damaged_notebook_is_reported(tmp_path):
    broken = tmp_path / "03_injection.ipynb"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="not a valid notebook"):
        grading.verify("03_injection", broken)
    assert os.path.exists(broken)


def test_os_exit_while_loading_costs_only_its_own_cell(tmp_path):
    code = "import os\nos._exit(0)\ndef ping_command(host):\n    return ['ping', '-c', '1', host]\n"
    results = grading.verify("03_injection", program(tmp_path, {"impl_ping_command": code}))
    assert results["ping_command.works"]["failed"] == {"missing": results["ping_command.works"]["total"]}
    assert all(results[part]["ok"] for part in PARTS if not part.startswith("ping_command"))


def _optimize_flag_in_sandbox(exercise: str) -> object:
    from seclab.grading.sandbox import Sandbox
    from seclab.spec import Case, Expectation

    cells = ["import sys\ndef optimize_flag():\n    assert False, 'asserts run'\n    return sys.flags.optimize\n"]
    with Sandbox(exercise, cells) as box:
        return box.call(Case("p", "c", "optimize_flag", (), Expectation(lambda _outcome: True, "anything")))


def test_a_spec_can_ask_for_python_minus_o_and_other_exercises_keep_asserts(monkeypatch):
    assert "AssertionError" in _optimize_flag_in_sandbox("03_injection")["raised"]
    monkeypatch.setattr(load_spec("03_injection"), "INTERPRETER_OPTIONS", ("-O",), raising=False)
    assert _optimize_flag_in_sandbox("03_injection") == {"value": 1}


def test_interpreter_options_outside_the_allowed_set_are_a_setup_error(monkeypatch):
    from seclab.errors import GradingSetupError
    from seclab.grading.sandbox import Sandbox

    monkeypatch.setattr(load_spec("03_injection"), "INTERPRETER_OPTIONS", ("-c", "print(1)"), raising=False)
    with pytest.raises(GradingSetupError, match="not allowed"):
        Sandbox("03_injection", [])


def test_learner_annotations_are_evaluated_as_written():
    """The sandbox's own `from __future__ import annotations` must not leak into the learner's cells.

    FastAPI reads a route's annotations: a body model defined inside create_api() must stay a class, not a string.
    """
    from seclab.grading.isolated import load_program

    code = "def f():\n    class Local:\n        pass\n    def g(x: Local): pass\n    return g.__annotations__['x']\n"
    namespace, errors = load_program([code + "result = f()\n"])
    assert errors == []
    assert isinstance(namespace["result"], type) and namespace["result"].__name__ == "Local"


def test_the_modules_a_cell_imports_load_before_its_time_limit_starts(monkeypatch):
    """A slow library import does not count against the per-cell limit; the learner's own code does."""
    import sys
    import time
    import types

    from seclab.grading import isolated, policy

    assert isolated.imported_modules("import a.b, c\nfrom d.e import f\nfrom . import g\n%time import h\n"
                                     "def k():\n    import json\n") == ["a.b", "c", "d.e", "json"]
    assert isolated.imported_modules("def broken(:\n") == []
    loaded = []

    def slow_import(name):
        time.sleep(0.8)  # longer than the cell's limit below
        loaded.append(name)
        sys.modules[name] = types.ModuleType(name)
        return sys.modules[name]

    monkeypatch.setattr(isolated.importlib, "import_module", slow_import)
    monkeypatch.delitem(sys.modules, "seclab_fake_heavy_library", raising=False)
    monkeypatch.setattr(policy, "VERIFIER_CELL_SECONDS", 0.5)
    namespace, errors = isolated.load_program(["import seclab_fake_heavy_library as lib\nvalue = 1",
                                               "import time\nwhile True:\n    time.sleep(0.01)"])
    assert loaded == ["seclab_fake_heavy_library"] and namespace["value"] == 1
    assert errors == ["cell 2 raised CellTimeout"]
