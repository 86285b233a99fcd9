"""Every instructor notebook under autograder/source runs top to bottom (nbval), hidden tests included.

They run on a temporary copy: running them records answers (seclab_answers.json), which
must never land in autograder/source, where a release would ship them.
"""

import shutil
import subprocess
import sys

import pytest
from support import SOURCE

from seclab.answers import ANSWERS_FILE

pytestmark = pytest.mark.notebook


@pytest.mark.parametrize("exercise", sorted(p.name for p in SOURCE.iterdir()))
def test_instructor_notebook_runs_and_passes_its_hidden_tests(exercise, tmp_path):
    copy = shutil.copytree(SOURCE / exercise, tmp_path / exercise)
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--nbval-lax", "--nbval-current-env",
         "--nbval-cell-timeout=300", str(copy / f"{exercise}.ipynb")],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert " passed" in completed.stdout
    assert (copy / ANSWERS_FILE).exists(), "the kernel should have run in the exercise folder"
    assert not (SOURCE / exercise / ANSWERS_FILE).exists()
