"""Back-office rules at the service level that the pages alone would not prove."""

import pytest

from deliberation.agencies.services import add_department
from deliberation.errors import PermissionDenied
from deliberation.proposals import admin_services
from deliberation.proposals.errors import ReviewStateError
from deliberation.proposals.models import Proposal, Reassignment, Review
from tests.factories import AgencyFactory, CitizenFactory, agency_admin, given_proposal_in_review, officer

pytestmark = pytest.mark.django_db


def test_no_reassignment_request_while_the_departments_answer_waits(agency):
    department = add_department(agency=agency, name="교통정책과")
    clerk, admin = officer(agency, department), agency_admin(agency)
    review = given_proposal_in_review(agency=agency).review
    admin_services.assign_lead_department(actor=admin, review_id=review.pk, department_id=department.pk)
    admin_services.submit_answer(actor=clerk, review_id=review.pk, body="수용합니다", decision="accept")
    with pytest.raises(ReviewStateError):
        admin_services.request_reassignment(actor=clerk, review_id=review.pk, reason="다른 부서 소관")
    assert Review.objects.get(pk=review.pk).reassignment == Reassignment.NONE


def test_only_the_agencys_admins_file_offline_proposals(agency):
    fields = dict(title="주민센터 제안함", body="공원 가로등", policy_category="environment",
                  offline_author_name="박주민", offline_source="성북구 주민센터 제안함")
    for outsider in (CitizenFactory(), agency_admin(AgencyFactory())):
        with pytest.raises(PermissionDenied):
            admin_services.file_offline_proposal(actor=outsider, agency=agency, **fields)
    assert not Proposal.objects.exists()
    proposal = admin_services.file_offline_proposal(actor=agency_admin(agency), agency=agency, **fields)
    assert proposal.is_offline and proposal.author_label == "박주민"
