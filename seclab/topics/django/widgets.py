"""Playgrounds of the Django lesson and exercise, as thin views over plain functions.

``explore`` sends one request to either twin of the project and ``render_exchange``
shows it; ``compare_resets`` asks both twins for alice's password reset with a chosen
Host header and ``render_resets`` shows the mail each one sent. Both are tested without
a browser; the widgets only wire text boxes and buttons to them.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

from seclab.answers import record
from seclab.topics.django.targets import ResetAttempt, request_password_reset, twin

USERS = ("anonymous", "alice", "bob", "carol")
SHOWN_HEADERS = ("Location", "Content-Type", "Strict-Transport-Security", "X-Frame-Options", "Set-Cookie")


@dataclass(frozen=True)
class Exchange:
    """One request to one twin and what came back."""

    version: str
    request: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: str


def explore(path: str, user: str = "bob", host: str = "docs.example.com", https: bool = True,
            versions: tuple[str, ...] = ("vulnerable", "fixed")) -> list[Exchange]:
    """GET ``path`` as ``user`` (a demo user or "anonymous") with ``Host: host`` on each twin."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    exchanges = []
    for version in versions:
        with twin(version == "vulnerable"):
            client = Client(HTTP_HOST=host, raise_request_exception=False)
            if user != "anonymous":
                client.force_login(get_user_model().objects.get(username=user))
            response = client.get(path, secure=https)
            headers = [(name, response[name]) for name in SHOWN_HEADERS if name != "Set-Cookie" and response.has_header(name)]
            headers += [("Set-Cookie", morsel.OutputString()) for morsel in response.cookies.values()]
            body = response.content.decode("utf-8", "replace")
        scheme = "https" if https else "http"
        exchanges.append(Exchange(version, f"GET {scheme}://{host}{path} as {user}", response.status_code,
                                  tuple(headers), body))
    return exchanges


def _shorten(body: str, limit: int = 600) -> str:
    try:
        body = json.dumps(json.loads(body), ensure_ascii=False)
    except ValueError:
        pass
    return body if len(body) <= limit else body[:limit] + f" … ({len(body)} characters)"


def render_exchange(exchanges: list[Exchange]) -> str:
    """The exchanges side by side as an HTML table."""
    rows = []
    for exchange in exchanges:
        colour = "#070" if exchange.status < 300 else "#a60" if exchange.status < 400 else "#b00"
        headers = "<br>".join(f"<b>{html.escape(name)}</b>: {html.escape(value)}" for name, value in exchange.headers)
        rows.append(f"<tr><td><code>{exchange.version}</code></td><td>{html.escape(exchange.request)}</td>"
                    f'<td style="color:{colour}"><b>{exchange.status}</b></td><td><small>{headers}</small></td>'
                    f"<td><small><code>{html.escape(_shorten(exchange.body))}</code></small></td></tr>")
    return ('<table class="seclab-django"><thead><tr><th>twin</th><th>request</th><th>status</th><th>headers</th>'
            f"<th>body</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def compare_resets(host: str) -> list[ResetAttempt]:
    """Ask the vulnerable and the fixed twin for alice's password reset with ``Host: host``."""
    return [request_password_reset(host, vulnerable=True), request_password_reset(host, vulnerable=False)]


def render_resets(attempts: list[ResetAttempt]) -> str:
    """What each twin answered and the link it mailed, as an HTML table."""
    rows = []
    for version, attempt in zip(("vulnerable", "fixed"), attempts, strict=True):
        if attempt.poisoned:
            verdict = '<b style="color:#b00">POISONED</b>: the reset link points to ' + html.escape(str(attempt.link_host))
        elif attempt.mails:
            verdict = '<b style="color:#070">safe</b>: the link points to the site itself'
        else:
            verdict = '<b style="color:#070">safe</b>: no mail sent'
        link = html.escape(attempt.link) if attempt.link else "<i>none</i>"
        rows.append(f"<tr><td><code>{version}</code></td><td>{attempt.status}</td><td>{attempt.mails}</td>"
                    f"<td><small><code>{link}</code></small></td><td>{verdict}</td></tr>")
    return ('<table class="seclab-django"><thead><tr><th>twin</th><th>status</th><th>mails</th><th>link in the mail</th>'
            f"<th>verdict</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def playground(path: str = "/documents/1/", user: str = "bob", host: str = "docs.example.com") -> Any:
    """The lesson's playground: one GET request to both twins, as any demo user, with any Host."""
    import ipywidgets as widgets

    path_box = widgets.Text(value=path, description="path", continuous_update=False, layout={"width": "30em"})
    host_box = widgets.Text(value=host, description="Host", continuous_update=False, layout={"width": "22em"})
    user_box = widgets.Dropdown(options=USERS, value=user, description="as")
    https_box = widgets.Checkbox(value=True, description="HTTPS")
    go = widgets.Button(description="Send", button_style="primary", layout={"width": "max-content"})
    output = widgets.HTML()

    def show(_change: Any = None) -> None:
        output.value = render_exchange(explore(path_box.value, user_box.value, host_box.value, https_box.value))

    go.on_click(show)
    for box in (path_box, host_box, user_box, https_box):
        box.observe(show, names="value")
    show()
    return widgets.VBox([widgets.HBox([path_box, user_box]), widgets.HBox([host_box, https_box, go]), output])


def exploit_playground(record_key: str = "exploit", host: str = "docs.example.com") -> Any:
    """The exercise's playground: a Host header against both twins' password reset; records it under ``record_key``."""
    import ipywidgets as widgets

    box = widgets.Text(value=host, description="Host", continuous_update=False, layout={"width": "30em"})
    go = widgets.Button(description="Ask for alice's reset", button_style="primary", layout={"width": "max-content"})
    save = widgets.Button(description="Record this Host", layout={"width": "max-content"})
    output = widgets.HTML()

    def show(_change: Any = None) -> None:
        output.value = render_resets(compare_resets(box.value))

    def on_save(_button: Any) -> None:
        record(record_key, box.value)
        output.value += f"<p><i>Recorded {html.escape(repr(box.value))} for grading.</i></p>"

    go.on_click(show)
    save.on_click(on_save)
    box.observe(show, names="value")
    show()
    return widgets.VBox([widgets.HBox([box, go, save]), output])
