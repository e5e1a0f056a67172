"""Debates and polls (시민토론, "<agency> asks"): a question put to citizens for a period."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency


class VoteType(models.TextChoices):
    PRO_CON = "pro_con", _("pro/con")
    DISCUSSION = "discussion", _("discussion")
    RESEARCH = "research", _("research survey")
    MULTIPLE_CHOICE = "multiple_choice", _("multiple choice")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SCHEDULED = "scheduled", _("scheduled")
    IN_PROGRESS = "in_progress", _("in progress")
    CLOSED = "closed", _("closed")
    RESULTS_PUBLISHED = "results_published", _("results published")


class TallyVisibility(models.TextChoices):
    LIVE = "live", _("live during the vote")
    AFTER_RESULTS = "after_results", _("hidden until results are published")


class Debate(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="debates")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    vote_type = models.CharField(
        _("vote type"), max_length=20, choices=VoteType.choices, default=VoteType.PRO_CON
    )
    # The status is derived from these and the clock: no job has to flip it on time.
    is_published = models.BooleanField(_("published"), default=False)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    results_published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    tally_visibility = models.CharField(
        _("tally visibility"), max_length=20, choices=TallyVisibility.choices,
        default=TallyVisibility.LIVE,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="debate_period_ordered")
        ]

    def __str__(self) -> str:
        return self.title

    def status_at(self, now) -> str:
        if not self.is_published:
            return Status.DRAFT
        if self.results_published_at and self.results_published_at <= now:
            return Status.RESULTS_PUBLISHED
        if now < self.opens_at:
            return Status.SCHEDULED
        if now < self.closes_at:
            return Status.IN_PROGRESS
        return Status.CLOSED

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def get_status_display(self) -> str:
        return Status(self.status).label

    @property
    def tally_is_public(self) -> bool:
        return (
            self.tally_visibility == TallyVisibility.LIVE
            or self.status == Status.RESULTS_PUBLISHED
        )


class OptionKind(models.TextChoices):
    FOR = "for", _("for")
    AGAINST = "against", _("against")
    OTHER = "other", _("other")
    CHOICE = "choice", _("choice")


class DebateOption(models.Model):
    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(max_length=10, choices=OptionKind.choices, default=OptionKind.CHOICE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class Ballot(models.Model):
    """One citizen's vote on one debate. The unique constraint, not a read-then-write, is what
    stops a second ballot."""

    debate = models.ForeignKey(Debate, on_delete=models.PROTECT, related_name="ballots")
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ballots"
    )
    option = models.ForeignKey(DebateOption, on_delete=models.PROTECT, related_name="ballots")
    other_text = models.CharField(max_length=200, blank=True)
    cast_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["debate", "citizen"], name="ballot_one_per_citizen")
        ]
        indexes = [models.Index(fields=["debate", "option"], name="ballot_tally_idx")]
