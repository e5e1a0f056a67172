"""Citizen proposals (시민제안). The foundation keeps only what the demo and the cross-listing
rule need; supports, thresholds and review arrive with the proposals issue."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency


class PolicyCategory(models.TextChoices):
    TRANSPORT = "transport", _("transport")
    ENVIRONMENT = "environment", _("environment")
    WELFARE = "welfare", _("welfare")
    HOUSING = "housing", _("housing")
    HEALTH = "health", _("health")
    CONSTRUCTION = "construction", _("construction")
    PLANNING = "planning", _("planning")
    OTHER = "other", _("other")


class Proposal(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="proposals")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    policy_category = models.CharField(
        _("policy category"), max_length=20, choices=PolicyCategory.choices,
        default=PolicyCategory.OTHER,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "-created_at"], name="proposal_site_newest_idx")]

    def __str__(self) -> str:
        return self.title
