"""The facilitator screen is reachable from the pages, and phones know the hall's question."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deliberation.agencies.models import Role
from deliberation.agencies.services import grant_role
from deliberation.agencies.sites import site_reverse
from deliberation.debates import facilitation
from deliberation.debates.models import Debate, DebateOption, ResearchQuestion, VoteType
from deliberation.debates.selectors import debate_live_state
from tests.factories import CitizenFactory, agency_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(agency):
    now = timezone.now()
    debate = Debate.objects.create(agency=agency, title="설문", vote_type=VoteType.RESEARCH, is_published=True,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    for position in range(2):
        question = ResearchQuestion.objects.create(debate=debate, text=f"문항 {position + 1}", position=position)
        for label in ("예", "아니오"):
            DebateOption.objects.create(debate=debate, question=question, label=label)
    return debate


def test_facilitators_and_admins_see_the_screen_link_citizens_do_not(client, agency, survey):
    screen = site_reverse(agency, "manage_debate_screen", pk=survey.pk)
    detail = site_reverse(agency, "debate_detail", pk=survey.pk)
    client.force_login(CitizenFactory())
    assert screen not in client.get(detail).content.decode()
    facilitator = CitizenFactory()
    grant_role(user=facilitator, agency=agency, role=Role.FACILITATOR)
    client.force_login(facilitator)
    assert screen in client.get(detail).content.decode()
    client.force_login(agency_admin(agency))
    assert screen in client.get(site_reverse(agency, "manage_debates")).content.decode()


def test_phones_are_told_which_question_the_hall_is_on(client, agency, survey):
    assert debate_live_state(survey.pk)["screen_question"] == 0
    facilitation.set_screen_question(actor=agency_admin(agency), debate_id=survey.pk, step=1)
    assert debate_live_state(survey.pk)["screen_question"] == 1
    client.force_login(CitizenFactory())  # the ballot form is for signed-in citizens
    html = client.get(site_reverse(agency, "debate_detail", pk=survey.pk)).content.decode()
    assert 'data-question-position="1" class="current-question"' in html
