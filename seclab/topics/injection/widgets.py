"""Playgrounds of the injection lesson and exercise."""

from __future__ import annotations

import html
import sqlite3
from dataclasses import dataclass
from typing import Any

from seclab.answers import record
from seclab.topics.injection import targets as injection

_USER_QUERY_PREFIX = injection.vulnerable_user_query("")


@dataclass(frozen=True)
class LookupReport:
    """What the same input does to the string-built and the parameterised lookup."""

    user_input: str
    query: str
    injected: bool
    vulnerable_rows: list[dict[str, Any]]
    vulnerable_error: str | None
    fixed_rows: list[dict[str, Any]]
    fixed_error: str | None


def lookup_report(user_input: str) -> LookupReport:
    """Run ``user_input`` through both user lookups on a fresh demo database."""
    conn = injection.make_user_db()
    try:
        vulnerable_rows: list[dict[str, Any]] = []
        vulnerable_error = fixed_error = None
        try:
            vulnerable_rows = injection.vulnerable_get_user(conn, user_input)
        except sqlite3.Error as error:
            vulnerable_error = f"database error: {error}"
        fixed_rows: list[dict[str, Any]] = []
        try:
            fixed_rows = injection.fixed_get_user(conn, user_input)
        except ValueError as error:
            fixed_error = f"rejected: {error}"
    finally:
        conn.close()
    return LookupReport(
        user_input=user_input,
        query=injection.vulnerable_user_query(user_input),
        injected=not (user_input.isascii() and user_input.isdigit()),
        vulnerable_rows=vulnerable_rows, vulnerable_error=vulnerable_error,
        fixed_rows=fixed_rows, fixed_error=fixed_error,
    )


def _table(rows: list[dict[str, Any]], error: str | None) -> str:
    if error:
        return f"<p><i>{html.escape(error)}</i></p>"
    if not rows:
        return "<p><i>no rows</i></p>"
    head = "".join(f"<th>{html.escape(str(key))}</th>" for key in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row.values()) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render_lookup_report(report: LookupReport) -> str:
    """The report as HTML: the query with the user's part marked, then both results."""
    colour = "#c00" if report.injected else "#070"
    marked = (f"<code>{html.escape(_USER_QUERY_PREFIX)}"
              f'<span class="seclab-injected" style="background:{colour};color:white">'
              f"{html.escape(report.user_input)}</span></code>")
    verdict = ("your input changed the structure of the query" if report.injected
               else "your input stayed a plain value")
    return (f"<p><b>String-built query</b> ({verdict}):<br>{marked}</p>"
            f'<div style="display:flex;gap:2em">'
            f'<div class="seclab-vulnerable"><b>Vulnerable lookup returns</b>'
            f"{_table(report.vulnerable_rows, report.vulnerable_error)}</div>"
            f'<div class="seclab-fixed"><b>Fixed lookup returns</b>'
            f"{_table(report.fixed_rows, report.fixed_error)}</div></div>")


def sql_playground(initial: str = "1") -> Any:
    """Type an id and watch what both lookups do with it."""
    import ipywidgets as widgets

    box = widgets.Text(value=initial, description="id =", continuous_update=False,
                       layout={"width": "40em"})
    output = widgets.HTML(render_lookup_report(lookup_report(initial)))

    def update(change: dict[str, Any]) -> None:
        output.value = render_lookup_report(lookup_report(change["new"]))

    box.observe(update, names="value")
    return widgets.VBox([box, output])


@dataclass(frozen=True)
class LoginAttempt:
    query: str
    vulnerable_user: dict[str, Any] | None
    vulnerable_error: str | None
    fixed_user: dict[str, Any] | None


def try_login(username: str, password: str) -> LoginAttempt:
    """Try a username and password on both login twins (fresh database)."""
    conn = injection.make_user_db()
    try:
        try:
            vulnerable_user, vulnerable_error = injection.vulnerable_login(conn, username, password), None
        except sqlite3.Error as error:
            vulnerable_user, vulnerable_error = None, f"database error: {error}"
        fixed_user = injection.fixed_login(conn, username, password)
    finally:
        conn.close()
    return LoginAttempt(injection.vulnerable_login_query(username, password),
                        vulnerable_user, vulnerable_error, fixed_user)


def _who(user: dict[str, Any] | None, error: str | None = None) -> str:
    if error:
        return html.escape(error)
    return "login refused" if user is None else f"logged in as <b>{html.escape(user['name'])}</b> ({html.escape(user['role'])})"


def login_playground(record_key: str | None = None) -> Any:
    """A login form against both twins; with ``record_key`` a button records the username."""
    import ipywidgets as widgets

    username = widgets.Text(description="username", layout={"width": "30em"})
    password = widgets.Text(description="password", value="not-the-password", layout={"width": "30em"})
    attempt = widgets.Button(description="Log in", button_style="primary")
    result = widgets.HTML()
    children: list[Any] = [username, password, attempt]

    def on_attempt(_button: Any) -> None:
        outcome = try_login(username.value, password.value)
        result.value = (f"<p><code>{html.escape(outcome.query)}</code></p>"
                        f"<p>Vulnerable app: {_who(outcome.vulnerable_user, outcome.vulnerable_error)}<br>"
                        f"Fixed app: {_who(outcome.fixed_user)}</p>")

    attempt.on_click(on_attempt)
    if record_key:
        save = widgets.Button(description="Record this username")

        def on_save(_button: Any) -> None:
            record(record_key, username.value)
            result.value += f"<p><i>Recorded {html.escape(repr(username.value))} for grading.</i></p>"

        save.on_click(on_save)
        children.append(save)
    return widgets.VBox(children + [result])
