"""Playgrounds of lesson 15 and its exercise, as thin ipywidgets views over plain functions.

* ``playground()`` — the session-cookie workbench: paste a Flask session cookie, read what
  it holds without any key, try a key, and (with the right key) sign new contents;
* ``exploit_playground()`` — get alice's cookie from the vulnerable members area, forge
  one, send it to ``/admin`` of both twins, and record it for grading.
"""

from __future__ import annotations

import html
import json
from typing import Any

from itsdangerous import BadSignature

from seclab.answers import record
from seclab.topics.flask import attacks, targets


def guest_cookie() -> str:
    """The session cookie the vulnerable members area gives alice when she logs in (a fresh app each time)."""
    passwords, users = targets.demo_users()
    reply = attacks.login(targets.vulnerable_app(users).test_client(), "alice", passwords["alice"])
    cookie = attacks.session_cookie(reply)
    if cookie is None:  # the vulnerable app always sets one; this guards the demo against a broken twin
        raise RuntimeError("the vulnerable app set no session cookie")
    return cookie


def inspect_cookie(cookie: str, key: str = "") -> str:
    """What a cookie holds (read without a key) and, when ``key`` is given, whether that key signed it; HTML."""
    cookie = cookie.strip()
    try:
        data = attacks.decode_cookie(cookie)
    except ValueError as error:
        return f"<p style='color:#c00'>Not a Flask session cookie: {html.escape(str(error))}</p>"
    parts = [f"<p>Contents, read <b>without</b> the key: <code>{html.escape(json.dumps(data))}</code></p>"]
    if key:
        try:
            attacks.session_serializer(key).loads(cookie)
        except BadSignature:
            parts.append(f"<p>✗ <code>{html.escape(key)}</code> did not sign this cookie.</p>")
        else:
            parts.append(f"<p>✓ <code>{html.escape(key)}</code> signed this cookie: "
                         "with it you can sign any contents you like.</p>")
    return "".join(parts)


def try_admin_cookie(cookie: str) -> str:
    """``GET /admin`` with ``cookie`` on fresh vulnerable and fixed apps, as HTML."""
    cookie = cookie.strip()
    rows = []
    for name, app, https in (("vulnerable app", targets.vulnerable_app(), False),
                             ("fixed app", targets.fixed_app(), True)):
        result = attacks.replay_admin_cookie(app, cookie, https=https)
        mark, colour = ("✓ admin page", "#070") if result.succeeded else ("✗ refused", "#c00")
        rows.append(f"<li><b>{name}</b>: <span style='color:{colour}'>{mark}</span> "
                    f"({html.escape(result.evidence)})</li>")
    return f"<ul>{''.join(rows)}</ul>"


def playground() -> Any:
    """Paste a cookie, read it, test a key, sign new contents with it."""
    import ipywidgets as widgets

    cookie = widgets.Text(value=guest_cookie(), description="cookie", layout={"width": "60em"})
    key = widgets.Text(description="key", placeholder="a key to test, e.g. secret", layout={"width": "30em"})
    contents = widgets.Text(value='{"user": "alice"}', description="contents", layout={"width": "40em"})
    sign = widgets.Button(description="Sign contents with the key")
    output = widgets.HTML(inspect_cookie(cookie.value))

    def update(_change: Any = None) -> None:
        output.value = inspect_cookie(cookie.value, key.value)

    def on_sign(_button: Any) -> None:
        try:
            data = json.loads(contents.value)
        except ValueError as error:
            output.value = f"<p style='color:#c00'>The contents must be a JSON object: {html.escape(str(error))}</p>"
            return
        if not isinstance(data, dict) or not key.value:
            output.value = "<p style='color:#c00'>Give a key and a JSON object.</p>"
            return
        cookie.value = attacks.forge_cookie(data, key.value)

    cookie.observe(update, names="value")
    key.observe(update, names="value")
    sign.on_click(on_sign)
    return widgets.VBox([cookie, key, widgets.HBox([contents, sign]), output])


def exploit_playground(record_key: str = "exploit") -> Any:
    """Get alice's cookie, forge one, send it to /admin of both twins, record it."""
    import ipywidgets as widgets

    alice = widgets.Textarea(value=guest_cookie(), description="alice's", disabled=True,
                             layout={"width": "60em", "height": "3em"})
    forged = widgets.Text(description="cookie", placeholder="your forged session cookie",
                          layout={"width": "60em"})
    send = widgets.Button(description="GET /admin on both", button_style="primary")
    save = widgets.Button(description="Record this cookie")
    answers = widgets.HTML()
    status = widgets.HTML()

    def on_send(_button: Any) -> None:
        answers.value = try_admin_cookie(forged.value)

    def on_save(_button: Any) -> None:
        value = forged.value.strip()
        if not value:
            status.value = "<i>Paste your forged cookie first.</i>"
            return
        record(record_key, value)
        status.value = f"<i>Recorded {html.escape(value[:40])}… for grading.</i>"

    send.on_click(on_send)
    save.on_click(on_save)
    return widgets.VBox([alice, forged, widgets.HBox([send, save]), answers, status])
