"""AI-Generated Code: the playgrounds, as thin views over plain functions.

``gate_report`` and ``render_gate_report`` are plain functions (tested without a
browser); the widgets only wire a text area and buttons to them.
"""

from __future__ import annotations

import html
from typing import Any

from seclab.answers import record
from seclab.topics.ai_code import attacks
from seclab.topics.ai_code.targets import (
    SIMULATION_LABEL,
    fixed_pipeline,
    fixed_review,
    simulated_ai_review,
    vulnerable_pipeline,
)


def gate_report(source: str) -> dict[str, Any]:
    """What each gate says about ``source``: the static findings, the simulated AI review, both merge gates."""
    try:
        findings: list[dict[str, Any]] | None = fixed_review(source)
    except ValueError:
        findings = None
    return {"findings": findings, "ai": simulated_ai_review(source),
            "ai_only_gate_merges": vulnerable_pipeline(source), "fixed_gate_merges": fixed_pipeline(source)}


def render_gate_report(report: dict[str, Any]) -> str:
    """The report as HTML: findings table, the AI verdict (labelled a simulation), the two gates."""
    if report["findings"] is None:
        static = "<i>not Python source (the fixed gate rejects it)</i>"
    elif not report["findings"]:
        static = "<i>no findings</i>"
    else:
        static = "<br>".join(f"line {item['line']}: <code>{html.escape(item['rule'])}</code>"
                             for item in report["findings"])

    def gate(merges: bool) -> str:
        return '<b style="color:#b00">MERGED</b>' if merges else '<b style="color:#070">rejected</b>'

    ai = report["ai"]
    return (f'<table class="seclab-ai-code"><tr><th>static rules (review)</th><td>{static}</td></tr>'
            f"<tr><th>{html.escape(SIMULATION_LABEL)}</th><td>{html.escape(ai['verdict'])}: "
            f"{html.escape(ai['reason'])}</td></tr>"
            f"<tr><th>gate that trusts the AI reviewer</th><td>{gate(report['ai_only_gate_merges'])}</td></tr>"
            f"<tr><th>fixed gate (static rules first)</th><td>{gate(report['fixed_gate_merges'])}</td></tr></table>")


def _playground(source: str, record_key: str | None) -> Any:
    import ipywidgets as widgets

    box = widgets.Textarea(value=source, layout={"width": "60em", "height": "12em"})
    go = widgets.Button(description="Review", button_style="primary", layout={"width": "max-content"})
    output = widgets.HTML()

    def show(_change: Any = None) -> None:
        output.value = render_gate_report(gate_report(box.value))

    go.on_click(show)
    controls: list[Any] = [go]
    if record_key:
        save = widgets.Button(description="Record this code", layout={"width": "max-content"})

        def on_save(_button: Any) -> None:
            record(record_key, box.value)
            output.value += "<p><i>Recorded this code for grading.</i></p>"

        save.on_click(on_save)
        controls.append(save)
    show()
    return widgets.VBox([box, widgets.HBox(controls), output])


def playground(source: str = attacks.PLAIN_FLAW) -> Any:
    """The lesson's playground: paste generated code, see what the static rules and the simulated AI say."""
    return _playground(source, None)


def exploit_playground(record_key: str = "exploit", source: str = attacks.PLAIN_FLAW) -> Any:
    """The exercise's playground; records the code under ``record_key``."""
    return _playground(source, record_key)
