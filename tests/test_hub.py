"""A class on JupyterHub, end to end, with real Unix accounts (deploy/jupyterhub/).

As root: an instructor and two learners are created in a temporary class folder; the hub
starts on a free loopback port; the instructor releases 03_injection with nbgrader; each
learner's server is started through the hub's REST API and the learners fetch and submit
through their own servers (the API the Assignments tab uses) — one correct solution, one
with an injection flaw; the instructor collects, grades with ``make grade``, releases
feedback; the learners fetch it; the exported grades are asserted. A learner's
Assignments tab is shown in Chromium. Learners try to read what they must not.
Everything (hub, proxy, servers, accounts) is removed afterwards, whatever happens.

Skipped when the machine cannot create accounts or run node (not root, no useradd, no
npm); in CI (CI=true) it fails instead, as the browser test does.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support import (
    REPO,
    SOURCE,
    load_notebook,
    points_per_test_cell,
    roundtrip_data,
    solution_sources,
    with_cells_replaced,
)

pytestmark = [pytest.mark.grading, pytest.mark.timeout(600)]

EXERCISE = "03_injection"
COURSE_ID = "safer-python"
HUB = REPO / "deploy" / "jupyterhub" / "hub.py"
VENV_BIN = Path(sys.executable).parent
ARTIFACTS = REPO / "test-artifacts" / "hub"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root to create accounts"
    for tool in ("useradd", "userdel", "groupadd", "npm", "node"):
        if shutil.which(tool) is None:
            return f"{tool} is missing"
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ClassOnHub:
    root: Path
    url: str
    service_token: str
    password: str
    instructor: str
    learners: list[str]
    env: dict[str, str]
    course: Path = field(init=False)
    user_tokens: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.course = self.home(self.instructor) / "safer-python-course"

    def home(self, name: str) -> Path:
        return self.root / "home" / name

    def api(self, method: str, path: str, body: object = None, token: str | None = None,
            form: dict[str, str] | None = None) -> tuple[int, object]:
        """A request to the hub (``/hub/api/…``) or through the proxy to a server (``/user/…``)."""
        headers = {"Authorization": f"token {token or self.service_token}"}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback only
                text = response.read().decode()
                try:
                    return response.status, json.loads(text) if text.strip() else None
                except json.JSONDecodeError:
                    return response.status, text  # a page, not an API answer
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def as_user(self, name: str, command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
        """``command`` run as ``name`` with the environment the hub gives that person."""
        config = [str(self.root / "etc" / "jupyter")]
        if name != self.instructor:
            config.insert(0, str(REPO / "binder" / "learner"))
        env = {"HOME": str(self.home(name)), "USER": name, "LANG": "C.UTF-8",
               "PATH": os.pathsep.join([str(VENV_BIN), "/usr/bin", "/bin"]),
               "JUPYTER_CONFIG_PATH": os.pathsep.join(config)}
        return subprocess.run(command, cwd=cwd, env=env, user=name, group=name, capture_output=True,
                              text=True, timeout=300, check=False)


def _wait_for_hub(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the hub exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/hub/api/", timeout=2):  # noqa: S310 - loopback only
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise AssertionError(f"the hub did not answer within 60 s:\n{log.read_text()[-3000:]}")


def _start_server(hub: ClassOnHub, name: str) -> None:
    status, detail = hub.api("POST", f"/hub/api/users/{name}")  # as a first login would
    assert status in (201, 409), (status, detail)
    status, detail = hub.api("POST", f"/hub/api/users/{name}/server")
    assert status in (201, 202), (status, detail)


def _wait_for_server(hub: ClassOnHub, name: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status, user = hub.api("GET", f"/hub/api/users/{name}")
        assert status == 200, user
        server = user["servers"].get("") if isinstance(user, dict) else None  # type: ignore[index]
        if server and server.get("ready"):
            return
        time.sleep(0.5)
    raise AssertionError(f"{name}'s server did not start within 120 s")


def _user_token(hub: ClassOnHub, name: str) -> str:
    status, reply = hub.api("POST", f"/hub/api/users/{name}/tokens", {"note": "hub test", "expires_in": 3600})
    assert status in (200, 201), reply
    return str(reply["token"])  # type: ignore[index]


def _tree_modes(paths: list[Path]) -> dict[Path, int]:
    modes = {}
    for target in paths:
        for folder in [target, *target.parents]:
            modes[folder] = folder.stat().st_mode & 0o7777
    return modes


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClassOnHub]:
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"the JupyterHub class test cannot run in CI: {reason}")
        pytest.skip(reason)
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    prefix = "sp" + secrets.token_hex(3)
    instructor, learners = f"{prefix}i", [f"{prefix}a", f"{prefix}b"]
    klass = f"{prefix}-class"
    root = Path(tempfile.mkdtemp(prefix="seclab-hub-"))
    root.chmod(0o755)
    modes = _tree_modes([Path(sys.base_prefix).resolve(), REPO]) | {REPO / "autograder": (REPO / "autograder").stat().st_mode & 0o7777}
    port = _free_port()
    env = dict(os.environ, SECLAB_CLASS=klass, SECLAB_HUB_PORT=str(port), SECLAB_HUB_API_PORT=str(_free_port()),
               SECLAB_HUB_PROXY_API_PORT=str(_free_port()), SECLAB_HUB_AUTHENTICATOR="shared-password",
               SECLAB_HUB_SHARED_PASSWORD=secrets.token_hex(16), SECLAB_HUB_SERVICE_TOKEN=secrets.token_hex(32),
               PATH=os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")]))
    log = root / "hub.log"
    process = None
    try:
        def hub_py(*args: str) -> None:
            result = subprocess.run([sys.executable, str(HUB), *args], env=env, capture_output=True, text=True,
                                    timeout=300, check=False)
            assert result.returncode == 0, result.stdout + result.stderr

        hub_py("setup", "--root", str(root), "--share-python")
        hub_py("add-user", instructor, "--instructor", "--root", str(root), "--home-base", str(root / "home"))
        for name in learners:
            hub_py("add-user", name, "--root", str(root), "--home-base", str(root / "home"))
        with log.open("wb") as stream:
            process = subprocess.Popen([sys.executable, str(HUB), "start", "--root", str(root)], env=env,
                                       stdout=stream, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        _wait_for_hub(url, process, log)
        yield ClassOnHub(root, url, env["SECLAB_HUB_SERVICE_TOKEN"], env["SECLAB_HUB_SHARED_PASSWORD"],
                         instructor, learners, env)
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)  # the hub stops every server and the proxy
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if ARTIFACTS.is_dir() and log.exists():
            shutil.copy(log, ARTIFACTS / "jupyterhub.log")
        for name in [instructor, *learners]:
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True, check=False)
            subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)
        for group in (f"{klass}-learners", f"{klass}-instructors"):
            subprocess.run(["groupdel", group], capture_output=True, check=False)
        for folder, mode in modes.items():
            folder.chmod(mode)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def graded(hub: ClassOnHub) -> dict[str, float]:
    """Release → fetch → submit → collect → make grade → feedback; the exported grades."""
    good, flawed = hub.learners
    released = hub.as_user(hub.instructor, [str(VENV_BIN / "nbgrader"), "generate_assignment", EXERCISE, "--force"], hub.course)
    assert released.returncode == 0, released.stderr
    released = hub.as_user(hub.instructor, [str(VENV_BIN / "nbgrader"), "release_assignment", EXERCISE], hub.course)
    assert released.returncode == 0, released.stderr
    for name in [*hub.learners, hub.instructor]:  # started together: each takes seconds
        _start_server(hub, name)
    for name in [*hub.learners, hub.instructor]:
        _wait_for_server(hub, name)
        hub.user_tokens[name] = _user_token(hub, name)

    instructor_notebook = SOURCE / EXERCISE / f"{EXERCISE}.ipynb"
    solutions = solution_sources(instructor_notebook)
    flaw = roundtrip_data(EXERCISE)["vulnerable_solution"]
    for name in hub.learners:
        token = hub.user_tokens[name]
        status, listing = hub.api("GET", f"/user/{name}/assignments?course_id={COURSE_ID}", token=token)
        assert status == 200 and EXERCISE in json.dumps(listing), listing
        status, reply = hub.api("POST", f"/user/{name}/assignments/fetch", token=token,
                                form={"course_id": COURSE_ID, "assignment_id": EXERCISE})
        assert status == 200 and reply["success"], reply  # type: ignore[index]
        path = f"{EXERCISE}/{EXERCISE}.ipynb"
        status, model = hub.api("GET", f"/user/{name}/api/contents/{path}?content=1", token=token)
        assert status == 200, model
        notebook = with_cells_replaced(model["content"], solutions)  # type: ignore[index]
        if name == flawed:
            notebook = with_cells_replaced(notebook, flaw)
        status, saved = hub.api("PUT", f"/user/{name}/api/contents/{path}", token=token,
                                body={"type": "notebook", "format": "json", "content": notebook})
        assert status == 200, saved
        status, reply = hub.api("POST", f"/user/{name}/assignments/submit", token=token,
                                form={"course_id": COURSE_ID, "assignment_id": EXERCISE})
        assert status == 200 and reply["success"], reply  # type: ignore[index]

    collected = hub.as_user(hub.instructor, [str(VENV_BIN / "nbgrader"), "collect", EXERCISE], hub.course)
    assert collected.returncode == 0, collected.stderr
    grade = subprocess.run(["make", "-s", "grade", f"ASSIGNMENT={EXERCISE}", f"COURSE={hub.course}"], cwd=REPO,
                           capture_output=True, text=True, timeout=600, check=False,
                           env=dict(os.environ, PATH=os.pathsep.join([str(VENV_BIN), os.environ["PATH"]])))
    assert grade.returncode == 0, grade.stdout[-3000:] + grade.stderr[-3000:]
    (ARTIFACTS / "make-grade.log").write_text(grade.stdout + grade.stderr, encoding="utf-8")
    shutil.copytree(hub.course / "feedback", ARTIFACTS / "feedback")  # what each learner will read
    subprocess.run(["chown", "-R", f"{hub.instructor}:{hub.instructor}", str(hub.course)], check=True)
    feedback = hub.as_user(hub.instructor, [str(VENV_BIN / "nbgrader"), "release_feedback", EXERCISE], hub.course)
    assert feedback.returncode == 0, feedback.stderr
    exported = hub.as_user(hub.instructor, [str(VENV_BIN / "nbgrader"), "export", "--to", "grades.csv"], hub.course)
    assert exported.returncode == 0, exported.stderr
    import csv

    with (hub.course / "grades.csv").open(newline="") as stream:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(stream) if row["assignment"] == EXERCISE}


def test_grades_are_full_marks_and_exactly_the_lost_attack_points(hub: ClassOnHub, graded: dict[str, float]) -> None:
    points = points_per_test_cell(SOURCE / EXERCISE / f"{EXERCISE}.ipynb")
    still_scored = set(roundtrip_data(EXERCISE)["vulnerable_scores_only"])
    function_cells = {cell for cell in points if not cell.startswith(("test_quiz", "test_exploit"))}
    lost = sum(points[cell] for cell in function_cells - still_scored)
    assert lost > 0
    good, flawed = hub.learners
    assert graded == {good: sum(points.values()), flawed: sum(points.values()) - lost}


def test_learners_fetch_their_feedback_through_their_servers(hub: ClassOnHub, graded: dict[str, float]) -> None:
    for name in hub.learners:
        status, reply = hub.api("POST", f"/user/{name}/assignments/fetch_feedback", token=hub.user_tokens[name],
                                form={"course_id": COURSE_ID, "assignment_id": EXERCISE})
        assert status == 200 and reply["success"], reply  # type: ignore[index]
        pages = list((hub.home(name) / EXERCISE / "feedback").glob(f"*/{EXERCISE}.html"))
        assert len(pages) == 1, pages
        page = pages[0].read_text(encoding="utf-8")
        assert "hidden tests ran here" in page and "BEGIN HIDDEN TESTS" not in page


PROBE = """
import json, os, sys
results = {}
for label, path in json.loads(sys.argv[1]).items():
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(1)
        results[label] = "read"
    except PermissionError:
        results[label] = "denied"
    except FileNotFoundError:
        results[label] = "missing"
print(json.dumps(results))
"""


def test_a_learner_cannot_read_what_is_not_theirs(hub: ClassOnHub, graded: dict[str, float]) -> None:
    good, flawed = hub.learners
    exchange = hub.root / "exchange" / COURSE_ID
    targets = {
        "other learner's home": hub.home(good),
        "other learner's notebook": hub.home(good) / EXERCISE / f"{EXERCISE}.ipynb",
        "instructor's course": hub.course,
        "instructor's solution": hub.course / "source" / EXERCISE / f"{EXERCISE}.ipynb",
        "hidden corpus": hub.course / "hidden" / f"{EXERCISE}.json",
        "gradebook": hub.course / "gradebook.db",
        "exchange inbound (other submissions)": exchange / "inbound",
        "the repository's autograder": REPO / "autograder" / "source",
        "hub state": hub.root / "hub",
    }
    probe = hub.as_user(flawed, [sys.executable, "-c", PROBE, json.dumps({k: str(v) for k, v in targets.items()})],
                        hub.home(flawed))
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout) == {label: "denied" for label in targets}
    # what nbgrader's exchange is for stays open: the released assignment
    own = hub.as_user(flawed, [sys.executable, "-c", PROBE, json.dumps({"outbound": str(exchange / "outbound" / EXERCISE)})],
                      hub.home(flawed))
    assert json.loads(own.stdout) == {"outbound": "read"}


def test_only_instructors_get_formgrader(hub: ClassOnHub, graded: dict[str, float]) -> None:
    status, _ = hub.api("GET", f"/user/{hub.instructor}/formgrader", token=hub.user_tokens[hub.instructor])
    assert status == 200
    learner = hub.learners[0]
    status, _ = hub.api("GET", f"/user/{learner}/formgrader", token=hub.user_tokens[learner])
    assert status == 404


def test_a_learners_assignments_tab_lists_the_exercise(hub: ClassOnHub, graded: dict[str, float]) -> None:
    from playwright.sync_api import sync_playwright

    learner = hub.learners[0]
    profile = tempfile.mkdtemp(prefix="seclab-hub-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS,
                viewport={"width": 1400, "height": 900})
            try:
                page = context.pages[0] if context.pages else context.new_page()
                page.set_default_timeout(60_000)
                page.goto(f"{hub.url}/hub/login")
                page.fill("#username_input", learner)
                page.fill("#password_input", hub.password)
                page.click("#login_submit")
                page.wait_for_url(f"**/user/{learner}/lab**")
                page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
                entries = page.locator(".lm-Menu-itemLabel").all_inner_texts()
                assert "Assignment List" in entries
                assert not {"Formgrader", "Course List", "Create assignment"} & set(entries), entries
                page.get_by_role("menuitem", name="Assignment List", exact=True).click()
                listing = page.locator("#submitted_assignments_list", has_text=EXERCISE)
                listing.wait_for()
                assert "Jupyter news" not in page.inner_text("body")
                page.screenshot(path=str(ARTIFACTS / "learner_assignments_tab.png"))
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_released_notebook_reaches_learners_without_solutions(hub: ClassOnHub, graded: dict[str, float]) -> None:
    released = load_notebook(hub.root / "exchange" / COURSE_ID / "outbound" / EXERCISE / f"{EXERCISE}.ipynb")
    text = json.dumps(released)
    assert "BEGIN SOLUTION" not in text and "require_answer" not in text
