"""The documents app's views, fixed: what a Django developer should write.

The vulnerable twins live in ``seclab.topics.django.targets`` (and, for reading, in the
lesson's cells tagged ``insecure``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from seclab.topics.django.project.documents.models import Document

#: the salt of share links: a signature made for something else is never a share link
SHARE_SALT = "documents.share"


def as_json(document: Document) -> dict[str, Any]:
    return {"id": document.id, "title": document.title, "body": document.body}


def visible_documents(user: Any) -> Any:
    """What ``user`` may read: staff everything, everybody else their own documents."""
    if user.is_staff:
        return Document.objects.all()
    return Document.objects.filter(owner=user)


@require_GET
@login_required
def document_detail(request: HttpRequest, doc_id: int) -> HttpResponse:
    """The document as JSON for its owner or staff; Http404 for anybody else and for a missing one."""
    document = get_object_or_404(visible_documents(request.user), pk=doc_id)
    return JsonResponse(as_json(document))


@require_GET
@login_required
def search(request: HttpRequest) -> HttpResponse:
    """The caller's documents whose title contains ``?q=`` (the ORM writes the SQL, with parameters)."""
    query = request.GET.get("q", "")
    found = visible_documents(request.user).filter(title__icontains=query)
    return JsonResponse({"results": [as_json(document) for document in found]})


@require_POST
@login_required
def create_document(request: HttpRequest) -> HttpResponse:
    """Create a document owned by the caller from the form fields ``title`` and ``body``."""
    title = request.POST.get("title", "").strip()[:200]
    if not title:
        return JsonResponse({"error": "title is required"}, status=400)
    document = Document.objects.create(owner=request.user, title=title, body=request.POST.get("body", ""))
    return JsonResponse(as_json(document), status=201)


def share_token(document: Document) -> str:
    """A signed, read-only link token for ``document`` (signed with SECRET_KEY)."""
    return signing.dumps({"doc": document.id}, salt=SHARE_SALT)


@require_GET
def shared_document(request: HttpRequest, token: str) -> HttpResponse:
    """Whoever holds a valid share token may read that one document; a bad signature is a 404."""
    try:
        data = signing.loads(token, salt=SHARE_SALT, max_age=7 * 24 * 3600)
    except signing.BadSignature:
        raise Http404("no such shared document") from None
    return JsonResponse(as_json(get_object_or_404(Document, pk=data["doc"])))


def comment_html(text: str) -> str:
    """A comment as HTML: the template engine escapes it (autoescape) and turns line breaks into <br>."""
    return render_to_string("documents/comment.html", {"text": text})


@require_GET
def preview_comment(request: HttpRequest) -> HttpResponse:
    return HttpResponse(comment_html(request.GET.get("text", "")))
