"""API keys of partner platforms and the stored replies of idempotent writes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency


class Scope(models.TextChoices):
    PROPOSALS_WRITE = "proposals:write", _("file and withdraw proposals")
    SUPPORTS_WRITE = "supports:write", _("add supports collected on the partner platform")
    PRIVATE_READ = "private:read", _("read the agency's non-public proposals and debates")


class ApiKey(models.Model):
    """One agency's key. The secret is never stored: only its SHA-256, found by the public
    prefix (`dsk_<prefix>_<secret>`) and compared in constant time. Revoked keys stay as the
    record of who had access."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    platform_name = models.CharField(
        _("partner platform"), max_length=100,
        help_text=_("Shown on proposals it files, as \"via …\"."),
    )
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class PartnerAccount(models.Model):
    """The author of record of the proposals an agency's partner platform files: one
    inactive account per agency (it cannot log in); the proposal shows the partner's user."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="partner_account")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")


class IdempotencyRecord(models.Model):
    """The first reply to a write sent with an `Idempotency-Key`, per API key, for 24 hours.
    The unique constraint decides which of two concurrent retries does the work."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_once_per_key")
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expiry_idx")]


ACTIVE_KEY = Q(revoked_at__isnull=True)
