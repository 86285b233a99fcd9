"""The grader's side of the class kernel: start it confined, hand it notebooks, stop it.

One ``Kernel`` per grading worker. It starts ``python -I -m seclab.grading.kernel``
inside bwrap (``policy.bwrap_prefix``: no course, no autograder/, no instructor temp
folders, loopback-only network) — or, unconfined, as a plain child process — and sends
it one notebook at a time with the submission's files; each notebook runs as a user id
of its own. ``run`` waits at most the per-submission wall clock; a kernel that does not
answer in time is killed with everything in its namespaces and started afresh for the
next submission.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess  # starts the kernel with a fixed argv, no shell  # nosec B404
import sys
import time
from dataclasses import dataclass
from typing import Any

from seclab.errors import KernelLost
from seclab.grading import policy
from seclab.grading.kernel import read_message, send


@dataclass
class Executed:
    """What running one notebook gave: per-cell outputs, notes, the answers file it left."""

    outputs: list[list[dict[str, Any]]]
    notes: list[str]
    answers: str | None


class Kernel:
    """``Kernel(confined).run(cells, files, folder, cell_seconds, preset)``; ``stop()`` at the end."""

    def __init__(self, confined: bool) -> None:
        self.confined = confined
        self._process: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-I", "-m", "seclab.grading.kernel"]
        if self.confined:
            command = policy.bwrap_prefix(policy.KERNEL, [], None, keep_setuid=True) + command
        process = subprocess.Popen(  # fixed argv, our own interpreter  # nosec B603
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=policy.environment(policy.SANDBOX_TMP, kernel=True, confined=self.confined), cwd="/",
            start_new_session=True)
        assert process.stdout is not None  # noqa: S101  # nosec B101 - PIPE above
        ready = read_message(process.stdout.fileno(), time.monotonic() + policy.KERNEL.load_seconds)
        if not ready or not ready.get("ready"):
            self._kill(process)
            raise KernelLost("the grading kernel did not start (is the course installed?)")
        return process

    def run(self, cells: list[str], files: dict[str, bytes], folder: str, cell_seconds: float,
            preset: dict[str, Any], seconds: float | None = None) -> Executed:
        """Execute ``cells`` in a fresh private folder holding ``files``; KernelLost after ``seconds``."""
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
        process = self._process
        assert process.stdin is not None and process.stdout is not None  # noqa: S101  # nosec B101
        seconds = policy.SUBMISSION_SECONDS if seconds is None else seconds
        uid = policy.next_uid() if self.confined and policy.own_user() else None
        request = {"cells": cells, "folder": folder, "uid": uid, "cell_seconds": cell_seconds,
                   "confined": self.confined, "preset": preset,
                   "files": {name: base64.b64encode(data).decode("ascii") for name, data in files.items()}}
        try:
            send(process.stdin.fileno(), request)
        except OSError:
            self.stop()
            raise KernelLost("the grading kernel ended unexpectedly") from None
        reply = read_message(process.stdout.fileno(), time.monotonic() + seconds)
        if reply is None or not isinstance(reply.get("outputs"), list):
            self.stop()
            raise KernelLost(f"the notebook did not finish within {seconds:g} s (or ended the kernel)")
        answers = reply.get("answers")
        return Executed(reply["outputs"], [str(note) for note in reply.get("notes", [])],
                        answers if isinstance(answers, str) else None)

    @staticmethod
    def _kill(process: subprocess.Popen[bytes]) -> None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream:
                stream.close()

    def stop(self) -> None:
        """Kill the kernel and everything it started."""
        if self._process is not None:
            self._kill(self._process)
            self._process = None
