from django.db import models

from .models import AuditEntry


def _jsonable(value):
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """The listed fields of a row as JSON-ready values, for an entry's before/after."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def record(*, agency, actor, action: str, target: models.Model, before: dict | None = None,
           after: dict | None = None) -> AuditEntry:
    """Called by services inside the transaction of the change: the entry and the change
    land together or not at all."""
    return AuditEntry.objects.create(
        agency=agency, actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action, target_type=target._meta.model_name, target_id=target.pk,
        target_label=str(target)[:200], before=before or {}, after=after or {},
    )
