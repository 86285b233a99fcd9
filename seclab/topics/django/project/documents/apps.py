from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "seclab.topics.django.project.documents"
    label = "documents"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Team documents"
