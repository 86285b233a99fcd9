"""A small Django site for lesson 05: the DEBUG 404 and 500 pages, and ``check --deploy``.

Django reads its settings once per process (``settings.configure`` may run only once),
but the test suite runs many topics in one process and lesson 14 builds a whole Django
project. So this module never owns the process's settings:

* ``ensure_django()`` configures Django **only if nobody has** (a minimal, inert
  configuration) and sets the app registry up; it is idempotent;
* every demo then runs inside ``django.test.override_settings`` with the values it
  needs (``DEBUG``, ``ROOT_URLCONF`` = this module, ``ALLOWED_HOSTS``, no middleware, ...),
  which are undone when the block ends, whoever configured Django first.

This module is also the site's URLconf: the views and ``urlpatterns`` below.
"""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

#: The setting that holds the internal API token. Django's error pages mask every setting
#: whose name contains API, TOKEN, KEY, SECRET, PASS or SIGNATURE, so this one too.
TOKEN_SETTING = "INTERNAL_API_TOKEN"  # a setting's name, not a secret  # nosec B105


def ensure_django() -> None:
    """Configure Django with an inert minimal configuration unless it is configured already."""
    import django
    from django.apps import apps
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False, ALLOWED_HOSTS=[], INSTALLED_APPS=[], MIDDLEWARE=[], DATABASES={},
            SECRET_KEY=secrets.token_urlsafe(50), LOGGING_CONFIG=None, USE_TZ=True,
        )
    if not apps.ready:
        django.setup(set_prefix=False)


# --- the site's views and URLconf --------------------------------------------------------

def home(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse("Misconfigured Mugs: see /orders/<id>/export/?format=csv")


def export_csv(order_id: int, billing: dict[str, Any]) -> str:
    """The order as CSV (the demo makes up the total instead of asking ``billing``)."""
    return f"order_id,total\n{order_id},42.00\n"


def export_order(request: Any, order_id: int) -> Any:
    """Export an order in the format asked for; crashes on a format it does not know."""
    from django.conf import settings
    from django.http import HttpResponse

    api_token = getattr(settings, TOKEN_SETTING)
    billing = {"url": f"https://billing.internal/orders/{order_id}", "headers": {"Authorization": f"Bearer {api_token}"}}
    exporters = {"csv": export_csv}
    export = exporters[request.GET.get("format", "csv")]  # the bug: KeyError for any other format
    return HttpResponse(export(order_id, billing), content_type="text/csv")


def internal_backup(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse("backup console (meant for staff only)")


def _urlpatterns() -> list[Any]:
    from django.urls import path

    return [
        path("", home),
        path("orders/<int:order_id>/export/", export_order),
        path("staff/backup-7f3a/", internal_backup),
    ]


def __getattr__(name: str) -> Any:
    """``urlpatterns`` is built on first use, so importing this module does not import Django."""
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


# --- running the site --------------------------------------------------------------------

@dataclass
class DjangoSite:
    """A configured site: ``app`` is its WSGI handler, ``log`` what it logged (errors, 404s)."""

    app: Any
    _log: io.StringIO

    @property
    def log(self) -> str:
        return self._log.getvalue()


@contextmanager
def _captured_request_log() -> Iterator[io.StringIO]:
    """Django logs every 404 and 500 (``django.request``) and every forged host (``django.security``)
    below the ``django`` logger; keep that here instead of on stderr."""
    logger = logging.getLogger("django")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    saved = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = saved


@contextmanager
def django_site(api_token: str, **settings: Any) -> Iterator[DjangoSite]:
    """This site with ``settings`` (e.g. ``DEBUG=True``) for the length of a ``with`` block.

    ``api_token`` becomes the ``INTERNAL_API_TOKEN`` setting the export view uses.
    Anything not given is neutral: this URLconf, no middleware, loopback as the only host.
    """
    ensure_django()
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    values: dict[str, Any] = {"ROOT_URLCONF": __name__, "MIDDLEWARE": [], "ALLOWED_HOSTS": ["127.0.0.1"],
                              TOKEN_SETTING: api_token}
    values.update(settings)
    with override_settings(**values), _captured_request_log() as log:
        yield DjangoSite(WSGIHandler(), log)


@dataclass(frozen=True)
class DeployWarning:
    """One finding of ``manage.py check --deploy``."""

    id: str
    message: str


def deploy_check(**settings: Any) -> list[DeployWarning]:
    """What ``manage.py check --deploy`` reports (its security checks) for ``settings``."""
    ensure_django()
    from django.core.checks import Tags, run_checks
    from django.test import override_settings

    values: dict[str, Any] = {"ROOT_URLCONF": __name__, "MIDDLEWARE": []}
    values.update(settings)
    with override_settings(**values):
        messages = run_checks(include_deployment_checks=True, tags=[Tags.security])
    return sorted((DeployWarning(message.id or "", str(message.msg)) for message in messages), key=lambda w: w.id)
