"""Prompt Injection: the playgrounds, as thin views over plain functions.

``run_mail`` (plain, tested without a browser) puts one e-mail in a fresh demo mailbox,
asks the vulnerable and the guarded assistant (SIMULATED model) to summarise the inbox
and reports each one's tool calls, what was sent and what the user would see.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from typing import Any

from seclab.answers import record
from seclab.topics.prompt_injection import attacks
from seclab.topics.prompt_injection.targets import (
    demo_world,
    guarded_assistant,
    render_reply,
    secret_mailed_out,
    vulnerable_assistant,
)

DEFAULT_BODY = attacks.EXFIL_MAIL["body"]


@dataclass(frozen=True)
class MailRun:
    """What one assistant did with the inbox: its calls, the mails it sent, its reply, and the verdict."""

    assistant: str
    calls: tuple[str, ...]
    outbox: tuple[str, ...]
    reply: str
    leaked: bool


def run_mail(body: str, subject: str = "Hello") -> list[MailRun]:
    """The e-mail ``body`` in a fresh mailbox, summarised by the vulnerable and the guarded assistant."""
    runs = []
    mail = {"from": "someone@outside.example", "subject": subject, "body": body}
    for name, make in (("vulnerable", vulnerable_assistant), ("guarded", guarded_assistant)):
        secret = "API-KEY-" + secrets.token_hex(4)
        with demo_world([mail], secret=secret) as world:
            agent = make(world)
            reply = agent.run("Please summarise my inbox.")
            calls = tuple(f"{'tainted ' if c.tainted else ''}{c.tool} {c.args}{'' if c.allowed else '  → REFUSED'}"
                          for c in agent.calls)
            outbox = tuple(f"to {m['to']}: {m['body'][:60]!r}" for m in world.outbox)
            runs.append(MailRun(name, calls, outbox, reply, secret_mailed_out(world, secret)))
    return runs


def render_runs(runs: list[MailRun]) -> str:
    """The runs as an HTML table (every value escaped; the reply shown through render_reply)."""
    rows = []
    for run in runs:
        colour, verdict = ("#b00", "SECRET SENT OUT") if run.leaked else ("#070", "safe")
        calls = "<br>".join(html.escape(call) for call in run.calls) or "<i>none</i>"
        outbox = "<br>".join(html.escape(mail) for mail in run.outbox) or "<i>nothing</i>"
        reply = render_reply(run.reply, []).replace("\n", "<br>")
        rows.append(f"<tr><td><code>{run.assistant}</code></td><td style='color:{colour}'><b>{verdict}</b></td>"
                    f"<td><small>{calls}</small></td><td><small>{outbox}</small></td><td><small>{reply}</small></td></tr>")
    return ("<p><i>Simulated model (seclab.llm): deterministic and worst-case obedient.</i></p>"
            "<table><thead><tr><th>assistant</th><th>verdict</th><th>tool calls</th><th>mails sent</th>"
            f"<th>reply</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _playground(body: str, record_key: str | None) -> Any:
    import ipywidgets as widgets

    box = widgets.Textarea(value=body, description="e-mail", layout={"width": "52em", "height": "9em"})
    go = widgets.Button(description="Summarise inbox", button_style="primary", layout={"width": "max-content"})
    output = widgets.HTML()

    def show(_change: Any = None) -> None:
        output.value = render_runs(run_mail(box.value))

    go.on_click(show)
    controls: list[Any] = [go]
    if record_key:
        save = widgets.Button(description="Record this e-mail", layout={"width": "max-content"})

        def on_save(_button: Any) -> None:
            record(record_key, box.value)
            output.value += "<p><i>Recorded this e-mail body for grading.</i></p>"

        save.on_click(on_save)
        controls.append(save)
    show()
    return widgets.VBox([box, widgets.HBox(controls), output])


def playground(body: str = DEFAULT_BODY) -> Any:
    """The lesson's playground: write an e-mail, watch both assistants summarise the inbox."""
    return _playground(body, None)


def exploit_playground(record_key: str = "exploit") -> Any:
    """The exercise's playground (starts from a harmless mail); records the e-mail body under ``record_key``."""
    return _playground("Hi Alice,\nthe meeting moved to 3 pm.\n", record_key)
