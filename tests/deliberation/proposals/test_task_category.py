"""Staff file a proposal under one of its agency's task categories (업무분류): audited, only the
agency's own categories, only its admins; a rename in the settings re-labels it."""

import pytest

from deliberation.agencies import site_settings
from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.proposals.admin_services import set_task_category
from deliberation.proposals.errors import InvalidProposal
from deliberation.proposals.models import Proposal
from tests.factories import AgencyFactory, CitizenFactory, agency_admin, given_proposal

pytestmark = pytest.mark.django_db


def test_an_admin_files_a_proposal_under_a_task_category_and_a_rename_follows(client, agency):
    admin = agency_admin(agency)
    category = site_settings.add_task_category(actor=admin, agency=agency, name="도로 정비")
    elsewhere = AgencyFactory()
    site_settings.add_task_category(actor=agency_admin(elsewhere), agency=elsewhere, name="남의 분류")
    proposal = given_proposal(agency=agency)
    client.force_login(admin)
    page = client.get(site_reverse(agency, "manage_proposal_review", pk=proposal.pk)).content.decode()
    assert "도로 정비" in page and "남의 분류" not in page
    url = site_reverse(agency, "manage_proposal_task_category", pk=proposal.pk)
    client.post(url, {"task_category": "남의 분류"})  # another agency's category: refused
    assert Proposal.objects.get(pk=proposal.pk).task_category == ""
    client.post(url, {"task_category": "도로 정비"})
    assert Proposal.objects.get(pk=proposal.pk).task_category == "도로 정비"
    entry = AuditEntry.objects.get(action="proposal.task_category", target_id=proposal.pk)
    assert entry.before == {"task_category": ""} and entry.after == {"task_category": "도로 정비"}
    site_settings.rename_task_category(actor=admin, agency=agency, category_id=category.pk, name="도로·교통")
    assert Proposal.objects.get(pk=proposal.pk).task_category == "도로·교통"


def test_only_the_agencys_admins_set_it(client, agency):
    proposal = given_proposal(agency=agency)
    site_settings.add_task_category(actor=agency_admin(agency), agency=agency, name="환경")
    with pytest.raises(InvalidProposal):
        set_task_category(actor=agency_admin(agency), proposal_id=proposal.pk, name="없는 분류")
    for outsider in (CitizenFactory(), agency_admin(AgencyFactory())):
        client.force_login(outsider)
        url = site_reverse(agency, "manage_proposal_task_category", pk=proposal.pk)
        assert client.post(url, {"task_category": "환경"}).status_code == 404
    assert Proposal.objects.get(pk=proposal.pk).task_category == ""


def test_a_name_with_control_characters_is_refused_cleanly(agency):
    """Found by the HTTP fuzzer on PostgreSQL: a NUL byte in the name reached the query."""
    proposal = given_proposal(agency=agency)
    site_settings.add_task_category(actor=agency_admin(agency), agency=agency, name="환경")
    with pytest.raises(InvalidProposal):
        set_task_category(actor=agency_admin(agency), proposal_id=proposal.pk, name="없는\x00분류")
    set_task_category(actor=agency_admin(agency), proposal_id=proposal.pk, name="환\x00경")
    assert Proposal.objects.get(pk=proposal.pk).task_category == "환경"
