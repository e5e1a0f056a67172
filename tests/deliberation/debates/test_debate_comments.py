"""Comments on debates: the same rules as on proposals, through the debate's pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deliberation.agencies.sites import site_reverse
from deliberation.comments.models import Comment, CommentReport
from deliberation.debates.models import Debate
from tests.factories import AgencyFactory, CitizenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def debate(agency):
    now = timezone.now()
    return Debate.objects.create(agency=agency, title="응원봉", is_published=True,
                                 opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))


def urls(debate, comment=None):
    site = debate.agency
    result = {"detail": site_reverse(site, "debate_detail", pk=debate.pk),
              "post": site_reverse(site, "debate_comment", pk=debate.pk)}
    if comment:
        for name in ("edit", "delete", "report"):
            result[name] = site_reverse(site, f"debate_comment_{name}", pk=debate.pk, comment_pk=comment.pk)
    return result


def test_citizens_comment_reply_edit_delete_and_report_on_a_debate(client, debate, citizen):
    client.force_login(citizen)
    assert client.post(urls(debate)["post"], {"body": "<b>참여</b>합니다"}).status_code == 302
    top = Comment.objects.get()
    assert top.debate == debate and top.proposal is None and top.body == "참여합니다"
    client.post(urls(debate)["post"], {"body": "답글", "parent": top.pk})
    page = client.get(urls(debate)["detail"]).content.decode()
    assert "참여합니다" in page and "답글" in page and urls(debate, top)["edit"] in page
    assert client.post(urls(debate, top)["edit"], {"body": "고친 글"}).status_code == 302
    assert Comment.objects.get(pk=top.pk).body == "고친 글"
    other = CitizenFactory()
    client.force_login(other)
    assert client.post(urls(debate, top)["edit"], {"body": "남의 글"}).status_code == 404
    assert client.post(urls(debate, top)["report"], {"reason": "광고"}).status_code == 302
    assert CommentReport.objects.filter(comment=top, reporter=other).exists()
    client.force_login(citizen)
    client.post(urls(debate, top)["delete"])
    assert Comment.objects.get(pk=top.pk).deleted_at is not None


def test_a_refused_comment_keeps_its_draft_and_stores_nothing(client, debate, citizen):
    client.force_login(citizen)
    response = client.post(urls(debate)["post"], {"body": "<script></script>"})
    assert response.status_code == 400 and not Comment.objects.exists()
    response = client.post(urls(debate)["post"], {"body": "초안" + "가" * 2001})
    assert response.status_code == 400 and "초안가가" in response.content.decode()


def test_another_agencys_debate_and_hidden_debates_take_no_comments(client, debate, citizen):
    client.force_login(citizen)
    other = AgencyFactory()
    assert client.post(site_reverse(other, "debate_comment", pk=debate.pk), {"body": "x"}).status_code == 404
    Debate.objects.filter(pk=debate.pk).update(is_hidden=True)
    assert client.post(urls(debate)["post"], {"body": "x"}).status_code == 404
    assert not Comment.objects.exists()


def test_the_admin_list_counts_visible_comments(client, debate, citizen):
    from deliberation.debates.admin_selectors import AdminFilters, admin_debates

    client.force_login(citizen)
    for body in ("하나", "둘", "셋"):
        client.post(urls(debate)["post"], {"body": body})
    client.post(urls(debate, Comment.objects.first())["delete"])
    [row] = admin_debates(site=debate.agency, filters=AdminFilters())
    assert row.comment_count == 2
