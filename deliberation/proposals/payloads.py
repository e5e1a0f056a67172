"""The public data of a proposal as domain events carry it (deliberation/events.py): what
its public page shows, never the author's account, private flags or the review's internals."""

from django.utils import timezone

from deliberation.agencies.sites import site_reverse

from .models import DepartmentAnswer, Proposal, Review


def _iso(value):
    return value.isoformat() if value else None


def proposal_data(proposal: Proposal, *, now=None) -> dict:
    now = now or timezone.now()
    return {
        "id": proposal.pk,
        "agency": proposal.agency.slug,
        "title": proposal.title,
        "body": proposal.body,
        "policy_category": proposal.policy_category,
        "district": proposal.district,
        "themes": sorted(proposal.themes.values_list("name", flat=True)) if proposal.pk else [],
        "is_offline": proposal.is_offline,
        "support_count": proposal.support_count,
        "phase": proposal.phase_at(now),
        "created_at": _iso(proposal.created_at),
        "closes_at": _iso(proposal.closes_at),
        "review_started_at": _iso(proposal.review_started_at),
        "promoted_at": _iso(proposal.promoted_at),
        "debate_id": proposal.debate_id,
        "path": site_reverse(proposal.agency, "proposal_detail", pk=proposal.pk),
    }


def threshold_data(proposal: Proposal, *, threshold: int, kind: str) -> dict:
    return {"proposal": proposal_data(proposal), "threshold": {"kind": kind, "supports": threshold}}


def review_data(proposal: Proposal, review: Review) -> dict:
    return {"proposal": proposal_data(proposal),
            "review": {"started_at": _iso(review.started_at), "deadline": _iso(review.deadline)}}


def answer_data(proposal: Proposal, answer: DepartmentAnswer) -> dict:
    return {
        "proposal": proposal_data(proposal),
        "answer": {
            "id": answer.pk,
            "department": answer.department.name if answer.department_id else None,
            "decision": answer.decision,
            "body": answer.body,
            "approved_at": _iso(answer.decided_at),
        },
    }
