"""A learner's session in a real browser: JupyterLab, widgets, check(), and the grade it earns.

JupyterLab runs from this environment on 127.0.0.1 with a random token, serving a
temporary copy of notebooks/ and exercises/ (so nothing is written into the repository),
and Debian's Chromium drives it headless through Playwright. The test runs the injection
lesson, injects SQL through the playground, answers quizzes, runs a check() on an
unsolved function, then grades the exercise folder the browser left behind with the real
nbgrader CLI. Screenshots of every step go to test-artifacts/browser/.

Without /usr/bin/chromium the test is skipped, except in CI (CI=true), where it fails:
`.ci/run` installs Debian's chromium package. Browsers are never downloaded.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import REPO

from seclab.answers import ANSWERS_FILE
from seclab.release import make_course_copy, run_nbgrader

pytestmark = [pytest.mark.grading, pytest.mark.timeout(600)]  # a busy 2-core machine: server start-up alone can take minutes

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO / "test-artifacts" / "browser"
EXERCISE = "03_injection"
TIMEOUT_MS = 60_000
# nbgrader's server extensions alone take 15-25 s to import on a busy 2-core machine.
SERVER_START_SECONDS = 180
# JupyterLab settings for the test session: no news pop-up over the page, and every cell
# kept in the page (the default windowing leaves cells far off screen out of the DOM, so
# a widget further down could not be found by a selector).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}
# The Jupyter configuration `make lab` (ROLE=learner, the default) puts on JUPYTER_CONFIG_PATH.
LEARNER_CONFIG = REPO / "binder" / "learner"
# nbgrader menu entries: a learner gets the first, an instructor (make lab ROLE=instructor) all.
STUDENT_MENU_ITEMS = {"Assignment List"}
INSTRUCTOR_MENU_ITEMS = {"Formgrader", "Course List", "Create assignment"}
# Shows the API keys of every user through the string-built query of the SQL playground.
UNION_PAYLOAD = "0 UNION SELECT user_id, 'leaked', api_key FROM api_keys"


def _chromium_or_skip() -> Path:
    if CHROMIUM.is_file():
        return CHROMIUM
    reason = (f"{CHROMIUM} is missing: install Debian's chromium package "
              "(apt-get install --no-install-recommends chromium); browsers are never downloaded")
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Lab:
    url: str
    token: str
    root: Path

    def open_url(self, path: str) -> str:
        return f"{self.url}/lab/tree/{path}?token={self.token}"


def _wait_until_serving(process: subprocess.Popen[bytes], url: str, token: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):  # nosec B310
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)  # polling a server that is starting up, not waiting on the page
    raise RuntimeError(f"jupyter lab did not answer within {SERVER_START_SECONDS} s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server, its process group and the kernels it started (their own sessions)."""
    import psutil

    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    try:
        os.killpg(process.pid, signal.SIGTERM)  # the server shuts its kernels down on SIGTERM
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    for child in children:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1, free port, random token, on a copy of notebooks/ and exercises/."""
    _chromium_or_skip()
    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    for folder in ("notebooks", "exercises"):
        shutil.copytree(REPO / folder, root / folder,
                        ignore=shutil.ignore_patterns(ANSWERS_FILE, ".ipynb_checkpoints"))
    for name, settings in LAB_SETTINGS.items():
        target = base / "settings" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(settings))
    port, token = _free_port(), secrets.token_hex(24)
    env = {**os.environ,
           "JUPYTER_CONFIG_PATH": str(LEARNER_CONFIG),  # what `make lab` gives a learner
           "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False",
               f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = base / "jupyter-lab.log"
    with log.open("wb") as log_stream:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log_stream,  # nosec B603
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_serving(process, url, token, log)
        yield Lab(url, token, root)
    finally:
        _stop(process)
        if ARTIFACTS.is_dir():  # the server's log next to the screenshots, for diagnosing failures
            shutil.copy(log, ARTIFACTS / "jupyter-lab.log")


@pytest.fixture(scope="module")
def page(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A headless Chromium page with a fresh profile."""
    from playwright.sync_api import sync_playwright

    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(_chromium_or_skip()),
            headless=True, args=CHROMIUM_FLAGS, viewport={"width": 1400, "height": 1000})
        try:
            browser_page = context.pages[0] if context.pages else context.new_page()
            browser_page.set_default_timeout(TIMEOUT_MS)
            yield browser_page
        finally:
            context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def notebook(page):
    """The notebook panel that is showing."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def open_notebook(page, lab: Lab, path: str) -> None:
    page.goto(lab.open_url(path))
    notebook(page).locator(".jp-Cell").first.wait_for()
    wait_for_idle_kernel(page)


def wait_for_idle_kernel(page) -> None:
    page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"\| Idle")).wait_for()


def menu(page, *path: str) -> None:
    """Click through the menu bar, e.g. menu(page, "Run", "Run All Cells")."""
    for label in path:
        page.get_by_role("menuitem", name=label, exact=True).click()


def wait_until_all_code_cells_ran(page) -> None:
    """Every code cell of the notebook shows an execution count ([12]:, not [ ]: or [*]:)."""
    page.wait_for_function(
        """() => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""", timeout=120_000)
    wait_for_idle_kernel(page)


def code_cell(page, text: str):
    """The code cell whose source contains ``text``."""
    return notebook(page).locator(".jp-CodeCell").filter(
        has=page.locator(".jp-InputArea-editor", has_text=text))


def run_cell(page, cell) -> None:
    """Select a cell the way a learner does (click its prompt), run it with Shift+Enter and
    wait until it has an execution count. A key press that the page swallowed while still
    busy is tried again, as a learner would."""
    prompt = cell.locator(".jp-InputPrompt")
    for _attempt in range(3):
        prompt.click()
        page.keyboard.press("Shift+Enter")
        try:
            prompt.filter(has_text=re.compile(r"\[(\d+|\*)\]")).wait_for(timeout=10_000)
            break
        except Exception:  # still "[ ]": the run did not start
            continue
    prompt.filter(has_text=re.compile(r"\[\d+\]")).wait_for(timeout=120_000)


def answer_quiz_question(cell, option_prefix: str, button: str):
    """Pick the option starting with ``option_prefix`` in the first question and press ``button``."""
    question = cell.locator(".jp-OutputArea-output .widget-vbox .widget-vbox").first
    question.locator("label", has_text=option_prefix).first.click()
    question.get_by_role("button", name=button).click()
    return question


def test_a_learner_session_in_jupyterlab_earns_its_quiz_points(lab: Lab, page, tmp_path: Path) -> None:
    try:
        browse_as_a_learner(page, lab)
    except Exception:
        shot(page, "failure")
        raise

    answers = json.loads((lab.root / "exercises" / EXERCISE / ANSWERS_FILE).read_text())
    assert answers["q1"] == "c"
    assert answers[f"check:{EXERCISE}.get_user"] is False

    scores = grade_exercise_folder(lab.root / "exercises" / EXERCISE, tmp_path)
    assert scores["test_quiz_q1"] == 1
    assert scores["test_quiz_q2"] == scores["test_quiz_q3"] == 0


def browse_as_a_learner(page, lab: Lab) -> None:
    # 0. The learner's JupyterLab: nbgrader's Assignments, no instructor sidebar or menu entries.
    open_notebook(page, lab, "notebooks/03_Injection.ipynb")
    menu(page, "Nbgrader")
    page.get_by_role("menuitem", name="Assignment List").wait_for()
    labels = set(page.locator(".lm-Menu.lm-MenuBar-menu .lm-Menu-itemLabel").all_inner_texts())
    shot(page, "00_learner_view_nbgrader_menu")
    page.keyboard.press("Escape")
    assert STUDENT_MENU_ITEMS <= labels and not labels & INSTRUCTOR_MENU_ITEMS, labels
    assert page.locator(".jp-SideBar .lm-TabBar-tab", has_text="Create Assignment").count() == 0
    assert page.locator(".jp-SideBar .lm-TabBar-tab[title*='Create Assignment']").count() == 0

    # 1. The lesson, every cell run from the menu.
    menu(page, "Run", "Run All Cells")
    wait_until_all_code_cells_ran(page)
    assert not notebook(page).locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
                                      has_text="Traceback").count()
    shot(page, "01_lesson_ran_all_cells")

    # 2. The SQL playground: inject, see the marked query and the leaked API keys.
    playground = code_cell(page, "sql_playground()")
    id_box = playground.locator(".widget-text", has_text="id =").locator("input")
    id_box.fill(UNION_PAYLOAD)
    id_box.press("Enter")
    injected = playground.locator(".seclab-injected", has_text=UNION_PAYLOAD)
    injected.wait_for()
    vulnerable = playground.locator(".seclab-vulnerable")
    fixed = playground.locator(".seclab-fixed")
    vulnerable.locator("td", has_text="sk_demo_").first.wait_for()
    assert "your input changed the structure of the query" in playground.inner_text()
    assert vulnerable.inner_text().count("sk_demo_") >= 3
    assert "rejected" in fixed.inner_text() and "sk_demo_" not in fixed.inner_text()
    injected.scroll_into_view_if_needed()
    shot(page, "02_sql_playground_leaks_api_keys")

    # 3. The lesson quiz: the right answer is acknowledged.
    lesson_quiz = code_cell(page, "lesson_quiz(\"injection\")")
    question = answer_quiz_question(lesson_quiz, "c)", "Submit")
    question.get_by_text("Correct.").wait_for()
    question.scroll_into_view_if_needed()
    shot(page, "03_lesson_quiz_correct")

    # 4. The exercise: run the cells down to check(get_user) on the unsolved function.
    open_notebook(page, lab, f"exercises/{EXERCISE}/{EXERCISE}.ipynb")
    for source in ("from seclab.check import check", "def get_user(", 'check("03_injection.get_user"'):
        run_cell(page, code_cell(page, source))
    check_cell = code_cell(page, 'check("03_injection.get_user"')
    hint = check_cell.locator(".jp-OutputArea-output", has_text="not written yet")
    hint.wait_for()
    assert "raise NotImplementedError()" in hint.inner_text()
    hint.scroll_into_view_if_needed()
    shot(page, "04_exercise_check_says_not_written_yet")

    # 5. The exercise quiz: recorded with the widget, then saved like a learner would.
    exercise_quiz = code_cell(page, "exercise_quiz(\"03_injection\")")
    run_cell(page, exercise_quiz)
    question = answer_quiz_question(exercise_quiz, "c)", "Record answer")
    question.get_by_text("Answer recorded: c").wait_for()
    question.scroll_into_view_if_needed()
    shot(page, "05_exercise_quiz_answer_recorded")
    page.keyboard.press("Control+s")
    page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").wait_for(state="detached")

    # 6. Start Here: the setup cell, then the progress view, which renders its table.
    open_notebook(page, lab, "notebooks/00_Start_Here.ipynb")
    run_cell(page, code_cell(page, "COURSE = load_course()"))
    progress_cell = code_cell(page, "progress_view()")
    run_cell(page, progress_cell)
    progress = progress_cell.locator("table.seclab-progress")
    progress.wait_for()
    table = progress.inner_text()
    assert "Start Here" in table and "Injection" in table and "coming soon" in table
    assert progress.locator("tbody tr").count() >= 20
    progress_cell.get_by_role("button", name="Refresh").scroll_into_view_if_needed()
    shot(page, "06_start_here_progress_view")


def grade_exercise_folder(folder: Path, tmp_path: Path) -> dict[str, float]:
    """Grade ``folder`` as student "browser" with the real nbgrader CLI: test cell -> score."""
    from nbgrader.api import Gradebook

    course = make_course_copy(tmp_path / "course", [EXERCISE])
    run_nbgrader(["generate_assignment", EXERCISE, "--create", "--force"], course)
    submission = course / "submitted" / "browser" / EXERCISE
    shutil.copytree(folder, submission, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    assert (submission / ANSWERS_FILE).is_file()
    run_nbgrader(["autograde", EXERCISE, "--create"], course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        graded = gradebook.find_submission_notebook(EXERCISE, EXERCISE, "browser")
        return {grade.name: grade.score for grade in graded.grades}
