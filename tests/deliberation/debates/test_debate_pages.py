"""The public debate pages: list filters, materials, the agency's response, similar proposals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deliberation.agencies.sites import site_reverse
from deliberation.debates.models import Debate, DebateMaterial, VoteType
from deliberation.proposals.services import file_proposal
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def debate(agency, title, vote_type=VoteType.PRO_CON, **fields):
    now = timezone.now()
    fields.setdefault("opens_at", now - timedelta(days=1))
    fields.setdefault("closes_at", now + timedelta(days=1))
    fields.setdefault("is_published", True)
    return Debate.objects.create(agency=agency, title=title, vote_type=vote_type, **fields)


def test_the_list_filters_by_type_and_state_and_hides_drafts_hidden_and_trashed(client, agency):
    now = timezone.now()
    debate(agency, "진행중 찬반")
    debate(agency, "진행중 문답", VoteType.MULTIPLE_CHOICE)
    debate(agency, "예정 토론", VoteType.DISCUSSION, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=2))
    debate(agency, "마감 리서치", VoteType.RESEARCH, opens_at=now - timedelta(days=3), closes_at=now - timedelta(days=1))
    debate(agency, "결과 공개", opens_at=now - timedelta(days=3), closes_at=now - timedelta(days=2),
           results_published_at=now - timedelta(days=1))
    debate(agency, "초안", is_published=False)
    debate(agency, "숨김", is_hidden=True)
    debate(agency, "휴지통", trashed_at=now)
    url = site_reverse(agency, "debate_list")
    page = lambda **q: client.get(url, q).content.decode()  # noqa: E731
    everything = page()
    assert all(t in everything for t in ("진행중 찬반", "진행중 문답", "예정 토론", "마감 리서치", "결과 공개"))
    assert not any(t in everything for t in ("초안", "숨김", "휴지통"))
    assert "진행중 문답" in page(type="multiple_choice") and "진행중 찬반" not in page(type="multiple_choice")
    in_progress = page(state="in_progress")
    assert "진행중 찬반" in in_progress and "예정 토론" not in in_progress and "마감 리서치" not in in_progress
    assert "마감 리서치" in page(state="closed") and "결과 공개" not in page(state="closed")
    assert "결과 공개" in page(state="results_published")
    assert "예정 토론" in page(state="scheduled")
    assert client.get(url, {"type": "bogus", "state": "<x>", "page": "z"}).status_code == 200


def test_the_detail_shows_materials_the_response_once_published_and_similar_proposals(client, agency):
    now = timezone.now()
    closed = debate(agency, "응원봉", opens_at=now - timedelta(days=3), closes_at=now - timedelta(days=1),
                    result_text="반입 금지를 시범 운영하겠습니다.")
    DebateMaterial.objects.create(debate=closed, kind="text", title="배경 설명", body="플라스틱 응원봉 <b>현황</b>")
    DebateMaterial.objects.create(debate=closed, kind="link", title="관련 기사", url="https://example.org/news")
    proposal = file_proposal(agency=agency, author=CitizenFactory(), title="친환경 응원도구", body="종이로", policy_category="environment")
    closed.similar_proposals.add(proposal)
    url = site_reverse(agency, "debate_detail", pk=closed.pk)
    html = client.get(url).content.decode()
    assert "배경 설명" in html and "&lt;b&gt;현황&lt;/b&gt;" in html and 'href="https://example.org/news"' in html
    assert "친환경 응원도구" in html
    assert "반입 금지를 시범 운영하겠습니다." not in html  # not before the results are published
    Debate.objects.filter(pk=closed.pk).update(results_published_at=now)
    assert "반입 금지를 시범 운영하겠습니다." in client.get(url).content.decode()


@pytest.mark.parametrize("opens, closes, heading", [(-1, 1, "현재 투표 현황"), (-3, -1, "결과")])
def test_the_tally_is_called_the_result_once_the_vote_has_closed(client, agency, opens, closes, heading):
    now = timezone.now()
    closed = debate(agency, "응원봉", opens_at=now + timedelta(days=opens), closes_at=now + timedelta(days=closes))
    html = client.get(site_reverse(agency, "debate_detail", pk=closed.pk)).content.decode()
    assert f'<h2 id="tally-h">{heading}</h2>' in html
