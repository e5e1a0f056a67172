"""A debate promoted from a proposal is a draft until its agency's admin publishes it."""

import pytest

from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.debates.models import Debate
from deliberation.proposals.services import file_proposal, support
from tests.factories import AgencyFactory, CitizenFactory, agency_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def promoted(agency):
    agency.answer_threshold, agency.debate_threshold = 1, 2
    agency.save()
    proposal = file_proposal(agency=agency, author=CitizenFactory(), title="응원봉 금지", body="플라스틱 줄이기",
                             policy_category="environment")
    for _ in range(2):
        support(proposal_id=proposal.pk, citizen=CitizenFactory())
    proposal.refresh_from_db()
    return proposal.debate


def form(title="응원봉 금지, 찬성하십니까?", opens="2031-01-01T10:00", closes="2031-01-15T18:00"):
    return {"title": title, "opens_at": opens, "closes_at": closes}


def test_the_agency_admin_publishes_the_promoted_draft(client, agency, promoted):
    url = site_reverse(agency, "manage_debate_publish", pk=promoted.pk)
    assert client.get(site_reverse(agency, "debate_detail", pk=promoted.pk)).status_code == 404
    client.force_login(agency_admin(agency))
    page = client.get(url)
    assert page.status_code == 200 and "응원봉 금지" in page.content.decode()
    response = client.post(url, form())
    assert response.status_code == 302
    promoted.refresh_from_db()
    assert promoted.is_published and promoted.title == "응원봉 금지, 찬성하십니까?"
    assert promoted.status == "scheduled"
    assert AuditEntry.objects.filter(action="debate.published", target_id=promoted.pk).exists()
    assert client.get(url).status_code == 404  # published: nothing left to publish here


def test_a_bad_period_is_refused_and_nothing_changes(client, agency, promoted):
    client.force_login(agency_admin(agency))
    url = site_reverse(agency, "manage_debate_publish", pk=promoted.pk)
    response = client.post(url, form(closes="2030-12-31T10:00"))
    assert response.status_code == 400 and 'class="errorlist"' in response.content.decode()
    response = client.post(url, form(opens="2020-01-01T10:00", closes="2020-01-02T10:00"))
    assert response.status_code == 400
    assert not Debate.objects.get(pk=promoted.pk).is_published


def test_others_cannot_publish(client, agency, promoted):
    other = AgencyFactory()
    for user, site in [(CitizenFactory(), agency), (agency_admin(other), agency), (agency_admin(other), other)]:
        client.force_login(user)
        assert client.post(site_reverse(site, "manage_debate_publish", pk=promoted.pk), form()).status_code == 404
    assert not Debate.objects.get(pk=promoted.pk).is_published
