"""The course's small Django project, "Team Documents", run in-process.

Django reads its settings once per process. ``setup()`` configures it with the project's
settings (``settings.development_settings()`` plus what running inside a notebook
needs: an in-memory sqlite database, the locmem mail backend) unless the project is set
up already, creates the tables (``migrate --run-syncdb``) and the demo users and
documents. It is idempotent: a lesson, an exercise, ``check()`` and the hidden tests may
all call it in one kernel. Every demo then changes settings only inside
``django.test.override_settings`` blocks, which are undone when they end.

When another part of the course configured Django first (lesson 05's minimal site, in
a test process that runs many topics), ``setup()`` switches the process over to this
project's settings for good, apps and database connections included.
"""

from __future__ import annotations

import os
import secrets
import warnings
from dataclasses import dataclass
from typing import Any

from seclab.topics.django.project.settings import DOCUMENTS_APP, PROJECT, development_settings

__all__ = ["DOCUMENTS_APP", "PROJECT", "DemoData", "development_settings", "runtime_settings", "setup"]

_state: dict[str, Any] = {}


def runtime_settings(database: str) -> dict[str, Any]:
    """The development settings as the notebooks run them: sqlite file ``database``, mail kept in memory."""
    values = development_settings()
    values.update({
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": database}},
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # build the tables straight from the models: much faster than replaying every migration
        "MIGRATION_MODULES": {label: None for label in ("admin", "auth", "contenttypes", "sessions", "documents")},
        # the demo users' passwords are random and thrown away; a slow hash would only slow the lesson
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "ALLOWED_HOSTS": ["testserver", "docs.example.com"],
        "LOGGING_CONFIG": None,
    })
    return values


@dataclass(frozen=True)
class DemoData:
    """The ids of the demo users and documents (alice and bob are users, carol is staff)."""

    alice: int
    bob: int
    carol: int
    alice_doc: int
    bob_doc: int
    carol_doc: int
    missing_doc: int


def _configured_by_us() -> bool:
    from django.conf import settings

    return settings.configured and DOCUMENTS_APP in getattr(settings, "INSTALLED_APPS", [])


def _take_over() -> None:
    """Django was configured by someone else: switch this process to the project's settings."""
    from django.db import connections
    from django.test.utils import override_settings

    connections.close_all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "overriding DATABASES can lead to unexpected behavior": handled below
        override_settings(**runtime_settings(_database())).enable()  # for good: never disabled
    connections.__dict__.pop("settings", None)  # the DATABASES of the old configuration, cached twice
    connections._settings = None
    from asgiref.local import Local

    connections._connections = Local(connections.thread_critical)


def _database() -> str:
    """An in-memory sqlite database shared by the process's threads (a served site included).

    Django never closes a connection to an in-memory database (that would drop it), and a
    file would cost an fsync per table on a busy disk.
    """
    if "database" not in _state:
        _state["database"] = f"file:seclab-django-{secrets.token_hex(8)}?mode=memory&cache=shared"
    database: str = _state["database"]
    return database


def setup() -> DemoData:
    """Configure Django with the project (once per process), create the tables and the demo data."""
    import django
    from django.apps import apps
    from django.conf import settings

    _allow_sync_orm_in_a_notebook()
    if not settings.configured:
        settings.configure(**runtime_settings(_database()))
    if not apps.ready:
        django.setup(set_prefix=False)
    if not _configured_by_us():
        _take_over()
    if "data" not in _state:
        import logging

        from django.core.management import call_command

        call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
        django_logger = logging.getLogger("django")
        if not django_logger.handlers:  # the demos' expected 404s, 400s and 500s are no news on stderr
            django_logger.addHandler(logging.NullHandler())
        _state["data"] = _seed()
    data: DemoData = _state["data"]
    return data


def _allow_sync_orm_in_a_notebook() -> None:
    """Jupyter runs cells inside a running asyncio loop, where Django refuses ORM calls
    (``SynchronousOnlyOperation``) to protect async views. A notebook's cells are
    sequential code, not an async server: Django's documented switch for this case is
    ``DJANGO_ALLOW_ASYNC_UNSAFE``, set here only when such a loop is running."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _seed() -> DemoData:
    from django.contrib.auth import get_user_model

    from seclab.topics.django.project.documents.models import Document

    users = get_user_model()
    made = {}
    for name, staff in (("alice", False), ("bob", False), ("carol", True)):
        user = users.objects.create_user(name, f"{name}@docs.example.com", secrets.token_urlsafe(16))
        user.is_staff = staff
        user.save()
        made[name] = user
    alice_doc = Document.objects.create(owner=made["alice"], title="Alice's salary review",
                                        body="Raise to 91,000 from January.")
    bob_doc = Document.objects.create(owner=made["bob"], title="Bob's shopping list", body="milk, eggs")
    carol_doc = Document.objects.create(owner=made["carol"], title="Staff rota", body="Carol: Mondays")
    return DemoData(made["alice"].id, made["bob"].id, made["carol"].id, alice_doc.id, bob_doc.id, carol_doc.id,
                    missing_doc=carol_doc.id + 1000)
