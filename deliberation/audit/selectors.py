from django.db.models import QuerySet

from .models import AuditEntry


def audit_log(*, agency) -> QuerySet[AuditEntry]:
    """An agency's entries; the city's admins see the city's own (each site is its own)."""
    return AuditEntry.objects.filter(agency=agency).select_related("actor")
