"""Public reads of site content, and the home page's counters. Every query is scoped to one
site; another site's row is "not found"."""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from deliberation.agencies.models import Agency
from deliberation.agencies.permissions import can_administer
from deliberation.agencies.selectors import city
from deliberation.errors import NotFound

from .models import (
    FaqEntry,
    FeaturedDebate,
    Notice,
    PageKind,
    ParticipationEvent,
    Question,
    SiteEvent,
    SitePage,
)

# The home page's counters cover a rolling window of two years (DOMAIN.md: "proposals,
# supported proposals, debates, executions in the last two years"), all four alike.
COUNTER_WINDOW = timedelta(days=730)


# --- notices, FAQ --------------------------------------------------------------------------
def public_notices(*, site: Agency) -> QuerySet[Notice]:
    """Public notices whose publication time has come, pinned first, newest next."""
    return Notice.objects.filter(agency=site, is_public=True, published_at__lte=timezone.now()).order_by(
        "-pinned", "-published_at", "-id")


def notice_on_site(*, site: Agency, pk) -> Notice:
    try:
        return public_notices(site=site).get(pk=pk)
    except (Notice.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def public_faq(*, site: Agency) -> list[tuple[str, list[FaqEntry]]]:
    """The public FAQ grouped by category (in category order, entries by position)."""
    groups: dict[str, list[FaqEntry]] = {}
    for entry in FaqEntry.objects.filter(agency=site, is_public=True).order_by("category", "position", "id"):
        groups.setdefault(entry.category, []).append(entry)
    return list(groups.items())


# --- Q&A board -----------------------------------------------------------------------------
def _readable_questions(*, site: Agency, viewer) -> QuerySet[Question]:
    qs = Question.objects.filter(agency=site).select_related("author")
    if can_administer(viewer, site):
        return qs
    shown = Q(is_public=True, is_private=False)
    if viewer is not None and viewer.is_authenticated:
        shown |= Q(author=viewer)  # the asker always reads their own, private or hidden
    return qs.filter(shown)


def board_questions(*, site: Agency, viewer, state: str = "") -> QuerySet[Question]:
    """The Q&A board: every question the viewer may read, newest first; `state` is "waiting",
    "answered" or "" for both."""
    qs = _readable_questions(site=site, viewer=viewer)
    if state == "waiting":
        qs = qs.filter(answered_at__isnull=True)
    elif state == "answered":
        qs = qs.filter(answered_at__isnull=False)
    return qs.order_by("-created_at", "-id")


def question_on_site(*, site: Agency, pk, viewer) -> Question:
    try:
        return _readable_questions(site=site, viewer=viewer).get(pk=pk)
    except (Question.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# --- events calendar, participation events -------------------------------------------------
@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str | None, today: date) -> "Month":
        try:
            year, month = (int(part) for part in (value or "").split("-"))
            if 1 <= month <= 12 and 2000 <= year <= 2100:
                return cls(year, month)
        except ValueError:
            pass
        return cls(today.year, today.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def shifted(self, months: int) -> "Month":
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def public_events(*, site: Agency) -> QuerySet[SiteEvent]:
    return SiteEvent.objects.filter(agency=site, is_public=True).order_by("starts_at", "id")


def events_in_month(*, site: Agency, month: Month) -> QuerySet[SiteEvent]:
    """Public events whose period overlaps the month (in the site's time zone)."""
    return public_events(site=site).filter(
        starts_at__lt=_day_start(month.last + timedelta(days=1)), ends_at__gte=_day_start(month.first))


def upcoming_events(*, site: Agency, limit: int = 5) -> list[SiteEvent]:
    """Events not yet over (upcoming or in progress), soonest first."""
    return list(public_events(site=site).filter(ends_at__gt=timezone.now())[:limit])


def event_on_site(*, site: Agency, pk) -> SiteEvent:
    try:
        return public_events(site=site).get(pk=pk)
    except (SiteEvent.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def public_participation_events(*, site: Agency) -> QuerySet[ParticipationEvent]:
    return ParticipationEvent.objects.filter(agency=site, is_public=True).order_by("-starts_at", "-id")


def participation_event_on_site(*, site: Agency, pk) -> ParticipationEvent:
    try:
        return public_participation_events(site=site).get(pk=pk)
    except (ParticipationEvent.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# --- terms and privacy ---------------------------------------------------------------------
def site_page(*, site: Agency, kind: str) -> tuple[SitePage | None, bool]:
    """The site's terms or privacy text, else the city's. Returns (page or None, inherited)."""
    if kind not in PageKind.values:
        raise NotFound()
    pages = {p.agency_id: p for p in SitePage.objects.filter(kind=kind, agency__in=[site.pk, city().pk])}
    if site.pk in pages:
        return pages[site.pk], False
    inherited = next((p for agency_id, p in pages.items() if agency_id != site.pk), None)
    return inherited, inherited is not None


# --- the home page -------------------------------------------------------------------------
@dataclass(frozen=True)
class HomeCounters:
    proposals: int
    supported_proposals: int
    debates: int
    executions: int | None  # None: the executions app is not installed, the counter is hidden
    since: datetime


def executions_installed() -> bool:
    return apps.is_installed("deliberation.executions")


def home_counters(*, site: Agency, now: datetime | None = None) -> HomeCounters:
    """Counted from rows over the last two years:

    - proposals: listed (public, not in the trash) proposals filed in the window, by the
      cross-listing rule (the city counts every agency's, an agency its own);
    - supported proposals: those of them that reached the site's answer threshold (their
      review started; a milestone that withdrawals do not undo);
    - debates: the site's own published, visible debates that opened in the window (debates
      are not cross-listed);
    - executions: `deliberation.executions.selectors.executions_count(site, since)` when that
      app is installed, else None."""
    from deliberation.debates.selectors import public_debates
    from deliberation.proposals.selectors import proposals_for_site

    now = now or timezone.now()
    since = now - COUNTER_WINDOW
    proposals = proposals_for_site(site=site).filter(
        is_public=True, trashed_at__isnull=True, created_at__gte=since, created_at__lte=now
    ).aggregate(total=Count("pk"), supported=Count("pk", filter=Q(review_started_at__isnull=False)))
    debates = public_debates(site=site).filter(opens_at__gte=since, opens_at__lte=now).count()
    executions = None
    if executions_installed():
        from deliberation.executions.selectors import executions_count

        executions = executions_count(site, since)
    return HomeCounters(proposals=proposals["total"], supported_proposals=proposals["supported"],
                        debates=debates, executions=executions, since=since)


def featured_debates(*, site: Agency) -> list:
    """The debates the site's admins featured, in their order, while they stay published."""
    from deliberation.debates.selectors import public_debates

    visible = public_debates(site=site).values("pk")
    return [f.debate for f in FeaturedDebate.objects.filter(agency=site, debate__in=visible)
            .select_related("debate").order_by("position", "id")]
