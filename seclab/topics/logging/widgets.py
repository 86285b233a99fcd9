"""Playgrounds of the logging lesson and exercise, as thin views over plain functions.

* ``playground()``: tune the alert rules (threshold, window, which rules) on the
  simulated day of logins and see which attacks are caught and what else alerts
  (``tuning_report`` computes it).
* ``exploit_playground(record_key)``: type a username (with escapes such as ``\\n`` or
  ``\\u2028``), fail a login with it on the vulnerable and the fixed login log, and see
  what the lesson's log reader believes (``forging_report``); the exercise records it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from seclab.answers import record
from seclab.topics.logging import attacks, targets

# --- tuning the alert rules -------------------------------------------------------------------


@cache
def _day() -> attacks.LoginDay:
    return attacks.simulate_login_day()


@dataclass(frozen=True)
class ScenarioVerdict:
    """What the rules made of one scenario of the simulated day."""

    name: str
    malicious: bool
    description: str
    alerts: tuple[str, ...]  # e.g. ("ip 203.0.113.66 at 02:15:12", ...)

    @property
    def verdict(self) -> str:
        if self.malicious:
            return "caught" if self.alerts else "missed"
        return "false alarm" if self.alerts else "quiet"


@dataclass(frozen=True)
class TuningReport:
    threshold: int
    window: float
    kinds: tuple[str, ...]
    scenarios: list[ScenarioVerdict]

    @property
    def caught(self) -> int:
        return sum(1 for scenario in self.scenarios if scenario.verdict == "caught")

    @property
    def attacks(self) -> int:
        return sum(1 for scenario in self.scenarios if scenario.malicious)

    @property
    def false_alarms(self) -> int:
        """Alerts that point at harmless traffic."""
        return sum(len(scenario.alerts) for scenario in self.scenarios if not scenario.malicious)


def clock(ts: float) -> str:
    """Seconds since midnight as hh:mm:ss."""
    seconds = int(ts)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def tuning_report(threshold: int = 5, window: float = 60.0,
                  kinds: tuple[str, ...] = targets.ALERT_KINDS) -> TuningReport:
    """Run the alert rules ``kinds`` with these settings over the simulated day."""
    day = _day()
    alerts = [alert for alert in targets.detect_login_attacks(day.events, threshold, window) if alert["kind"] in kinds]
    found: dict[str, list[str]] = {scenario.name: [] for scenario in day.scenarios}
    for alert in alerts:
        found[day.scenario_of(alert).name].append(f"{alert['kind']} {alert['key']} at {clock(alert['ts'])}")
    verdicts = [ScenarioVerdict(scenario.name, scenario.malicious, scenario.description, tuple(found[scenario.name]))
                for scenario in day.scenarios]
    return TuningReport(threshold, window, tuple(kinds), verdicts)


_COLOURS = {"caught": "#070", "missed": "#c00", "false alarm": "#c60", "quiet": "#777"}


def render_tuning_report(report: TuningReport) -> str:
    rows = []
    for scenario in report.scenarios:
        colour = _COLOURS[scenario.verdict]
        shown = "<br>".join(html.escape(alert) for alert in scenario.alerts[:4])
        if len(scenario.alerts) > 4:
            shown += f"<br>… and {len(scenario.alerts) - 4} more"
        rows.append(f"<tr><td>{'attack' if scenario.malicious else 'harmless'}</td>"
                    f"<td><b>{html.escape(scenario.name)}</b><br><small>{html.escape(scenario.description)}</small></td>"
                    f'<td style="color:{colour}"><b>{scenario.verdict}</b></td><td><small>{shown}</small></td></tr>')
    summary = (f"<p>threshold {report.threshold}, window {report.window:g} s, rules: {', '.join(report.kinds) or 'none'}"
               f" → <b>{report.caught} of {report.attacks} attacks caught, {report.false_alarms} false alarm(s)</b></p>")
    return (f'{summary}<table class="seclab-tuning"><tr><th></th><th>traffic</th><th>verdict</th><th>alerts</th></tr>'
            f"{''.join(rows)}</table>")


def playground() -> Any:
    """Sliders for threshold and window, checkboxes for the rules, and the day's verdicts."""
    import ipywidgets as widgets

    threshold = widgets.IntSlider(value=5, min=1, max=40, description="threshold", continuous_update=False)
    window = widgets.FloatSlider(value=60, min=5, max=900, step=5, description="window (s)", continuous_update=False)
    rules = [widgets.Checkbox(value=True, description=kind, indent=False, layout={"width": "8em"})
             for kind in targets.ALERT_KINDS]
    output = widgets.HTML(render_tuning_report(tuning_report()))

    def update(_change: Any) -> None:
        kinds = tuple(box.description for box in rules if box.value)
        output.value = render_tuning_report(tuning_report(threshold.value, window.value, kinds))

    for control in (threshold, window, *rules):
        control.observe(update, names="value")
    return widgets.VBox([widgets.HBox([threshold, window]), widgets.HBox([widgets.Label("rules:"), *rules]), output])


# --- forging a login log entry ------------------------------------------------------------------

_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([nrtvf0\\]))")
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "v": "\v", "f": "\f", "0": "\0", "\\": "\\"}


def decode_escapes(typed: str) -> str:
    """``typed`` with Python-style escapes (``\\n``, ``\\r``, ``\\t``, ``\\xNN``, ``\\uNNNN``, ``\\\\``) decoded.

    A text box cannot hold a newline, so the playground reads escapes instead.
    """
    def replace(match: re.Match[str]) -> str:
        if match[4]:
            return _SIMPLE[match[4]]
        code = int(match[1] or match[2] or match[3], 16)
        return chr(code) if code <= 0x10FFFF else match[0]

    return _ESCAPE.sub(replace, typed)


@dataclass(frozen=True)
class ForgingReport:
    """One failed login with ``username`` on the vulnerable and the fixed plain-text login log."""

    username: str
    vulnerable_log: str
    vulnerable_entries: list[targets.LogEntry]
    fixed_log: str
    fixed_entries: list[targets.LogEntry]

    @property
    def forged_on_vulnerable(self) -> bool:
        return bool(targets.forged_admin_logins(self.vulnerable_entries))

    @property
    def forged_on_fixed(self) -> bool:
        return bool(targets.forged_admin_logins(self.fixed_entries))


def forging_report(typed: str) -> ForgingReport:
    """Fail a login as ``decode_escapes(typed)`` on both logs and read them back."""
    username = decode_escapes(typed)
    vulnerable = attacks.forge_admin_login(targets.vulnerable_plain_audit, username)
    fixed = attacks.forge_admin_login(targets.fixed_plain_audit, username)
    return ForgingReport(username, vulnerable.evidence, targets.read_login_log(vulnerable.evidence),
                         fixed.evidence, targets.read_login_log(fixed.evidence))


def _visible(line: str) -> str:
    """A line with its remaining control characters shown as escapes."""
    return "".join(char if char.isprintable() or char == " " else f"\\x{ord(char):02x}" if ord(char) < 0x100
                   else f"\\u{ord(char):04x}" for char in line)


def _log_view(title: str, text: str, entries: list[targets.LogEntry]) -> str:
    lines = text.splitlines()
    forged = {(entry.time, entry.user, entry.outcome) for entry in targets.forged_admin_logins(entries)}
    rows = []
    for number, line in enumerate(lines, start=1):
        match = targets.LOGIN_LINE.fullmatch(line)
        if match is None:
            verdict, colour = "skipped (not an entry)", "#777"
        elif (match["time"], match["user"], match["outcome"]) in forged:
            verdict, colour = "an admin login succeeded!", "#c00"
        else:
            verdict, colour = f"{match['action']} {match['outcome']} for {match['user']}", "#070"
        rows.append(f"<tr><td>{number}</td><td><code>{html.escape(_visible(line))}</code></td>"
                    f'<td style="color:{colour}">{html.escape(verdict)}</td></tr>')
    return (f"<p><b>{html.escape(title)}</b>: {len(lines)} line(s) as <code>str.splitlines()</code> sees them</p>"
            f"<table><tr><th>#</th><th>line</th><th>the reader believes</th></tr>{''.join(rows)}</table>")


def render_forging_report(report: ForgingReport) -> str:
    return (_log_view("Vulnerable log (the username pasted in as sent)", report.vulnerable_log,
                      report.vulnerable_entries)
            + _log_view("Fixed log (escape_for_log)", report.fixed_log, report.fixed_entries))


def exploit_playground(record_key: str | None = "exploit") -> Any:
    """A username box that fails a login on both logs; with ``record_key`` a button records it."""
    import ipywidgets as widgets

    username = widgets.Text(description="username", placeholder=r"e.g. bob\nsomething else",
                            layout={"width": "60em"})
    attempt = widgets.Button(description="Fail a login", button_style="primary")
    result = widgets.HTML()
    children: list[Any] = [username, attempt]

    def on_attempt(_button: Any) -> None:
        result.value = render_forging_report(forging_report(username.value))

    attempt.on_click(on_attempt)
    if record_key:
        save = widgets.Button(description="Record this username")

        def on_save(_button: Any) -> None:
            decoded = decode_escapes(username.value)
            record(record_key, decoded)
            result.value += f"<p><i>Recorded {html.escape(ascii(decoded))} for grading.</i></p>"

        save.on_click(on_save)
        children.append(save)
    return widgets.VBox([widgets.HBox(children), result])
