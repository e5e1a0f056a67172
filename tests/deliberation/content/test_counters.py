"""The home page's counters, recomputed from rows: proposals, supported proposals (reached the
answer threshold), debates, over the last two years; the city counts every agency's proposals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deliberation.agencies.selectors import city
from deliberation.agencies.sites import site_reverse
from deliberation.content import selectors
from deliberation.debates.models import Debate
from deliberation.proposals.models import Proposal
from tests.factories import given_proposal, given_proposal_in_review, open_pro_con_debate

pytestmark = pytest.mark.django_db


def test_counters_from_rows_with_cross_listing(client, agency, other_agency):
    seoul = city()
    for _ in range(2):
        given_proposal(agency=seoul)
    given_proposal(agency=agency)
    given_proposal_in_review(agency=agency, supporters=2)
    given_proposal_in_review(agency=other_agency, supporters=1)
    hidden = given_proposal(agency=agency)
    Proposal.objects.filter(pk=hidden.pk).update(is_public=False)
    trashed = given_proposal(agency=seoul)
    Proposal.objects.filter(pk=trashed.pk).update(trashed_at=timezone.now())
    old = given_proposal(agency=agency)
    Proposal.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=731))
    open_pro_con_debate(agency=agency)
    open_pro_con_debate(agency=agency)
    open_pro_con_debate(agency=seoul)
    draft = open_pro_con_debate(agency=agency)
    Debate.objects.filter(pk=draft.pk).update(is_published=False)
    old_debate = open_pro_con_debate(agency=agency)
    Debate.objects.filter(pk=old_debate.pk).update(opens_at=timezone.now() - timedelta(days=800),
                                                  closes_at=timezone.now() - timedelta(days=790))

    a = selectors.home_counters(site=agency)
    assert (a.proposals, a.supported_proposals, a.debates) == (2, 1, 2)
    b = selectors.home_counters(site=other_agency)
    assert (b.proposals, b.supported_proposals, b.debates) == (1, 1, 0)
    c = selectors.home_counters(site=seoul)
    assert (c.proposals, c.supported_proposals, c.debates) == (5, 2, 1)  # the archive: 2 city + 2 A + 1 B
    assert (a.executions, b.executions, c.executions) == (0, 0, 0)

    html = client.get(site_reverse(seoul, "home")).content.decode()
    assert 'data-counter="proposals">5<' in html and 'data-counter="supported">2<' in html
    assert 'data-counter="debates">1<' in html and 'data-counter="executions">0<' in html
    html = client.get(site_reverse(agency, "home")).content.decode()
    assert 'data-counter="proposals">2<' in html and 'data-counter="debates">2<' in html


def test_a_withdrawn_support_keeps_the_supported_count(agency):
    from deliberation.proposals.models import Support
    from deliberation.proposals.services import withdraw_support

    proposal = given_proposal_in_review(agency=agency, supporters=1)
    withdraw_support(proposal_id=proposal.pk, citizen=Support.objects.get(proposal=proposal).citizen)
    assert selectors.home_counters(site=agency).supported_proposals == 1


def test_executions_counter_counts_public_items_of_the_last_two_years(client, agency, other_agency):
    from deliberation.agencies.services import add_department
    from deliberation.executions.models import ExecutionItem
    from tests.factories import agency_admin

    def item(site, **fields):
        debate = open_pro_con_debate(agency=site)
        return ExecutionItem.objects.create(
            agency=site, title="실행 과제", debate=debate, department=add_department(agency=site, name="담당과"),
            created_by=agency_admin(site), **fields)

    item(agency)
    item(agency, is_public=False)
    item(agency, created_at=timezone.now() - timedelta(days=731))
    item(other_agency)
    assert selectors.home_counters(site=agency).executions == 1
    assert selectors.home_counters(site=other_agency).executions == 1
    assert selectors.home_counters(site=city()).executions == 2  # the city's board lists every agency's
    html = client.get(site_reverse(agency, "home")).content.decode()
    assert 'data-counter="executions">1<' in html
