"""Site content of one participation site (the city or a partner agency): notices (공지사항),
FAQ, the Q&A board (묻고답하기), the events calendar (행사일정), participation events (참여 이벤트),
the terms and privacy pages, and the debates featured on the home page.

Every row belongs to one agency's site and is shown on that site only. States that depend on
time (an event in progress, a question answered) are derived from the columns, never stored."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency


class SiteContent(models.Model):
    """What every back-office kind shares: its site, its visibility, who made it and when."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    is_public = models.BooleanField(_("public"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Notice(SiteContent):
    TITLE_MAX = 200
    BODY_MAX = 20_000

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"))
    pinned = models.BooleanField(_("pinned to the top"), default=False)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-pinned", "-published_at", "-id"]
        indexes = [models.Index(fields=["agency", "-published_at"], name="notice_site_idx")]

    def __str__(self) -> str:
        return self.title


class FaqEntry(SiteContent):
    QUESTION_MAX = 300
    ANSWER_MAX = 10_000
    CATEGORY_MAX = 50

    question = models.CharField(_("question"), max_length=QUESTION_MAX)
    answer = models.TextField(_("answer"))
    category = models.CharField(_("category"), max_length=CATEGORY_MAX, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["category", "position", "id"]
        verbose_name = _("FAQ entry")

    def __str__(self) -> str:
        return self.question


class QuestionState(models.TextChoices):
    WAITING = "waiting", _("waiting for an answer")
    ANSWERED = "answered", _("answered")


class Question(SiteContent):
    """A citizen's question on the Q&A board and the agency's answer. `is_public` is the
    agency's visibility (hidden by an admin); `is_private` is the asker's choice (only the
    asker and the site's admins read it)."""

    TITLE_MAX = 150
    BODY_MAX = 4_000
    ANSWER_MAX = 10_000

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("question"))
    is_private = models.BooleanField(_("private question"), default=False)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="question_site_idx"),
            models.Index(fields=["author", "-created_at"], name="question_author_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(answered_at__isnull=True) | ~Q(answer=""),
                                   name="question_answered_has_text"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def state(self) -> str:
        return QuestionState.ANSWERED if self.answered_at else QuestionState.WAITING

    def get_state_display(self) -> str:
        return QuestionState(self.state).label


class EventState(models.TextChoices):
    UPCOMING = "upcoming", _("upcoming")
    IN_PROGRESS = "in_progress", _("in progress")
    CLOSED = "closed", _("closed")
    ANNOUNCED = "announced", _("winners announced")


class PeriodMixin(models.Model):
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        abstract = True

    def period_state_at(self, now) -> str:
        if now < self.starts_at:
            return EventState.UPCOMING
        if now < self.ends_at:
            return EventState.IN_PROGRESS
        return EventState.CLOSED

    def get_state_display(self) -> str:
        return EventState(self.state).label


class SiteEvent(PeriodMixin, SiteContent):
    """An entry of the events calendar (행사일정): a meeting, a forum, a workshop."""

    TITLE_MAX = 200
    PLACE_MAX = 200
    BODY_MAX = 10_000

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    place = models.CharField(_("place"), max_length=PLACE_MAX)
    body = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["agency", "starts_at"], name="siteevent_site_idx")]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gte=F("starts_at")), name="siteevent_period_ordered")]

    def __str__(self) -> str:
        return self.title

    def state_at(self, now) -> str:
        return self.period_state_at(now)

    @property
    def state(self) -> str:
        return self.state_at(timezone.now())


class ParticipationEvent(PeriodMixin, SiteContent):
    """A participation event (참여 이벤트): citizens take part during the period; the winners are
    announced on the announcement date (`announces_at`) with the winners' text."""

    TITLE_MAX = 200
    BODY_MAX = 10_000
    WINNERS_MAX = 10_000

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"), blank=True)
    announces_at = models.DateTimeField(_("winners announced on"))
    winners = models.TextField(_("winners"), blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["agency", "-starts_at"], name="partevent_site_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=F("starts_at")), name="partevent_period_ordered"),
            models.CheckConstraint(condition=Q(announces_at__gte=F("ends_at")), name="partevent_announce_after_end"),
        ]

    def __str__(self) -> str:
        return self.title

    def state_at(self, now) -> str:
        """Upcoming, in progress, closed; announced once the date has come and the winners'
        text is there (an announcement date with no text yet stays "closed")."""
        if now >= self.announces_at and self.winners:
            return EventState.ANNOUNCED
        return self.period_state_at(now)

    @property
    def state(self) -> str:
        return self.state_at(timezone.now())


class PageKind(models.TextChoices):
    TERMS = "terms", _("Terms of use")
    PRIVACY = "privacy", _("Privacy policy")


class SitePage(models.Model):
    """The terms or privacy text of one site. An agency without its own text shows the city's."""

    BODY_MAX = 100_000

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("page"), max_length=20, choices=PageKind.choices)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "kind"], name="sitepage_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.agency_id}"


class FeaturedDebate(models.Model):
    """A debate the site's admins put on its home page (the debate is the site's own)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    debate = models.ForeignKey("debates.Debate", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["agency", "debate"], name="featured_debate_once")]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.debate_id}"
