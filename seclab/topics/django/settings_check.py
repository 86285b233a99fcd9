"""``manage.py check --deploy`` for a settings dict, and the reference ``production_settings``.

``deploy_check(values)`` runs every system check Django runs for ``check --deploy``
(the deployment checks included) as if ``values`` were the whole settings module: keys
``values`` does not set count as Django's defaults, and ``SILENCED_SYSTEM_CHECKS`` is
ignored (silencing a warning does not fix it). Checks of the process rather than the
settings (``PROCESS_CHECKS``) are left out. It needs the project set up
(``seclab.topics.django.project.setup``).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: checks about the running process, not about the settings: async.E001 fires when
#: DJANGO_ALLOW_ASYNC_UNSAFE is set, which ``project.setup`` does inside a notebook's kernel
PROCESS_CHECKS = frozenset({"async.E001"})


@dataclass(frozen=True)
class DeployFinding:
    """One warning or error of ``check --deploy``."""

    id: str
    level: str
    message: str


def deploy_findings(values: Mapping[str, Any]) -> list[DeployFinding]:
    """Every warning and error ``check --deploy`` reports for the settings ``values``, sorted by id."""
    from django.conf import global_settings, settings
    from django.core import checks
    from django.test.utils import override_settings

    overrides: dict[str, Any] = {}
    for name in dir(settings._wrapped):  # what the process set that ``values`` does not: back to Django's default
        if name.isupper() and name not in values and hasattr(global_settings, name):
            default = getattr(global_settings, name)
            if getattr(settings, name) != default:
                overrides[name] = default
    overrides.update(values)
    overrides["SILENCED_SYSTEM_CHECKS"] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "overriding DATABASES can lead to unexpected behavior": checks only
        with override_settings(**overrides):
            messages = checks.run_checks(include_deployment_checks=True)
    found = [DeployFinding(message.id or "?", _level(message.level), str(message.msg))
             for message in messages if message.level >= checks.WARNING and message.id not in PROCESS_CHECKS]
    return sorted(found, key=lambda finding: finding.id)


def deploy_check(values: Mapping[str, Any]) -> list[str]:
    """The ids of ``deploy_findings(values)``, e.g. ``["security.W004", "security.W018"]``."""
    return [finding.id for finding in deploy_findings(values)]


def _level(level: int) -> str:
    from django.core import checks

    return {checks.WARNING: "warning", checks.ERROR: "error", checks.CRITICAL: "critical"}.get(level, str(level))


# --- the reference solution of the exercise's production_settings ---------------------------

#: the middleware ``check --deploy`` wants, in the order Django's project template lists them
REQUIRED_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)

#: the settings production_settings may change or add; everything else in ``base`` stays as it is
SECURITY_SETTINGS = frozenset({
    "DEBUG", "SECRET_KEY", "SECRET_KEY_FALLBACKS", "ALLOWED_HOSTS", "MIDDLEWARE", "SILENCED_SYSTEM_CHECKS",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SECURE_PROXY_SSL_HEADER", "SECURE_REDIRECT_EXEMPT", "SECURE_SSL_HOST",
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_AGE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE", "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "CSRF_USE_SESSIONS", "CSRF_COOKIE_NAME",
    "CSRF_TRUSTED_ORIGINS", "X_FRAME_OPTIONS", "LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_SAMESITE", "PASSWORD_RESET_TIMEOUT", "USE_X_FORWARDED_HOST", "USE_X_FORWARDED_PORT",
})


def weak_secret_key(key: str) -> bool:
    """Would Django's check (security.W009/W025) flag ``key``?"""
    return len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-")


def comma_list(text: str | None) -> list[str]:
    """``"a, b,,c "`` -> ``["a", "b", "c"]``."""
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def reference_production_settings(base: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """The exercise's ``production_settings``, as the instructor solution writes it."""
    secret_key = env.get("DJANGO_SECRET_KEY")
    if not secret_key:
        raise ValueError("DJANGO_SECRET_KEY is not set")
    if weak_secret_key(secret_key):
        raise ValueError("DJANGO_SECRET_KEY is too weak: 50+ random characters, not django-insecure-")
    fallbacks = comma_list(env.get("DJANGO_SECRET_KEY_FALLBACKS"))
    if any(weak_secret_key(key) for key in fallbacks):
        raise ValueError("a key in DJANGO_SECRET_KEY_FALLBACKS is too weak")
    hosts = comma_list(env.get("DJANGO_ALLOWED_HOSTS"))
    if not hosts:
        raise ValueError("DJANGO_ALLOWED_HOSTS is not set")
    if any("*" in host for host in hosts):
        raise ValueError("DJANGO_ALLOWED_HOSTS may not hold wildcards ('*')")

    values = copy.deepcopy(dict(base))
    middleware = list(values.get("MIDDLEWARE", []))
    if REQUIRED_MIDDLEWARE[0] not in middleware:
        middleware.insert(0, REQUIRED_MIDDLEWARE[0])
    for name in REQUIRED_MIDDLEWARE[1:]:
        if name not in middleware:
            middleware.append(name)
    values.update({
        "DEBUG": False,
        "SECRET_KEY": secret_key,
        "SECRET_KEY_FALLBACKS": fallbacks,
        "ALLOWED_HOSTS": hosts,
        "MIDDLEWARE": middleware,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "X_FRAME_OPTIONS": "DENY",
    })
    values.pop("SILENCED_SYSTEM_CHECKS", None)
    return values
