from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext, gettext_lazy as _


class User(AbstractUser):
    """One account for every agency site. Staff roles per agency live in agencies.Membership;
    `is_platform_admin` is the city-wide administrator (전체관리자)."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    is_platform_admin = models.BooleanField(_("platform admin"), default=False)
    # Set on the placeholder that takes over a deleted account's ballots, supports and texts
    # (accounts.services.delete_account): it is no person and cannot log in.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        if self.deleted_at is not None:
            return gettext("deleted user")
        return self.display_name or self.username
