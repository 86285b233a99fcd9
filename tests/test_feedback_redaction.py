from nbformat.v4 import new_code_cell, new_output

from seclab.grading.feedback import HIDDEN_NOTE, RedactHiddenTests, redact_source

HIDDEN = "assert f(1) == 2\n### BEGIN HIDDEN TESTS\nsecret_check()\n### END HIDDEN TESTS\n"


def test_redact_source_removes_every_hidden_block():
    text = redact_source(HIDDEN + "x = 1\n" + HIDDEN)
    assert "secret_check" not in text and text.count(HIDDEN_NOTE) == 2 and "x = 1" in text


def test_preprocessor_shortens_tracebacks_of_test_cells_only():
    test_cell = new_code_cell(HIDDEN, metadata={"nbgrader": {"grade": True, "solution": False}})
    test_cell.outputs = [new_output("error", ename="GradingFailure", evalue="2 of 3 passed. Hint: x",
                                    traceback=["\x1b[0;31m----> 3 secret_check()", "GradingFailure: ..."])]
    solution_cell = new_code_cell("### BEGIN HIDDEN TESTS\nkept\n### END HIDDEN TESTS",
                                  metadata={"nbgrader": {"grade": False, "solution": True}})
    redactor = RedactHiddenTests()
    redacted, _ = redactor.preprocess_cell(test_cell, {}, 0)
    assert redacted.outputs[0]["traceback"] == ["GradingFailure: 2 of 3 passed. Hint: x"]
    assert "secret_check" not in redacted.source
    untouched, _ = redactor.preprocess_cell(solution_cell, {}, 1)
    assert "kept" in untouched.source
