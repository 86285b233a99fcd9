"""Playgrounds of the REST API lesson and exercise: build a token, present it to both APIs.

``make_token`` and ``try_token`` are plain functions (tested without a browser); the
widgets only wire a few fields and buttons to them.
"""

from __future__ import annotations

import html
import json
from typing import Any

from seclab.answers import record
from seclab.topics.rest_api import attacks, targets

ALGORITHMS = ("none", "HS256")


def make_token(sub: str, alg: str, secret: str, lifetime: int | None = 900) -> str:
    """A token for ``sub`` with ``alg`` none (unsigned) or HS256 (HMAC with ``secret``)."""
    claims = attacks.admin_claims(lifetime)
    claims["sub"] = sub
    if alg == "none":
        return attacks.none_token(claims)
    return attacks.hmac_token(claims, secret.encode("utf-8"))


def try_token(token: str) -> list[tuple[str, int, Any]]:
    """``GET /admin`` with ``token`` on the vulnerable API and on the fixed one: (name, status, body)."""
    found = []
    for name, app in (("vulnerable API", targets.vulnerable_api()), ("fixed API", targets.fixed_api(targets.new_key()))):
        status, body = targets.admin_page(app, token)
        found.append((name, status, body))
    return found


def render_attempts(token: str, attempts: list[tuple[str, int, Any]]) -> str:
    rows = []
    for name, status, body in attempts:
        colour, verdict = ("#b00", "ADMIN DATA") if status == 200 else ("#070", "refused")
        rows.append(f'<tr><td>{html.escape(name)}</td><td style="color:{colour}"><b>{status} {verdict}</b></td>'
                    f"<td><code>{html.escape(json.dumps(body)[:120])}</code></td></tr>")
    return (f"<p><small>token: <code>{html.escape(token)}</code></small></p>"
            f"<table><thead><tr><th>API</th><th>GET /admin</th><th>body</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _playground(record_key: str | None) -> Any:
    import ipywidgets as widgets

    sub = widgets.Text(value=targets.ADMIN, description="sub")
    alg = widgets.Dropdown(options=ALGORITHMS, value="none", description="alg")
    secret = widgets.Text(value="", description="secret", placeholder="HS256 only")
    go = widgets.Button(description="Send to both APIs", button_style="primary", layout={"width": "max-content"})
    output = widgets.HTML()
    current: dict[str, str] = {}  # the token shown last

    def show(_change: Any = None) -> None:
        current["token"] = make_token(sub.value, alg.value, secret.value)
        output.value = render_attempts(current["token"], try_token(current["token"]))

    go.on_click(show)
    controls: list[Any] = [sub, alg, secret, go]
    if record_key:
        save = widgets.Button(description="Record this token", layout={"width": "max-content"})

        def on_save(_button: Any) -> None:
            record(record_key, current.get("token", ""))
            output.value += "<p><i>Recorded the token for grading.</i></p>"

        save.on_click(on_save)
        controls.append(save)
    show()
    return widgets.VBox([widgets.HBox(controls[:3]), widgets.HBox(controls[3:]), output])


def playground() -> Any:
    """The lesson's playground: forge a token and see which API takes it for the admin's."""
    return _playground(None)


def exploit_playground(record_key: str = "exploit") -> Any:
    """The exercise's exploit playground; records the token under ``record_key``."""
    return _playground(record_key)
