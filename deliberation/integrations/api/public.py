"""Public reads: what any visitor of the sites may see, paginated and filtered. Hidden, draft
and trashed items never appear; tallies a debate keeps hidden are null."""

from django.utils import timezone
from ninja import Path, Query, Router

from deliberation.agencies.selectors import participating_agencies, city, site_for_slug
from deliberation.comments.selectors import visible_comments
from deliberation.debates.models import Status
from deliberation.debates.selectors import debate_live_state, filtered_debates, published_debate
from deliberation.executions.selectors import BoardFilters, item_on_site, public_items
from deliberation.proposals.selectors import ListFilters, approved_answers, listed_proposals, proposal_on_site

from .schemas import (
    ERRORS, AgencyOut, AgencyPage, AnswerOut, CommentPage, DebateDetailOut, DebatePage, ExecutionDetailOut,
    ExecutionFilters, ExecutionPage, Id, PageParams, DebateFilters, PathSlug, ProposalFilters, ProposalOut,
    ProposalPage, page,
)

router = Router(tags=["public"])


@router.get("/agencies", response={200: AgencyPage, **ERRORS}, summary="Participating agencies (the city first)")
def agencies(request, paging: Query[PageParams]):
    rows = [city(), *participating_agencies()]
    return {"count": len(rows), "limit": paging.limit, "offset": paging.offset,
            "items": rows[paging.offset:paging.offset + paging.limit]}


@router.get("/agencies/{slug}", response={200: AgencyOut, **ERRORS}, summary="One agency")
def agency(request, slug: Path[PathSlug]):
    return site_for_slug(slug)


@router.get("/proposals", response={200: ProposalPage, **ERRORS}, summary="Citizen proposals of a site")
def proposals(request, paging: Query[PageParams], filters: Query[ProposalFilters]):
    """The list a site shows; the city's (the default) is the archive of every agency."""
    parsed = ListFilters.from_query(filters.dict())
    parsed = ListFilters(**{**parsed.__dict__, "phase": filters.phase})
    return page(listed_proposals(site=site_for_slug(filters.site), filters=parsed), paging)


@router.get("/proposals/{proposal_id}", response={200: ProposalOut, **ERRORS}, summary="One proposal")
def proposal(request, proposal_id: Path[Id]):
    return proposal_on_site(site=city(), pk=proposal_id)


@router.get("/proposals/{proposal_id}/answers", response={200: list[AnswerOut], **ERRORS},
            summary="Approved department answers of a proposal")
def proposal_answers(request, proposal_id: Path[Id]):
    return approved_answers(proposal=proposal_on_site(site=city(), pk=proposal_id))


@router.get("/proposals/{proposal_id}/comments", response={200: CommentPage, **ERRORS},
            summary="Published comments of a proposal")
def proposal_comments(request, proposal_id: Path[Id], paging: Query[PageParams]):
    return page(visible_comments(proposal=proposal_on_site(site=city(), pk=proposal_id)), paging)


@router.get("/debates", response={200: DebatePage, **ERRORS}, summary="Debates and polls of a site")
def debates(request, paging: Query[PageParams], filters: Query[DebateFilters]):
    """Each site's own published debates (not cross-listed)."""
    qs = filtered_debates(site=site_for_slug(filters.site), vote_type=filters.vote_type, state=filters.state,
                          entry=filters.entry)
    return page(qs.select_related("agency"), paging)


@router.get("/debates/{debate_id}", response={200: DebateDetailOut, **ERRORS},
            summary="A debate with its tally and, once published, its result")
def debate(request, debate_id: Path[Id]):
    found = published_debate(pk=debate_id)
    state = debate_live_state(found.pk) or {}
    visible = bool(state.get("visible"))
    found.tally = {**state, "total": state.get("total") if visible else None}
    published = found.status_at(timezone.now()) == Status.RESULTS_PUBLISHED
    found.result = found.result_text if published else None
    return found


@router.get("/debates/{debate_id}/comments", response={200: CommentPage, **ERRORS},
            summary="Published comments of a debate")
def debate_comments(request, debate_id: Path[Id], paging: Query[PageParams]):
    return page(visible_comments(debate=published_debate(pk=debate_id)), paging)


@router.get("/executions", response={200: ExecutionPage, **ERRORS},
            summary="Execution items (실행) of a site's public board")
def executions(request, paging: Query[PageParams], filters: Query[ExecutionFilters]):
    """Public items only; the city's board (the default) lists every agency's."""
    return page(public_items(site=site_for_slug(filters.site), filters=BoardFilters.from_query(filters.dict())), paging)


@router.get("/executions/{execution_id}", response={200: ExecutionDetailOut, **ERRORS},
            summary="One public execution item with its timeline")
def execution(request, execution_id: Path[Id]):
    return item_on_site(site=city(), pk=execution_id)  # no user: hidden items are not found
