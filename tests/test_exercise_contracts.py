"""Every exercise in course.toml keeps its contract, checked the same way for each.

From the instructor notebook, the topic's spec and ``tests/topics/<topic>.roundtrip.json``:
the reference solution passes every part in the isolated sandbox; the vulnerable
solution fails exactly the parts whose test cells it must not score, with feedback that
names hints but no hidden payload; every part has public and hidden cases and a hint per
category; the recorded exploit works only on the vulnerable twin; the quiz keys in the
hidden tests are options of the questions the learner sees. Topic tests add what is
particular to each exercise.
"""

import json

import pytest
from support import SOURCE, failing_parts, program_notebook, roundtrip_data

from seclab import grading
from seclab.course import load_course
from seclab.grading.trusted import hidden_checks
from seclab.notebooks import grade_id, read_cells, source
from seclab.quiz import quiz_questions
from seclab.spec import load_spec

COURSE = load_course()
EXERCISES = list(COURSE.exercises)


def instructor(exercise: str):
    return SOURCE / exercise / f"{exercise}.ipynb"


def checks_by_cell(exercise: str) -> dict[str, list]:
    """grade_id -> the hidden grading calls of every graded test cell."""
    return {grade_id(cell): hidden_checks(source(cell)) for cell in read_cells(instructor(exercise))
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade")
            and not cell["metadata"]["nbgrader"].get("solution")}


def parts_of_cells(exercise: str, cells) -> set[str]:
    return {check.args[1] for cell in cells for check in checks_by_cell(exercise)[cell] if check.name == "require"}


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_part_is_graded_by_a_cell_and_has_public_hidden_cases_and_hints(exercise):
    spec = load_spec(exercise)
    graded = parts_of_cells(exercise, checks_by_cell(exercise))
    assert graded == set(spec.PARTS), "every part needs exactly the test cells that require it"
    public = spec.cases(spec.public_corpus())
    hidden = spec.cases(grading.hidden_corpus(exercise), public=False)
    assert {case.part for case in public} == set(spec.PARTS)
    assert hidden, "the hidden corpus must add cases beyond the public ones"
    assert {case.category for case in public + hidden} <= set(spec.HINTS)


@pytest.mark.grading
@pytest.mark.parametrize("exercise", EXERCISES)
def test_instructor_solution_passes_every_part(exercise):
    results = grading.verify(exercise, instructor(exercise))
    assert failing_parts(results) == set(), {part: r["failed"] for part, r in results.items() if not r["ok"]}


@pytest.mark.grading
@pytest.mark.parametrize("exercise", EXERCISES)
def test_vulnerable_solution_fails_exactly_the_parts_it_must_not_score(exercise, tmp_path):
    data = roundtrip_data(exercise)
    cells = checks_by_cell(exercise)
    scoring = set(data["vulnerable_scores_only"])
    program_cells = [cell for cell in cells if any(check.name == "require" for check in cells[cell])]
    expected_failures = parts_of_cells(exercise, [cell for cell in program_cells if cell not in scoring])
    results = grading.verify(exercise, program_notebook(tmp_path, exercise, data["vulnerable_solution"]))
    assert failing_parts(results) == expected_failures
    feedback = " ".join(grading.summary(result) for result in results.values())
    assert "Hint:" in feedback
    for payloads in grading.hidden_corpus(exercise).values():
        for payload in payloads:
            if len(str(payload)) >= 6:
                assert str(payload) not in feedback and json.dumps(payload) not in feedback


@pytest.mark.parametrize("exercise", [ex for ex in EXERCISES if "exploit" in roundtrip_data(ex)])
def test_recorded_exploit_works_on_the_vulnerable_twin_only(exercise):
    data = roundtrip_data(exercise)
    spec = load_spec(exercise)
    assert spec.exploit_works(data["exploit"]["answers"]["exploit"]) == {"vulnerable": True, "fixed": False}
    wrong = spec.exploit_works(data["wrong_exploit"]["answers"]["exploit"])
    assert not (wrong["vulnerable"] and not wrong["fixed"])


@pytest.mark.parametrize("exercise", EXERCISES)
def test_quiz_keys_in_the_hidden_tests_are_options_the_learner_sees(exercise):
    topic = COURSE.lesson_of_exercise(exercise).topic
    questions = {question.id: question for question in quiz_questions(topic, "exercise")}
    keys = {check.args[0]: check.args[1] for found in checks_by_cell(exercise).values()
            for check in found if check.name == "require_answer"}
    assert set(keys) == set(questions), "one graded test cell per exercise question"
    for question, accepted in keys.items():
        accepted = {accepted} if isinstance(accepted, str) else set(accepted)
        assert accepted <= set(questions[question].options), question


@pytest.mark.grading
@pytest.mark.parametrize("exercise", EXERCISES)
def test_run_all_on_the_released_exercise_with_widget_answers_finishes(exercise, tmp_path, monkeypatch, capsys):
    """A learner who wrote every function and answered with the widgets runs all cells without an error.

    The optional "record in code" cells, left as released, must run cleanly and record nothing.
    """
    import shutil

    from support import REPO, load_notebook, solution_sources, with_cells_replaced

    from seclab.answers import ANSWERS_FILE, load_answers

    folder = tmp_path / exercise
    shutil.copytree(REPO / "exercises" / exercise, folder)
    released = load_notebook(folder / f"{exercise}.ipynb")
    functions = {gid: text for gid, text in solution_sources(instructor(exercise)).items() if gid.startswith("impl_")}
    solved = with_cells_replaced(released, functions)  # the answer cells stay as released
    data = roundtrip_data(exercise)
    widget_answers = {**data["partial_quiz"]["answers"], **data.get("exploit", {}).get("answers", {})}
    (folder / ANSWERS_FILE).write_text(json.dumps(widget_answers))
    monkeypatch.chdir(folder)
    namespace: dict = {"__name__": "__main__"}
    for number, cell in enumerate(solved["cells"]):
        if cell["cell_type"] == "code":
            exec(compile(source(cell), f"<{exercise} cell {number} {grade_id(cell)}>", "exec"), namespace)  # noqa: S102
    recorded = load_answers(folder)
    assert {key: recorded.get(key) for key in widget_answers} == widget_answers, "an optional cell changed an answer"
    assert "✗" not in capsys.readouterr().out
