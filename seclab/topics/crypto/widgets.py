"""Playgrounds of the cryptographic-failures lesson and exercise.

* ``measure_schemes`` times MD5, SHA-256, bcrypt, scrypt and argon2id live (a fraction
  of a second each) and ``plot_measurements`` draws guesses per second, the memory one
  guess needs (what limits a GPU attacker) and the time to try the whole course wordlist; ``cost_playground`` puts sliders for the bcrypt, scrypt
  and argon2id cost parameters in front of both.
* ``md5_guess_report`` / ``md5_guess_playground`` check a guessed password against a
  leaked MD5 hash and record it for grading when it matches.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
from dataclasses import dataclass
from typing import Any

from seclab.answers import record
from seclab.topics.crypto.attacks import guesses_per_second, load_wordlist
from seclab.topics.crypto.targets import LEAKED_MD5, argon2id_hasher, md5_hex, sha256_hex

#: Default cost settings of the playground (argon2id at the OWASP minimum, scrypt at N = 2**14).
DEFAULT_ARGON2_MEMORY_MIB = 19
DEFAULT_ARGON2_TIME_COST = 2
DEFAULT_SCRYPT_LOG2_N = 14
DEFAULT_BCRYPT_ROUNDS = 10
#: Memory of the graphics card in the GPU comparison (a common 2025 consumer card).
GPU_MEMORY_GIB = 24
#: Working memory of one guess, in bytes: MD5 and SHA-256 keep about a hundred bytes of
#: state, bcrypt its 4 KiB of Blowfish tables (4168 bytes), scrypt 128 * r * N bytes and
#: argon2id the memory it is configured with.
HASH_STATE_BYTES = 128
BCRYPT_STATE_BYTES = 4168


@dataclass(frozen=True)
class Measurement:
    """One scheme's measured speed, as an attacker with this machine would get it."""

    scheme: str
    guesses_per_second: float
    wordlist_size: int
    memory_bytes: int = 0
    """Memory one guess needs (the working state of one hash computation)."""

    def parallel_guesses(self, memory_gib: float = GPU_MEMORY_GIB) -> int:
        """How many guesses fit side by side in ``memory_gib`` GiB, the ceiling memory puts on a GPU."""
        return int(memory_gib * 2**30 // max(self.memory_bytes, 1))

    @property
    def wordlist_seconds(self) -> float:
        """Time to hash every word of the wordlist once (per account, for a salted scheme)."""
        return self.wordlist_size / self.guesses_per_second


def scrypt_hash(password: str, log2_n: int, salt: bytes) -> bytes:
    """scrypt with N = 2**log2_n, r = 8, p = 1 (memory: 128 * r * N bytes)."""
    n = 2 ** log2_n
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=8, p=1, maxmem=256 * n * 8 + 2**20, dklen=32)


def measure_schemes(argon2_memory_mib: int = DEFAULT_ARGON2_MEMORY_MIB,
                    argon2_time_cost: int = DEFAULT_ARGON2_TIME_COST,
                    scrypt_log2_n: int = DEFAULT_SCRYPT_LOG2_N, seconds_each: float = 0.1,
                    bcrypt_rounds: int = DEFAULT_BCRYPT_ROUNDS) -> list[Measurement]:
    """Guesses per second for MD5, SHA-256, bcrypt, scrypt and argon2id with these costs, measured now."""
    import bcrypt

    size = len(load_wordlist())
    salt = os.urandom(16)
    bcrypt_salt = bcrypt.gensalt(rounds=bcrypt_rounds)
    argon2 = argon2id_hasher(memory_kib=argon2_memory_mib * 1024, time_cost=argon2_time_cost)
    schemes = {
        "MD5 (unsalted)": (md5_hex, HASH_STATE_BYTES),
        "SHA-256 (unsalted)": (sha256_hex, HASH_STATE_BYTES),
        f"bcrypt cost {bcrypt_rounds}": (lambda word: bcrypt.hashpw(word.encode("utf-8"), bcrypt_salt),
                                         BCRYPT_STATE_BYTES),
        f"scrypt N=2^{scrypt_log2_n}, r=8": (lambda word: scrypt_hash(word, scrypt_log2_n, salt),
                                             128 * 8 * 2**scrypt_log2_n),
        f"argon2id {argon2_memory_mib} MiB, t={argon2_time_cost}": (argon2.hash, argon2_memory_mib * 2**20),
    }
    return [Measurement(name, guesses_per_second(function, seconds_each, minimum=1), size, memory)
            for name, (function, memory) in schemes.items()]


def _size(count: float) -> str:
    for unit, length in (("GiB", 2.0**30), ("MiB", 2.0**20), ("KiB", 2.0**10)):
        if count >= length:
            return f"{count / length:.0f} {unit}"
    return f"{count:.0f} B"


def _duration(seconds: float) -> str:
    for unit, length in (("days", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0)):
        if seconds >= length:
            return f"{seconds / length:.1f} {unit}"
    return f"{seconds * 1000:.1f} ms"


def plot_measurements(measurements: list[Measurement]) -> Any:
    """Three log-scale bar charts: guesses per second, memory per guess, time to try the whole wordlist.

    The memory panel is what the speed panel hides: a GPU attacker runs guesses side by
    side, as many as fit in the card's memory, so memory per guess caps the attack.
    """
    import matplotlib.pyplot as plt

    names = [m.scheme for m in measurements]
    colours = ["#c0392b" if "unsalted" in name else "#1e8449" for name in names]
    figure, (speed, memory, crack) = plt.subplots(1, 3, figsize=(14, 3.2), layout="constrained")
    speed.barh(names, [m.guesses_per_second for m in measurements], color=colours)
    speed.set_xscale("log")
    speed.set_xlabel("guesses per second (one core, log scale)")
    speed.invert_yaxis()
    memory.barh(names, [max(m.memory_bytes, 1) for m in measurements], color=colours)
    memory.set_xscale("log")
    memory.set_xlim(right=max(m.memory_bytes for m in measurements) * 300)  # room for the labels
    memory.set_xlabel(f"memory per guess (log scale); label: guesses a {GPU_MEMORY_GIB} GiB GPU fits at once")
    memory.invert_yaxis()
    memory.set_yticklabels([])
    for row, measurement in enumerate(measurements):
        memory.annotate(f" {_size(measurement.memory_bytes)}: {measurement.parallel_guesses():,}",
                        (max(measurement.memory_bytes, 1), row), va="center", fontsize=8)
    crack.barh(names, [m.wordlist_seconds for m in measurements], color=colours)
    crack.set_xscale("log")
    crack.set_xlim(right=max(m.wordlist_seconds for m in measurements) * 30)  # room for the labels
    crack.set_xlabel(f"seconds to try all {measurements[0].wordlist_size} words on one account (log scale)")
    crack.invert_yaxis()
    crack.set_yticklabels([])
    for row, measurement in enumerate(measurements):
        crack.annotate(f" {_duration(measurement.wordlist_seconds)}", (measurement.wordlist_seconds, row),
                       va="center", fontsize=9)
    figure.suptitle("What a stolen hash costs an attacker (measured live on this machine)")
    plt.close(figure)  # the caller displays it; no second copy from pyplot
    return figure


def figure_png(figure: Any) -> bytes:
    """The figure as PNG bytes (for an ``ipywidgets.Image``)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def cost_playground() -> Any:
    """Sliders for the argon2id, scrypt and bcrypt costs; press Measure to time all five schemes."""
    import ipywidgets as widgets

    memory = widgets.IntSlider(value=DEFAULT_ARGON2_MEMORY_MIB, min=1, max=64, description="argon2 MiB")
    passes = widgets.IntSlider(value=DEFAULT_ARGON2_TIME_COST, min=1, max=4, description="argon2 t")
    scrypt_n = widgets.IntSlider(value=DEFAULT_SCRYPT_LOG2_N, min=10, max=15, description="scrypt log2 N")
    rounds = widgets.IntSlider(value=DEFAULT_BCRYPT_ROUNDS, min=4, max=13, description="bcrypt cost")
    button = widgets.Button(description="Measure", button_style="primary")
    chart = widgets.Image(format="png", layout={"max_width": "100%"})

    def on_measure(_button: Any) -> None:
        button.description = "measuring…"
        try:
            chart.value = figure_png(plot_measurements(measure_schemes(memory.value, passes.value, scrypt_n.value,
                                                                       bcrypt_rounds=rounds.value)))
        finally:
            button.description = "Measure"

    button.on_click(on_measure)
    return widgets.VBox([widgets.HBox([memory, passes]), widgets.HBox([scrypt_n, rounds]), button, chart])


# --- the exploit challenge --------------------------------------------------------------

@dataclass(frozen=True)
class GuessReport:
    guess: str
    digest: str
    matches: bool


def md5_guess_report(guess: str, leaked: str = LEAKED_MD5) -> GuessReport:
    """The MD5 of ``guess`` and whether it equals the leaked hash."""
    digest = md5_hex(guess)
    return GuessReport(guess, digest, digest == leaked.strip().lower())


def md5_guess_playground(leaked: str = LEAKED_MD5, record_key: str | None = None) -> Any:
    """Type a password guess and compare its MD5 with the leak; with ``record_key`` a match can be recorded."""
    import ipywidgets as widgets

    guess = widgets.Text(description="guess", layout={"width": "30em"})
    check_button = widgets.Button(description="Hash and compare", button_style="primary")
    result = widgets.HTML(f"<p>leaked hash: <code>{html.escape(leaked)}</code></p>")
    children: list[Any] = [guess, check_button]

    def on_check(_button: Any) -> None:
        report = md5_guess_report(guess.value, leaked)
        verdict = "<b style='color:#b00'>match: that is the password</b>" if report.matches else "no match"
        result.value = (f"<p>leaked hash: <code>{html.escape(leaked)}</code><br>"
                        f"md5(guess): <code>{report.digest}</code> {verdict}</p>")

    check_button.on_click(on_check)
    if record_key:
        save = widgets.Button(description="Record this guess")

        def on_save(_button: Any) -> None:
            if md5_guess_report(guess.value, leaked).matches:
                record(record_key, guess.value)
                result.value += "<p><i>Recorded for grading.</i></p>"
            else:
                result.value += "<p><i>Not recorded: its MD5 does not match the leak.</i></p>"

        save.on_click(on_save)
        children.append(save)
    return widgets.VBox(children + [result])
