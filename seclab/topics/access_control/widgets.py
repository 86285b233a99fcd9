"""Playground of the access-control lesson and exercise: one request, two apps, side by side."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

from seclab.answers import record
from seclab.topics.access_control.attacks import Reply, in_process
from seclab.topics.access_control.targets import USERS, create_app

USER_NAMES = [name for _id, name, _display, _role in USERS]


@dataclass(frozen=True)
class SideBySide:
    """What the vulnerable and the fixed app answered to the same request."""

    as_user: str
    method: str
    path: str
    vulnerable: Reply
    fixed: Reply

    def recorded(self) -> dict[str, Any]:
        """The request as the exploit challenge records it."""
        return {"as_user": self.as_user, "method": self.method, "path": self.path}


class DocumentsApps:
    """A vulnerable and a fixed documents app that keep their state between requests."""

    def __init__(self) -> None:
        self.vulnerable = in_process(create_app(vulnerable=True))
        self.fixed = in_process(create_app(vulnerable=False))

    def send(self, as_user: str, method: str, path: str, json_body: Any = None) -> SideBySide:
        return SideBySide(as_user, method, path, self.vulnerable(as_user, method, path, json_body),
                          self.fixed(as_user, method, path, json_body))


def request_document(as_user: str, doc_id: int, apps: DocumentsApps | None = None) -> SideBySide:
    """``GET /documents/<doc_id>`` as ``as_user`` against both apps (fresh ones unless given)."""
    return (apps or DocumentsApps()).send(as_user, "GET", f"/documents/{int(doc_id)}")


def listed_documents(as_user: str, apps: DocumentsApps | None = None) -> list[int]:
    """The document ids the app's own list shows ``as_user`` (the same in both twins)."""
    reply = (apps or DocumentsApps()).fixed(as_user, "GET", "/documents", None)
    documents = reply.json() if reply.status == 200 else []
    return [document["id"] for document in documents or []]


def _reply_html(title: str, reply: Reply, css: str) -> str:
    data = reply.json()
    shown = json.dumps(data, indent=2) if data is not None else reply.text
    colour = "#070" if reply.status < 400 else "#b00"
    return (f'<div class="{css}" style="flex:1"><b>{html.escape(title)}</b> '
            f'<span style="color:{colour}">HTTP {reply.status}</span>'
            f"<pre>{html.escape(shown)}</pre></div>")


def render_side_by_side(result: SideBySide, listed: list[int] | None = None) -> str:
    """The request and both answers as HTML."""
    intro = (f"<p><code>{html.escape(result.method)} {html.escape(result.path)}</code> with "
             f"<code>X-Demo-User: {html.escape(result.as_user)}</code>")
    if listed is not None:
        intro += f" &middot; the app lists {html.escape(result.as_user)}'s documents as {listed}"
    return (intro + "</p>" + '<div style="display:flex;gap:2em">'
            + _reply_html("Vulnerable app", result.vulnerable, "seclab-vulnerable")
            + _reply_html("Fixed app", result.fixed, "seclab-fixed") + "</div>")


def documents_playground(record_key: str | None = None, as_user: str = "alice", doc_id: int = 1) -> Any:
    """Pick a user and a document id; see both apps answer. ``record_key`` adds a Record button."""
    import ipywidgets as widgets

    apps = DocumentsApps()
    user = widgets.Dropdown(options=USER_NAMES, value=as_user, description="user")
    document = widgets.BoundedIntText(value=doc_id, min=0, max=99, description="document id")
    send = widgets.Button(description="Send GET /documents/<id>", button_style="primary",
                          layout={"width": "max-content"})
    output = widgets.HTML()
    last: list[SideBySide] = []

    def show(_change: Any = None) -> None:
        result = apps.send(user.value, "GET", f"/documents/{document.value}")
        last[:] = [result]
        output.value = render_side_by_side(result, listed_documents(user.value, apps))

    send.on_click(show)
    children: list[Any] = [widgets.HBox([user, document, send])]
    if record_key:
        save = widgets.Button(description="Record this request", layout={"width": "max-content"})

        def on_save(_button: Any) -> None:
            if last:
                record(record_key, last[0].recorded())
                output.value += f"<p><i>Recorded {html.escape(repr(last[0].recorded()))} for grading.</i></p>"

        save.on_click(on_save)
        children.append(save)
    show()
    return widgets.VBox(children + [output])
