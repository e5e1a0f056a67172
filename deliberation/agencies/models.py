"""Tenants: the city (root site) and its partner agencies, their departments and staff roles."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

CITY_SLUG = "seoul"

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))


class Agency(models.Model):
    """A participation site. The city is the root (`is_city`); every other row is a partner
    agency whose site lives at /a/<slug>/. Policy numbers are per-agency data with defaults."""

    slug = models.SlugField(_("address"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_city = models.BooleanField(default=False, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#1d4ed8", validators=[hex_colour]
    )
    banner_text = models.CharField(_("banner text"), max_length=200, blank=True)
    # The look of the site (환경설정): a title such as "<agency> asks" (empty: the default
    # wording), a logo shown in the header with its text equivalent, a few footer links.
    site_title = models.CharField(_("site title"), max_length=100, blank=True)
    logo = models.FileField(_("logo"), upload_to="agency-logos/", blank=True)
    logo_alt = models.CharField(_("logo description"), max_length=200, blank=True)
    footer_links = models.JSONField(_("footer links"), default=list, blank=True)
    # Policy categories the site offers (values of proposals.PolicyCategory); empty: all of them.
    policy_categories = models.JSONField(_("policy categories offered"), default=list, blank=True)

    support_period_days = models.PositiveSmallIntegerField(_("support period (days)"), default=30)
    answer_threshold = models.PositiveIntegerField(_("supports for a department answer"), default=50)
    debate_threshold = models.PositiveIntegerField(_("supports for a public debate"), default=500)
    review_deadline_days = models.PositiveSmallIntegerField(_("review deadline (days)"), default=20)

    # Moderation: comments with a blocked word, or every comment when pre-moderated, wait for
    # a moderator instead of being published (deliberation/comments/moderation.py).
    premoderation = models.BooleanField(_("pre-moderate every comment"), default=False)
    blocked_words = models.TextField(
        _("blocked words"), blank=True, help_text=_("One word or phrase per line; case is ignored.")
    )

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["-is_city", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_city"], condition=Q(is_city=True), name="agency_single_city"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TaskCategory(models.Model):
    """An agency's own task category (업무분류). Proposals keep the name in their
    `task_category` text field, so a rename here re-labels this agency's proposals."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="task_categories")
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="task_category_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class HiddenTheme(models.Model):
    """A hashtag theme an agency hides from its own site's theme list. Themes are shared rows
    (proposals.Theme): hiding or merging one on a site touches only that site's proposals."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="hidden_themes")
    theme = models.ForeignKey("proposals.Theme", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "theme"], name="hidden_theme_once")
        ]


class PlatformSettings(models.Model):
    """Base settings of the whole platform (전체관리자 기본설정): one row, read with `load()`."""

    platform_name = models.CharField(_("platform name"), max_length=100, default="민주주의 서울")
    default_support_period_days = models.PositiveSmallIntegerField(_("support period (days)"), default=30)
    default_answer_threshold = models.PositiveIntegerField(_("supports for a department answer"), default=50)
    default_debate_threshold = models.PositiveIntegerField(_("supports for a public debate"), default=500)
    default_review_deadline_days = models.PositiveSmallIntegerField(_("review deadline (days)"), default=20)

    class Meta:
        verbose_name = _("platform settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="platform_settings_singleton")]

    @classmethod
    def load(cls) -> "PlatformSettings":
        return cls.objects.get_or_create(pk=1)[0]

    def __str__(self) -> str:
        return self.platform_name


class Department(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("agency admin")
    OFFICER = "officer", _("department officer")
    FACILITATOR = "facilitator", _("facilitator")
    MODERATOR = "moderator", _("moderator")


class Membership(models.Model):
    """A staff role of one user on one agency's site. Citizens need no membership: every
    account may take part on every site (one account, single sign-on)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="officers"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="membership_unique_role"),
            models.CheckConstraint(
                condition=Q(role="officer", department__isnull=False) | ~Q(role="officer"),
                name="membership_officer_has_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.agency} · {self.get_role_display()}"


class SanctionKind(models.TextChoices):
    MUTE = "mute", _("muted: may not comment or post opinions")
    BAN = "ban", _("banned: may not take part at all")


class Sanction(models.Model):
    """A moderator's mute or ban of one user on one agency's site, until a date or until lifted.
    A mute stops comments and opinions; a ban also stops proposals, supports and ballots."""

    REASON_MAX = 200

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="sanctions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions")
    kind = models.CharField(_("kind"), max_length=10, choices=SanctionKind.choices)
    reason = models.CharField(_("reason"), max_length=REASON_MAX)
    until = models.DateTimeField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "user"], name="sanction_lookup_idx")]
        constraints = [
            # One sanction in force per user and site: a new one replaces it (services lift it).
            models.UniqueConstraint(
                fields=["agency", "user"], condition=Q(lifted_at__isnull=True), name="sanction_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id}@{self.agency_id}"
