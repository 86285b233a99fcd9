"""Playgrounds of lesson 05 and its exercise, as thin ipywidgets views over plain functions.

* ``header_playground()`` — paste a response's headers, see them judged (``headers.audit``);
* ``exploit_playground()`` — send a request to the exercise's shop under Werkzeug's
  debugger and to the fixed shop, read both answers, record a path and a token.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from typing import Any

from seclab.answers import record
from seclab.topics.misconfiguration import attacks, headers, targets

# --- the header audit ----------------------------------------------------------------------

#: What a default Flask app on Werkzeug's development server answers (the lesson measures it).
EXAMPLE_RESPONSE_HEADERS = """Server: Werkzeug/3.1.9 Python/3.11.9
Content-Type: text/html; charset=utf-8
Content-Length: 131
X-Powered-By: PHP/7.4.3
Content-Security-Policy: default-src 'self' https:; script-src 'self' 'unsafe-inline'"""


def parse_header_lines(text: str) -> dict[str, str]:
    """``Name: value`` lines as a dict (a status line, blank lines and lines without a colon are skipped)."""
    parsed = {}
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        if colon and name.strip() and " " not in name.strip():
            parsed[name.strip()] = value.strip()
    return parsed


def audit_html(verdicts: list[headers.HeaderVerdict]) -> str:
    """An audit as an HTML table: header, value, verdict."""
    rows = []
    for verdict in verdicts:
        mark, colour = ("✓", "#070") if verdict.ok else ("✗", "#c00")
        value = "—" if verdict.value is None else f"<code>{html.escape(verdict.value)}</code>"
        rows.append(f'<tr><td style="color:{colour}">{mark}</td><td><code>{html.escape(verdict.name)}</code></td>'
                    f"<td>{value}</td><td>{html.escape(verdict.why)}</td></tr>")
    return ('<table class="seclab-header-audit"><thead><tr><th></th><th>header</th><th>value</th><th>verdict</th>'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def header_report(text: str) -> str:
    """The audit of pasted header lines, as HTML, with a one-line score."""
    verdicts = headers.audit(parse_header_lines(text))
    good = sum(verdict.ok for verdict in verdicts)
    return f"<p><b>{good} of {len(verdicts)} checks pass</b></p>{audit_html(verdicts)}"


def header_playground(initial: str = EXAMPLE_RESPONSE_HEADERS) -> Any:
    """Paste response headers (one ``Name: value`` per line) and see them judged as you type."""
    import ipywidgets as widgets

    box = widgets.Textarea(value=initial, description="headers", layout={"width": "60em", "height": "10em"})
    output = widgets.HTML(header_report(initial))

    def update(change: dict[str, Any]) -> None:
        output.value = header_report(change["new"])

    box.observe(update, names="value")
    return widgets.VBox([box, output])


# --- the exercise's exploit challenge ------------------------------------------------------

@dataclass(frozen=True)
class ShopPage:
    """What the shop answered to ``GET path``: status, the debugger's error line (if any) and readable text."""

    path: str
    status: int
    error: str
    text: str


@functools.cache
def _shop_client(vulnerable: bool) -> Any:
    """A test client of the exercise's shop, built once per kernel (building one takes ~25 ms)."""
    from werkzeug.test import Client

    return Client(targets.create_shop(vulnerable=vulnerable))


def fetch_shop_page(path: str, vulnerable: bool = True) -> ShopPage:
    """``GET path`` on the exercise's shop (in-process, nothing leaves this kernel)."""
    if not path.startswith("/"):
        path = "/" + path
    reply = _shop_client(vulnerable).get(path)
    page = reply.get_data(as_text=True)
    if attacks.is_werkzeug_debug_page(page):
        return ShopPage(path, reply.status_code, attacks.debugger_error(page), attacks.debugger_traceback(page))
    return ShopPage(path, reply.status_code, "", page.strip())


def _page_html(title: str, page: ShopPage) -> str:
    error = f"<p><b>{html.escape(page.error)}</b></p>" if page.error else ""
    return (f'<div style="flex:1;min-width:0"><b>{title}</b>: HTTP {page.status}{error}'
            f'<pre style="white-space:pre-wrap;max-height:24em;overflow:auto">{html.escape(page.text)}</pre></div>')


def render_shop_pages(vulnerable: ShopPage, fixed: ShopPage) -> str:
    """Both shops' answers side by side."""
    return (f"<p><code>GET {html.escape(vulnerable.path)}</code></p><div style=\"display:flex;gap:2em\">"
            f"{_page_html('Shop under the debugger', vulnerable)}{_page_html('Fixed shop', fixed)}</div>")


def exploit_playground(record_key: str = "exploit") -> Any:
    """Send requests to both shops; record the path that leaked the token and the token itself."""
    import ipywidgets as widgets

    path = widgets.Text(value="/stock/AB-12", description="GET", layout={"width": "40em"})
    send = widgets.Button(description="Send", button_style="primary")
    token = widgets.Text(description="token", placeholder="the internal API token you found",
                         layout={"width": "40em"})
    save = widgets.Button(description="Record path and token")
    pages = widgets.HTML()
    status = widgets.HTML()
    sent: dict[str, str] = {}

    def on_send(_button: Any) -> None:
        sent["path"] = path.value if path.value.startswith("/") else "/" + path.value
        pages.value = render_shop_pages(fetch_shop_page(sent["path"], True), fetch_shop_page(sent["path"], False))
        status.value = ""

    def on_save(_button: Any) -> None:
        if "path" not in sent:
            status.value = "<i>Send the request that shows the token first.</i>"
            return
        payload = {"path": sent["path"], "token": token.value.strip()}
        record(record_key, payload)
        status.value = f"<i>Recorded {html.escape(repr(payload))} for grading.</i>"

    send.on_click(on_send)
    save.on_click(on_save)
    return widgets.VBox([widgets.HBox([path, send]), pages, widgets.HBox([token, save]), status])
