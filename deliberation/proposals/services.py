"""Writes on proposals: filing, supports and the milestones they cross, comments' effect on
counters, views, and the clock's sweep. Every write that changes what a page shows announces
it after commit (the proposal and the list of its agency's site and the city's)."""

import re
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.sanctions import ensure_may_take_part
from deliberation.agencies.models import Agency
from deliberation.agencies.selectors import city_id
from deliberation.announcements import Kind, announce_change
from deliberation.audit.services import record
from deliberation.errors import NotFound
from deliberation.events import Event, emit
from deliberation.text import plain_text, single_line

from .errors import (
    AgencyClosed, AlreadySupported, InvalidProposal, NotSupported, NotWithdrawable, ProposalClosed,
)
from .models import PartnerSupport, PolicyCategory, Proposal, Review, Support, Theme
from .payloads import proposal_data, review_data, threshold_data

MAX_THEMES = 5
THEME_MAX = 30
_THEME_SPLIT = re.compile(r"[\s,]+")
_THEME_VALID = re.compile(r"^\w+$")

# A promoted proposal's debate is created as a draft with this period; the agency admin
# edits it and publishes.
PROMOTED_DEBATE_STARTS_AFTER = timedelta(days=7)
PROMOTED_DEBATE_LASTS = timedelta(days=14)


def announce_proposal(proposal: Proposal, *, comments: bool = False) -> None:
    """The proposal's counts and the lists of its sites; with `comments`, its comment stream
    too (kept apart so that a support does not resend every comment to every viewer)."""
    announce_change(Kind.PROPOSAL, agency_id=proposal.agency_id, object_id=proposal.pk)
    if comments:
        announce_change(Kind.PROPOSAL_COMMENTS, agency_id=proposal.agency_id, object_id=proposal.pk)
    announce_change(Kind.SITE_PROPOSALS, agency_id=proposal.agency_id, object_id=proposal.agency_id)
    city = city_id()
    if proposal.agency_id != city:
        announce_change(Kind.SITE_PROPOSALS, agency_id=city, object_id=city)


def parse_themes(raw: str) -> list[str]:
    """'#자전거도로 #모유수유, 교통' → ['자전거도로', '모유수유', '교통']; raises InvalidProposal."""
    names = []
    for token in _THEME_SPLIT.split(raw or ""):
        name = token.lstrip("#")
        if not name:
            continue
        if len(name) > THEME_MAX or not _THEME_VALID.match(name):
            raise InvalidProposal({"themes": [
                f"'{token[:40]}': a theme is one word of letters or digits, up to {THEME_MAX} characters."
            ]})
        if name not in names:
            names.append(name)
    if len(names) > MAX_THEMES:
        raise InvalidProposal({"themes": [f"Use at most {MAX_THEMES} themes."]})
    return names


@transaction.atomic
def file_proposal(
    *, agency: Agency, author, title: str, body: str, policy_category: str = PolicyCategory.OTHER,
    district: str = "", themes: list[str] | str = (), is_offline: bool = False,
    offline_author_name: str = "", offline_source: str = "", partner_platform: str = "",
    external_author_id: str = "", external_author_name: str = "", now=None,
) -> Proposal:
    """Files a proposal on an agency's site (the city is an agency too). Raises AgencyClosed
    or InvalidProposal (with per-field messages) and stores nothing then.

    A partner platform files through the open API with `partner_platform` (its name) and its
    own user's id and display name; `author` is then the agency's partner account."""
    if not agency.is_active:
        raise AgencyClosed()
    ensure_may_take_part(user=author, agency_id=agency.pk)
    if isinstance(themes, str):
        themes = parse_themes(themes)
    now = now or timezone.now()
    proposal = Proposal(
        agency=agency, author=author, title=single_line(title or ""), body=plain_text(body or ""),
        policy_category=policy_category, district=district or "",
        is_offline=is_offline, offline_author_name=single_line(offline_author_name),
        offline_source=single_line(offline_source),
        partner_platform=single_line(partner_platform), external_author_id=single_line(external_author_id),
        external_author_name=single_line(external_author_name),
        created_at=now, last_activity_at=now,
        closes_at=now + timedelta(days=agency.support_period_days),
    )
    try:
        proposal.full_clean(exclude=["author", "agency"])
    except ValidationError as exc:
        raise InvalidProposal(exc.message_dict) from None
    if proposal.partner_platform and not proposal.external_author_id:
        raise InvalidProposal({"external_author_id": [_("The partner platform's user id is required.")]})
    proposal.save()
    if themes:
        proposal.themes.set([Theme.objects.get_or_create(name=name)[0] for name in themes])
    if is_offline:
        record(agency=agency, actor=author, action="proposal.offline_filed", target=proposal,
               after={"offline_source": proposal.offline_source, "offline_author_name": proposal.offline_author_name})
    if proposal.partner_platform:
        record(agency=agency, actor=None, action="proposal.partner_filed", target=proposal,
               after={"partner_platform": proposal.partner_platform,
                      "external_author_id": proposal.external_author_id})
    emit(Event.PROPOSAL_FILED, agency_id=agency.pk, payload=lambda: {"proposal": proposal_data(proposal, now=now)})
    announce_proposal(proposal)
    return proposal


@transaction.atomic
def withdraw_partner_proposal(*, proposal_id: int, agency: Agency, via: str = "", now=None) -> Proposal:
    """The partner platform withdraws a proposal it filed, while its support period is open:
    the proposal becomes private (it leaves every list) and `withdrawn_at` says why. Another
    agency's proposal is "not found"; one not filed through the API, already withdrawn or
    past its period is refused. Audited with `via` (the API key's label)."""
    now = now or timezone.now()
    proposal = _locked_listed_proposal(proposal_id, agency, own_only=True)
    if not proposal.partner_platform:
        raise NotWithdrawable()
    if proposal.phase_at(now) != "open":
        raise ProposalClosed()
    proposal.withdrawn_at = now
    proposal.is_public = False
    Proposal.objects.filter(pk=proposal.pk).update(withdrawn_at=now, is_public=False)
    record(agency=proposal.agency, actor=None, action="proposal.withdrawn", target=proposal,
           before={"is_public": True, "withdrawn_at": None},
           after={"is_public": False, "withdrawn_at": now.isoformat(), "via": via})
    announce_proposal(proposal, comments=True)
    return proposal


MAX_PARTNER_BATCH = 1000


@transaction.atomic
def add_partner_supports(*, proposal_id: int, agency: Agency, external_ids: list[str], batch: str = "",
                         now=None) -> tuple[Proposal, int]:
    """Adds supports collected on the agency's partner platform, one per external user id.
    An id already counted for this proposal is skipped, so a resent or overlapping batch
    never counts a supporter twice. They count toward the thresholds like supports made here
    (Proposal.total_supports). Returns the proposal and how many were new."""
    now = now or timezone.now()
    ids = []
    for raw in external_ids:
        value = str(raw).strip()
        if not value or len(value) > PartnerSupport.EXTERNAL_ID_MAX or "\x00" in value:
            raise InvalidProposal({"external_ids": [_("Each id is 1 to 100 characters.")]})
        if value not in ids:
            ids.append(value)
    if not ids or len(ids) > MAX_PARTNER_BATCH:
        raise InvalidProposal({"external_ids": [_("Send 1 to 1000 ids.")]})
    proposal = _locked_listed_proposal(proposal_id, agency, own_only=True)
    if not proposal.agency.is_active:
        raise AgencyClosed()
    if proposal.phase_at(now) != "open":
        raise ProposalClosed()
    # The row lock serializes every writer of this proposal's supports: no race between the
    # read of known ids and the insert (the unique constraint backs it anyway).
    known = set(PartnerSupport.objects.filter(proposal=proposal, external_id__in=ids).values_list("external_id", flat=True))
    new = [PartnerSupport(proposal=proposal, external_id=i, batch=batch[:40], created_at=now)
           for i in ids if i not in known]
    PartnerSupport.objects.bulk_create(new)
    if new:
        proposal.partner_support_count += len(new)
        proposal.last_activity_at = now
        Proposal.objects.filter(pk=proposal.pk).update(
            partner_support_count=F("partner_support_count") + len(new), last_activity_at=now
        )
        _cross_milestones(proposal, now)
        announce_proposal(proposal)
    return proposal, len(new)


def _locked_listed_proposal(proposal_id: int, site: Agency | None = None, *, own_only: bool = False) -> Proposal:
    """The proposal, row-locked for this transaction, if it is listed (and, given a site,
    shown there by the cross-listing rule). select_for_update serializes the supporters of one
    proposal on PostgreSQL; SQLite runs IMMEDIATE transactions (settings), which serialize
    every writer."""
    try:
        proposal = Proposal.objects.select_for_update(of=("self",), no_key=True).select_related("agency").get(pk=proposal_id)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not proposal.is_listed or (site is not None and not site.is_city and proposal.agency_id != site.pk):
        raise NotFound()
    if own_only and proposal.agency_id != site.pk:
        raise NotFound()
    return proposal


def _insert_support(proposal: Proposal, citizen, now) -> bool:
    """One INSERT … ON CONFLICT DO NOTHING RETURNING: whether this citizen's support is new.
    The unique constraint decides, in one round trip, while the proposal row is locked."""
    table = connection.ops.quote_name(Support._meta.db_table)
    created = Support._meta.get_field("created_at").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        # bandit B608 is a false positive: the table name is the model's, every value a parameter.
        cursor.execute(
            f"INSERT INTO {table} (proposal_id, citizen_id, created_at) VALUES (%s, %s, %s) "  # nosec B608
            "ON CONFLICT (proposal_id, citizen_id) DO NOTHING RETURNING id",
            [proposal.pk, citizen.pk, created],
        )
        return cursor.fetchone() is not None


@transaction.atomic
def support(*, proposal_id: int, citizen, site: Agency | None = None, now=None) -> Proposal:
    """Adds one citizen's support. Crossing the agency's answer threshold starts the review;
    crossing the debate threshold creates the draft debate. Both happen exactly once: the row
    lock makes the crossing a single, ordered event, and the milestone columns are only ever
    set from NULL."""
    now = now or timezone.now()
    proposal = _locked_listed_proposal(proposal_id, site)
    if not proposal.agency.is_active:
        raise AgencyClosed()
    if not proposal.phase_at(now) == "open":
        raise ProposalClosed()
    ensure_may_take_part(user=citizen, agency_id=proposal.agency_id)
    if not _insert_support(proposal, citizen, now):
        raise AlreadySupported()
    proposal.support_count += 1
    proposal.last_activity_at = now
    Proposal.objects.filter(pk=proposal.pk).update(
        support_count=F("support_count") + 1, last_activity_at=now
    )
    _cross_milestones(proposal, now)
    announce_proposal(proposal)
    return proposal


@transaction.atomic
def withdraw_support(*, proposal_id: int, citizen, site: Agency | None = None, now=None) -> Proposal:
    """Withdraws a support while the period is open. Milestones already crossed stay."""
    now = now or timezone.now()
    proposal = _locked_listed_proposal(proposal_id, site)
    if not proposal.phase_at(now) == "open":
        raise ProposalClosed()
    deleted, _ = Support.objects.filter(proposal=proposal, citizen=citizen).delete()
    if not deleted:
        raise NotSupported()
    proposal.support_count -= 1
    Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") - 1)
    announce_proposal(proposal)
    return proposal


def _cross_milestones(proposal: Proposal, now) -> None:
    agency = proposal.agency
    # Supports collected on a partner platform count too (docs/architecture.md, "Open API").
    total = proposal.total_supports
    if proposal.review_started_at is None and total >= agency.answer_threshold:
        start_review(proposal, now=now)
    if proposal.promoted_at is None and total >= agency.debate_threshold:
        promote_to_debate(proposal, now=now)


def start_review(proposal: Proposal, *, now) -> Review:
    """The answer threshold: the proposal enters review with a deadline. Called with the
    proposal row locked."""
    review = Review.objects.create(
        proposal=proposal, started_at=now,
        deadline=now + timedelta(days=proposal.agency.review_deadline_days),
    )
    proposal.review_started_at = now
    Proposal.objects.filter(pk=proposal.pk, review_started_at__isnull=True).update(review_started_at=now)
    record(agency=proposal.agency, actor=None, action="proposal.review_started", target=proposal,
           after={"support_count": proposal.support_count, "deadline": review.deadline.isoformat()})
    # Two events at one moment: partners that only count thresholds subscribe to the first,
    # those that follow the review workflow to the second.
    emit(Event.PROPOSAL_THRESHOLD_REACHED, agency_id=proposal.agency_id,
         payload=lambda: threshold_data(proposal, threshold=proposal.agency.answer_threshold, kind="answer"))
    emit(Event.PROPOSAL_IN_REVIEW, agency_id=proposal.agency_id, payload=lambda: review_data(proposal, review))
    return review


def promote_to_debate(proposal: Proposal, *, now):
    """The debate threshold: a linked debate in draft for the agency admin to publish, and the
    "500 BEST" badge (promoted_at). Called with the proposal row locked."""
    from deliberation.debates.services import create_pro_con_debate

    opens_at = now + PROMOTED_DEBATE_STARTS_AFTER
    debate = create_pro_con_debate(
        agency=proposal.agency, title=proposal.title, body=proposal.body,
        opens_at=opens_at, closes_at=opens_at + PROMOTED_DEBATE_LASTS, publish=False, entry="citizen_debate",
    )
    proposal.promoted_at = now
    proposal.debate = debate
    Proposal.objects.filter(pk=proposal.pk, promoted_at__isnull=True).update(promoted_at=now, debate=debate)
    record(agency=proposal.agency, actor=None, action="proposal.promoted", target=proposal,
           after={"support_count": proposal.support_count, "debate": debate.pk})
    emit(Event.PROPOSAL_PROMOTED, agency_id=proposal.agency_id,
         payload=lambda: threshold_data(proposal, threshold=proposal.agency.debate_threshold, kind="debate"))
    return debate


def close_expired_periods(*, now=None) -> int:
    """The clock's sweep: proposals whose period ended below the answer threshold become
    "failed" (투표탈락). Idempotent: a proposal is marked once, and a second run finds
    nothing. Returns how many it marked."""
    now = now or timezone.now()
    due = Proposal.objects.filter(failed_at__isnull=True, review_started_at__isnull=True, closes_at__lte=now)
    marked = 0
    for proposal in due.select_related("agency").only("pk", "agency", "title").iterator(chunk_size=500):
        with transaction.atomic():
            if Proposal.objects.filter(
                pk=proposal.pk, failed_at__isnull=True, review_started_at__isnull=True
            ).update(failed_at=now):
                marked += 1
                record(agency=proposal.agency, actor=None, action="proposal.failed", target=proposal,
                       after={"failed_at": now.isoformat()})
                announce_proposal(proposal)
    return marked


def record_view(*, proposal: Proposal, visitor_key: str, now=None) -> bool:
    """Counts one view per visitor per day: a cache add (Redis in production) decides, and
    only a first view of the day costs an UPDATE. Returns whether it counted."""
    now = now or timezone.now()
    key = f"proposal-view:{proposal.pk}:{visitor_key}:{now.date().isoformat()}"
    if not cache.add(key, 1, timeout=26 * 3600):
        return False
    Proposal.objects.filter(pk=proposal.pk).update(view_count=F("view_count") + 1)
    return True


def touch_comments(proposal: Proposal, *, delta: int, now=None) -> None:
    """Keeps the comment counter and the activity time; called by the comment services."""
    fields = {"comment_count": F("comment_count") + delta}
    if delta > 0:
        fields["last_activity_at"] = now or timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(**fields)
    announce_proposal(proposal, comments=True)
