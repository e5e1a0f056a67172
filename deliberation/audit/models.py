"""The audit log: every admin action, who did it, when, and the fields before and after."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency


class AuditEntry(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=50)
    target_type = models.CharField(max_length=30)
    target_id = models.PositiveBigIntegerField()
    target_label = models.CharField(max_length=200, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["agency", "-at"], name="audit_agency_recent_idx")]
        verbose_name_plural = _("audit entries")
