"""Playgrounds of the Python pitfalls lesson and exercise: archives against two extractors.

``parse_members``, ``compare_extractors`` and ``render_runs`` are plain functions (tested
without a browser); the widgets only wire text boxes and buttons to them. The trusting
extractor only ever runs inside ``targets.fenced_extraction``: whatever a learner types,
nothing is written outside the playground's own temporary folder.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import os
import tarfile
import tempfile
from dataclasses import dataclass
from typing import Any

from seclab.answers import record
from seclab.topics.pitfalls import attacks, targets

EXAMPLE = "report.txt\n../escaped.txt"


def parse_members(text: str) -> list[dict[str, Any]]:
    """One member per line: ``name`` (a file), ``name/`` (a folder), ``name -> target`` (a symlink),
    ``name => target`` (a hard link)."""
    members: list[dict[str, Any]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        for arrow, kind in ((" -> ", "symlink"), (" => ", "hardlink")):
            if arrow in line:
                name, _, link = line.partition(arrow)
                members.append({"name": name.strip(), "type": kind, "link": link.strip()})
                break
        else:
            name = line.strip()
            if name.endswith("/") and name.strip("/"):
                members.append({"name": name.rstrip("/"), "type": "dir"})
            else:
                members.append({"name": name, "data": f"written from the member {name!r}\n"})
    return members


@dataclass(frozen=True)
class ExtractRun:
    """What one extractor did with the archive: how it ended, what landed inside and outside ``uploads/``."""

    extractor: str
    ended: str
    inside: tuple[str, ...]
    outside: tuple[str, ...]


def _run(extractor: str, archive: bytes, workdir: str) -> ExtractRun:
    folder = tempfile.mkdtemp(prefix=f"{extractor}-", dir=workdir)
    dest = os.path.join(folder, targets.UPLOADS)
    os.mkdir(dest)
    path = os.path.join(folder, targets.ARCHIVE)
    with open(path, "wb") as stream:
        stream.write(archive)
    extract = targets.vulnerable_extract if extractor == "vulnerable_extract" else targets.fixed_extract
    try:
        with targets.fenced_extraction(folder):
            extract(path, dest)
        ended = "extracted"
    except targets.LeftTheReplayFolder as stopped:
        ended = f"stopped by the playground's fence before writing {stopped} outside its folder"
    except Exception as error:  # show any refusal or failure as it is
        ended = f"{type(error).__name__}: {error}"
    inside = sorted(os.path.relpath(os.path.join(top, name), dest)
                    for top, _dirs, files in os.walk(dest) for name in files)
    return ExtractRun(extractor, ended, tuple(inside), tuple(targets._files_outside(folder, dest)))


def compare_extractors(archive: bytes, workdir: str) -> list[ExtractRun]:
    """Extract ``archive`` with the trusting and the fixed extractor, each in a fresh folder under ``workdir``."""
    return [_run(name, archive, workdir) for name in ("vulnerable_extract", "fixed_extract")]


def render_runs(runs: list[ExtractRun]) -> str:
    """The runs as an HTML table."""
    rows = []
    for run in runs:
        colour, verdict = ("#b00", "ESCAPED") if run.outside else ("#070", "contained")
        inside = "<br>".join(html.escape(name) for name in run.inside) or "<i>nothing</i>"
        outside = "<br>".join(html.escape(name) for name in run.outside) or "<i>nothing</i>"
        rows.append(f"<tr><td><code>{run.extractor}</code></td><td style='color:{colour}'><b>{verdict}</b></td>"
                    f"<td>{html.escape(run.ended)}</td><td><small>{inside}</small></td>"
                    f"<td><small>{outside}</small></td></tr>")
    return ("<table class='seclab-pitfalls'><thead><tr><th>extractor</th><th>verdict</th><th>how it ended</th>"
            f"<th>in uploads/</th><th>outside uploads/</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def archive_playground(workdir: str | os.PathLike[str], members: str = EXAMPLE) -> Any:
    """The lesson's playground: type member names, see where each extractor puts them."""
    import ipywidgets as widgets

    box = widgets.Textarea(value=members, layout={"width": "40em", "height": "7em"},
                           description="members", style={"description_width": "6em"})
    go = widgets.Button(description="Extract with both", button_style="primary")
    output = widgets.HTML()

    def show(_change: Any = None) -> None:
        archive = attacks.archive_bytes(parse_members(box.value))
        output.value = render_runs(compare_extractors(archive, str(workdir)))

    go.on_click(show)
    show()
    help_text = widgets.HTML("<small>One member per line: <code>name</code> a file, <code>name/</code> a folder, "
                             "<code>name -&gt; target</code> a symlink, <code>name =&gt; target</code> a hard link."
                             "</small>")
    return widgets.VBox([help_text, widgets.HBox([box, go]), output])


def list_members(payload: str) -> str:
    """The members of a recorded archive, read (never extracted) in this process."""
    def kind(member: tarfile.TarInfo) -> str:
        if member.issym():
            return f"symlink -> {member.linkname}"
        if member.islnk():
            return f"hard link -> {member.linkname}"
        return "folder" if member.isdir() else f"file of {member.size} bytes" if member.isfile() else "special file"

    try:
        raw = targets.decode_archive(payload)
        with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
            lines = [f"{member.name!r}: {kind(member)}" for member in tar.getmembers()[:50]]
    except (ValueError, binascii.Error, tarfile.TarError, OSError, EOFError) as error:
        return f"not a readable archive: {error}"
    return "\n".join(lines) or "an empty archive"


def replay_report(payload: str) -> str:
    """What the grader's sandboxed replay makes of ``payload``, in words."""
    from seclab.grading.replay import replay_in_sandbox
    from seclab.topics.pitfalls.spec import EXERCISE

    lines = []
    for twin in ("vulnerable", "fixed"):
        replay = replay_in_sandbox(EXERCISE, "seclab.topics.pitfalls.targets", "replay_extract", [twin, payload])
        value = replay.outcome.get("value")
        if not isinstance(value, dict):
            lines.append(f"{twin}: the replay failed ({replay.outcome.get('message') or replay.outcome})")
            continue
        how = (f"stopped at {value['fenced']!r}: it aims outside the replay folder" if value["fenced"]
               else f"raised {value['raised']}" if value["raised"] else "extracted")
        lines.append(f"{twin}: {how}; files outside uploads/: {value['outside'] or 'none'}")
    return "\n".join(lines)


def exploit_playground(record_key: str | None = "exploit") -> Any:
    """Paste a base64 tar archive: list its members, replay it as the grader does, record it."""
    import ipywidgets as widgets

    box = widgets.Textarea(placeholder="base64 of your tar archive", layout={"width": "60em", "height": "5em"})
    output = widgets.Output()
    buttons = []

    def button(label: str, action: Any) -> None:
        widget = widgets.Button(description=label, layout={"width": "max-content"})

        def on_click(_button: Any) -> None:
            output.clear_output()
            with output:
                print(action(box.value.strip()))

        widget.on_click(on_click)
        buttons.append(widget)

    button("List members", list_members)
    button("Replay as the grader does", replay_report)
    if record_key:
        def save(payload: str) -> str:
            record(record_key, payload)
            return f"Recorded {len(payload)} characters under {record_key!r} for grading."

        button("Record this archive", save)
    return widgets.VBox([box, widgets.HBox(buttons), output])


def encode(archive: bytes) -> str:
    """``archive`` as the base64 text the exploit challenge records."""
    return base64.b64encode(archive).decode("ascii")
