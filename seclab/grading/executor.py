"""Execute a notebook's cells like a Jupyter kernel would, but without starting one.

Class grading runs many notebooks; a Jupyter kernel costs about a second each to start.
Here each notebook runs in a child process forked from a warm worker (the course's
libraries already imported) on an IPython shell, and the outputs come back in
nbformat shape: streams, display data, execute results, errors. The learner's code
never runs in the worker itself: the child has resource limits, an empty working
folder, a read-only view of the course (see ``confine``), and is killed when a cell
overruns.
A cell that kills the child costs that cell: a new child replays the earlier cells
silently and carries on with the next one.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import struct
import time
from typing import Any

from seclab.grading.confine import make_read_only

CELL_SECONDS = 60.0
MEMORY_BYTES = 3 * 1024 * 1024 * 1024
MAX_RESTARTS = 3


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


def _send(fd: int, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode("utf-8")
    view = struct.pack("!I", len(data)) + data
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _child(cells: list[str], start: int, replay: list[int], fd: int, workdir: str,
           cell_seconds: float, environment: dict[str, str], protect: list[str]) -> None:
    """Run in the forked child: execute cells, send one message per cell, exit."""
    os.setsid()
    make_read_only(protect)
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(environment)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
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
        _send(fd, {"index": index, "outputs": streams + displays + list(outputs), "timed_out": bool(timed_out)})
    os._exit(0)


def _read_message(fd: int, deadline: float) -> dict[str, Any] | None:
    buffer = b""
    needed = 4
    length = None
    while True:
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
                if length == 0:
                    return None
            else:
                parsed = json.loads(buffer)
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


def execute_cells(cells: list[str], workdir: str, environment: dict[str, str], protect: list[str],
                  cell_seconds: float = CELL_SECONDS) -> tuple[list[list[dict[str, Any]]], list[str]]:
    """Outputs of each cell (nbformat dicts) and notes on what went wrong along the way."""
    results: list[list[dict[str, Any]] | None] = [None] * len(cells)
    notes: list[str] = []
    start, restarts = 0, 0
    completed: list[int] = []
    while start < len(cells):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_fd)
            try:
                _child(cells, start, completed, write_fd, workdir, cell_seconds, environment, protect)
            finally:
                os._exit(1)
        os.close(write_fd)
        index = start
        try:
            while index < len(cells):
                budget = cell_seconds + 10 + (30 if index == start else 0)
                message = _read_message(read_fd, time.monotonic() + budget)
                if message is None or message.get("index") != index:
                    break
                results[index] = message.get("outputs", [])
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
        if restarts > MAX_RESTARTS:
            for rest in range(start, len(cells)):
                results[rest] = _failure("GradingStopped", "the notebook kept ending its process; grading stopped")
            notes.append("grading stopped after repeated crashes")
            break
    return [outputs or [] for outputs in results], notes
