"""States that rules produce, made through the services that produce them: an adopted
proposal (answer accepted and approved), a debate with published results, an item."""

from datetime import timedelta

from django.utils import timezone

from deliberation.agencies.services import add_department
from deliberation.debates import admin_services as debate_admin
from deliberation.debates.models import Debate
from deliberation.executions import services
from deliberation.proposals import admin_services as proposal_admin
from tests.factories import CitizenFactory, agency_admin, given_proposal_in_review, officer


def adopted_proposal(agency, *, admin=None, department=None, decision="accept", supporters=1, **kwargs):
    """A proposal of `agency` whose lead department's answer (`decision`) was approved.
    Returns (proposal, department, supporters' list is proposal.supports)."""
    admin = admin or agency_admin(agency)
    department = department or add_department(agency=agency, name=f"부서{agency.pk}-{CitizenFactory().pk}")
    proposal = given_proposal_in_review(agency=agency, supporters=supporters, **kwargs)
    proposal_admin.assign_lead_department(actor=admin, review_id=proposal.review.pk, department_id=department.pk)
    answer = proposal_admin.submit_answer(actor=officer(agency, department), review_id=proposal.review.pk,
                                          body="수용합니다.", decision=decision)
    proposal_admin.approve_answer(actor=admin, answer_id=answer.pk)
    return proposal, department


def closed_debate(agency, *, admin=None, publish_results=True, vote_type="pro_con", title="응원봉 금지"):
    admin = admin or agency_admin(agency)
    opens = timezone.now() - timedelta(days=20)
    debate = debate_admin.create_debate(actor=admin, agency=agency, vote_type=vote_type, title=title,
                                        opens_at=opens, closes_at=opens + timedelta(days=10))
    Debate.objects.filter(pk=debate.pk).update(is_published=True)
    if publish_results:
        debate_admin.publish_results(actor=admin, debate_id=debate.pk, result_text="반대 의견이 많아 금지합니다.")
    debate.refresh_from_db()
    return debate


def item_for(agency, *, admin=None, title="야간 조명 설치", is_public=True, **kwargs):
    """An item from a fresh adopted proposal of `agency`."""
    admin = admin or agency_admin(agency)
    proposal, department = adopted_proposal(agency, admin=admin, **kwargs)
    return services.create_item(actor=admin, proposal_id=proposal.pk, department_id=department.pk, title=title,
                                summary="설치 계획", is_public=is_public)
