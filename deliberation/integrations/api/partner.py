"""A partner platform's operations, with its agency's API key: file and withdraw proposals for
its users, add the supports it collected, and read its agency's non-public data. Every object
is looked up within the key's agency: another agency's is "not found"."""

from django.http import JsonResponse
from ninja import Header, Path, Query, Router

from deliberation.debates.selectors import agency_debates
from deliberation.proposals.selectors import agency_proposals
from deliberation.proposals.services import add_partner_supports, file_proposal, withdraw_partner_proposal
from deliberation.errors import NotFound

from ..idempotency import fingerprint, run_once
from ..models import Scope
from ..services import partner_author
from .auth import ApiKeyAuth, require_scope
from .schemas import (
    WRITE_ERRORS, Id, KeyOut, NewProposalIn, PageParams, PartnerDebatePage, PartnerProposalOut,
    PartnerProposalPage, SupportsIn, SupportsOut, page,
)

router = Router(tags=["partner"], auth=ApiKeyAuth())

IdempotencyKey = Header(None, alias="Idempotency-Key", max_length=255, pattern=r"^[\x21-\x7e]+$",
                        description="Any unique string (e.g. a UUID): a retry with the same key and body "
                                    "returns the first reply and does nothing twice. Kept 24 hours.")


def _idempotent(request, key: str | None, work) -> JsonResponse:
    """The reply is built once (validated against the operation's schema by `work`) and stored
    as JSON, so a replay is byte-for-byte the first reply."""
    status, body, replayed = run_once(
        api_key=request.auth, key=key, request_fingerprint=fingerprint(request.method, request.path, request.body),
        work=work)
    reply = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    if replayed:
        reply["Idempotent-Replayed"] = "true"
    return reply


def _proposal_body(proposal) -> dict:
    return PartnerProposalOut.from_orm(proposal).model_dump(mode="json")


@router.get("/whoami", response={200: KeyOut, **WRITE_ERRORS}, summary="The calling key: agency and scopes")
def whoami(request):
    return request.auth


@router.post("/proposals", response={201: PartnerProposalOut, **WRITE_ERRORS},
             summary="File a proposal for a user of the partner platform (scope proposals:write)")
def file(request, data: NewProposalIn, idempotency_key: str | None = IdempotencyKey):
    key = request.auth
    require_scope(key, Scope.PROPOSALS_WRITE)

    def work():
        proposal = file_proposal(
            agency=key.agency, author=partner_author(key.agency), title=data.title, body=data.body,
            policy_category=data.policy_category, district=data.district, themes=" ".join(data.themes),
            partner_platform=key.platform_name, external_author_id=data.external_user_id,
            external_author_name=data.external_user_name,
        )
        return 201, _proposal_body(agency_proposals(agency=key.agency).get(pk=proposal.pk))

    return _idempotent(request, idempotency_key, work)


@router.post("/proposals/{proposal_id}/withdraw", response={200: PartnerProposalOut, **WRITE_ERRORS},
             summary="Withdraw a proposal the platform filed, while its period is open (scope proposals:write)")
def withdraw(request, proposal_id: Path[Id], idempotency_key: str | None = IdempotencyKey):
    key = request.auth
    require_scope(key, Scope.PROPOSALS_WRITE)

    def work():
        withdraw_partner_proposal(proposal_id=proposal_id, agency=key.agency, via=str(key))
        return 200, _proposal_body(agency_proposals(agency=key.agency).get(pk=proposal_id))

    return _idempotent(request, idempotency_key, work)


@router.post("/proposals/{proposal_id}/supports", response={200: SupportsOut, **WRITE_ERRORS},
             summary="Add supports collected on the partner platform (scope supports:write)")
def supports(request, proposal_id: Path[Id], data: SupportsIn,
             idempotency_key: str | None = IdempotencyKey):
    key = request.auth
    require_scope(key, Scope.SUPPORTS_WRITE)

    def work():
        proposal, added = add_partner_supports(proposal_id=proposal_id, agency=key.agency,
                                               external_ids=data.external_ids, batch=data.batch)
        return 200, {"proposal": proposal.pk, "added": added, "partner_supports": proposal.partner_support_count,
                     "supports": proposal.support_count, "total_supports": proposal.total_supports}

    return _idempotent(request, idempotency_key, work)


@router.get("/proposals", response={200: PartnerProposalPage, **WRITE_ERRORS},
            summary="All of the agency's proposals, private, trashed and withdrawn ones too (scope private:read)")
def own_proposals(request, paging: Query[PageParams]):
    require_scope(request.auth, Scope.PRIVATE_READ)
    return page(agency_proposals(agency=request.auth.agency), paging)


@router.get("/proposals/{proposal_id}", response={200: PartnerProposalOut, **WRITE_ERRORS},
            summary="One of the agency's proposals in any state (scope private:read)")
def own_proposal(request, proposal_id: Path[Id]):
    require_scope(request.auth, Scope.PRIVATE_READ)
    found = agency_proposals(agency=request.auth.agency).filter(pk=proposal_id).first()
    if found is None:
        raise NotFound()
    return found


@router.get("/debates", response={200: PartnerDebatePage, **WRITE_ERRORS},
            summary="All of the agency's debates, drafts and hidden ones too (scope private:read)")
def own_debates(request, paging: Query[PageParams]):
    require_scope(request.auth, Scope.PRIVATE_READ)
    return page(agency_debates(agency=request.auth.agency), paging)
