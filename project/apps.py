from django.apps import AppConfig


class ProjectConfig(AppConfig):
    name = "project"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)
