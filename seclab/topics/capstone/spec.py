"""Spec of exercise 20_capstone: audit the notes app and fix its planted flaws in place.

Every case is a SCENARIO that runs where the learner's program runs:

* ``works`` — ``{"component": name, ...}``: the component's functional checks, calling
  its functions directly (the ``app`` component: its routes, driven with Flask's test
  client, with the reference implementation of every other component swapped in, so
  that a broken component costs its own point only). Returns the list of problems.
* ``attack`` — ``{"flaw": key, "payloads": [...]}``: ``attacks.probe`` builds one app
  from the learner's components and fires the payloads; returns the verdict counts.
  The part holds when every payload is *stopped*; an *inconclusive* probe (the steps the
  attack needs no longer work) does not count as stopped.

A flaw's part is named by its place in a fixed shuffle (``planted_flaw_07``), so neither
the part, its title, its category nor its hint says which weakness or component it is;
``grading_note`` adds "N of M flaws fixed" to every flaw cell's feedback.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

# Loaded before the learner's cells run (and are timed) in the grading sandbox.
import argon2  # noqa: F401
import flask  # noqa: F401
import itsdangerous  # noqa: F401
import jinja2  # noqa: F401
import jwt  # noqa: F401
import werkzeug.debug  # noqa: F401

from seclab.spec import Case, Part, satisfies
from seclab.topics.capstone import attacks, targets

#: the flaws in the order of their graded cells: a fixed shuffle, so the order says nothing
FLAW_ORDER = sorted(targets.FLAWS, key=lambda key: hashlib.sha256(f"capstone:{key}".encode()).hexdigest())
FLAW_PART = {key: f"planted_flaw_{number:02d}" for number, key in enumerate(FLAW_ORDER, start=1)}

PARTS = {
    part.name: part
    for part in [
        *[Part(f"{component.name}.works", component.functions[0], f"the {component.title} component works")
          for component in targets.COMPONENTS],
        *[Part(name, "create_app", f"planted flaw {int(name[-2:])}") for name in FLAW_PART.values()],
    ]
}

HINTS = {
    **{f"works-{component.name}": f"The {component.title} component no longer does its job: re-read its contract "
                                  f"in the exercise and run check(\"20_capstone\")." for component in targets.COMPONENTS},
    "attack": "An attack on this planted flaw still succeeds against your app, or the app no longer lets the attacker "
              "get as far as the feature it attacks (then the probe cannot tell). Work through the audit checklist "
              "of lesson 20 (notebooks/20_Capstone.ipynb): every item names the lesson that shows the fix.",
}


# --- the functional checks, one per component ------------------------------------------------

_KEY = "k" * 8 + "-functional-check-key-0123456789"


def _check(problems: list[str], condition: bool, problem: str) -> None:
    if not condition:
        problems.append(problem)


def _works_config(ns: Mapping[str, Any], entry: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    key = entry.get("key", _KEY)
    config = ns["make_config"]({"NOTES_SECRET_KEY": key})
    _check(problems, isinstance(config, dict) and config.get("SECRET_KEY") == key,
           "make_config({'NOTES_SECRET_KEY': key}) must return a dict whose SECRET_KEY is that key")
    fresh = ns["make_config"]({})
    _check(problems, isinstance(fresh, dict) and isinstance(fresh.get("SECRET_KEY"), str) and "DEBUG" in fresh,
           "make_config({}) must return a dict with a str SECRET_KEY and a DEBUG entry")
    return problems


def _works_notes(ns: Mapping[str, Any], entry: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    word = entry.get("word", "tea")
    db = ns["open_db"]()
    first = ns["add_note"](db, "alice", f"{word} time", "with biscuits")
    ns["add_note"](db, "bob", f"bob's {word}", "green")
    second = ns["add_note"](db, "alice", "shopping", f"more {word.upper()} and milk")
    ns["add_note"](db, "alice", "other", "nothing here")
    found = ns["search_notes"](db, "alice", word)
    wanted = [{"id": first, "title": f"{word} time", "body": "with biscuits"},
              {"id": second, "title": "shopping", "body": f"more {word.upper()} and milk"}]
    _check(problems, found == wanted, f"search_notes(db, 'alice', {word!r}) returned {found!r}, wanted {wanted!r}")
    _check(problems, len(ns["search_notes"](db, "alice", "")) == 3, "search_notes with '' must list all 3 of alice's notes")
    note = ns["get_note"](db, "alice", first)
    _check(problems, isinstance(note, dict) and note.get("title") == f"{word} time" and note.get("body") == "with biscuits"
           and note.get("owner") == "alice" and note.get("id") == first,
           "get_note(db, owner, id) must return the note as a dict with id, owner, title and body")
    _check(problems, ns["get_note"](db, "alice", 999) is None, "get_note of a note that does not exist must be None")
    _check(problems, ns["update_note"](db, "alice", first, "new title", "new body") is True,
           "update_note of one's own note must return True")
    note = ns["get_note"](db, "alice", first)
    _check(problems, isinstance(note, dict) and note.get("body") == "new body", "update_note must change the note")
    _check(problems, ns["update_note"](db, "alice", 999, "t", "b") is False,
           "update_note of a note that does not exist must return False")
    return problems


def _works_accounts(ns: Mapping[str, Any], entry: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    password = entry.get("password", "correct horse battery staple")
    stored = ns["hash_password"](password)
    _check(problems, isinstance(stored, str), "hash_password must return a str")
    _check(problems, ns["verify_password"](stored, password) is True, "verify_password(hash_password(p), p) must be True")
    _check(problems, ns["verify_password"](stored, password + "!") is False,
           "verify_password with a wrong password must be False")
    _check(problems, ns["verify_password"](ns["hash_password"]("another one"), password) is False,
           "verify_password with another password's hash must be False")
    failures: dict[str, list[float]] = {}
    now = 1_700_000_000.0
    _check(problems, ns["login_allowed"](failures, "alice", now) is True, "a fresh user may log in")
    for second in range(4):
        ns["record_failure"](failures, "alice", now + second)
    _check(problems, ns["login_allowed"](failures, "alice", now + 5) is True, "4 failures must not lock a user out")
    ns["clear_failures"](failures, "alice")
    for second in range(5):
        ns["record_failure"](failures, "bob", now + second)
    _check(problems, ns["login_allowed"](failures, "alice", now + 6) is True,
           "clear_failures (and another user's failures) must leave alice free to log in")
    _check(problems, ns["login_allowed"](failures, "bob", now + 4 + 900) is True,
           "failures older than LOCKOUT_SECONDS (900 s) must not count")
    return problems


def _works_sessions(ns: Mapping[str, Any], entry: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    data = entry.get("data", {"user": "alice", "theme": "dark"})
    cookie = ns["dump_session"](data, _KEY)
    _check(problems, isinstance(cookie, str), "dump_session must return a str")
    _check(problems, ns["load_session"](cookie, _KEY) == data, "load_session(dump_session(data, key), key) must be data")
    _check(problems, ns["load_session"]("not-a-cookie", _KEY) is None, "load_session of garbage must be None")
    return problems


def _works_tokens(ns: Mapping[str, Any], entry: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    user = entry.get("user", "alice")
    token = ns["issue_token"](user, _KEY)
    _check(problems, isinstance(token, str), "issue_token must return a str")
    _check(problems, ns["verify_token"](token, _KEY) == user, "verify_token(issue_token(user, key), key) must be user")
    _check(problems, ns["verify_token"]("not.a.token", _KEY) is None, "verify_token of garbage must be None")
    return problems


def _works_preview(ns: Mapping[str, Any], entry: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    network = targets.FakeNetwork()
    for url, title in entry.get("pages", [["https://notes.example/welcome", "Notes, kept simply"],
                                          ["http://blog.example/", "A blog & more"]]):
        try:
            card = ns["link_preview"](url, network.fetch, network.resolve)
        except Exception as error:  # reported as a problem
            card = f"{type(error).__name__}: {error}"
        _check(problems, card == {"url": url, "title": title},
               f"link_preview({url!r}) returned {card!r}, wanted {{'url': {url!r}, 'title': {title!r}}}")
    return problems


def _works_audit(ns: Mapping[str, Any], entry: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    log: list[str] = ["an earlier line"]
    user = entry.get("user", "alice")
    ns["audit"](log, "login_ok", user)
    _check(problems, len(log) == 2 and isinstance(log[1], str) and "login_ok" in log[1] and user in log[1],
           "audit(log, event, username) must append one str naming the event and the user")
    return problems


def _works_authz(ns: Mapping[str, Any], entry: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    db.executescript(targets.reference.SCHEMA)
    db.execute("INSERT INTO users VALUES ('root', 'x', 'admin'), ('bob', 'x', 'user')")
    _check(problems, ns["is_admin"](db, "root") is True, "is_admin(db, an administrator) must be True")
    _check(problems, ns["is_admin"](db, "bob") is False, "is_admin(db, a user) must be False")
    return problems


def _works_render(ns: Mapping[str, Any], entry: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    title, body = entry.get("title", "Tom & Jerry"), entry.get("body", "cats and mice")
    page = ns["render_note"]({"id": 1, "owner": "alice", "title": title, "body": body})
    _check(problems, isinstance(page, str), "render_note must return a str")
    if isinstance(page, str):
        _tags, text = attacks.parse_html(page)
        _check(problems, title in text and body in text,
               f"the page must show the title and body as text; its text is {text!r}")
    return problems


def _works_app(ns: Mapping[str, Any], entry: dict[str, Any]) -> list[str]:
    reference = targets.namespace_of(targets.reference)
    combined = targets.assemble(ns, targets.component_functions(reference))
    app, config, _network = targets.build_app(combined)
    problems: list[str] = []
    alice = attacks.Visitor(app)
    password = "pw-" + secrets.token_urlsafe(8)
    steps = [
        ("register", alice.post("/register", {"username": "alice", "password": password}).status_code, 201),
        ("register again", alice.post("/register", {"username": "alice", "password": password + "-again"}).status_code, 409),
        ("wrong password", alice.post("/login", {"username": "alice", "password": password + "-wrong"}).status_code, 401),
        ("login", alice.post("/login", {"username": "alice", "password": password}).status_code, 200),
    ]
    for name, got, wanted in steps:
        _check(problems, got == wanted, f"{name}: HTTP {got}, wanted {wanted}")
    _check(problems, attacks._json(alice.get("/me")) == {"user": "alice"}, "GET /me after login: {'user': 'alice'}")
    word = entry.get("word", "tea")
    created = alice.post("/notes", {"title": f"{word} list", "body": "green"})
    note_id = (attacks._json(created) or {}).get("id") if isinstance(attacks._json(created), dict) else None
    _check(problems, created.status_code == 201 and isinstance(note_id, int), "POST /notes: 201 with the new id")
    listed = attacks._json(alice.get("/notes", query_string={"q": word}))
    _check(problems, isinstance(listed, list) and len(listed) == 1, "GET /notes?q=word lists the matching note")
    page = alice.get(f"/notes/{note_id}")
    _check(problems, page.status_code == 200 and f"{word} list" in page.get_data(as_text=True),
           "GET /notes/<id>: the note's page")
    _check(problems, alice.post(f"/notes/{note_id}", {"title": "t", "body": "b"}).status_code == 200,
           "POST /notes/<id> changes one's own note")
    card = attacks._json(alice.post("/preview", {"url": "https://notes.example/"}))
    _check(problems, card == {"url": "https://notes.example/", "title": "Notes, kept simply"},
           f"POST /preview of a public page: {card!r}")
    issued = attacks._json(alice.post("/api/token"))
    token = issued.get("token") if isinstance(issued, dict) else ""
    api = alice.get("/api/notes", headers={"Authorization": f"Bearer {token}"})
    _check(problems, api.status_code == 200 and isinstance(attacks._json(api), list), "GET /api/notes with a token")
    _check(problems, alice.get("/admin/users").status_code == 403, "GET /admin/users as a user: 403")
    root = attacks.Visitor(app)
    root.post("/login", {"username": "root", "password": config["ADMINS"]["root"]})
    users = attacks._json(root.get("/admin/users"))
    _check(problems, isinstance(users, list) and {"username": "alice", "role": "user"} in users,
           "GET /admin/users as the administrator lists the users")
    _check(problems, isinstance(attacks._json(root.get("/admin/log")), list), "GET /admin/log as the administrator")
    alice.post("/logout")
    _check(problems, alice.get("/me").status_code == 401, "after POST /logout, GET /me is 401")
    return problems


WORKS: dict[str, Callable[[Mapping[str, Any], dict[str, Any]], list[str]]] = {
    "config": _works_config, "notes": _works_notes, "accounts": _works_accounts, "sessions": _works_sessions,
    "tokens": _works_tokens, "preview": _works_preview, "audit": _works_audit, "authz": _works_authz,
    "render": _works_render, "app": _works_app,
}


def _works(namespace: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    return WORKS[entry["component"]](namespace, entry)


def _attack(namespace: dict[str, Any], entry: dict[str, Any]) -> dict[str, int]:
    results = attacks.probe(entry["flaw"], namespace, entry["payloads"])
    return {verdict: sum(result.verdict == verdict for result in results)
            for verdict in (attacks.SUCCEEDED, attacks.STOPPED, attacks.INCONCLUSIVE)}


SCENARIOS: dict[str, Callable[..., Any]] = {"works": _works, "attack": _attack}
FIXTURES: dict[str, Callable[[], list[Any]]] = {}

_WORKED = satisfies(lambda problems: problems == [], "the component does its job")
_STOPPED = satisfies(lambda counts: counts[attacks.SUCCEEDED] == 0 and counts[attacks.INCONCLUSIVE] == 0
                     and counts[attacks.STOPPED] > 0, "every attack stopped")


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus``: key ``works`` (entries name a component) and one key per flaw."""
    found: list[Case] = []
    for entry in corpus.get("works", []):
        component = targets.COMPONENT[entry["component"]]
        found.append(Case(f"{component.name}.works", f"works-{component.name}", component.functions[0], (entry,),
                          _WORKED, public=public, scenario="works",
                          shown=f"the {component.title} component's functional checks"))
    for flaw, part in FLAW_PART.items():
        for payloads in corpus.get(flaw, []):
            found.append(Case(part, "attack", "create_app", ({"flaw": flaw, "payloads": payloads},), _STOPPED,
                              public=public, scenario="attack", shown=f"the probes of {PARTS[part].title}"))
    return found


def public_corpus() -> dict[str, list[Any]]:
    return {"works": [{"component": component.name} for component in targets.COMPONENTS],
            **{flaw: [payloads] for flaw, payloads in attacks.CORPUS.items()}}


def grading_note(part: str, results: Mapping[str, Mapping[str, Any]]) -> str | None:
    """"N of M flaws fixed", added to the feedback of every flaw cell."""
    if part not in FLAW_PART.values():
        return None
    fixed = sum(bool(results[name]["ok"]) for name in FLAW_PART.values() if name in results)
    return f"{fixed} of {len(FLAW_PART)} flaws fixed."


# --- check("20_capstone") in the learner's kernel ----------------------------------------------

def check_program(namespace: Mapping[str, Any]) -> tuple[str, dict[str, bool]]:
    """The report ``check("20_capstone")`` prints, and a verdict per component (by its first function).

    It runs every component's functional checks and the public probes of the flaws the
    lesson demonstrates (``attacks.PUBLIC``); the grader's hidden attacks stay hidden.
    """
    from seclab.outcomes import run_case

    module = __import__(__name__, fromlist=["SCENARIOS"])
    lines, verdicts = [], {}
    for component in targets.COMPONENTS:
        missing = [name for name in component.functions if not callable(namespace.get(name))]
        if missing:
            outcome: dict[str, Any] = {"error": "missing"}
        else:
            outcome = run_case(module, dict(namespace), component.functions[0], None, [{"component": component.name}],
                               "works")
        ok = outcome.get("value") == []
        verdicts[component.functions[0]] = ok
        if ok:
            lines.append(f"✓ {component.title}: works")
        else:
            why = (f"{', '.join(missing)} not defined: run its cell" if missing
                   else "; ".join(outcome["value"][:2]) if isinstance(outcome.get("value"), list)
                   else f"raised {outcome.get('raised', ['an error'])[0]}: {outcome.get('message', '')}")
            lines.append(f"✗ {component.title}: {why}"[:400])
    succeeded = []
    for flaw in attacks.PUBLIC:
        results = attacks.probe(flaw, namespace)
        if any(result.verdict != attacks.STOPPED for result in results):
            succeeded.append((flaw, results))
    probes = len(attacks.PUBLIC)
    lines.append(f"{len(succeeded)} of the {probes} public probes still succeed (or cannot tell).")
    for flaw, results in succeeded:
        component = targets.COMPONENT[targets.FLAWS[flaw].component]
        lines.append(f"    Hint ({component.title}): {results[0]} — lesson 20's checklist, item "
                     f"{targets.FLAWS[flaw].lesson:02d}.")
    lines.append("The grader also fires hidden attacks at every planted flaw: audit the whole app, not only these.")
    return "\n".join(lines), verdicts
