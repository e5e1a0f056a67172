"""The open API's shapes. Output fields are plain JSON; every error reply is `ErrorOut`."""

from datetime import datetime
from typing import Annotated

from django.utils import timezone
from ninja import Field, Schema
from pydantic import StringConstraints

from deliberation.agencies.sites import site_reverse
from deliberation.proposals.models import PolicyCategory

# Query text: no NUL (PostgreSQL refuses it in a string), bounded.
Text = Annotated[str, StringConstraints(max_length=100, pattern=r"^[^\x00]*$")]
Slug = Annotated[str, StringConstraints(max_length=50, pattern=r"^[-a-zA-Z0-9_]*$")]
PathSlug = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class ErrorOut(Schema):
    error: ErrorDetail


ERRORS = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
AUTH_ERRORS = {401: ErrorOut, 403: ErrorOut}
WRITE_ERRORS = {**ERRORS, **AUTH_ERRORS, 409: ErrorOut}


class PageParams(Schema):
    limit: int = Field(20, ge=1, le=100, description="Items per page (1-100).")
    offset: int = Field(0, ge=0, le=1_000_000, description="Items to skip.")


def page(qs, params: PageParams) -> dict:
    return {"count": qs.count(), "limit": params.limit, "offset": params.offset,
            "items": list(qs[params.offset:params.offset + params.limit])}


class AgencyOut(Schema):
    slug: str
    name: str
    is_city: bool
    url: str
    support_period_days: int
    answer_threshold: int
    debate_threshold: int

    @staticmethod
    def resolve_url(obj):
        return site_reverse(obj, "home")


class AgencyPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AgencyOut]


class ProposalOut(Schema):
    id: int
    agency: str = Field(..., description="The agency's slug (its category).")
    agency_name: str
    title: str
    body: str
    policy_category: str
    district: str
    themes: list[str]
    author: str = Field(..., description="The proposer as shown: a citizen, an offline proposer, or the partner platform's user.")
    via: str | None = Field(None, description="The partner platform that filed it, if any.")
    is_offline: bool
    created_at: datetime
    closes_at: datetime
    phase: str = Field(..., description="open, closed or failed (derived from the clock).")
    supports: int = Field(..., description="Supports made on this platform.")
    partner_supports: int = Field(..., description="Supports collected on partner platforms.")
    total_supports: int = Field(..., description="What the thresholds compare.")
    comments: int
    views: int
    answers: int = Field(..., description="Approved department answers.")
    in_review: bool
    best: bool
    good: bool
    url: str

    @staticmethod
    def resolve_agency(obj):
        return obj.agency.slug

    @staticmethod
    def resolve_agency_name(obj):
        return obj.agency.name

    @staticmethod
    def resolve_themes(obj):
        return [t.name for t in obj.themes.all()]

    @staticmethod
    def resolve_author(obj):
        return obj.author_label

    @staticmethod
    def resolve_via(obj):
        return obj.partner_platform or None

    @staticmethod
    def resolve_phase(obj):
        return obj.phase_at(timezone.now())

    @staticmethod
    def resolve_supports(obj):
        return obj.support_count

    @staticmethod
    def resolve_partner_supports(obj):
        return obj.partner_support_count

    @staticmethod
    def resolve_comments(obj):
        return obj.comment_count

    @staticmethod
    def resolve_views(obj):
        return obj.view_count

    @staticmethod
    def resolve_answers(obj):
        return getattr(obj, "approved_answers", 0) or 0

    @staticmethod
    def resolve_in_review(obj):
        return obj.review_started_at is not None

    @staticmethod
    def resolve_best(obj):
        return obj.is_best

    @staticmethod
    def resolve_good(obj):
        return obj.is_good

    @staticmethod
    def resolve_url(obj):
        return site_reverse(obj.agency, "proposal_detail", pk=obj.pk)


class ProposalPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProposalOut]


class PartnerProposalOut(ProposalOut):
    """The agency's own view: with the partner's user id and the states citizens do not see."""

    external_author_id: str
    is_public: bool
    trashed: bool
    withdrawn_at: datetime | None

    @staticmethod
    def resolve_trashed(obj):
        return obj.trashed_at is not None


class PartnerProposalPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PartnerProposalOut]


class AnswerOut(Schema):
    id: int
    department: str
    decision: str
    body: str
    written_at: datetime
    approved_at: datetime | None

    @staticmethod
    def resolve_department(obj):
        return obj.department.name

    @staticmethod
    def resolve_approved_at(obj):
        return obj.decided_at


class CommentOut(Schema):
    id: int
    parent: int | None
    author: str
    body: str
    created_at: datetime
    edited: bool

    @staticmethod
    def resolve_parent(obj):
        return obj.parent_id

    @staticmethod
    def resolve_author(obj):
        return str(obj.author)

    @staticmethod
    def resolve_edited(obj):
        return obj.edited_at is not None


class CommentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CommentOut]


class DebateOut(Schema):
    id: int
    agency: str
    title: str
    vote_type: str
    entry: str
    status: str = Field(..., description="draft, scheduled, in_progress, closed or results_published.")
    opens_at: datetime
    closes_at: datetime
    results_published_at: datetime | None
    url: str

    @staticmethod
    def resolve_agency(obj):
        return obj.agency.slug

    @staticmethod
    def resolve_status(obj):
        return obj.status_at(timezone.now())

    @staticmethod
    def resolve_results_published_at(obj):
        at = obj.results_published_at
        return at if at is not None and at <= timezone.now() else None

    @staticmethod
    def resolve_url(obj):
        return site_reverse(obj.agency, "debate_detail", pk=obj.pk)


class DebatePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DebateOut]


class PartnerDebateOut(DebateOut):
    is_published: bool
    is_hidden: bool
    trashed: bool

    @staticmethod
    def resolve_trashed(obj):
        return obj.trashed_at is not None


class PartnerDebatePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PartnerDebateOut]


class OptionOut(Schema):
    id: int
    label: str
    kind: str
    count: int | None = Field(None, description="null while the debate keeps its tally hidden.")


class QuestionOut(Schema):
    id: int
    text: str
    required: bool
    max_choices: int
    options: list[OptionOut]


class OpinionOut(Schema):
    id: int
    author: str
    body: str
    supports: int | None


class TallyOut(Schema):
    visible: bool = Field(..., description="false while the debate keeps its tally hidden until results are published.")
    total: int | None
    options: list[OptionOut] = []
    questions: list[QuestionOut] = []
    opinions: list[OpinionOut] = []
    max_choices: int | None = None


class DebateDetailOut(DebateOut):
    body: str
    tally: TallyOut
    result: str | None = Field(None, description="The agency's written response, once results are published.")


class NewProposalIn(Schema):
    title: str = Field(..., min_length=1, max_length=120, pattern=r"^[^\x00]*$")
    body: str = Field(..., min_length=1, max_length=10_000, pattern=r"^[^\x00]*$")
    policy_category: PolicyCategory = PolicyCategory.OTHER
    district: str = Field("", max_length=20)
    themes: list[Annotated[str, StringConstraints(min_length=1, max_length=31, pattern=r"^#?\w+$")]] = Field(
        [], max_length=5, description="Hashtag themes, e.g. 자전거도로 (the # is optional).")
    external_user_id: str = Field(..., min_length=1, max_length=100, pattern=r"^[^\x00]*$",
                                  description="The proposer's id on the partner platform.")
    external_user_name: str = Field(..., min_length=1, max_length=50, pattern=r"^[^\x00]*$",
                                    description="The proposer's display name, shown on the proposal.")


class SupportsIn(Schema):
    external_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00]*$")]] = Field(
        ..., min_length=1, max_length=1000, description="Supporters' ids on the partner platform; each counts once.")
    batch: str = Field("", max_length=40, pattern=r"^[^\x00]*$", description="Your reference for this batch.")


class SupportsOut(Schema):
    proposal: int
    added: int = Field(..., description="Supporters counted for the first time by this request.")
    partner_supports: int
    supports: int
    total_supports: int


class KeyOut(Schema):
    agency: str
    name: str
    platform_name: str
    prefix: str
    scopes: list[str]

    @staticmethod
    def resolve_agency(obj):
        return obj.agency.slug


class ProposalFilters(Schema):
    site: Slug = Field("seoul", description="The site whose list to read: an agency's own proposals, or on the "
                                            "city's site (seoul) every agency's, each with its agency.")
    agency: Slug = Field("", description="On the city's site: only this agency's proposals.")
    phase: Text = Field("", description="open, closed or failed.")
    category: Text = Field("", description="Policy category, e.g. transport.")
    theme: Text = Field("", description="A hashtag theme, without #.")
    district: Text = Field("", description="A district code.")
    q: Text = Field("", description="Words in the title or text.")
    sort: Text = Field("newest", description="newest, supports or active.")


class DebateFilters(Schema):
    site: Slug = Field("seoul", description="The agency whose debates to read (debates are not cross-listed).")
    vote_type: Text = Field("", description="pro_con, discussion, research or multiple_choice.")
    state: Text = Field("", description="scheduled, in_progress, closed or results_published.")
    entry: Text = Field("", description="citizen_debate or agency_asks.")


class ExecutionFilters(Schema):
    site: Slug = Field("seoul", description="The site whose board to read; the city's lists every agency's items.")
    status: Text = Field("", description="planned, in_progress, done or dropped.")


class ExecutionOut(Schema):
    id: int
    agency: str
    title: str
    summary: str
    status: str = Field(..., description="planned, in_progress, done or dropped.")
    status_since: str = Field(..., description="The date of the last status change (YYYY-MM-DD).")
    department: str
    proposal: int | None = Field(None, description="The proposal it carries out, when that proposal is public.")
    debate: int | None = Field(None, description="The debate it carries out, when that debate is public.")
    updated_at: datetime
    url: str

    @staticmethod
    def resolve_agency(obj):
        return obj.agency.slug

    @staticmethod
    def resolve_status_since(obj):
        return obj.status_changed_on.isoformat()

    @staticmethod
    def resolve_department(obj):
        return obj.department.name

    @staticmethod
    def resolve_proposal(obj):
        from deliberation.executions.selectors import source_is_visible

        return obj.proposal_id if obj.proposal_id and source_is_visible(obj) else None

    @staticmethod
    def resolve_debate(obj):
        from deliberation.executions.selectors import source_is_visible

        return obj.debate_id if obj.debate_id and source_is_visible(obj) else None

    @staticmethod
    def resolve_url(obj):
        return site_reverse(obj.agency, "execution_detail", pk=obj.pk)


class ExecutionUpdateOut(Schema):
    happened_on: str
    body: str
    status_to: str | None = Field(None, description="The status this update moved the item to, if any.")

    @staticmethod
    def resolve_happened_on(obj):
        return obj.happened_on.isoformat()

    @staticmethod
    def resolve_status_to(obj):
        return obj.status_to or None


class ExecutionDetailOut(ExecutionOut):
    updates: list[ExecutionUpdateOut] = Field(..., description="The timeline, oldest first.")

    @staticmethod
    def resolve_updates(obj):
        from deliberation.executions.selectors import timeline

        return list(timeline(item=obj))


class ExecutionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ExecutionOut]
