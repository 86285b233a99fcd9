from django.contrib import admin

from seclab.topics.django.project.documents.models import Document

admin.site.register(Document)
