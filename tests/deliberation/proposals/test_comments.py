"""Comments on proposals: one level of replies, authors edit and delete their own, reports."""

import pytest

from deliberation.comments import selectors, services
from deliberation.comments.errors import AlreadyReported, InvalidComment
from deliberation.comments.models import Comment, CommentReport
from deliberation.errors import NotFound, PermissionDenied
from deliberation.proposals.models import Proposal
from deliberation.proposals.services import file_proposal
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(agency):
    return file_proposal(agency=agency, author=CitizenFactory(), title="벤치", body="그늘 벤치", policy_category="environment")


def count(proposal):
    return Proposal.objects.get(pk=proposal.pk).comment_count


def test_a_reply_to_a_reply_joins_the_top_level_thread(proposal, citizen):
    top = services.post_comment(proposal=proposal, author=citizen, body="좋아요")
    reply = services.post_comment(proposal=proposal, author=CitizenFactory(), body="동의", parent_id=top.pk)
    deeper = services.post_comment(proposal=proposal, author=citizen, body="감사", parent_id=reply.pk)
    assert reply.parent == top and deeper.parent == top
    thread = list(selectors.thread(proposal=proposal))
    assert thread == [top] and [c.pk for c in thread[0].visible_replies] == [reply.pk, deeper.pk]
    assert count(proposal) == 3


def test_a_parent_from_another_proposal_is_refused(proposal, agency, citizen):
    other = file_proposal(agency=agency, author=citizen, title="다른", body="다른 제안", policy_category="other")
    foreign = services.post_comment(proposal=other, author=citizen, body="저쪽")
    with pytest.raises(InvalidComment):
        services.post_comment(proposal=proposal, author=citizen, body="여기", parent_id=foreign.pk)
    assert count(proposal) == 0


@pytest.mark.parametrize("body", ["", "   ", "<script>x</script>", None, 42, "가" * 2001])
def test_empty_markup_only_or_too_long_comments_are_refused(proposal, citizen, body):
    with pytest.raises(InvalidComment):
        services.post_comment(proposal=proposal, author=citizen, body=body)
    assert not Comment.objects.exists() and count(proposal) == 0


def test_authors_edit_and_delete_their_own_only(proposal, citizen):
    comment = services.post_comment(proposal=proposal, author=citizen, body="처음")
    stranger = CitizenFactory()
    with pytest.raises(PermissionDenied):
        services.edit_comment(comment=comment, user=stranger, body="바꿈")
    with pytest.raises(PermissionDenied):
        services.delete_comment(comment=comment, user=stranger)
    services.edit_comment(comment=comment, user=citizen, body="<b>고침</b>")
    comment.refresh_from_db()
    assert comment.body == "고침" and comment.edited_at

    services.delete_comment(comment=comment, user=citizen)
    comment.refresh_from_db()
    assert comment.deleted_at and comment.body == "" and count(proposal) == 0
    with pytest.raises(NotFound):
        services.edit_comment(comment=comment, user=citizen, body="부활")


def test_a_deleted_comment_with_replies_stays_as_removed(proposal, citizen):
    top = services.post_comment(proposal=proposal, author=citizen, body="원글")
    services.post_comment(proposal=proposal, author=CitizenFactory(), body="답글", parent_id=top.pk)
    services.delete_comment(comment=top, user=citizen)
    thread = list(selectors.thread(proposal=proposal))
    assert [c.pk for c in thread] == [top.pk] and not thread[0].is_visible


def test_reports_once_per_person_never_on_ones_own(proposal, citizen):
    comment = services.post_comment(proposal=proposal, author=citizen, body="글")
    reporter = CitizenFactory()
    with pytest.raises(InvalidComment):
        services.report_comment(comment=comment, reporter=citizen, reason="스팸")
    with pytest.raises(InvalidComment):
        services.report_comment(comment=comment, reporter=reporter, reason="  ")
    services.report_comment(comment=comment, reporter=reporter, reason="욕설")
    with pytest.raises(AlreadyReported):
        services.report_comment(comment=comment, reporter=reporter, reason="또")
    assert CommentReport.objects.count() == 1
