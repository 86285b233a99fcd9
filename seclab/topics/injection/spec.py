"""Spec of exercise 03_injection: get_user, search_users, ping_command, render_greeting."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Expectation, Part, describe_outcome, raises, returns, satisfies
from seclab.topics.injection import attacks

PARTS = {
    part.name: part
    for part in [
        Part("get_user.works", "get_user", "get_user returns the right user"),
        Part("get_user.injection", "get_user",
             "get_user resists SQL injection and validates the id (both needed for these 2 points)"),
        Part("search_users.works", "search_users", "search_users finds users by name prefix"),
        Part("search_users.injection", "search_users", "search_users treats the prefix as data (no injection, no wildcards)"),
        Part("ping_command.works", "ping_command", "ping_command builds the argv for a plain host"),
        Part("ping_command.injection", "ping_command", "ping_command rejects hosts that inject commands or options"),
        Part("render_greeting.works", "render_greeting", "render_greeting greets by name"),
        Part("render_greeting.injection", "render_greeting", "render_greeting shows template syntax and HTML literally"),
    ]
}

HINTS = {
    "lookup": "Return the row as a dict with exactly the keys id, name and email, or None when there is no such user.",
    "sql-injection": "The payload ran as SQL. Never build SQL text from input: write `?` placeholders and pass the "
                     "values as the second argument of execute().",
    "validation": "Validate before you query: accept an int, or a str made only of the digits 0-9, and raise ValueError "
                  "for anything else.",
    "not-validated": "Your placeholder kept the SQL payloads out of the query: the injection failed. What is missing "
                     "is the validation these 2 points also ask for: raise ValueError for any id that is not an int "
                     "or a str of the digits 0-9, before you query.",
    "search": "Match names that start with the prefix, ignoring case, ordered by id; return dicts with id, name and email.",
    "wildcards": "In LIKE, % and _ are wildcards: escape them (LIKE ? ESCAPE '\\') or compare in Python with str.startswith.",
    "argv": "Return a list such as ['ping', '-c', '1', host]: the program, the count, and the host as the last element.",
    "command-injection": "Allow only what a host name or IP address can contain (letters, digits, '.', '-', ':'), never a leading '-', and raise ValueError otherwise.",
    "greeting": "Return exactly 'Hello, <name>!' for an ordinary name.",
    "template-injection": "Use a fixed template, e.g. Environment(autoescape=True).from_string('Hello, {{ name }}!'), and pass the name as a variable.",
}

#: Failure categories, most severe first: check() shows an attack that worked before a missing check.
SEVERITY = ("sql-injection", "command-injection", "template-injection", "wildcards", "not-validated", "validation",
            "lookup", "search", "argv", "greeting")

USER_COLUMNS = ("id", "name", "email")


def _kept_out_of_sql(outcome: dict[str, Any]) -> bool:
    """A get_user payload that found nobody: bound as a parameter, it never ran as SQL."""
    return "value" in outcome and outcome["value"] is None


def failure_category(case: Case, outcome: dict[str, Any]) -> str:
    """The category of a failed case by what the code did (check() picks its hint by it).

    A SQL payload that ``get_user`` answered with None was bound as a parameter: the
    injection failed, only the validation is missing, so the hint is about validating.
    """
    if case.category == "sql-injection" and case.function == "get_user" and _kept_out_of_sql(outcome):
        return "not-validated"
    return case.category


def _explain_sql_id(outcome: dict[str, Any]) -> str:
    """What get_user did with a SQL payload, in words."""
    if _kept_out_of_sql(outcome):
        return "returned None: the placeholder kept the payload out of the SQL, but it is not an id"
    if "value" in outcome:
        return f"ran the payload as SQL and returned {outcome['value']!r}"[:200]
    raised = outcome.get("raised", [""])[0]
    if raised in ("OperationalError", "ProgrammingError", "DatabaseError", "Warning"):
        return f"sent the payload to the SQL parser, which raised {raised}: {outcome.get('message', '')}"[:200]
    return describe_outcome(outcome)


def _users_db() -> list[Any]:
    from seclab.topics.injection.targets import make_user_db

    return [make_user_db()]


FIXTURES: dict[str, Callable[[], list[Any]]] = {"users_db": _users_db}


def _render_with_planted_value(namespace: dict[str, Any], name: str) -> Any:
    """render_greeting(name) while a harmless fake secret sits in the environment.

    A template-injection payload reads that planted value, never the real environment.
    """
    with attacks.planted_value():
        return namespace["render_greeting"](name)


SCENARIOS: dict[str, Callable[..., Any]] = {"planted_value": _render_with_planted_value}


def _all_users() -> list[dict[str, Any]]:
    from seclab.topics.injection.targets import make_user_db

    conn = make_user_db()
    try:
        rows = conn.execute("SELECT id, name, email FROM users ORDER BY id").fetchall()
    finally:
        conn.close()
    return [dict(zip(USER_COLUMNS, row, strict=True)) for row in rows]


def _expected_user(user_id: int) -> dict[str, Any] | None:
    return next((user for user in _all_users() if user["id"] == user_id), None)


def _expected_search(prefix: str) -> list[dict[str, Any]]:
    return [user for user in _all_users() if user["name"].lower().startswith(prefix.lower())]


def _is_ping_argv(host: str) -> Callable[[Any], bool]:
    def judge(argv: Any) -> bool:
        if not isinstance(argv, list) or not all(isinstance(part, str) for part in argv):
            return False
        program, options = argv[0], argv[1:-1]
        once = ("-c" in options and options[options.index("-c") + 1 :][:1] == ["1"]) or "-c1" in options
        return program.rsplit("/", 1)[-1] == "ping" and once and argv[-1] == host and argv.count(host) == 1

    return judge


def _is_escaped_greeting(name: str) -> Callable[[Any], bool]:
    def judge(text: Any) -> bool:
        if not isinstance(text, str) or not (text.startswith("Hello, ") and text.endswith("!")):
            return False
        shown = text[len("Hello, ") : -1]
        raw_markup = any(char in shown for char in "<>\"'")
        return not raw_markup and html.unescape(shown) == name

    return judge


def cases(corpus: dict[str, list[str]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    found: list[Case] = []

    def add(part: str, category: str, function: str, arg: Any, expect: Any, fixture: str | None = None,
            scenario: str | None = None) -> None:
        shown = f"{function}({arg!r})" if scenario else None
        found.append(Case(part, category, function, (arg,), expect, fixture, public, scenario, shown=shown))

    if public:
        for user_id in (1, "2", 4, 999, "999"):
            add("get_user.works", "lookup", "get_user", user_id, returns(_expected_user(int(user_id))), "users_db")
        for bad in (1.5, None, "abc", "", " 1", "-1"):
            add("get_user.injection", "validation", "get_user", bad, raises("ValueError"), "users_db")
        for prefix in ("al", "AL", "bob", "zzz", "Carol"):
            add("search_users.works", "search", "search_users", prefix, returns(_expected_search(prefix)), "users_db")
        for name in ("Ada", "Zoë", "Grace Hopper"):
            add("render_greeting.works", "greeting", "render_greeting", name, returns(f"Hello, {name}!"))
    refuses_payload = Expectation(raises("ValueError").judge, "raise ValueError", _explain_sql_id)
    for payload in corpus.get("sql_id", []):
        add("get_user.injection", "sql-injection", "get_user", payload, refuses_payload, "users_db")
    for prefix in corpus.get("sql_prefix", []):
        category = "sql-injection" if "'" in prefix else "wildcards"
        add("search_users.injection", category, "search_users", prefix, returns(_expected_search(prefix)), "users_db")
    for host in corpus.get("good_hosts", []):
        add("ping_command.works", "argv", "ping_command", host, satisfies(_is_ping_argv(host), "an argv list for ping"))
    for host in corpus.get("bad_hosts", []):
        add("ping_command.injection", "command-injection", "ping_command", host, raises("ValueError"))
    for name in corpus.get("templates", []):
        add("render_greeting.injection", "template-injection", "render_greeting", name,
            satisfies(_is_escaped_greeting(name), "the name shown literally, HTML-escaped"),
            scenario="planted_value")
    return found


def public_corpus() -> dict[str, list[str]]:
    return {
        "sql_id": list(attacks.SQL_ID_PAYLOADS),
        "sql_prefix": ["al_", "al%"] + list(attacks.SQL_PREFIX_PAYLOADS),
        "good_hosts": list(attacks.GOOD_HOSTS),
        "bad_hosts": list(attacks.BAD_HOSTS),
        "templates": list(attacks.TEMPLATE_PAYLOADS),
    }


# --- the quiz and the exploit challenge ------------------------------------------------

def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded username against both login twins (fresh databases)."""
    from seclab.topics.injection.targets import fixed_login, make_user_db, vulnerable_login

    if not isinstance(payload, str) or not payload:
        return {"vulnerable": False, "fixed": False}
    results = {}
    for name, login in (("vulnerable", vulnerable_login), ("fixed", fixed_login)):
        results[name] = attacks.login_as_admin(login, make_user_db(), payload).succeeded
    return results
