"""The class grader's kernel: a warm fork server that runs a notebook's cells, confined.

Class grading runs many notebooks; a Jupyter kernel costs about a second each to start.
Instead each grading worker starts this program once (``seclab.grading.executor``
starts it, inside bwrap as ``seclab.grading.policy`` says), it imports what notebooks use,
and then runs one notebook per request: it forks a child that drops to the request's
own unprivileged user id (no capabilities, ``no_new_privs``, ``policy.KERNEL`` limits),
makes a private working folder under the sandbox's empty ``/tmp``, writes the
submission's files there and executes the cells on an IPython shell. Outputs come back
in nbformat shape: streams, display data, execute results, errors.

A cell that overruns its time or kills the child costs that cell: a new child replays
the earlier cells silently and carries on with the next one. When the notebook is done,
every process of its user id is killed and its files are removed, so nothing a
notebook started outlives it or meets the next one.

Protocol (stdin/stdout, each message a 4-byte length and JSON): request ``{"cells",
"files", "folder", "uid", "cell_seconds", "preset"}``, reply ``{"outputs", "notes",
"answers"}``. The learner's code never holds the server's streams.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import select
import signal
import struct
import sys
import time
from typing import Any

from seclab.grading import policy

#: the largest reply to the grader, and the largest message of one cell (more ends the cell)
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
MAX_CELL_MESSAGE_BYTES = 8 * 1024 * 1024
ANSWERS_FILE = "seclab_answers.json"


def _make_shell(outputs: list[dict[str, Any]]) -> Any:
    """The IPython shell of the child, built after fork so nothing leaks between notebooks.

    Execute results and errors are appended to ``outputs`` instead of being printed.
    """
    from IPython.core.displayhook import DisplayHook
    from IPython.core.interactiveshell import InteractiveShell

    class RecordingDisplayHook(DisplayHook):
        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict: dict[str, Any], md_dict: Any = None) -> None:
            outputs.append({"output_type": "execute_result", "execution_count": self.prompt_count,
                            "data": dict(format_dict), "metadata": dict(md_dict or {})})

        def finish_displayhook(self) -> None:
            pass

    class GradingShell(InteractiveShell):
        displayhook_class = RecordingDisplayHook

        def _showtraceback(self, etype: Any, evalue: Any, stb: list[str]) -> None:
            outputs.append({"output_type": "error", "ename": getattr(etype, "__name__", str(etype)),
                            "evalue": str(evalue), "traceback": list(stb)})

    shell = GradingShell.instance()
    shell.colors = "NoColor"
    return shell


def send(fd: int, message: dict[str, Any]) -> None:
    """Write one length-prefixed JSON message to ``fd``."""
    data = json.dumps(message).encode("utf-8")
    view = struct.pack("!I", len(data)) + data
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _child(cells: list[str], start: int, replay: list[int], fd: int, cell_seconds: float) -> None:
    """Run in the forked, already confined child: execute cells, send one message per cell, exit."""
    from IPython.utils.capture import capture_output

    outputs: list[dict[str, Any]] = []
    shell = _make_shell(outputs)

    timed_out = []

    def interrupt(signum: int, frame: Any) -> None:
        timed_out.append(True)
        raise KeyboardInterrupt("cell time limit reached")

    signal.signal(signal.SIGALRM, interrupt)
    for index in replay:
        signal.setitimer(signal.ITIMER_REAL, cell_seconds)
        try:
            with capture_output(display=True):
                shell.run_cell(cells[index], store_history=True)
        except BaseException:  # replaying is best effort  # noqa: S110
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    for index in range(start, len(cells)):
        outputs.clear()
        timed_out.clear()
        signal.setitimer(signal.ITIMER_REAL, cell_seconds)
        try:
            with capture_output(display=True) as captured:
                shell.run_cell(cells[index], store_history=True)
        except BaseException as error:  # an escape from run_cell itself
            outputs.append({"output_type": "error", "ename": type(error).__name__, "evalue": str(error),
                            "traceback": []})
            captured = None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        streams = []
        if captured is not None:
            for name, text in (("stdout", captured.stdout), ("stderr", captured.stderr)):
                if text:
                    streams.append({"output_type": "stream", "name": name, "text": text})
            displays = [{"output_type": "display_data", "data": dict(rich.data), "metadata": dict(rich.metadata)}
                        for rich in captured.outputs]
        else:
            displays = []
        send(fd, {"index": index, "outputs": streams + displays + list(outputs), "timed_out": bool(timed_out)})
    os._exit(0)


def read_message(fd: int, deadline: float | None, limit: int = MAX_MESSAGE_BYTES) -> dict[str, Any] | None:
    """The next length-prefixed JSON object from ``fd``; None at end of file, on time-out or damage."""
    buffer = b""
    needed = 4
    length = None
    while True:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
        chunk = os.read(fd, needed - len(buffer))
        if not chunk:
            return None
        buffer += chunk
        if len(buffer) == needed:
            if length is None:
                length = struct.unpack("!I", buffer)[0]
                needed, buffer = length, b""
                if length == 0 or length > limit:
                    return None
            else:
                try:
                    parsed = json.loads(buffer)
                except ValueError:
                    return None
                return parsed if isinstance(parsed, dict) else None


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _failure(ename: str, evalue: str) -> list[dict[str, Any]]:
    return [{"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [f"{ename}: {evalue}"]}]


def _enter(uid: int | None, workdir: str, files: dict[str, str], environment: dict[str, str],
           preset: dict[str, Any], first: bool) -> None:
    """In a fresh child: leave the server's streams, drop to ``uid``, limit, enter the private folder."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.setsid()
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    policy.set_limits(policy.KERNEL, processes=uid is not None)
    os.makedirs(workdir, mode=0o700, exist_ok=True)
    if first:
        for name, data in files.items():
            with open(os.path.join(workdir, name), "wb") as handle:
                handle.write(base64.b64decode(data))
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(environment)
    import seclab.grading

    for exercise, results in preset.items():
        seclab.grading.preset_results(exercise, results)


def _run_cells(request: dict[str, Any], workdir: str) -> tuple[list[list[dict[str, Any]]], list[str]]:
    """Outputs of each cell (nbformat dicts) and notes on what went wrong along the way."""
    cells: list[str] = request["cells"]
    cell_seconds = float(request.get("cell_seconds") or policy.KERNEL.seconds)
    uid = request.get("uid")
    environment = policy.environment(workdir, kernel=True, confined=bool(request.get("confined")))
    results: list[list[dict[str, Any]] | None] = [None] * len(cells)
    notes: list[str] = []
    start, restarts = 0, 0
    completed: list[int] = []
    while start < len(cells):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            try:
                os.close(read_fd)
                _enter(uid, workdir, request.get("files", {}), environment, request.get("preset", {}),
                       first=start == 0 and not completed)
                _child(cells, start, completed, write_fd, cell_seconds)
            finally:
                os._exit(1)
        os.close(write_fd)
        index = start
        try:
            while index < len(cells):
                budget = cell_seconds + 10 + (30 if index == start else 0)
                message = read_message(read_fd, time.monotonic() + budget, MAX_CELL_MESSAGE_BYTES)
                if message is None or message.get("index") != index:
                    break
                outputs = message.get("outputs", [])
                results[index] = outputs if isinstance(outputs, list) else []
                if message.get("timed_out"):
                    notes.append(f"cell {index + 1} ran past the time limit and was interrupted")
                completed.append(index)
                index += 1
        finally:
            os.close(read_fd)
            _kill(pid)
        if index >= len(cells):
            break
        results[index] = _failure("KernelDied", "this cell ended or hung the process running the notebook")
        notes.append(f"cell {index + 1} ended or hung the notebook's process")
        start = index + 1
        restarts += 1
        if restarts > policy.KERNEL_MAX_RESTARTS:
            for rest in range(start, len(cells)):
                results[rest] = _failure("GradingStopped", "the notebook kept ending its process; grading stopped")
            notes.append("grading stopped after repeated crashes")
            break
    return [outputs or [] for outputs in results], notes


def _clean_up(uid: int | None, workdir: str) -> str | None:
    """Kill everything the notebook started, remove its files; returns its answers file's text.

    Confined, a helper running as the notebook's user reads the answers, kills every
    process of that user (``kill(-1)`` reaches exactly those) and empties ``/tmp`` and
    ``/dev/shm`` of its files.
    """
    import shutil

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(read_fd)
            if uid is not None:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
            answers = None
            try:
                with open(os.path.join(workdir, ANSWERS_FILE), "rb") as handle:
                    data = handle.read(policy.ANSWERS_BYTES + 1)
                if len(data) <= policy.ANSWERS_BYTES:
                    answers = data.decode("utf-8", errors="replace")
            except OSError:
                pass
            if uid is not None:
                for _round in range(100):
                    try:
                        os.kill(-1, signal.SIGKILL)
                    except ProcessLookupError:
                        break
                    time.sleep(0.01)
                for folder in (policy.SANDBOX_TMP, policy.SANDBOX_SHM):
                    for name in os.listdir(folder):
                        path = os.path.join(folder, name)
                        if os.path.isdir(path) and not os.path.islink(path):
                            shutil.rmtree(path, ignore_errors=True)
                        else:
                            try:
                                os.unlink(path)
                            except OSError:
                                pass
            else:
                shutil.rmtree(os.path.dirname(workdir), ignore_errors=True)
            send(write_fd, {"answers": answers})  # last: the server ends this helper once it has the message
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    try:
        message = read_message(read_fd, time.monotonic() + 60)
    finally:
        os.close(read_fd)
        _kill(pid)
    answers = message.get("answers") if message else None
    return answers if isinstance(answers, str) else None


def run_notebook(request: dict[str, Any]) -> dict[str, Any]:
    """One request: the notebook's outputs and notes, and the answers file it left."""
    import tempfile

    uid = request.get("uid")
    root = tempfile.gettempdir() if uid is not None else tempfile.mkdtemp(prefix="seclab-kernel-")
    workdir = os.path.join(root, f"seclab-grade-{secrets.token_hex(6)}", str(request.get("folder") or "work"))
    if uid is None:
        os.makedirs(workdir, mode=0o700)
        for name, data in request.get("files", {}).items():
            with open(os.path.join(workdir, name), "wb") as handle:
                handle.write(base64.b64decode(data))
        request = dict(request, files={})
    else:
        os.umask(0o077)
    try:
        outputs, notes = _run_cells(request, workdir)
    finally:
        answers = _clean_up(uid, workdir)
        if uid is None:
            import shutil

            shutil.rmtree(root, ignore_errors=True)
    return {"outputs": outputs, "notes": notes, "answers": answers}


def _warm_up() -> None:
    """Import what notebooks use once, so each forked child starts warm."""
    import IPython.core.interactiveshell  # noqa: F401
    import ipywidgets  # noqa: F401
    import jinja2  # noqa: F401
    import nbformat  # noqa: F401

    import seclab.check  # noqa: F401
    import seclab.grading  # noqa: F401
    import seclab.quiz  # noqa: F401


def main() -> None:
    requests, replies = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    sys.stdout = sys.stderr
    _warm_up()
    send(replies, {"ready": True})
    while True:
        request = read_message(requests, None)
        if request is None:
            return
        send(replies, run_notebook(request))


if __name__ == "__main__":
    main()
