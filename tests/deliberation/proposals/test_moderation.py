"""Moderation of comments: hide and restore with a reason, by the agency's moderators and
admins only; the author still sees it with the reason; every action audited."""

import pytest

from deliberation.agencies.models import Role
from deliberation.agencies.services import grant_role
from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.comments import moderation
from deliberation.comments.errors import InvalidComment
from deliberation.comments.models import Comment
from deliberation.comments.services import post_comment, report_comment
from deliberation.errors import NotFound
from deliberation.proposals.models import Proposal
from deliberation.proposals.services import file_proposal
from tests.factories import AgencyFactory, CitizenFactory, agency_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(agency):
    user = CitizenFactory()
    grant_role(user=user, agency=agency, role=Role.MODERATOR)
    return user


@pytest.fixture
def comment(agency):
    proposal = file_proposal(agency=agency, author=CitizenFactory(), title="공원", body="벤치", policy_category="other")
    return post_comment(proposal=proposal, author=CitizenFactory(), body="광고 링크입니다")


def test_a_moderator_hides_and_restores_with_a_reason_audited(agency, moderator, comment):
    moderation.hide_comment(actor=moderator, comment_id=comment.pk, reason="광고")
    comment.refresh_from_db()
    assert comment.hidden_at and comment.hidden_reason == "광고"
    assert Proposal.objects.get(pk=comment.proposal_id).comment_count == 0
    with pytest.raises(InvalidComment):  # a second moderator at once: already hidden
        moderation.hide_comment(actor=agency_admin(agency), comment_id=comment.pk, reason="중복")
    moderation.restore_comment(actor=moderator, comment_id=comment.pk, reason="오판")
    comment.refresh_from_db()
    assert comment.hidden_at is None and Proposal.objects.get(pk=comment.proposal_id).comment_count == 1
    entries = AuditEntry.objects.filter(target_id=comment.pk, target_type="comment").order_by("at", "id")
    assert [e.action for e in entries] == ["comment.hidden", "comment.restored"]
    assert entries[0].before["hidden_at"] is None and entries[0].after["hidden_reason"] == "광고"


def test_others_cannot_moderate_and_a_reason_is_required(agency, moderator, comment):
    for outsider in (CitizenFactory(), agency_admin(AgencyFactory())):
        with pytest.raises(NotFound):
            moderation.hide_comment(actor=outsider, comment_id=comment.pk, reason="x")
    for reason in ("", "  ", None, "가" * 201):
        with pytest.raises(InvalidComment):
            moderation.hide_comment(actor=moderator, comment_id=comment.pk, reason=reason)
    assert Comment.objects.get(pk=comment.pk).hidden_at is None


def test_the_author_sees_the_hidden_comment_with_the_reason_others_do_not(client, agency, moderator, comment):
    moderation.hide_comment(actor=moderator, comment_id=comment.pk, reason="광고성 글")
    url = site_reverse(agency, "proposal_detail", pk=comment.proposal_id)
    assert "광고 링크입니다" not in client.get(url).content.decode()
    client.force_login(comment.author)
    page = client.get(url).content.decode()
    assert "광고 링크입니다" in page and "광고성 글" in page


def test_the_queue_lists_reported_comments_first_and_refuses_outsiders(client, agency, moderator, comment):
    report_comment(comment=comment, reporter=CitizenFactory(), reason="광고")
    url = site_reverse(agency, "manage_moderation")
    client.force_login(CitizenFactory())
    assert client.get(url).status_code == 404
    client.force_login(agency_admin(AgencyFactory()))
    assert client.get(url).status_code == 404
    assert client.post(site_reverse(agency, "manage_moderation_act", comment_pk=comment.pk),
                       {"action": "hide", "reason": "x"}).status_code == 404
    client.force_login(moderator)
    page = client.get(url, {"reported": "1"}).content.decode()
    assert "광고 링크입니다" in page
    response = client.post(site_reverse(agency, "manage_moderation_act", comment_pk=comment.pk),
                           {"action": "hide", "reason": "광고"})
    assert response.status_code == 302 and Comment.objects.get(pk=comment.pk).hidden_at
    client.post(site_reverse(agency, "manage_moderation_act", comment_pk=comment.pk), {"action": "restore", "reason": ""})
    assert Comment.objects.get(pk=comment.pk).hidden_at is not None  # no reason: nothing changed
