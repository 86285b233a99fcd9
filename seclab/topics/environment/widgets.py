"""Playground of the clean-environment lesson: a requirements file, linted as you type.

``lint_table_html`` is a plain function (tested without a browser): it runs the naive and
the fixed linter on the same text and shows, per line, what each one reports. The widget
only wires a text area to it.
"""

from __future__ import annotations

import html
from typing import Any

from seclab.topics.environment.targets import fixed_requirements_problems, naive_requirements_problems

EXAMPLE = """\
# edit me: every line is linted as you type
django==5.2.1 \\
    --hash=sha256:57fe1f1b59462caed092c80b3dd324fd92161b620d59a9ba9181c34746c97284
flask
requests==2.*
acme-billing @ https://files.acme.example/acme_billing-1.2.0-py3-none-any.whl
-e git+https://github.com/acme/tool.git#egg=tool
--extra-index-url http://pypi.acme.example/simple
"""


def _codes_by_line(findings: list[dict[str, Any]]) -> dict[int, list[str]]:
    by_line: dict[int, list[str]] = {}
    for finding in findings:
        by_line.setdefault(int(finding["line"]), []).append(str(finding["code"]))
    return by_line


def lint_table_html(text: str) -> str:
    """An HTML table: each line of ``text``, what the naive linter and the fixed one report for it."""
    fixed = _codes_by_line(fixed_requirements_problems(text))
    naive = _codes_by_line(naive_requirements_problems(text))
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        ours, theirs = fixed.get(number, []), naive.get(number, [])
        missed = sorted(set(ours) - set(theirs))
        colour = "#b00" if missed else "inherit"
        rows.append(f"<tr><td>{number}</td><td><code>{html.escape(line)}</code></td>"
                    f"<td>{html.escape(', '.join(theirs))}</td>"
                    f'<td style="color:{colour}"><b>{html.escape(", ".join(ours))}</b></td></tr>')
    summary = (f"<p>The fixed linter reports {sum(map(len, fixed.values()))} problems, the naive one "
               f"{sum(map(len, naive.values()))}.</p>")
    return ('<table class="seclab-environment"><thead><tr><th>line</th><th>requirements file</th>'
            "<th>naive linter</th><th>fixed linter (red: the naive one misses it)</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{summary}")


def playground(text: str = EXAMPLE) -> Any:
    """A text area with a requirements file; the table below relints it on every change."""
    import ipywidgets as widgets

    area = widgets.Textarea(value=text, layout={"width": "60em", "height": "14em"}, continuous_update=False)
    output = widgets.HTML(lint_table_html(text))

    def show(_change: Any = None) -> None:
        output.value = lint_table_html(area.value)

    area.observe(show, names="value")
    return widgets.VBox([area, output])
