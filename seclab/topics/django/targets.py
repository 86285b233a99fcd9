"""Securing Django: the course's Django project as vulnerable and fixed twins.

The project itself (settings, the documents app, URLs) is ``seclab.topics.django.project``;
here are the two ways to run it:

* ``vulnerable_settings()`` — the development settings deployed as they are, plus what
  a hurried developer adds to make it work on a server (``ALLOWED_HOSTS = ["*"]``), and
  ``vulnerable_views()`` — the documents views written the insecure way (an IDOR, SQL built
  with an f-string in ``raw()``, comments marked safe, a CSRF-exempt form);
* ``fixed_settings()`` — production settings (secret from the environment, DEBUG off,
  HTTPS, HSTS, secure cookies, one allowed host, the admin moved) and the fixed views.

``twin(vulnerable)`` enters either for a ``with`` block (``override_settings``), so both
run in one process, one after the other. ``SERVABLE`` serves them on loopback.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from seclab.topics.django.project import development_settings, setup

#: the one host name the fixed site answers to
SITE_HOST = "docs.example.com"
#: where the fixed project mounts the admin (off the default ``admin/``), and who may reach it
FIXED_ADMIN_PATH = "staff-console-7c1e/"
ADMIN_NETWORKS = ("10.20.0.0/16",)


# --- the documents views, written the insecure way --------------------------------------------

def vulnerable_document_detail(request: Any, doc_id: int) -> Any:
    """Any logged-in user reads any document: the id in the URL is the only check (an IDOR)."""
    from django.contrib.auth.decorators import login_required
    from django.http import JsonResponse
    from django.shortcuts import get_object_or_404

    from seclab.topics.django.project.documents.models import Document
    from seclab.topics.django.project.documents.views import as_json

    @login_required
    def view(request: Any, doc_id: int) -> Any:
        return JsonResponse(as_json(get_object_or_404(Document, pk=doc_id)))

    return view(request, doc_id)


def vulnerable_search(request: Any) -> Any:
    """Search with SQL glued together from the query string (SQL injection in ``raw()``)."""
    from django.contrib.auth.decorators import login_required
    from django.http import JsonResponse

    from seclab.topics.django.project.documents.models import Document
    from seclab.topics.django.project.documents.views import as_json

    @login_required
    def view(request: Any) -> Any:
        query = request.GET.get("q", "")
        # the twin under attack: SQL built from input
        sql = f"SELECT * FROM documents_document WHERE owner_id = {request.user.id} AND title LIKE '%%{query}%%'"  # nosec B608
        return JsonResponse({"results": [as_json(document) for document in Document.objects.raw(sql)]})

    return view(request)


def vulnerable_comment_html(text: str) -> str:
    """A comment as HTML with the text marked safe: Django does not escape it (stored XSS)."""
    from django.utils.html import format_html
    from django.utils.safestring import SafeString

    # the twin under attack: user text declared safe
    marked = SafeString(text.replace("\n", "<br>"))  # nosec B703
    return str(format_html('<p class="comment">{}</p>', marked))


def vulnerable_preview_comment(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse(vulnerable_comment_html(request.GET.get("text", "")))


def vulnerable_create_document(request: Any) -> Any:
    """The create view with CSRF protection switched off (``csrf_exempt``): any site can post to it."""
    from django.views.decorators.csrf import csrf_exempt

    from seclab.topics.django.project.documents.views import create_document

    return csrf_exempt(create_document)(request)


vulnerable_create_document.csrf_exempt = True  # type: ignore[attr-defined]


def vulnerable_views() -> dict[str, Callable[..., Any]]:
    return {"document_detail": vulnerable_document_detail, "search": vulnerable_search,
            "create_document": vulnerable_create_document, "preview_comment": vulnerable_preview_comment}


# --- the two configurations -------------------------------------------------------------------

def vulnerable_settings() -> dict[str, Any]:
    """The development settings on a server: DEBUG on, the generated key, any Host accepted."""
    from seclab.topics.django.project.urls import urlconf

    setup()
    values = development_settings()
    values["ALLOWED_HOSTS"] = ["*"]  # "it did not work behind the load balancer"
    values["ROOT_URLCONF"] = urlconf(vulnerable_views())
    return values


def fixed_settings(secret_key: str | None = None) -> dict[str, Any]:
    """Production settings for the project: the fixed views, the admin moved and fenced in."""
    from seclab.topics.django.project.urls import urlconf
    from seclab.topics.django.settings_check import reference_production_settings

    setup()
    env = {"DJANGO_SECRET_KEY": secret_key or secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": SITE_HOST}
    values = reference_production_settings(development_settings(), env)
    values["ROOT_URLCONF"] = urlconf(admin_path=FIXED_ADMIN_PATH)
    values["MIDDLEWARE"] = [*values["MIDDLEWARE"], "seclab.topics.django.admin_fence.AdminNetworkFence"]
    values["ADMIN_PATH"] = "/" + FIXED_ADMIN_PATH
    values["ADMIN_NETWORKS"] = list(ADMIN_NETWORKS)
    return values


_RUNTIME_KEYS = ("DATABASES", "EMAIL_BACKEND", "MIGRATION_MODULES", "PASSWORD_HASHERS", "LOGGING_CONFIG")


@contextmanager
def project_settings(values: dict[str, Any]) -> Iterator[None]:
    """Run the project with ``values`` for a ``with`` block (the scratch database and locmem mail stay)."""
    from django.test.utils import override_settings

    setup()
    chosen = {key: value for key, value in values.items() if key not in _RUNTIME_KEYS}
    with override_settings(**chosen):
        yield


@contextmanager
def twin(vulnerable: bool) -> Iterator[None]:
    """The vulnerable or the fixed project, for a ``with`` block."""
    with project_settings(vulnerable_settings() if vulnerable else fixed_settings()):
        yield


# --- Host-header poisoning of password-reset links (the exploit challenge) -----------------

@dataclass(frozen=True)
class ResetAttempt:
    """What asking for alice's password reset with a forged Host header did."""

    host: str
    status: int
    mails: int
    link: str | None

    @property
    def link_host(self) -> str | None:
        return urlsplit(self.link).hostname if self.link else None

    @property
    def poisoned(self) -> bool:
        """A mail went out and its reset link points to a host that is not the site's own."""
        return self.link_host is not None and self.link_host not in (SITE_HOST, "testserver")


_LINK = re.compile(r"https?://[^\s\"'<>]+/accounts/reset/[^\s\"'<>]+")


def request_password_reset(host: str, vulnerable: bool, email: str = "alice@docs.example.com") -> ResetAttempt:
    """POST alice's e-mail address to the password-reset form with ``Host: host``; what went out."""
    from django.core import mail
    from django.test import Client

    with twin(vulnerable):
        mail.outbox = []
        secure = not vulnerable  # the fixed site redirects plain HTTP; the attacker speaks HTTPS to it
        response = Client(HTTP_HOST=host).post("/accounts/password_reset/", {"email": email}, secure=secure)
        bodies = [message.body for message in mail.outbox]
        mail.outbox = []
    links = [found.group(0) for body in bodies for found in _LINK.finditer(body)]
    return ResetAttempt(host, response.status_code, len(bodies), links[0] if links else None)


def replay_host_header(payload: Any) -> dict[str, bool]:
    """The exploit replay: does Host ``payload`` poison the reset link on each twin? (plain data)"""
    if not isinstance(payload, str) or not payload or len(payload) > 300:
        return {"vulnerable": False, "fixed": False}
    results = {}
    for name, vulnerable in (("vulnerable", True), ("fixed", False)):
        try:
            results[name] = request_password_reset(payload, vulnerable).poisoned
        except Exception:  # a payload the test client cannot even send did not poison anything
            results[name] = False
    return results


SERVABLE: dict[str, tuple[str, Callable[[], Any]]] = {}


# --- what the lesson's cells use ----------------------------------------------------------------

@contextmanager
def site(views: dict[str, Callable[..., Any]] | None = None, vulnerable: bool = False,
         **overrides: Any) -> Iterator[None]:
    """The project with ``views`` plugged in (by name, see ``project.urls``), on the vulnerable or
    fixed settings, with ``overrides`` on top, for a ``with`` block."""
    from seclab.topics.django.project.urls import urlconf

    values = vulnerable_settings() if vulnerable else fixed_settings()
    admin_path = "admin/" if vulnerable else FIXED_ADMIN_PATH
    if views:
        chosen = {**(vulnerable_views() if vulnerable else {}), **views}
        values["ROOT_URLCONF"] = urlconf(chosen, admin_path=admin_path)
    values.update(overrides)
    with project_settings(values):
        yield


def browser(user: str | None = None, **options: Any) -> Any:
    """Django's test client as a browser on ``https://docs.example.com``, logged in as ``user`` if given."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    setup()
    client = Client(HTTP_HOST=SITE_HOST, raise_request_exception=False, **options)
    if user:
        client.force_login(get_user_model().objects.get(username=user))
    return client
