"""The project's URLconf: the documents app, Django's login and password-reset views, the admin.

``urlconf(views, admin_path)`` builds the same URLconf with some views swapped (the lesson
plugs its vulnerable and fixed twins in) and the admin at another path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: where the admin lives in the shipped project (the lesson moves it)
ADMIN_PATH = "admin/"


def urlpatterns_with(views: Mapping[str, Callable[..., Any]] | None = None,
                     admin_path: str | None = ADMIN_PATH) -> list[Any]:
    """The project's URL patterns; ``views`` replaces views by name, ``admin_path=None`` drops the admin."""
    from django.contrib import admin
    from django.urls import include, path

    from seclab.topics.django.project.documents import views as fixed

    chosen = {"document_detail": fixed.document_detail, "search": fixed.search,
              "create_document": fixed.create_document, "shared_document": fixed.shared_document,
              "preview_comment": fixed.preview_comment}
    views = dict(views or {})
    unknown = set(views) - set(chosen)
    if unknown:
        raise KeyError(f"no view named {sorted(unknown)}; known: {sorted(chosen)}")
    chosen.update(views)
    patterns = [
        path("documents/<int:doc_id>/", chosen["document_detail"], name="document_detail"),
        path("documents/search/", chosen["search"], name="document_search"),
        path("documents/new/", chosen["create_document"], name="document_create"),
        path("documents/shared/<str:token>/", chosen["shared_document"], name="document_shared"),
        path("comments/preview/", chosen["preview_comment"], name="comment_preview"),
        path("accounts/", include("django.contrib.auth.urls")),
    ]
    if admin_path is not None:
        patterns.append(path(admin_path, admin.site.urls))
    return patterns


class URLConf:
    """An object Django accepts as ``ROOT_URLCONF`` (like a urls module): it has ``urlpatterns``."""

    def __init__(self, urlpatterns: list[Any]) -> None:
        self.urlpatterns = urlpatterns

    def __repr__(self) -> str:
        return f"<URLConf with {len(self.urlpatterns)} patterns>"


def urlconf(views: Mapping[str, Callable[..., Any]] | None = None, admin_path: str | None = ADMIN_PATH) -> URLConf:
    """``urlpatterns_with(...)`` as a URLconf object for ``ROOT_URLCONF``."""
    return URLConf(urlpatterns_with(views, admin_path))


def __getattr__(name: str) -> Any:
    """``urlpatterns`` is built on first use, once Django is set up."""
    if name == "urlpatterns":
        return urlpatterns_with()
    raise AttributeError(name)
