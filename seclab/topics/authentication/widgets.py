"""Playgrounds of the authentication lesson and exercise.

``LoginLab`` sends each login to a vulnerable and a fixed app that share a clock you
move yourself; ``login_playground()`` is its ipywidgets view. ``probe`` and
``exploit_playground(record_key)`` serve the exercise's enumeration challenge. The apps
run inside the notebook's process (Flask's test client), so the client address of a
login can be chosen freely and nothing goes over the network.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from typing import Any

from seclab.answers import record
from seclab.topics.authentication import attacks, targets

#: Client addresses the lesson playground offers (documentation ranges).
ADDRESSES = ["203.0.113.5", "198.51.100.23", "192.0.2.77"]


@dataclass(frozen=True)
class Attempt:
    """One login sent to both apps at the same moment."""

    at: float
    username: str
    ip: str
    vulnerable: attacks.LoginAnswer
    fixed: attacks.LoginAnswer
    vulnerable_hashes: int
    fixed_hashes: int
    seconds: float


class LoginLab:
    """A vulnerable and a fixed login app on one ``ManualClock``, and what they answered."""

    def __init__(self) -> None:
        self.clock = targets.ManualClock(0.0)
        users = targets.demo_users(fast=True)  # the same accounts, cheaper hashes: answers at once
        self.vulnerable_app = targets.create_app(vulnerable=True, clock=self.clock, users=users)
        self.fixed_app = targets.create_app(vulnerable=False, clock=self.clock, users=users)
        self.history: list[Attempt] = []

    def attempt(self, username: str, password: str, ip: str = ADDRESSES[0]) -> Attempt:
        start = time.perf_counter()
        counts = []
        answers = []
        for app in (self.vulnerable_app, self.fixed_app):
            verify = app.config["VERIFY"]
            before = verify.calls
            answers.append(attacks.client_login(app, username, password, ip=ip))
            counts.append(verify.calls - before)
        attempt = Attempt(self.clock(), username, ip, answers[0], answers[1], counts[0], counts[1],
                          time.perf_counter() - start)
        self.history.append(attempt)
        return attempt

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def locks(self, username: str, ip: str) -> str:
        service = self.fixed_app.config["SERVICE"]
        held = [what for what, locked in ((f"username {username!r}", service.is_locked(username=username)),
                                          (f"address {ip}", service.is_locked(ip=ip))) if locked]
        return "locked: " + " and ".join(held) if held else "no lock"


def _answer_cell(answer: attacks.LoginAnswer, hashes: int) -> str:
    colour = "#070" if answer.status == 200 else "#555"
    body = html.escape(answer.shown())
    return f"<td><span style='color:{colour}'>{body}</span><br><small>{hashes} password hash check(s)</small></td>"


def render_lab(lab: LoginLab, username: str = "", ip: str = ADDRESSES[0], rows: int = 8) -> str:
    """The latest attempts as an HTML table, newest first, and the fixed app's locks."""
    lines = []
    for attempt in reversed(lab.history[-rows:]):
        minutes = attempt.at / 60
        lines.append(f"<tr><td>{minutes:.1f} min</td><td><code>{html.escape(attempt.username)}</code> from "
                     f"{html.escape(attempt.ip)}</td>{_answer_cell(attempt.vulnerable, attempt.vulnerable_hashes)}"
                     f"{_answer_cell(attempt.fixed, attempt.fixed_hashes)}</tr>")
    table = ("<table><thead><tr><th>clock</th><th>login</th><th>vulnerable app</th><th>fixed app</th></tr></thead>"
             f"<tbody>{''.join(lines) or '<tr><td colspan=4>no attempts yet</td></tr>'}</tbody></table>")
    state = html.escape(lab.locks(username, ip)) if username else ""
    return f"<p>clock: {lab.clock() / 60:.1f} min · fixed app: {state or '—'}</p>{table}"


def login_playground() -> Any:
    """Log in to both apps; move the clock forward with the buttons."""
    import ipywidgets as widgets

    lab = LoginLab()
    username = widgets.Text(value="bob", description="username")
    password = widgets.Text(value="123456", description="password")
    address = widgets.Dropdown(options=ADDRESSES, value=ADDRESSES[0], description="from")
    send = widgets.Button(description="Log in", button_style="primary")
    later = widgets.Button(description="+5 minutes")
    much_later = widgets.Button(description="+15 minutes")
    output = widgets.HTML(render_lab(lab))

    def refresh() -> None:
        output.value = render_lab(lab, username.value, address.value)

    def on_send(_button: Any) -> None:
        lab.attempt(username.value, password.value, address.value)
        refresh()

    def on_later(seconds: float) -> Any:
        def handler(_button: Any) -> None:
            lab.advance(seconds)
            refresh()
        return handler

    send.on_click(on_send)
    later.on_click(on_later(300))
    much_later.on_click(on_later(900))
    hint = widgets.HTML("<small>Users: alice, bob, carol, dave, … Try a few wrong passwords for bob, "
                        "then his real one (lesson section 2), then move the clock.</small>")
    return widgets.VBox([hint, widgets.HBox([username, password, address]),
                         widgets.HBox([send, later, much_later]), output])


def plot_timings(panels: dict[str, dict[str, list[float]]]) -> Any:
    """One strip chart per panel: each login's response time (ms), one row per username."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 2.2), layout="constrained",
                                sharex=True, squeeze=False)
    for axis, (title, timings) in zip(axes[0], panels.items(), strict=True):
        for row, seconds in enumerate(timings.values()):
            axis.plot([s * 1000 for s in seconds], [row] * len(seconds), "o", alpha=0.5,
                      color="#c0392b" if row else "#1f618d")
        axis.set_yticks(range(len(timings)), [f"{name!r}" for name in timings])
        axis.set_ylim(-0.6, len(timings) - 0.4)
        axis.set_title(title, fontsize=10)
        axis.set_xlabel("response time of one login (ms)")
    axes[0][0].set_xlim(left=0)  # after plotting: setting a limit first would stop autoscaling
    plt.close(figure)  # the caller displays it
    return figure


# --- the exercise's enumeration challenge ---------------------------------------------------

def probe(app: Any, username: str, password: str) -> attacks.LoginAnswer:
    """One login to ``app`` (in process)."""
    return attacks.client_login(app, username, password, ip="203.0.113.50")


def render_probe(username: str, answer: attacks.LoginAnswer) -> str:
    return f"<p><code>{html.escape(username)}</code> &rarr; <code>{html.escape(answer.shown())}</code></p>"


def exploit_playground(record_key: str = "exploit") -> Any:
    """Probe the vulnerable login; tick the candidates that exist and record them."""
    import ipywidgets as widgets

    app = targets.create_app(vulnerable=True, clock=targets.ManualClock(), users=targets.demo_users(fast=True))
    username = widgets.Text(value="admin", description="username")
    password = widgets.Text(value="guess", description="password")
    send = widgets.Button(description="Try to log in", button_style="primary")
    log = widgets.HTML()
    boxes = {name: widgets.Checkbox(value=False, description=name, indent=False, layout={"width": "9em"})
             for name in attacks.EXERCISE_CANDIDATES}
    save = widgets.Button(description="Record ticked names")
    saved = widgets.HTML()

    def on_send(_button: Any) -> None:
        log.value = render_probe(username.value, probe(app, username.value, password.value)) + log.value

    def on_save(_button: Any) -> None:
        names = sorted(name for name, box in boxes.items() if box.value)
        record(record_key, names)
        saved.value = f"<p><i>Recorded {html.escape(', '.join(names) or 'no names')} for grading.</i></p>"

    send.on_click(on_send)
    save.on_click(on_save)
    grid = widgets.GridBox(list(boxes.values()), layout={"grid_template_columns": "repeat(6, 9em)"})
    return widgets.VBox([widgets.HTML("<b>Candidates</b> (tick the ones that have an account):"), grid,
                         widgets.HBox([username, password, send]), log, save, saved])
