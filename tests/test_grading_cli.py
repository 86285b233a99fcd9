"""The class grader's command line: documented usage equals --help; refusal without confinement."""

import pytest

from seclab.errors import ConfinementError
from seclab.grading import classroom, cli, policy


def test_docstring_usage_is_the_parsers_usage(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    documented = cli.__doc__.split("\n\n")[0]
    assert " ".join(documented.split()) == " ".join(cli.parser().format_usage().split())


def test_grading_refuses_without_confinement_unless_unconfined(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(policy, "confinement", lambda: (False, "bwrap (bubblewrap) is not installed"))
    with pytest.raises(ConfinementError, match="--unconfined"):
        classroom.grade_class(tmp_path, "03_injection")
    assert cli.main(["03_injection", "--course-dir", str(tmp_path)]) == 3
    assert "apt-get install bubblewrap" in capsys.readouterr().err
    # --unconfined gets past the refusal (and then finds no course here)
    assert cli.main(["03_injection", "--course-dir", str(tmp_path), "--unconfined"]) == 1


def test_unconfined_summary_says_so_loudly(capsys):
    classroom.print_summary([], 1.0, confined=False)
    assert "STUDENT CODE RAN UNCONFINED" in capsys.readouterr().out
