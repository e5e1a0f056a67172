"""Citizen proposals (시민제안), their supports (공감) and the review (제안검토) that the answer
threshold starts. Milestones (review started, promoted to a debate, failed) are stored once,
by the services, and never undone; the open/closed phase is derived from the clock."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency, Department

from .districts import District


class PolicyCategory(models.TextChoices):
    TRANSPORT = "transport", _("transport")
    ENVIRONMENT = "environment", _("environment")
    WELFARE = "welfare", _("welfare")
    HOUSING = "housing", _("housing")
    HEALTH = "health", _("health")
    CONSTRUCTION = "construction", _("construction")
    PLANNING = "planning", _("planning")
    OTHER = "other", _("other")


class Phase(models.TextChoices):
    OPEN = "open", _("collecting support")
    CLOSED = "closed", _("support period ended")
    FAILED = "failed", _("failed the vote")


class Theme(models.Model):
    """A hashtag theme (추천테마) such as #자전거도로; stored without the '#'."""

    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"#{self.name}"


class Proposal(models.Model):
    TITLE_MAX = 120
    BODY_MAX = 10_000

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="proposals")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("body"), max_length=BODY_MAX, validators=[MaxLengthValidator(BODY_MAX)])
    policy_category = models.CharField(
        _("policy category"), max_length=20, choices=PolicyCategory.choices,
        default=PolicyCategory.OTHER,
    )
    task_category = models.CharField(_("task category"), max_length=50, blank=True)
    district = models.CharField(_("district"), max_length=20, choices=District.choices, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="proposals", verbose_name=_("themes"))

    # Offline proposals (proposal boxes, workshops) are typed in by staff: the staff member
    # is the author of record, the citizen's name and the source are shown instead.
    is_offline = models.BooleanField(_("offline proposal"), default=False)
    offline_author_name = models.CharField(_("proposer's name"), max_length=50, blank=True)
    offline_source = models.CharField(_("where it was collected"), max_length=100, blank=True)

    # Filed through the open API by a partner platform (구축 기관) on behalf of one of its own
    # users: the author of record is the agency's partner account (integrations.PartnerAccount);
    # the platform's name and its user's id and display name are shown instead ("via …").
    partner_platform = models.CharField(_("partner platform"), max_length=100, blank=True)
    external_author_id = models.CharField(_("partner user id"), max_length=100, blank=True)
    external_author_name = models.CharField(_("partner user name"), max_length=50, blank=True)
    # The partner withdrew it while its support period was open: it is private from then on.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(_("support period ends"))

    # Counters kept in the row (updated with F() in the same transaction as the event) so
    # lists sort and page on them without counting.
    support_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    view_count = models.PositiveIntegerField(default=0)
    # Supports collected on the partner platform: counted apart (one per external supporter,
    # PartnerSupport) and shown apart; they count toward the thresholds (docs/architecture.md).
    partner_support_count = models.PositiveIntegerField(default=0)

    is_public = models.BooleanField(_("public"), default=True)
    trashed_at = models.DateTimeField(null=True, blank=True)
    is_good = models.BooleanField(_("good proposal"), default=False)

    # Milestones: set once, by the service that saw the threshold crossed.
    review_started_at = models.DateTimeField(_("review start"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("promoted to a debate"), null=True, blank=True)
    debate = models.OneToOneField(
        "debates.Debate", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="source_proposal",
    )
    failed_at = models.DateTimeField(_("failed the vote"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="proposal_site_newest_idx"),
            models.Index(fields=["agency", "-support_count"], name="proposal_site_support_idx"),
            models.Index(fields=["agency", "-last_activity_at"], name="proposal_site_active_idx"),
            # The city-wide dashboard counts today's proposals of every agency.
            models.Index(fields=["created_at"], name="proposal_created_idx"),
            models.Index(fields=["closes_at"], condition=Q(failed_at__isnull=True, review_started_at__isnull=True),
                         name="proposal_pending_close_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def phase_at(self, now) -> str:
        if self.failed_at is not None or (now >= self.closes_at and self.review_started_at is None):
            return Phase.FAILED
        if now >= self.closes_at:
            return Phase.CLOSED
        return Phase.OPEN

    @property
    def phase(self) -> str:
        return self.phase_at(timezone.now())

    def get_phase_display(self) -> str:
        return Phase(self.phase).label

    @property
    def is_open(self) -> bool:
        return self.phase == Phase.OPEN

    @property
    def is_listed(self) -> bool:
        """Shown to citizens: public and not in the trash."""
        return self.is_public and self.trashed_at is None

    @property
    def is_best(self) -> bool:
        return self.promoted_at is not None

    @property
    def author_label(self) -> str:
        if self.is_offline and self.offline_author_name:
            return self.offline_author_name
        if self.partner_platform:
            return self.external_author_name or self.external_author_id
        return str(self.author)

    @property
    def is_from_partner(self) -> bool:
        return bool(self.partner_platform)

    @property
    def total_supports(self) -> int:
        """What the thresholds compare: supports here plus those collected by the partner."""
        return self.support_count + self.partner_support_count


class Support(models.Model):
    """One citizen's support (공감). The unique constraint decides double supports."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supports"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "citizen"], name="support_one_per_citizen")
        ]
        # The live dashboard counts the last minute's supports (agencies/dashboard.py).
        indexes = [models.Index(fields=["created_at"], name="support_recent_idx")]


class PartnerSupport(models.Model):
    """One supporter counted on a partner platform, known by that platform's user id. The
    unique constraint makes a resent batch (or an overlapping one) count each supporter once."""

    EXTERNAL_ID_MAX = 100

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="partner_supports")
    external_id = models.CharField(max_length=EXTERNAL_ID_MAX)
    batch = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "external_id"], name="partner_support_once")
        ]


class Reassignment(models.TextChoices):
    NONE = "", _("none")
    PENDING = "pending", _("requested, pending")
    DONE = "done", _("reassigned")


class ReviewResult(models.TextChoices):
    NONE = "", _("not yet decided")
    ADOPTED = "adopted", _("adopted")
    PARTLY_ADOPTED = "partly_adopted", _("partly adopted")
    NOT_ADOPTED = "not_adopted", _("not adopted")
    FURTHER_REVIEW = "further_review", _("further review")


class Review(models.Model):
    """The review (제안검토) a proposal enters at the answer threshold: a lead department must
    answer by the deadline; the agency admin approves the answer before citizens see it."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="review")
    started_at = models.DateTimeField(_("review start"))
    deadline = models.DateTimeField(_("review deadline"))
    lead_department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews",
        verbose_name=_("lead department"),
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    reassignment = models.CharField(
        _("reassignment"), max_length=10, choices=Reassignment.choices, blank=True, default=""
    )
    reassignment_reason = models.CharField(_("reason for reassignment"), max_length=500, blank=True)
    result = models.CharField(
        _("review result"), max_length=20, choices=ReviewResult.choices, blank=True, default=""
    )
    is_decided = models.BooleanField(_("decided proposal"), default=False)

    class Meta:
        indexes = [models.Index(fields=["lead_department", "deadline"], name="review_queue_idx")]

    def __str__(self) -> str:
        return f"review of {self.proposal_id}"


class Decision(models.TextChoices):
    ACCEPT = "accept", _("accept")
    PARTIAL = "partial", _("partially accept")
    REJECT = "reject", _("reject")


class AnswerStatus(models.TextChoices):
    SUBMITTED = "submitted", _("waiting for approval")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("sent back")


class DepartmentAnswer(models.Model):
    """A department's opinion and decision on a proposal under review. Citizens see it only
    once the agency admin approves it."""

    BODY_MAX = 5_000

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="answers")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="answers")
    body = models.TextField(_("department opinion"), max_length=BODY_MAX, validators=[MaxLengthValidator(BODY_MAX)])
    decision = models.CharField(_("department decision"), max_length=10, choices=Decision.choices)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        _("admin approval"), max_length=10, choices=AnswerStatus.choices, default=AnswerStatus.SUBMITTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    return_note = models.CharField(_("why it was sent back"), max_length=500, blank=True)

    class Meta:
        ordering = ["written_at", "id"]
