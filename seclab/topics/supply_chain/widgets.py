"""Playgrounds of the supply-chain lesson and exercise, as thin views over plain functions.

* ``audit_report(text)`` audits a requirements file against the course's advisory
  snapshot and looks for lookalike names; ``audit_playground()`` is its view.
* ``upload_report(name, version)`` publishes a package on the simulated public index
  and runs ACME's vulnerable and fixed builds; ``exploit_playground()`` is its view,
  with a button that records the upload for grading.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from seclab.answers import record
from seclab.topics.supply_chain import targets
from seclab.topics.supply_chain.advisories import (
    UNPINNED,
    advisory_by_id,
    load_advisories,
    parse_pins,
    vulnerable_pins,
)
from seclab.topics.supply_chain.attacks import LEGACY_REQUIREMENTS
from seclab.topics.supply_chain.names import POPULAR, typosquat_of


@dataclass(frozen=True)
class AuditReport:
    """What the lesson's matcher and lookalike check say about one requirements file."""

    findings: list[dict[str, Any]] = field(default_factory=list)
    unpinned: list[str] = field(default_factory=list)
    lookalikes: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def audit_report(requirements: str) -> AuditReport:
    """Audit ``requirements`` against the snapshot; lookalikes are checked against ``POPULAR``."""
    try:
        findings = vulnerable_pins(requirements, _ADVISORIES)
    except ValueError as error:
        return AuditReport(error=str(error))
    names = dict.fromkeys(pin.name for pin in parse_pins(requirements))
    lookalikes = {name: imitated for name in names if (imitated := typosquat_of(name, POPULAR)) is not None}
    return AuditReport([finding for finding in findings if finding["id"] != UNPINNED],
                       [finding["name"] for finding in findings if finding["id"] == UNPINNED], lookalikes)


_ADVISORIES = load_advisories()
_SUMMARIES = {osv_id: str(record_.get("summary", "")) for osv_id, record_ in advisory_by_id(_ADVISORIES).items()}


def findings_table_html(findings: list[dict[str, Any]]) -> str:
    """Findings of ``vulnerable_pins`` as an HTML table, with each advisory's summary."""
    rows = "".join(
        f"<tr><td>{html.escape(str(finding['name']))}</td><td>{html.escape(str(finding['version']))}</td>"
        f"<td>{html.escape(str(finding['id']))}</td><td>{html.escape(str(finding['fixed'] or '—'))}</td>"
        f"<td style='text-align:left'>{html.escape(_SUMMARIES.get(str(finding['id']), ''))}</td></tr>"
        for finding in findings)
    return ("<table class='seclab-findings'><tr><th>package</th><th>pinned</th><th>advisory</th><th>fixed in</th>"
            f"<th style='text-align:left'>what</th></tr>{rows}</table>")


def render_audit_report(report: AuditReport) -> str:
    """The report as HTML: lookalike warnings, then one table row per finding."""
    if report.error:
        return f"<p style='color:#c00'>Cannot read this file: {html.escape(report.error)}</p>"
    parts = []
    for name, imitated in report.lookalikes.items():
        parts.append(f"<p style='color:#c00'><b>{html.escape(name)}</b> looks like <b>{html.escape(imitated)}</b>: "
                     "a typosquat? Check the name before you install it.</p>")
    if report.unpinned:
        parts.append("<p>Not pinned to one version, so not checked: "
                     + ", ".join(f"<code>{html.escape(name)}</code>" for name in report.unpinned) + "</p>")
    if not report.findings:
        parts.append("<p style='color:#070'>No advisory of the snapshot affects the pinned versions.</p>")
    else:
        parts.append(f"<p><b>{len(report.findings)} known vulnerabilities</b></p>{findings_table_html(report.findings)}")
    return "".join(parts)


def audit_playground(initial: str = LEGACY_REQUIREMENTS) -> Any:
    """Edit a requirements file and see, at every change, what an offline audit finds."""
    import ipywidgets as widgets

    text = widgets.Textarea(value=initial, layout={"width": "46em", "height": "11em"}, continuous_update=False)
    output = widgets.HTML(render_audit_report(audit_report(initial)))

    def update(change: dict[str, Any]) -> None:
        output.value = render_audit_report(audit_report(change["new"]))

    text.observe(update, names="value")
    return widgets.VBox([widgets.HTML("<b>requirements.txt</b> (try <code>urllib3==1.26.17</code>, "
                                      "<code>python3-dateutil==2.8.1</code>, <code>Django>=2.2</code>)"),
                         text, output])


@dataclass(frozen=True)
class UploadReport:
    """ACME's two builds after an upload of ``name`` ``version`` to the public index."""

    name: str
    version: str
    vulnerable: dict[str, tuple[str, str]]
    fixed: dict[str, tuple[str, str]]

    @property
    def hijacked(self) -> list[str]:
        """Internal packages the vulnerable build now takes from the public index, at the uploaded version."""
        return [package for package, (source, version) in self.vulnerable.items()
                if package in targets.INTERNAL_NAMES and source == "public" and version == self.version]


def upload_report(name: str, version: str) -> UploadReport:
    """Publish ``name`` ``version`` on the simulated public index, then run both builds."""
    public = targets.publish(targets.PUBLIC_INDEX, name, version)
    return UploadReport(name, version, targets.build_plan(targets.vulnerable_resolve, public),
                        targets.build_plan(targets.fixed_resolver(), public))


def render_upload_report(report: UploadReport) -> str:
    """Both build plans side by side; hijacked packages in red."""
    rows = []
    for package in report.vulnerable:
        bad = package in report.hijacked
        style = " style='background:#fdd'" if bad else ""
        vulnerable_source, vulnerable_version = report.vulnerable[package]
        fixed_source, fixed_version = report.fixed[package]
        rows.append(f"<tr{style}><td><code>{html.escape(package)}</code></td>"
                    f"<td>{html.escape(vulnerable_version)} from {html.escape(vulnerable_source)}</td>"
                    f"<td>{html.escape(fixed_version)} from {html.escape(fixed_source)}</td></tr>")
    verdict = (f"<p style='color:#c00'><b>The vulnerable build installs your package in place of ACME's "
               f"{html.escape(', '.join(report.hijacked))}.</b> The fixed build does not.</p>" if report.hijacked
               else "<p>Neither build installs your upload in place of an ACME package.</p>")
    return (f"<p>Published <code>{html.escape(report.name)} {html.escape(report.version)}</code> "
            "on the public index.</p>"
            "<table><tr><th>package</th><th>vulnerable build (--extra-index-url)</th>"
            f"<th>fixed build (owned names stay internal)</th></tr>{''.join(rows)}</table>{verdict}")


def exploit_playground(record_key: str = "exploit") -> Any:
    """Publish a package name and version on the public index; record the upload for grading."""
    import ipywidgets as widgets

    name = widgets.Text(value="requests", description="name", layout={"width": "24em"})
    version = widgets.Text(value="2.33.0", description="version", layout={"width": "24em"})
    publish = widgets.Button(description="Publish and build", button_style="primary")
    save = widgets.Button(description="Record this upload")
    result = widgets.HTML()

    def on_publish(_button: Any) -> None:
        result.value = render_upload_report(upload_report(name.value, version.value))

    def on_save(_button: Any) -> None:
        upload = {"name": name.value, "version": version.value}
        record(record_key, upload)
        result.value += f"<p><i>Recorded {html.escape(repr(upload))} for grading.</i></p>"

    publish.on_click(on_publish)
    save.on_click(on_save)
    internal = ", ".join(sorted(targets.INTERNAL_NAMES))
    intro = widgets.HTML(f"<p>ACME's build installs {html.escape(', '.join(targets.BUILD_REQUIREMENTS))}. "
                         f"ACME owns {html.escape(internal)} (internal index).</p>")
    return widgets.VBox([intro, name, version, widgets.HBox([publish, save]), result])
