"""``Sandbox``: run a learner's program in a separate, confined process and call its functions.

The grader trusts nothing in the learner's kernel: the program's source is executed in
a fresh ``python -I -m seclab.grading.isolated`` process, confined as
``seclab.grading.policy`` says (bwrap namespaces, an unprivileged user id, an empty
private working folder, a scrubbed environment, memory/CPU/file-size/process limits, a
time limit per call), and only plain JSON comes back through its pipe: the cases, hidden
ones included, are sent in one by one, never read from a file by the sandbox. A call
that hangs or kills the process costs that call; the process is restarted for the next.
Without bwrap (``policy.use_bwrap()`` False) the same process runs unconfined, with the
same limits. An exercise's spec may ask for interpreter options with
``INTERPRETER_OPTIONS`` (e.g. ``("-O",)``: lesson 12 grades ``require_admin`` where
``assert`` statements are gone); only the options in ``ALLOWED_OPTIONS`` are accepted.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess  # starts the grading sandbox, no shell  # nosec B404
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from seclab.errors import GradingSetupError
from seclab.grading import policy
from seclab.outcomes import Outcome
from seclab.spec import Case, load_spec

# kept for callers of the old names
LOAD_SECONDS = policy.VERIFIER.load_seconds
CALL_SECONDS = policy.VERIFIER.seconds
#: interpreter options a spec may ask for in ``INTERPRETER_OPTIONS``
ALLOWED_OPTIONS = frozenset({"-O", "-OO"})


def interpreter_options(exercise: str) -> tuple[str, ...]:
    """The extra options of ``python`` for ``exercise``'s sandbox (its spec's ``INTERPRETER_OPTIONS``)."""
    options = tuple(getattr(load_spec(exercise), "INTERPRETER_OPTIONS", ()))
    unknown = [option for option in options if option not in ALLOWED_OPTIONS]
    if unknown:
        raise GradingSetupError(f"{exercise}: interpreter options {unknown} are not allowed; "
                                f"use some of {sorted(ALLOWED_OPTIONS)}")
    return options


class Sandbox:
    """``with Sandbox(exercise, cells) as box: box.call(case)``."""

    def __init__(self, exercise: str, cells: list[str], limits: policy.Limits = policy.VERIFIER,
                 writable: list[str] | None = None) -> None:
        self.exercise = exercise
        self.options = interpreter_options(exercise)
        self.cells = cells
        self.limits = limits
        self.writable = list(writable or [])
        self.cell_errors: list[str] = []
        self.load_failure: Outcome | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._workdir = tempfile.TemporaryDirectory(prefix="seclab-sandbox-")
        self.confined = policy.use_bwrap()
        self.uid = policy.next_uid() if self.confined and policy.own_user() else None
        for folder in [self._workdir.name, *self.writable]:
            policy.give_to(folder, self.uid)

    def __enter__(self) -> Sandbox:
        self._start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop()
        self._workdir.cleanup()

    def _start(self) -> None:
        """Start the sandbox and load the program; a cell that kills the process is left out."""
        skipped: dict[int, str] = {}
        for _attempt in range(policy.VERIFIER_MAX_SKIPPED_CELLS + 1):
            culprit = self._start_once(skipped)
            if culprit is None:
                return
            skipped[culprit] = f"cell {culprit} ended the grading process while loading and was left out"
        self.load_failure = {"error": "crashed", "detail": "your code kept ending the grading process"}

    def _start_once(self, skipped: dict[int, str]) -> int | None:
        """One start; returns the number of the cell that ended the process, if one did."""
        self._buffer = b""
        workdir = self._workdir.name
        self._stderr = open(Path(workdir) / "stderr.log", "ab")  # noqa: SIM115
        command = [sys.executable, "-I", *self.options, "-m", "seclab.grading.isolated"]
        if self.confined:
            command = policy.bwrap_prefix(self.limits, [workdir, *self.writable], self.uid, chdir=workdir) + command
        limits, processes = self.limits, self.uid is not None
        self._process = subprocess.Popen(  # fixed argv, our own interpreter  # nosec B603
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, cwd=workdir,
            env=policy.environment(workdir, confined=self.confined),
            preexec_fn=lambda: policy.set_limits(limits, processes), start_new_session=True,
        )
        cells = ["" if number in skipped else code for number, code in enumerate(self.cells, start=1)]
        message = self._exchange(json.dumps({"exercise": self.exercise, "cells": cells,
                                             "skipped": list(skipped.values())}) + "\n", self.limits.load_seconds)
        deadline = time.monotonic() + self.limits.load_seconds
        loading = None
        while message is not None and "loading" in message and time.monotonic() < deadline:
            loading = int(message["loading"])
            message = self._receive(deadline - time.monotonic())
        if message is not None and message.get("ready"):
            self.cell_errors = list(message.get("cell_errors", []))
            self.load_failure = None
            return None
        self._stop()
        if loading is not None and message is None and loading not in skipped:
            return loading
        reason = "did not finish loading in time" if message is None else "crashed while loading"
        self.load_failure = {"error": "crashed", "detail": f"your code {reason}"}
        return None

    def _stop(self) -> None:
        if self._process is not None:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                if stream:
                    stream.close()
            self._process = None
            self._stderr.close()

    def _exchange(self, line: str, seconds: float) -> dict[str, Any] | None:
        """Send one line, wait up to ``seconds`` for one JSON line back; None on failure."""
        process = self._process
        if process is None or process.stdin is None:
            return None
        try:
            process.stdin.write(line.encode("utf-8"))
            process.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        return self._receive(seconds)

    def _receive(self, seconds: float) -> dict[str, Any] | None:
        """The next JSON line from the sandbox within ``seconds``; None on time-out or exit."""
        process = self._process
        if process is None or process.stdout is None:
            return None
        deadline = time.monotonic() + seconds
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    return None
                chunk = os.read(process.stdout.fileno(), 65536)
                if not chunk:
                    return None
                self._buffer += chunk
        reply, self._buffer = self._buffer.split(b"\n", 1)
        try:
            parsed = json.loads(reply)
        except json.JSONDecodeError:
            return None
        return parsed if isinstance(parsed, dict) else None

    def call(self, case: Case) -> Outcome:
        """The outcome of one case; a hang or crash restarts the process for the next."""
        if self._process is None:
            self._start()
        if self.load_failure is not None:
            return dict(self.load_failure)
        request = {"function": case.function, "fixture": case.fixture, "args": list(case.args),
                   "scenario": case.scenario}
        started = time.monotonic()
        seconds = self.limits.seconds
        outcome = self._exchange(json.dumps(request) + "\n", seconds)
        if outcome is None:
            timed_out = time.monotonic() - started >= seconds
            self._stop()
            if timed_out:
                return {"error": "timeout", "detail": f"did not return within {seconds:g} s"}
            return {"error": "crashed", "detail": "the process running it ended (exit, crash or memory limit)"}
        return outcome
