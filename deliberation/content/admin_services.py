"""Back-office writes on site content: create, edit and delete notices, FAQ entries, calendar
events and participation events; bulk visibility; answer questions; the terms and privacy
texts; the debates featured on the home page.

Every function checks who acts (`can_administer` on the site), validates the whole input
before writing (one InvalidContent with every field's problems), and records an audit entry in
the transaction of the change. Another site's row is "not found"."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency
from deliberation.agencies.permissions import can_administer
from deliberation.audit.services import record, snapshot
from deliberation.errors import NotFound, PermissionDenied
from deliberation.text import plain_text, single_line

from .errors import InvalidContent
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

POSITION_MAX = 32_767
FEATURED_MAX = 6

# The back-office kinds: URL key -> model. Questions are asked by citizens, so the back office
# answers, hides and deletes them but does not create them.
MODELS = {
    "notices": Notice,
    "faq": FaqEntry,
    "events": SiteEvent,
    "participation": ParticipationEvent,
    "questions": Question,
}
CREATABLE = ("notices", "faq", "events", "participation")
FIELDS = {
    "notices": ["title", "body", "pinned", "published_at", "is_public"],
    "faq": ["question", "answer", "category", "position", "is_public"],
    "events": ["title", "place", "starts_at", "ends_at", "body", "is_public"],
    "participation": ["title", "body", "starts_at", "ends_at", "announces_at", "winners", "is_public"],
    "questions": ["title", "body", "is_private", "answer", "answered_at", "is_public"],
}


def _require_admin(user, agency: Agency) -> None:
    if not can_administer(user, agency):
        raise PermissionDenied()


class _Checker:
    """Collects every field's problem, then raises once."""

    def __init__(self, data: dict):
        self.data, self.errors, self.values = data, {}, {}

    def error(self, field: str, message) -> None:
        self.errors.setdefault(field, []).append(message)

    def text(self, field: str, limit: int, *, required=True, multiline=False) -> None:
        value = (plain_text if multiline else single_line)(str(self.data.get(field) or ""))
        if required and not value:
            self.error(field, _("This field is required."))
        elif len(value) > limit:
            self.error(field, _("At most %(n)d characters.") % {"n": limit})
        self.values[field] = value

    def moment(self, field: str, *, required=True) -> None:
        value = self.data.get(field)
        if value is None and not required:
            return
        if not isinstance(value, datetime):
            self.error(field, _("Enter a date and time."))
            return
        self.values[field] = value if timezone.is_aware(value) else timezone.make_aware(value)

    def flag(self, field: str) -> None:
        self.values[field] = bool(self.data.get(field))

    def after(self, later: str, earlier: str, message) -> None:
        if later in self.values and earlier in self.values and self.values[later] < self.values[earlier]:
            self.error(later, message)

    def done(self) -> dict:
        if self.errors:
            raise InvalidContent(self.errors)
        return self.values


def _clean(kind: str, data: dict) -> dict:
    c = _Checker(data)
    if kind == "notices":
        c.text("title", Notice.TITLE_MAX)
        c.text("body", Notice.BODY_MAX, multiline=True)
        c.flag("pinned")
        c.moment("published_at", required=False)
        c.values.setdefault("published_at", timezone.now())
    elif kind == "faq":
        c.text("question", FaqEntry.QUESTION_MAX)
        c.text("answer", FaqEntry.ANSWER_MAX, multiline=True)
        c.text("category", FaqEntry.CATEGORY_MAX, required=False)
        position = data.get("position") or 0
        if not isinstance(position, int) or not 0 <= position <= POSITION_MAX:
            c.error("position", _("Enter a whole number from 0 to %(n)d.") % {"n": POSITION_MAX})
        c.values["position"] = position
    elif kind == "events":
        c.text("title", SiteEvent.TITLE_MAX)
        c.text("place", SiteEvent.PLACE_MAX)
        c.text("body", SiteEvent.BODY_MAX, required=False, multiline=True)
        c.moment("starts_at")
        c.moment("ends_at")
        c.after("ends_at", "starts_at", _("The end is before the start."))
    elif kind == "participation":
        c.text("title", ParticipationEvent.TITLE_MAX)
        c.text("body", ParticipationEvent.BODY_MAX, required=False, multiline=True)
        c.text("winners", ParticipationEvent.WINNERS_MAX, required=False, multiline=True)
        c.moment("starts_at")
        c.moment("ends_at")
        c.moment("announces_at")
        c.after("ends_at", "starts_at", _("The end is before the start."))
        c.after("announces_at", "ends_at", _("The winners are announced after the event ends."))
    else:
        raise NotFound()
    c.flag("is_public")
    return c.done()


def _item(kind: str, site: Agency, pk) -> object:
    model = MODELS.get(kind)
    if model is None:
        raise NotFound()
    try:
        return model.objects.select_for_update().get(pk=pk, agency=site)
    except (model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


@transaction.atomic
def save_item(*, actor, site: Agency, kind: str, data: dict, pk=None):
    """Create (no pk) or edit one notice, FAQ entry, event or participation event."""
    _require_admin(actor, site)
    if kind not in CREATABLE:
        raise NotFound()
    values = _clean(kind, data)
    if pk is None:
        extra = {"created_by": actor} if kind == "notices" else {}
        item = MODELS[kind].objects.create(agency=site, **values, **extra)
        record(agency=site, actor=actor, action=f"content.{kind}.create", target=item,
               after=snapshot(item, FIELDS[kind]))
        return item
    item = _item(kind, site, pk)
    before = snapshot(item, FIELDS[kind])
    for name, value in values.items():
        setattr(item, name, value)
    item.save()
    record(agency=site, actor=actor, action=f"content.{kind}.edit", target=item, before=before,
           after=snapshot(item, FIELDS[kind]))
    return item


@transaction.atomic
def delete_item(*, actor, site: Agency, kind: str, pk) -> None:
    _require_admin(actor, site)
    item = _item(kind, site, pk)
    record(agency=site, actor=actor, action=f"content.{kind}.delete", target=item,
           before=snapshot(item, FIELDS[kind]))
    item.delete()


@transaction.atomic
def set_visibility(*, actor, site: Agency, kind: str, ids, public: bool) -> int:
    """Make the selected rows of this site public or hidden; returns how many changed. Rows of
    another site are not touched (and not counted)."""
    _require_admin(actor, site)
    model = MODELS.get(kind)
    if model is None:
        raise NotFound()
    changed = 0
    for item in model.objects.select_for_update().filter(agency=site, pk__in=list(ids)).order_by("pk"):
        if item.is_public == public:
            continue
        item.is_public = public
        item.save(update_fields=["is_public", "updated_at"])
        record(agency=site, actor=actor, action=f"content.{kind}.{'show' if public else 'hide'}", target=item,
               before={"is_public": not public}, after={"is_public": public})
        changed += 1
    return changed


@transaction.atomic
def answer_question(*, actor, site: Agency, question_id, answer: str) -> Question:
    """The agency's answer; answering again edits the text and keeps the first answer's time."""
    _require_admin(actor, site)
    question = _item("questions", site, question_id)
    text = plain_text(answer or "")
    if not text:
        raise InvalidContent({"answer": [_("Write the answer.")]})
    if len(text) > Question.ANSWER_MAX:
        raise InvalidContent({"answer": [_("At most %(n)d characters.") % {"n": Question.ANSWER_MAX}]})
    before = snapshot(question, FIELDS["questions"])
    question.answer = text
    question.answered_at = question.answered_at or timezone.now()
    question.answered_by = actor
    question.save(update_fields=["answer", "answered_at", "answered_by", "updated_at"])
    record(agency=site, actor=actor, action="content.questions.answer", target=question, before=before,
           after=snapshot(question, FIELDS["questions"]))
    return question


@transaction.atomic
def save_site_page(*, actor, site: Agency, kind: str, body: str) -> SitePage | None:
    """The site's own terms or privacy text. An empty text removes it, so the site shows the
    city's again (returns None)."""
    _require_admin(actor, site)
    if kind not in PageKind.values:
        raise NotFound()
    text = plain_text(body or "")
    if len(text) > SitePage.BODY_MAX:
        raise InvalidContent({"body": [_("At most %(n)d characters.") % {"n": SitePage.BODY_MAX}]})
    page = SitePage.objects.select_for_update().filter(agency=site, kind=kind).first()
    before = {"body": page.body} if page else {}
    if not text:
        if page is not None:
            record(agency=site, actor=actor, action=f"content.page.{kind}.remove", target=page, before=before)
            page.delete()
        return None
    if page is None:
        page = SitePage.objects.create(agency=site, kind=kind, body=text)
    else:
        page.body = text
        page.save(update_fields=["body", "updated_at"])
    record(agency=site, actor=actor, action=f"content.page.{kind}.save", target=page, before=before,
           after={"body": text})
    return page


@transaction.atomic
def set_featured_debates(*, actor, site: Agency, debate_ids: list[int]) -> list[FeaturedDebate]:
    """Replace the home page's featured debates with these, in this order (the site's own
    published debates only, at most FEATURED_MAX)."""
    from deliberation.debates.selectors import public_debates

    _require_admin(actor, site)
    ids = list(dict.fromkeys(int(pk) for pk in debate_ids))
    if len(ids) > FEATURED_MAX:
        raise InvalidContent({"debates": [_("Feature at most %(n)d debates.") % {"n": FEATURED_MAX}]})
    known = set(public_debates(site=site).filter(pk__in=ids).values_list("pk", flat=True))
    if set(ids) - known:
        raise InvalidContent({"debates": [_("A selected debate is not a published debate of this site.")]})
    existing = FeaturedDebate.objects.select_for_update().filter(agency=site)
    before = {"debates": list(existing.order_by("position").values_list("debate_id", flat=True))}
    existing.delete()
    rows = FeaturedDebate.objects.bulk_create(
        FeaturedDebate(agency=site, debate_id=pk, position=i) for i, pk in enumerate(ids))
    record(agency=site, actor=actor, action="content.featured.set", target=site, before=before,
           after={"debates": ids})
    return rows
