"""The documents app's one model."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Document(models.Model):
    """A document that belongs to one user; only its owner (and staff) may read it."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)

    class Meta:
        app_label = "documents"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title
