"""Back-office reads on site content: one filtered list per kind (text, state, visibility,
dates), its columns and row values for the screen and the Excel export. A page costs one
query for its rows (plus the paginator's count); states are conditions on the columns."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency

from .admin_services import MODELS
from .models import EventState, QuestionState

PAGE_SIZE = 50
SEARCH_MAX = 100


@dataclass(frozen=True)
class Filters:
    q: str = ""
    state: str = ""
    visibility: str = ""  # "public", "hidden" or ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class KindSpec:
    key: str
    title: str  # the screen's heading
    search: tuple[str, ...]
    date_field: str  # what the date filter selects on
    date_label: str
    states: tuple = ()
    columns: tuple[Column, ...] = ()


_TITLE, _PUBLIC, _CREATED = Column("title", _("Title")), Column("public", _("Public")), Column("created", _("Created"))
PERIOD_STATES = ((EventState.UPCOMING, EventState.UPCOMING.label), (EventState.IN_PROGRESS, EventState.IN_PROGRESS.label),
                 (EventState.CLOSED, EventState.CLOSED.label))
SPECS = {
    "notices": KindSpec(
        "notices", _("Notices"), ("title", "body"), "published_at", _("Published"),
        states=(("published", _("published")), ("scheduled", _("scheduled"))),
        columns=(Column("number", _("No.")), _TITLE, Column("pinned", _("Pinned")), Column("state", _("State")),
                 _PUBLIC, Column("published_at", _("Published at")), _CREATED)),
    "faq": KindSpec(
        "faq", _("FAQ"), ("question", "answer", "category"), "created_at", _("Created"),
        columns=(Column("number", _("No.")), Column("category", _("Category")), Column("position", _("Position")),
                 Column("title", _("Question")), _PUBLIC, _CREATED)),
    "events": KindSpec(
        "events", _("Events calendar"), ("title", "place", "body"), "starts_at", _("Period"),
        states=PERIOD_STATES,
        columns=(Column("number", _("No.")), _TITLE, Column("place", _("Place")), Column("state", _("State")),
                 Column("starts_at", _("Starts")), Column("ends_at", _("Ends")), _PUBLIC, _CREATED)),
    "participation": KindSpec(
        "participation", _("Participation events"), ("title", "body", "winners"), "starts_at", _("Period"),
        states=(*PERIOD_STATES, (EventState.ANNOUNCED, EventState.ANNOUNCED.label)),
        columns=(Column("number", _("No.")), _TITLE, Column("state", _("State")), Column("starts_at", _("Starts")),
                 Column("ends_at", _("Ends")), Column("announces_at", _("Winners announced on")), _PUBLIC,
                 _CREATED)),
    "questions": KindSpec(
        "questions", _("Q&A"), ("title", "body", "answer"), "created_at", _("Asked"),
        states=tuple(QuestionState.choices),
        columns=(Column("number", _("No.")), _TITLE, Column("author", _("Asked by")), Column("state", _("State")),
                 Column("private", _("Private question")), _PUBLIC, Column("created", _("Asked")),
                 Column("answered_at", _("Answered at")))),
}


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _state_q(kind: str, state: str, now: datetime) -> Q:
    if kind == "notices":
        return {"published": Q(published_at__lte=now), "scheduled": Q(published_at__gt=now)}.get(state, Q())
    if kind == "questions":
        return {QuestionState.WAITING: Q(answered_at__isnull=True),
                QuestionState.ANSWERED: Q(answered_at__isnull=False)}.get(state, Q())
    if kind in ("events", "participation"):
        announced = Q(announces_at__lte=now) & ~Q(winners="") if kind == "participation" else Q(pk__in=[])
        return {
            EventState.UPCOMING: ~announced & Q(starts_at__gt=now),
            EventState.IN_PROGRESS: ~announced & Q(starts_at__lte=now, ends_at__gt=now),
            EventState.CLOSED: ~announced & Q(ends_at__lte=now),
            EventState.ANNOUNCED: announced,
        }.get(state, Q())
    return Q()


def admin_items(*, site: Agency, kind: str, filters: Filters) -> QuerySet:
    """The site's own rows of one kind under the filters. Questions: waiting first (oldest
    first, the order to answer them), then the answered, latest answer first."""
    spec = SPECS[kind]
    qs = MODELS[kind].objects.filter(agency=site)
    if filters.q:
        for word in filters.q.split()[:5]:
            match = Q()
            for field in spec.search:
                match |= Q(**{f"{field}__icontains": word})
            qs = qs.filter(match)
    if filters.state:
        qs = qs.filter(_state_q(kind, filters.state, timezone.now()))
    if filters.visibility:
        qs = qs.filter(is_public=filters.visibility == "public")
    end_field = "ends_at" if kind in ("events", "participation") else spec.date_field
    if filters.date_from:
        qs = qs.filter(**{f"{end_field}__gte": _day_start(filters.date_from)})
    if filters.date_to:
        qs = qs.filter(**{f"{spec.date_field}__lt": _day_start(filters.date_to + timedelta(days=1))})
    if kind == "questions":
        return qs.select_related("author").order_by(F("answered_at").desc(nulls_first=True), "created_at", "id")
    if kind == "faq":
        return qs.order_by("category", "position", "id")
    if kind == "notices":
        return qs.order_by("-pinned", "-published_at", "-id")
    return qs.order_by("-starts_at", "-id")


def row_values(kind: str, item, now: datetime) -> dict:
    """One row as the list and the export show it (text, numbers, datetimes)."""
    yes, no = str(_("yes")), str(_("no"))
    values = {"number": item.pk, "public": yes if item.is_public else no, "created": item.created_at}
    if kind == "notices":
        values.update(title=item.title, pinned=yes if item.pinned else no, published_at=item.published_at,
                      state=str(_("published") if item.published_at <= now else _("scheduled")))
    elif kind == "faq":
        values.update(title=item.question, category=item.category, position=item.position)
    elif kind == "events":
        values.update(title=item.title, place=item.place, state=str(EventState(item.state_at(now)).label),
                      starts_at=item.starts_at, ends_at=item.ends_at)
    elif kind == "participation":
        values.update(title=item.title, state=str(EventState(item.state_at(now)).label), starts_at=item.starts_at,
                      ends_at=item.ends_at, announces_at=item.announces_at)
    elif kind == "questions":
        values.update(title=item.title, author=str(item.author), state=str(item.get_state_display()),
                      private=yes if item.is_private else no, answered_at=item.answered_at)
    return values
