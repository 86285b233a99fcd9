"""Playgrounds of the SSRF lesson and exercise: one URL, several link previews, side by side.

``compare_previews`` and ``render_comparison`` are plain functions (tested without a
browser); the widgets only wire a text box and buttons to them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from seclab.answers import record
from seclab.attacks import AttackResult
from seclab.topics.ssrf import attacks
from seclab.topics.ssrf.network import Hop
from seclab.topics.ssrf.targets import PREVIEWS, DemoWorld, shared_world

LESSON_VERSIONS = ("open_preview", "blocklist_preview", "resolving_preview", "fixed_preview")
EXPLOIT_VERSIONS = ("blocklist_preview", "fixed_preview")


@dataclass(frozen=True)
class PreviewRun:
    """What one preview did with the URL: the verdict, the DNS queries and the requests it sent."""

    version: str
    result: AttackResult
    queries: tuple[str, ...]
    hops: tuple[Hop, ...]


def compare_previews(url: str, world: DemoWorld, versions: tuple[str, ...] = LESSON_VERSIONS) -> list[PreviewRun]:
    """Run ``url`` through each preview in ``versions``, each with fresh DNS state."""
    runs = []
    for version in versions:
        result = attacks.steal_secret(PREVIEWS[version], url, world)
        runs.append(PreviewRun(version, result, tuple(str(query) for query in world.dns.log),
                               tuple(world.client.trace)))
    return runs


def render_comparison(runs: list[PreviewRun]) -> str:
    """The runs as an HTML table: verdict, evidence, DNS queries and requests per preview."""
    rows = []
    for run in runs:
        colour, verdict = ("#b00", "LEAKED") if run.result.succeeded else ("#070", "safe")
        queries = "<br>".join(html.escape(query) for query in run.queries) or "<i>none</i>"
        hops = "<br>".join(html.escape(f"{hop.url} → {hop.address} ({hop.service}) → {hop.status}")
                           for hop in run.hops) or "<i>no request sent</i>"
        rows.append(f"<tr><td><code>{html.escape(run.version)}</code></td>"
                    f'<td style="color:{colour}"><b>{verdict}</b></td><td>{html.escape(run.result.evidence)}</td>'
                    f"<td><small>{queries}</small></td><td><small>{hops}</small></td></tr>")
    return ('<table class="seclab-ssrf"><thead><tr><th>preview</th><th>verdict</th><th>what came back</th>'
            f"<th>DNS queries</th><th>requests sent</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _playground(world: DemoWorld, url: str, versions: tuple[str, ...], record_key: str | None) -> Any:
    import ipywidgets as widgets

    box = widgets.Text(value=url, description="URL", continuous_update=False,
                       layout={"width": "48em"}, style={"description_width": "3em"})
    go = widgets.Button(description="Preview", button_style="primary", layout={"width": "max-content"})
    output = widgets.HTML()

    def show(_change: Any = None) -> None:
        output.value = render_comparison(compare_previews(box.value, world, versions))

    go.on_click(show)
    box.observe(show, names="value")
    controls: list[Any] = [box, go]
    if record_key:
        save = widgets.Button(description="Record this URL", layout={"width": "max-content"})

        def on_save(_button: Any) -> None:
            record(record_key, box.value)
            output.value += f"<p><i>Recorded {html.escape(repr(box.value))} for grading.</i></p>"

        save.on_click(on_save)
        controls.append(save)
    show()
    return widgets.VBox([widgets.HBox(controls), output])


def preview_playground(world: DemoWorld, url: str = attacks.METADATA_URL) -> Any:
    """The lesson's playground: a URL against all four previews of the lesson's demo network."""
    return _playground(world, url, LESSON_VERSIONS, None)


def exploit_playground(record_key: str = "exploit", url: str = attacks.METADATA_URL) -> Any:
    """The exercise's playground: the blocklist preview and the fixed one; records the URL under ``record_key``."""
    return _playground(shared_world(), url, EXPLOIT_VERSIONS, record_key)
