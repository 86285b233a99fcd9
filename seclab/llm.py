"""A SIMULATED language model and tool-using agent: deterministic, offline, worst-case obedient.

Nothing here is a real AI. ``SimulatedModel`` stands in for a language model so that the
lessons on AI security (17 prompt injection, 18 AI-generated code) run offline and give
the same result every time. It is *worst-case obedient*: it follows instructions found
anywhere in its context — the system prompt, the user's message and the content of tool
results (e-mails, files, web pages) — which is exactly what an attacker hopes for.

The tool-call syntax (fixed and documented; a real model is asked to use it too) is one
line per call::

    CALL <tool> <JSON object of arguments>
    SAY <text to put in the final answer>

The model's output holds at most one ``CALL`` line per turn; without one, the output is
the final answer. In a JSON string value or a ``SAY`` text, ``{{last}}`` stands for the
text of the most recent tool result and ``{{last_url}}`` for the same, URL-encoded.
The simulated model also understands a few plain requests: "summarise the inbox"
(``read_inbox``), "read the file NAME" (``read_file``), "summarise https://…"
(``fetch_url``), and "repeat/reveal/print … system prompt" (it does).

``Agent`` runs a model with the tools ``read_inbox``, ``read_file``, ``send_email``,
``fetch_url`` and ``delete_file`` over a ``World``: a fake mailbox, a scratch workspace
directory and a fake web (no network, no mail). Every tool call is recorded as a
``ToolCall`` with ``tainted``: whether untrusted content (a tool result) was in the
context when it was decided. A ``policy(call, task) -> bool`` may veto any call.

``OpenAICompatibleModel`` is an optional adapter for a real endpoint the learner sets
up; no lesson cell or test needs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

__all__ = ["TOOLS", "Agent", "Model", "OpenAICompatibleModel", "SimulatedModel", "ToolCall", "World",
           "format_call", "parse_calls", "SIMULATION_LABEL"]

SIMULATION_LABEL = "[simulated model]"
TOOLS = ("read_inbox", "read_file", "send_email", "fetch_url", "delete_file")
#: tools whose results are untrusted content (written by whoever sent the mail, the file or the page)
UNTRUSTED_TOOLS = frozenset({"read_inbox", "read_file", "fetch_url"})
MAX_CALLS = 20

_CALL = re.compile(r"^\s*CALL\s+([A-Za-z_][A-Za-z0-9_]*)\s*(\{.*\})\s*$")
_SAY = re.compile(r"^\s*SAY\s+(.*)$")
_REVEAL = re.compile(r"(repeat|reveal|print|show|tell me)\b.{0,60}\b(system prompt|instructions)", re.I | re.S)
_INBOX = re.compile(r"\b(summari[sz]e|read|check)\b.{0,30}\b(inbox|e-?mails?|mail)\b", re.I | re.S)
_READ_FILE = re.compile(r"\bread the file\s+([\w./-]+)", re.I)
_FETCH = re.compile(r"\b(summari[sz]e|fetch|open|read)\s+(https?://\S+)", re.I)

Message = dict[str, str]


def format_call(tool: str, args: dict[str, Any]) -> str:
    """One call in the documented syntax: ``CALL tool {json}``."""
    return f"CALL {tool} {json.dumps(args, sort_keys=True)}"


def parse_calls(text: str) -> list[tuple[str, dict[str, Any]]]:
    """Every well-formed ``CALL`` line in ``text``, in order, as (tool, args)."""
    found = []
    for line in text.splitlines():
        match = _CALL.match(line)
        if match:
            try:
                args = json.loads(match.group(2))
            except ValueError:
                continue
            if isinstance(args, dict):
                found.append((match.group(1), args))
    return found


class Model(Protocol):
    """Anything that turns a chat (role/content messages) into the next output text."""

    def complete(self, messages: list[Message]) -> str: ...


def _fill(value: Any, last: str) -> Any:
    if isinstance(value, str):
        return value.replace("{{last_url}}", quote(last, safe="")).replace("{{last}}", last)
    if isinstance(value, dict):
        return {key: _fill(item, last) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, last) for item in value]
    return value


class SimulatedModel:
    """The deterministic stand-in for a language model (see the module docstring)."""

    label = SIMULATION_LABEL

    def plan(self, messages: list[Message]) -> list[tuple[str, dict[str, Any]]]:
        """Every call the model means to make, given everything in its context, in order."""
        planned: list[tuple[str, dict[str, Any]]] = []
        for message in messages:
            if message["role"] == "assistant":
                continue
            text = message["content"]
            if message["role"] == "user":
                if _INBOX.search(text):
                    planned.append(("read_inbox", {}))
                planned += [("read_file", {"path": name}) for name in _READ_FILE.findall(text)]
                planned += [("fetch_url", {"url": url.rstrip(".,;)")}) for _, url in _FETCH.findall(text)]
            planned += parse_calls(text)  # obedient: instructions anywhere are followed
        return planned

    def complete(self, messages: list[Message]) -> str:
        results = [message["content"] for message in messages if message["role"] == "tool"]
        planned = self.plan(messages)
        if len(results) < len(planned):
            tool, args = planned[len(results)]
            return format_call(tool, _fill(args, results[-1] if results else ""))
        return self.answer(messages)

    def answer(self, messages: list[Message]) -> str:
        """The final answer: a summary of each tool result, plus whatever the context asked it to say."""
        lines = [SIMULATION_LABEL]
        results = [message["content"] for message in messages if message["role"] == "tool"]
        last = results[-1] if results else ""
        for message in messages:
            text = message["content"]
            if message["role"] == "tool":
                plain = [line for line in text.splitlines() if not (_CALL.match(line) or _SAY.match(line))]
                lines.append("Summary: " + " ".join(" ".join(plain).split())[:200])
            if message["role"] != "assistant":
                if message["role"] != "system" and _REVEAL.search(text):
                    system = next((m["content"] for m in messages if m["role"] == "system"), "")
                    lines.append("My instructions are: " + system)
                for line in text.splitlines():
                    match = _SAY.match(line)
                    if match:
                        lines.append(_fill(match.group(1), last))
        return "\n".join(lines)


@dataclass
class ToolCall:
    """One tool call the agent decided on, as the policy and the audit log see it."""

    tool: str
    args: dict[str, Any]
    tainted: bool
    allowed: bool = True
    result: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The call as ``allow_tool_call`` takes it: ``{"tool", "args", "tainted"}``."""
        return {"tool": self.tool, "args": dict(self.args), "tainted": self.tainted}


@dataclass
class World:
    """A fake mailbox, a scratch workspace directory and a fake web. Use as a context manager.

    ``web`` maps URL (without query or fragment) to page text; ``requests`` logs every URL
    fetched, as the owner of that server would see it; ``outbox`` holds every mail sent.
    """

    inbox: list[dict[str, str]] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    web: dict[str, str] = field(default_factory=dict)
    outbox: list[dict[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    workspace: str = ""

    def __post_init__(self) -> None:
        self.workspace = os.path.realpath(tempfile.mkdtemp(prefix="seclab-llm-"))
        for name, text in self.files.items():
            path = os.path.join(self.workspace, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)

    def close(self) -> None:
        shutil.rmtree(self.workspace, ignore_errors=True)

    def __enter__(self) -> World:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def exists(self, name: str) -> bool:
        return os.path.exists(os.path.join(self.workspace, name))

    # --- the tools (no network, no mail; paths are NOT checked here: that is the policy's job)
    def read_inbox(self) -> str:
        return "\n\n".join(f"From: {m.get('from', '')}\nSubject: {m.get('subject', '')}\n\n{m.get('body', '')}"
                           for m in self.inbox)

    def read_file(self, path: str) -> str:
        with open(os.path.join(self.workspace, str(path)), encoding="utf-8") as handle:
            return handle.read()

    def send_email(self, to: str, subject: str = "", body: str = "") -> str:
        self.outbox.append({"to": str(to), "subject": str(subject), "body": str(body)})
        return f"sent to {to}"

    def fetch_url(self, url: str) -> str:
        self.requests.append(str(url))
        page = str(url).split("#", 1)[0].split("?", 1)[0]
        return self.web.get(page, "404 not found")

    def delete_file(self, path: str) -> str:
        os.remove(os.path.join(self.workspace, str(path)))
        return f"deleted {path}"


Policy = Callable[[dict[str, Any], dict[str, Any]], bool]


class Agent:
    """Runs ``model`` with the World's tools; records every call; ``policy`` may veto calls.

    ``policy(call.as_dict(), task)`` is asked before every call; ``result_template`` (with
    ``{result}``) is how a tool result is put into the context.
    """

    def __init__(self, world: World, system_prompt: str = "You are a helpful e-mail assistant.",
                 model: Model | None = None, policy: Policy | None = None,
                 task: dict[str, Any] | None = None, result_template: str = "{result}") -> None:
        self.world = world
        self.result_template = result_template  # how a tool result enters the context, e.g. in delimiters
        self.system_prompt = system_prompt
        self.model: Model = model or SimulatedModel()
        self.policy = policy
        self.task = task if task is not None else {}
        self.calls: list[ToolCall] = []

    def run(self, user_message: str) -> str:
        """Answer ``user_message``, calling tools as the model asks; returns the final answer."""
        messages: list[Message] = [{"role": "system", "content": self.system_prompt},
                                   {"role": "user", "content": user_message}]
        tainted = False
        for _ in range(MAX_CALLS):
            output = self.model.complete(messages)
            calls = parse_calls(output)
            if not calls:
                return output
            tool, args = calls[0]
            call = ToolCall(tool, args, tainted)
            messages.append({"role": "assistant", "content": format_call(tool, args)})
            if self.policy is not None and not self.policy(call.as_dict(), self.task):
                call.allowed, call.result = False, "refused by policy"
            else:
                call.result = self._execute(tool, args)
            self.calls.append(call)
            messages.append({"role": "tool", "content": self.result_template.format(result=call.result)})
            tainted = tainted or (call.allowed and tool in UNTRUSTED_TOOLS)
        return SIMULATION_LABEL + " stopped: too many tool calls"

    def _execute(self, tool: str, args: dict[str, Any]) -> str:
        if tool not in TOOLS:
            return f"error: no tool {tool}"
        try:
            return str(getattr(self.world, tool)(**args))
        except (OSError, TypeError, ValueError) as error:
            return f"error: {type(error).__name__}"


class OpenAICompatibleModel:
    """Optional: a real chat-completions endpoint (e.g. a local server) in place of the simulation.

    Never used by a lesson cell or test. The model is told the tool-call syntax above in
    an extra system message; what it does with it is up to the model.
    """

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 60.0) -> None:
        self.base_url, self.model, self.timeout = base_url.rstrip("/"), model, timeout
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY", "")

    def complete(self, messages: list[Message]) -> str:
        import httpx

        guide = {"role": "system", "content": "To use a tool, answer with one line: CALL <tool> <JSON arguments>. "
                                              f"Tools: {', '.join(TOOLS)}."}
        chat = [guide] + [m if m["role"] != "tool" else {"role": "user", "content": "Tool result:\n" + m["content"]}
                          for m in messages]
        response = httpx.post(f"{self.base_url}/chat/completions", timeout=self.timeout,
                              headers={"Authorization": f"Bearer {self.api_key}"} if self.api_key else {},
                              json={"model": self.model, "messages": chat, "temperature": 0})
        response.raise_for_status()
        return str(response.json()["choices"][0]["message"]["content"])
