"""Playgrounds of the exceptions lesson and exercise: one document id, two authorizers, side by side.

``compare_authorizers`` and ``render_comparison`` are plain functions (tested without a
browser); the widgets only wire a text box and buttons to them.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from seclab.answers import record
from seclab.attacks import AttackResult
from seclab.topics.exceptions import attacks
from seclab.topics.exceptions.targets import fixed_is_allowed, vulnerable_is_allowed

AUTHORIZERS: dict[str, Callable[..., bool]] = {"fail-open (except: return True)": vulnerable_is_allowed,
                                               "fail-closed (fixed)": fixed_is_allowed}


def lookup_outcome(doc_id: Any) -> str:
    """What the metadata service does with ``doc_id`` (after int()), as a line of text."""
    try:
        number = int(doc_id)
    except (TypeError, ValueError) as error:
        return f"int({doc_id!r}) raises {type(error).__name__}: {error}"
    try:
        return f"lookup({number}) returns {attacks.lookup(number)!r}"
    except Exception as error:  # the demo service raises on purpose; show it
        return f"lookup({number}) raises {type(error).__name__}: {error}"


def compare_authorizers(doc_id: Any) -> list[tuple[str, AttackResult]]:
    """Mallory asks each authorizer for ``doc_id``."""
    return [(name, attacks.steal_document(check, doc_id)) for name, check in AUTHORIZERS.items()]


def render_comparison(doc_id: Any, runs: list[tuple[str, AttackResult]]) -> str:
    """The runs as an HTML table, with what the lookup did."""
    rows = []
    for name, result in runs:
        colour, verdict = ("#b00", "LEAKED") if result.succeeded else ("#070", "safe")
        rows.append(f"<tr><td>{html.escape(name)}</td><td style=\"color:{colour}\"><b>{verdict}</b></td>"
                    f"<td>{html.escape(result.evidence)}</td></tr>")
    return (f"<p>mallory (id 666) asks for document <code>{html.escape(repr(doc_id))}</code>; "
            f"{html.escape(lookup_outcome(doc_id))}</p>"
            "<table><thead><tr><th>authorizer</th><th>verdict</th><th>what mallory sees</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _playground(doc_id: str, record_key: str | None) -> Any:
    import ipywidgets as widgets

    box = widgets.Text(value=doc_id, description="doc id", continuous_update=False, layout={"width": "24em"})
    go = widgets.Button(description="Ask", button_style="primary", layout={"width": "max-content"})
    output = widgets.HTML()

    def show(_change: Any = None) -> None:
        output.value = render_comparison(box.value, compare_authorizers(box.value))

    go.on_click(show)
    box.observe(show, names="value")
    controls: list[Any] = [box, go]
    if record_key:
        save = widgets.Button(description="Record this id", layout={"width": "max-content"})

        def on_save(_button: Any) -> None:
            record(record_key, box.value)
            output.value += f"<p><i>Recorded {html.escape(repr(box.value))} for grading.</i></p>"

        save.on_click(on_save)
        controls.append(save)
    show()
    return widgets.VBox([widgets.HBox(controls), output])


def playground(doc_id: str = "2") -> Any:
    """The lesson's playground: a document id against the fail-open and the fail-closed authorizer."""
    return _playground(doc_id, None)


def exploit_playground(record_key: str = "exploit") -> Any:
    """The exercise's playground; records the document id under ``record_key``."""
    return _playground("2", record_key)
