"""Capstone: the audit playground, a thin view over ``attacks.probe``.

``public_probe_table(namespace)`` fires the public probes (the flaws the lesson
demonstrates) at an app assembled from a namespace's component functions and returns
the results; ``render_table`` shows them. ``playground(namespace)`` wires a button to
both, so a learner re-fires the probes at the app as it stands after each fix.
"""

from __future__ import annotations

import html
import time
from collections.abc import Mapping
from typing import Any

from seclab.topics.capstone import attacks, targets


def public_probe_table(namespace: Mapping[str, Any]) -> list[attacks.ProbeResult]:
    """Every public probe of ``attacks.PUBLIC`` against an app built from ``namespace``."""
    return [result for flaw in attacks.PUBLIC for result in attacks.probe(flaw, namespace)]


def render_table(results: list[attacks.ProbeResult], seconds: float | None = None) -> str:
    """The results as an HTML table, one row per probe."""
    colours = {attacks.SUCCEEDED: "#b00", attacks.STOPPED: "#070", attacks.INCONCLUSIVE: "#a60"}
    rows = "".join(
        f"<tr><td>{html.escape(targets.FLAWS[result.flaw].title)} (lesson {targets.FLAWS[result.flaw].lesson:02d})"
        f"</td><td><code>{html.escape(result.payload)}</code></td>"
        f"<td style=\"color:{colours[result.verdict]}\"><b>{result.verdict}</b></td>"
        f"<td>{html.escape(result.evidence)}</td></tr>" for result in results)
    still = sum(result.verdict != attacks.STOPPED for result in results)
    timing = f" ({seconds * 1000:.0f} ms)" if seconds is not None else ""
    return (f"<p><b>{still} of {len(results)}</b> public probes still succeed or cannot tell{timing}.</p>"
            "<table><thead><tr><th>flaw</th><th>payload</th><th>verdict</th><th>what happened</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def playground(namespace: Mapping[str, Any]) -> Any:
    """A button that fires the public probes at the app made of ``namespace``'s current functions.

    Pass ``globals()`` from a notebook whose cells define the components; redefine a
    function, press the button again.
    """
    import ipywidgets as widgets

    button = widgets.Button(description="Fire the public probes", button_style="danger",
                            layout={"width": "max-content"})
    output = widgets.HTML()

    def fire(_click: Any = None) -> None:
        started = time.perf_counter()
        results = public_probe_table(dict(namespace))
        output.value = render_table(results, time.perf_counter() - started)

    button.on_click(fire)
    fire()
    return widgets.VBox([button, output])
