"""Securing an Endpoint: the playgrounds, as thin views over plain functions.

* ``playground()`` — type an ``id`` and see the SQL text the insecure endpoint would run
  and what both twins answer, side by side.
* ``exploit_playground()`` — the exercise's: send an ``id`` to the vulnerable endpoint
  and the fixed one, then record the id and the admin's password hash you found.
"""

from __future__ import annotations

import atexit
import html
import json
import os
import shutil
import tempfile
from functools import cache
from typing import Any

from seclab.answers import record
from seclab.topics.endpoint import attacks, targets


def insecure_sql(id_text: str) -> str:
    """The SQL text the insecure endpoint runs for ``id_text`` (the f-string's result)."""
    return f"SELECT id, name, email FROM users WHERE id = {id_text}"  # shown, never executed here  # nosec B608


@cache
def _demo_apps() -> tuple[Any, Any]:
    """(vulnerable app, fixed app) on one demo database in a temporary folder of this process."""
    folder = tempfile.mkdtemp(prefix="safer-python-13-playground-")
    atexit.register(shutil.rmtree, folder, True)
    db_path = targets.make_user_db(os.path.join(folder, "users.db"))
    return targets.vulnerable_app(db_path), targets.create_app(db_path)


def both_replies(id_text: str) -> dict[str, attacks.Reply]:
    """What the vulnerable and the fixed endpoint answer to ``GET /user?id=<id_text>``."""
    vulnerable, fixed = _demo_apps()
    return {"vulnerable": attacks.get_user(vulnerable, id_text), "fixed": attacks.get_user(fixed, id_text)}


def render_replies(id_text: str, replies: dict[str, attacks.Reply]) -> str:
    """The SQL text and both replies as HTML, side by side."""
    secrets = [row[3] for row in targets.demo_users()]
    cells = []
    for name, reply in replies.items():
        leaks = attacks.leak_findings(reply.text, secrets, [id_text], reply.headers)
        shown = json.dumps(reply.body, indent=1, ensure_ascii=False) if isinstance(reply.body, (dict, list)) else reply.text
        colour = "#b00020" if leaks else "#1b5e20"
        cells.append(f"<td style='vertical-align:top;width:50%'><b>{name}</b>: HTTP {reply.status}"
                     f"<br><span style='color:{colour}'>leaks: {html.escape(', '.join(leaks) or 'nothing')}</span>"
                     f"<pre style='white-space:pre-wrap;max-height:18em;overflow:auto'>"
                     f"{html.escape(shown[:3000])}</pre></td>")
    return (f"<div>the insecure endpoint runs: <code>{html.escape(insecure_sql(id_text))}</code></div>"
            f"<table style='width:100%'><tr>{''.join(cells)}</tr></table>")


def playground() -> Any:
    """Type an id, see the SQL text it makes and what both endpoints answer."""
    import ipywidgets as widgets

    box = widgets.Combobox(value="1", options=["1", "3", "abc", *attacks.PAYLOADS], description="id",
                           ensure_option=False, layout={"width": "52em"})
    send = widgets.Button(description="Send", button_style="primary")
    out = widgets.HTML()

    def on_send(_button: Any) -> None:
        out.value = render_replies(box.value, both_replies(box.value))

    send.on_click(on_send)
    on_send(None)
    return widgets.VBox([widgets.HBox([box, send]), out])


def exploit_playground(record_key: str = "exploit") -> Any:
    """Send ids to both endpoints; record the id that dumped the admin's hash, and the hash."""
    import ipywidgets as widgets

    box = widgets.Text(value="1", description="id", layout={"width": "52em"})
    send = widgets.Button(description="Send", button_style="primary")
    found = widgets.Text(description="hash", placeholder="the admin's password hash you dumped",
                         layout={"width": "52em"})
    save = widgets.Button(description="Record id and hash")
    out = widgets.HTML()
    status = widgets.HTML()
    sent: dict[str, str] = {}

    def on_send(_button: Any) -> None:
        sent["id"] = box.value
        out.value = render_replies(box.value, both_replies(box.value))
        status.value = ""

    def on_save(_button: Any) -> None:
        if "id" not in sent:
            status.value = "<i>Send the request that shows the hash first.</i>"
            return
        payload = {"id": sent["id"], "password_hash": found.value.strip()}
        record(record_key, payload)
        status.value = f"<i>Recorded {html.escape(repr(payload))} for grading.</i>"

    send.on_click(on_send)
    save.on_click(on_save)
    return widgets.VBox([widgets.HBox([box, send]), out, widgets.HBox([found, save]), status])
