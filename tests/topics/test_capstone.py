"""Lesson 20 and exercise 20_capstone: the notes app's planted flaws fall to their probes in the
starter and hold in the reference, each single fix gains exactly its flaw, the release hands out
the starter code, and check / the playground report what they say.

The exercise's generic contract (instructor solution, vulnerable solution, quiz keys, round trip
with the released notebook earning its works points only) is checked by
tests/test_exercise_contracts.py and tests/test_nbgrader_roundtrip.py from capstone.roundtrip.json.
"""

import json

import pytest
from support import REPO, SOURCE, roundtrip_data

from seclab import grading
from seclab.notebooks import grade_id, read_cells, solution_sources, source
from seclab.outcomes import run_case
from seclab.starter import starter_cells
from seclab.topics.capstone import attacks, reference, spec, starter, targets, widgets

EXERCISE = "20_capstone"
STARTER = targets.namespace_of(starter)
REFERENCE = targets.namespace_of(reference)


def _debug_fixed_only(environ):
    return {"SECRET_KEY": environ.get("NOTES_SECRET_KEY", "dev"), "DEBUG": False}


def _key_fixed_only(environ):
    return {**reference.make_config(environ), "DEBUG": True}


#: flaw -> the functions that fix it alone (the config component holds two flaws in one function)
SINGLE_FIXES = {
    "sqli": {"search_notes": reference.search_notes},
    "idor": {"get_note": reference.get_note, "update_note": reference.update_note},
    "hash": {"hash_password": reference.hash_password, "verify_password": reference.verify_password},
    "throttle": {"login_allowed": reference.login_allowed},
    "session": {"dump_session": reference.dump_session, "load_session": reference.load_session},
    "debug": {"make_config": _debug_fixed_only},
    "key": {"make_config": _key_fixed_only},
    "log": {"audit": reference.audit},
    "ssrf": {"link_preview": reference.link_preview},
    "jwt": {"verify_token": reference.verify_token},
    "failopen": {"is_admin": reference.is_admin},
    "xss": {"render_note": reference.render_note},
}


def all_cases():
    return spec.cases(spec.public_corpus()) + spec.cases(grading.hidden_corpus(EXERCISE), public=False)


def passing_parts(namespace, cases=None):
    """The parts whose every case passes, judged in this process as the sandbox would."""
    cases = cases if cases is not None else all_cases()
    failed, seen = set(), set()
    for case in cases:
        seen.add(case.part)
        outcome = run_case(spec, dict(namespace), case.function, case.fixture, list(case.args), case.scenario)
        if not case.expect.judge(outcome):
            failed.add(case.part)
    return seen - failed


WORKS_PARTS = {f"{component.name}.works" for component in targets.COMPONENTS}
FLAW_PARTS = set(spec.FLAW_PART.values())


# --- the app and its flaws ----------------------------------------------------------------------

def test_there_are_at_least_ten_flaws_from_at_least_eight_lessons_in_components_that_exist():
    assert len(targets.FLAWS) >= 10
    assert len({flaw.lesson for flaw in targets.FLAWS.values()}) >= 8
    assert {flaw.component for flaw in targets.FLAWS.values()} <= set(targets.COMPONENT)
    assert set(SINGLE_FIXES) == set(targets.FLAWS)


@pytest.mark.parametrize("flaw", list(targets.FLAWS))
def test_every_probe_of_a_flaw_succeeds_on_the_starter_and_is_stopped_by_the_reference(flaw):
    payloads = attacks.CORPUS[flaw] + [p for batch in grading.hidden_corpus(EXERCISE)[flaw] for p in batch]
    on_starter = attacks.probe(flaw, STARTER, payloads)
    on_reference = attacks.probe(flaw, REFERENCE, payloads)
    assert any(result.succeeded for result in on_starter), [str(r) for r in on_starter]
    assert all(result.verdict == attacks.STOPPED for result in on_reference), [str(r) for r in on_reference]


def test_the_starter_earns_exactly_the_works_parts_and_the_reference_every_part():
    cases = all_cases()
    assert passing_parts(STARTER, cases) == WORKS_PARTS
    assert passing_parts(REFERENCE, cases) == set(spec.PARTS)


@pytest.mark.parametrize("flaw", list(targets.FLAWS))
def test_each_single_flaw_fix_gains_exactly_that_flaws_part(flaw):
    fixed_one = targets.assemble(STARTER, SINGLE_FIXES[flaw])
    assert passing_parts(fixed_one) == WORKS_PARTS | {spec.FLAW_PART[flaw]}


def test_a_fix_that_breaks_a_feature_loses_exactly_that_components_works_part():
    data = roundtrip_data(EXERCISE)["more_submissions"]["broken_preview"]
    namespace = {"__name__": "__main__"}
    for text in [source(cell) for cell in read_cells(SOURCE / EXERCISE / f"{EXERCISE}.ipynb")
                 if grade_id(cell) == "setup"] + list(data["cells"].values()):
        exec(compile(text, "<cell>", "exec"), namespace)  # noqa: S102 - the course's own reference code
    assert passing_parts(namespace) == set(spec.PARTS) - {"preview.works"}


def test_an_app_that_refuses_everybody_stops_nothing():
    def register(*_args):
        raise RuntimeError("closed")

    closed = targets.assemble(REFERENCE, {"hash_password": register})
    result = attacks.probe("idor", closed)[0]
    assert result.verdict == attacks.INCONCLUSIVE


def test_the_simulated_network_resolves_numeric_forms_and_never_a_real_name():
    network = targets.FakeNetwork()
    assert network.resolve("2130706433") == network.resolve("0x7f.1") == network.resolve("127.1") == ["127.0.0.1"]
    with pytest.raises(OSError):
        network.resolve("example.com")
    assert network.fetch("https://notes.example/") == targets.PUBLIC_PAGES["notes.example"]
    assert network.internal_hits == []
    network.fetch("http://metadata.internal/")
    assert network.internal_hits == ["http://metadata.internal/"]


# --- what the learner receives and what the grader says ----------------------------------------------

def test_the_instructor_solution_cells_are_the_reference_and_the_release_hands_out_the_starter():
    instructor = solution_sources(SOURCE / EXERCISE / f"{EXERCISE}.ipynb")
    released = {grade_id(cell): source(cell) for cell in read_cells(REPO / "exercises" / EXERCISE / f"{EXERCISE}.ipynb")}
    for cell, text in targets.reference_cells().items():
        assert instructor[cell] == "### BEGIN SOLUTION\n" + text + "### END SOLUTION", cell
        assert released[cell] == targets.starter_cells()[cell].rstrip("\n"), cell
    assert starter_cells(EXERCISE) == targets.starter_cells()


@pytest.mark.parametrize("exercise", ["15_flask", "19_exceptions", "no_such_exercise"])
def test_other_exercises_have_no_starter_code(exercise):
    assert starter_cells(exercise) == {}


def test_flaw_parts_and_hints_name_neither_weakness_nor_component():
    text = json.dumps([[part.name, part.title] for part in spec.PARTS.values() if part.name in FLAW_PARTS]
                      + [spec.HINTS["attack"]]).lower()
    for flaw in targets.FLAWS.values():
        for word in (flaw.key, flaw.title.lower(), flaw.cwe.lower()):
            assert word not in text, word
    assert spec.FLAW_ORDER != list(targets.FLAWS), "the graded cells are shuffled"


def test_the_grading_note_counts_fixed_flaws_for_flaw_parts_only():
    results = {part: {"ok": part.endswith(("01", "02", "03"))} for part in FLAW_PARTS}
    assert spec.grading_note("planted_flaw_05", results) == f"3 of {len(FLAW_PARTS)} flaws fixed."
    assert spec.grading_note("notes.works", results) is None


def test_check_reports_works_and_the_public_probes(capsys):
    from seclab.check import check

    report, verdicts = spec.check_program(STARTER)
    assert f"{len(attacks.PUBLIC)} of the {len(attacks.PUBLIC)} public probes still succeed" in report
    assert all(verdicts.values()) and "Hint (notes storage and search)" in report
    report, verdicts = spec.check_program(REFERENCE)
    assert f"0 of the {len(attacks.PUBLIC)} public probes" in report and "Hint" not in report
    broken = targets.assemble(REFERENCE, {"render_note": lambda note: ""})
    report, verdicts = spec.check_program(broken)
    assert verdicts["render_note"] is False and "✗ rendering a note as HTML" in report
    with pytest.raises(ValueError, match="check a function"):
        check("15_flask")


def test_the_playground_table_recomputes_quickly():
    import time

    started = time.perf_counter()
    results = widgets.public_probe_table(STARTER)
    elapsed = time.perf_counter() - started
    assert {result.flaw for result in results} == set(attacks.PUBLIC)
    assert f"<b>{len(results)} of {len(results)}</b>" in widgets.render_table(results)
    assert "<b>0 of" in widgets.render_table(widgets.public_probe_table(REFERENCE))
    assert elapsed < 2.0  # about 0.1 s when the machine is idle


def test_bandit_and_ruff_find_a_minority_of_the_flaws():
    from seclab.tools import bandit_api_scan, ruff_security_codes

    cells = targets.starter_cells()
    found = {cell: {finding.test_id for finding in findings} for cell, findings in bandit_api_scan(cells).items()}
    assert found == {**{cell: set() for cell in cells}, "impl_notes": {"B608"}, "impl_accounts": {"B324"},
                     "impl_sessions": {"B301"}, "impl_render": {"B701"}}
    assert {cell: ruff_security_codes(targets.header(starter) + text) for cell, text in cells.items()
            if cell in ("impl_notes", "impl_tokens")} == {"impl_notes": {"S608"}, "impl_tokens": set()}
