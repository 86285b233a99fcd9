"""Playgrounds of the integrity lesson and exercise, as thin views over plain functions.

* ``extension_playground`` — forge a sha256(key + message) token by length extension
  and watch the naive service accept it and the HMAC service refuse it.
* ``exploit_playground`` — look inside a base64 pickle without running it, replay it the
  way the grader does (in the sandbox), and record it for grading.
"""

from __future__ import annotations

import html
import io
import pickletools  # disassembles payloads without running them  # nosec B403
import secrets
from dataclasses import dataclass
from typing import Any

from seclab.answers import record
from seclab.topics.integrity import attacks, targets

HONEST_FIELDS = {"user": "alice", "role": "user"}


@dataclass(frozen=True)
class ExtensionReport:
    """What a length-extension forgery with one key-length guess achieves against both services."""

    original_token: str
    forged_token: str
    forged_message: bytes
    key_length_guess: int
    naive_result: dict[str, str] | None
    hmac_result: dict[str, str] | None

    @property
    def naive_accepted(self) -> bool:
        return self.naive_result is not None


def _read(reader: Any, key: bytes, token: str) -> dict[str, str] | None:
    try:
        return dict(reader(key, token))
    except ValueError:
        return None


def extension_report(suffix: str, key_length_guess: int, key: bytes) -> ExtensionReport:
    """Append ``suffix`` to alice's token without knowing ``key``, guessing its length."""
    naive = targets.naive_token(key, HONEST_FIELDS)
    hmac_token = targets.hmac_token(key, HONEST_FIELDS)
    forged = attacks.forge_extended_token(naive, suffix.encode("utf-8"), key_length_guess)
    forged_against_hmac = attacks.forge_extended_token(
        hmac_token, suffix.encode("utf-8"), key_length_guess).token
    return ExtensionReport(naive, forged.token, forged.message, key_length_guess,
                           _read(targets.read_naive_token, key, forged.token),
                           _read(targets.read_hmac_token, key, forged_against_hmac))


def _shown(message: bytes) -> str:
    """The message with the glue bytes visible: printable ASCII as is, the rest as \\xNN."""
    return "".join(chr(byte) if 32 <= byte < 127 else f"\\x{byte:02x}" for byte in message)


def render_extension_report(report: ExtensionReport) -> str:
    def verdict(result: dict[str, str] | None) -> str:
        if result is None:
            return '<span style="color:#070">refused (bad signature)</span>'
        fields = ", ".join(f"{html.escape(k)}={html.escape(v[:20])}" for k, v in result.items())
        colour = "#c00" if result.get("role") == "admin" else "#555"
        return f'<span style="color:{colour}">accepted: {fields}</span>'

    return (f"<p><b>Alice's token</b> (the attacker has it): <code>{html.escape(report.original_token)}</code></p>"
            f"<p><b>Forged message</b> (key length guessed: {report.key_length_guess}): "
            f"<code>{html.escape(_shown(report.forged_message))}</code></p>"
            f'<p><b>sha256(key + message) service</b>: <span class="seclab-naive">{verdict(report.naive_result)}'
            f"</span><br><b>HMAC service</b>, same forgery: "
            f'<span class="seclab-hmac">{verdict(report.hmac_result)}</span></p>')


def extension_playground(suffix: str = "&role=admin", key_length_guess: int = 8) -> Any:
    """Type what to append and guess the secret key's length; both services answer."""
    import ipywidgets as widgets

    key = secrets.token_bytes(secrets.choice(range(12, 33)))  # the attacker sees neither the key nor its length
    append = widgets.Text(value=suffix, description="append", continuous_update=False, layout={"width": "30em"})
    guess = widgets.IntSlider(value=key_length_guess, min=1, max=64, description="key length", continuous_update=False)
    output = widgets.HTML(render_extension_report(extension_report(suffix, key_length_guess, key)))

    def update(_change: Any) -> None:
        output.value = render_extension_report(extension_report(append.value, guess.value, key))

    append.observe(update, names="value")
    guess.observe(update, names="value")
    return widgets.VBox([append, guess, output])


# --- the exploit challenge ----------------------------------------------------------------------

def look_inside(payload: str, limit: int = 60) -> str:
    """The pickle's opcodes, disassembled without running anything (pickletools), or what is wrong."""
    try:
        data = targets.b64url_decode(payload)
    except ValueError as error:
        return str(error)
    listing = io.StringIO()
    try:
        pickletools.dis(data, out=listing)
    except Exception as error:  # a malformed pickle: say so, as the disassembler saw it
        listing.write(f"\n(not a complete pickle: {error})")
    lines = listing.getvalue().strip().splitlines()
    return "\n".join(lines[:limit] + ([f"… {len(lines) - limit} more lines"] if len(lines) > limit else []))


def replay_report(payload: str) -> str:
    """Replay ``payload`` as the grader does (inside its sandbox) and say what happened, as HTML."""
    from seclab.topics.integrity.spec import MARKER, exploit_works

    works = exploit_works(payload)
    lines = []
    for twin, label in (("vulnerable", "vulnerable loader (pickle)"), ("fixed", "fixed loader (signed JSON)")):
        made = works[twin]
        colour = "#c00" if made else "#070"
        lines.append(f'<span style="color:{colour}">{label}: '
                     f"{'created' if made else 'did not create'} <code>{MARKER}</code></span>")
    wins = works["vulnerable"] and not works["fixed"]
    lines.append("<b>This payload wins the challenge.</b>" if wins else "<i>Not yet a winning payload.</i>")
    return "<p>" + "<br>".join(lines) + "</p>"


def exploit_playground(record_key: str | None = "exploit") -> Any:
    """Paste a base64 pickle: look inside it, replay it as the grader does, record it."""
    import ipywidgets as widgets

    box = widgets.Textarea(placeholder="base64 of your pickle", layout={"width": "60em", "height": "5em"})
    inspect = widgets.Button(description="Look inside (runs nothing)")
    replay = widgets.Button(description="Replay as the grader does", button_style="primary")
    result = widgets.HTML()
    buttons: list[Any] = [inspect, replay]

    def on_inspect(_button: Any) -> None:
        result.value = f"<pre>{html.escape(look_inside(box.value.strip()))}</pre>"

    def on_replay(_button: Any) -> None:
        result.value = "<p><i>replaying in the sandbox…</i></p>"
        result.value = replay_report(box.value.strip())

    inspect.on_click(on_inspect)
    replay.on_click(on_replay)
    if record_key:
        save = widgets.Button(description="Record this payload")

        def on_save(_button: Any) -> None:
            record(record_key, box.value.strip())
            result.value += "<p><i>Recorded for grading.</i></p>"

        save.on_click(on_save)
        buttons.append(save)
    return widgets.VBox([box, widgets.HBox(buttons), result])
