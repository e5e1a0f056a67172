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


class Entry(models.TextChoices):
    """The two entry points that share one model."""

    CITIZEN_DEBATE = "citizen_debate", _("citizen debate")
    AGENCY_ASKS = "agency_asks", _("the agency asks")


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
    entry = models.CharField(_("entry point"), max_length=20, choices=Entry.choices, default=Entry.AGENCY_ASKS)
    # Multiple choice: a ballot picks between 1 and max_choices options ("최대 3개 선택").
    max_choices = models.PositiveSmallIntegerField(_("most options a ballot may pick"), default=1)
    # The status is derived from these and the clock: no job has to flip it on time.
    is_published = models.BooleanField(_("published"), default=False)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    results_published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    tally_visibility = models.CharField(
        _("tally visibility"), max_length=20, choices=TallyVisibility.choices,
        default=TallyVisibility.LIVE,
    )
    # After publication an admin may hide a debate from citizens, or move it to the trash.
    is_hidden = models.BooleanField(_("hidden"), default=False)
    trashed_at = models.DateTimeField(null=True, blank=True)
    result_text = models.TextField(_("the agency's response"), blank=True)
    view_count = models.PositiveIntegerField(default=0)
    # The facilitator screen (진행자 화면): whether the projector shows the numbers, and for a
    # research survey the position of the question the hall (and the phones) are on.
    screen_reveals_results = models.BooleanField(_("results shown on the big screen"), default=False)
    screen_question = models.PositiveSmallIntegerField(_("question on the big screen"), default=0)
    # Every comment on this debate waits for a moderator (the agency may pre-moderate all).
    premoderation = models.BooleanField(_("pre-moderate comments"), default=False)
    similar_proposals = models.ManyToManyField(
        "proposals.Proposal", blank=True, related_name="similar_debates", verbose_name=_("similar proposals")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the clock's sweep told listeners (deliberation/events.py) that the vote opened /
    # closed. Status is derived from the clock; these only make each event happen once.
    opened_event_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_event_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="debate_period_ordered")
        ]
        indexes = [
            # The clock's sweep looks for transitions not yet told (deliberation/events.py).
            models.Index(fields=["opens_at"], name="debate_open_event_due", condition=Q(opened_event_at__isnull=True)),
            models.Index(fields=["closes_at"], name="debate_close_event_due", condition=Q(closed_event_at__isnull=True)),
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


class ResearchQuestion(models.Model):
    """One question of a research survey (리서치형), with its own options."""

    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    required = models.BooleanField(_("required"), default=True)
    max_choices = models.PositiveSmallIntegerField(_("most options an answer may pick"), default=1)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class DebateOption(models.Model):
    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="options")
    # Research options belong to a question; the other types' options to the debate alone.
    question = models.ForeignKey(
        ResearchQuestion, on_delete=models.CASCADE, null=True, blank=True, related_name="options"
    )
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
    # Pro/con: the one option. Multiple choice and research: NULL, the picks are BallotChoice rows.
    option = models.ForeignKey(
        DebateOption, on_delete=models.PROTECT, null=True, blank=True, related_name="ballots"
    )
    other_text = models.CharField(max_length=200, blank=True)
    cast_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["debate", "citizen"], name="ballot_one_per_citizen")
        ]
        indexes = [
            models.Index(fields=["debate", "option"], name="ballot_tally_idx"),
            # The live dashboard counts the last minute's ballots (agencies/dashboard.py).
            models.Index(fields=["cast_at"], name="ballot_recent_idx"),
        ]


class BallotChoice(models.Model):
    """One option picked by a multiple-choice or research ballot; stored with the ballot in
    one transaction (all of a ballot's answers, or none)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(DebateOption, on_delete=models.PROTECT, related_name="choices")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "option"], name="ballot_choice_once")
        ]
        indexes = [models.Index(fields=["option"], name="ballot_choice_tally_idx")]


class Opinion(models.Model):
    """Discussion (토론형): a citizen's opinion; the ranking by support is the result."""

    BODY_MAX = 1_000

    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="opinions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opinions")
    body = models.TextField(_("opinion"), max_length=BODY_MAX)
    support_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-support_count", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["debate", "author"], name="opinion_one_per_citizen")
        ]


class OpinionSupport(models.Model):
    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="supports")
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opinion", "citizen"], name="opinion_support_once")
        ]


class MaterialKind(models.TextChoices):
    TEXT = "text", _("text")
    FILE = "file", _("file")
    LINK = "link", _("link")
    IMAGE = "image", _("card news image")


class DebateMaterial(models.Model):
    """Debate materials (토론자료): text, files, links and card-news images."""

    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(max_length=10, choices=MaterialKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to="debate-materials/%Y/%m/", blank=True)
    alt_text = models.CharField(_("image description"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class OfflineCount(models.Model):
    """One hall count (현장 집계) for one option, entered by the facilitator: a show of hands or
    the paper ballots. A correction never edits a row: the old entry stops being current and
    a new one that `replaces` it is written (both audited); removal only clears `is_current`."""

    LABEL_MAX = 100

    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, related_name="offline_counts")
    option = models.ForeignKey(DebateOption, on_delete=models.CASCADE, related_name="offline_counts")
    count = models.PositiveIntegerField(_("count"))
    label = models.CharField(_("what was counted"), max_length=LABEL_MAX, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)
    is_current = models.BooleanField(default=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by"
    )

    class Meta:
        ordering = ["entered_at", "id"]
        indexes = [models.Index(fields=["debate", "is_current"], name="offline_count_current_idx")]

    def __str__(self) -> str:
        return f"{self.option.label}: {self.count}" if self.option_id else str(self.count)
