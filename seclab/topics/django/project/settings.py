"""The course's Django project, "Team Documents": its development settings, as a dict.

A ``startproject`` settings module is a list of module-level names; here the same
settings are a function returning a fresh dict, so that a lesson or an exercise can
change a copy without touching anybody else's. These are *development* settings, as a
new project starts out: DEBUG on, a generated ``django-insecure-`` key, no HTTPS. The
key is made at run time (nothing secret is committed).
"""

from __future__ import annotations

import secrets
from typing import Any

PROJECT = "seclab.topics.django.project"
DOCUMENTS_APP = f"{PROJECT}.documents"


def development_settings() -> dict[str, Any]:
    """The project's settings as ``django-admin startproject`` would write them, plus the documents app."""
    return {
        "DEBUG": True,
        "SECRET_KEY": "django-insecure-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": [],
        "INSTALLED_APPS": [
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            DOCUMENTS_APP,
        ],
        "MIDDLEWARE": [
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        "ROOT_URLCONF": f"{PROJECT}.urls",
        "TEMPLATES": [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [],
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ],
                },
            },
        ],
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}},
        "AUTH_PASSWORD_VALIDATORS": [
            {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
            {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
            {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
            {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
        ],
        "LANGUAGE_CODE": "en-us",
        "TIME_ZONE": "UTC",
        "USE_I18N": True,
        "USE_TZ": True,
        "STATIC_URL": "static/",
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "LOGIN_URL": "/accounts/login/",
        "DEFAULT_FROM_EMAIL": "docs@docs.example.com",
    }
