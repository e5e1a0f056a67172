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
    assert a.executions is None  # the executions app is not installed in this branch

    html = client.get(site_reverse(seoul, "home")).content.decode()
    assert 'data-counter="proposals">5<' in html and 'data-counter="supported">2<' in html
    assert 'data-counter="debates">1<' in html and 'data-counter="executions"' not in html
    html = client.get(site_reverse(agency, "home")).content.decode()
    assert 'data-counter="proposals">2<' in html and 'data-counter="debates">2<' in html


def test_a_withdrawn_support_keeps_the_supported_count(agency):
    from deliberation.proposals.models import Support
    from deliberation.proposals.services import withdraw_support

    proposal = given_proposal_in_review(agency=agency, supporters=1)
    withdraw_support(proposal_id=proposal.pk, citizen=Support.objects.get(proposal=proposal).citizen)
    assert selectors.home_counters(site=agency).supported_proposals == 1


def test_executions_counter_when_the_app_is_installed(agency, monkeypatch):
    import sys
    import types

    calls = []
    module = types.ModuleType("deliberation.executions.selectors")
    module.executions_count = lambda site, since: calls.append((site, since)) or 7
    monkeypatch.setitem(sys.modules, "deliberation.executions.selectors", module)
    monkeypatch.setitem(sys.modules, "deliberation.executions", types.ModuleType("deliberation.executions"))
    monkeypatch.setattr(selectors, "executions_installed", lambda: True)
    now = timezone.now()
    counters = selectors.home_counters(site=agency, now=now)
    assert counters.executions == 7
    assert calls == [(agency, now - timedelta(days=730))]


def test_home_shows_featured_debates_notices_and_upcoming_events(client, agency):
    from deliberation.content import admin_services
    from tests.factories import agency_admin

    from .conftest import event, notice

    admin = agency_admin(agency)
    first, second = open_pro_con_debate(agency=agency, title="첫 토론"), open_pro_con_debate(agency=agency, title="둘째 토론")
    admin_services.set_featured_debates(actor=admin, site=agency, debate_ids=[second.pk, first.pk])
    assert [d.pk for d in selectors.featured_debates(site=agency)] == [second.pk, first.pk]
    notice(admin, agency, title="새 공지")
    event(admin, agency, title="다가오는 행사")
    event(admin, agency, title="지난 행사", starts_in=-timedelta(days=3))
    html = client.get(site_reverse(agency, "home")).content.decode()
    assert "featured-h" in html and "새 공지" in html and "다가오는 행사" in html and "지난 행사" not in html
    Debate.objects.filter(pk=second.pk).update(is_hidden=True)
    assert [d.pk for d in selectors.featured_debates(site=agency)] == [first.pk]


def test_featuring_another_sites_debate_is_refused(agency, other_agency):
    from deliberation.content import admin_services
    from deliberation.content.errors import InvalidContent
    from tests.factories import agency_admin

    foreign = open_pro_con_debate(agency=other_agency)
    with pytest.raises(InvalidContent):
        admin_services.set_featured_debates(actor=agency_admin(agency), site=agency, debate_ids=[foreign.pk])
