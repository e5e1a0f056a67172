"""`manage.py check --deploy` refuses production settings that would quietly run embedded."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.database, deploy=True)
def production_uses_postgresql(app_configs, **kwargs):
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        return [Error(
            "Production must run on PostgreSQL: set DATABASE_URL=postgres://...",
            hint=f"The database engine is {engine}.", id="project.E001",
        )]
    return []


@register(deploy=True)
def production_uses_redis_layer(app_configs, **kwargs):
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if not backend.startswith("channels_redis."):
        return [Error(
            "Production must share its channel layer through Redis: set REDIS_URL=redis://...",
            hint=f"The channel layer is {backend}; it reaches only this process.", id="project.E002",
        )]
    return []
