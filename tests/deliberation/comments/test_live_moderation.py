"""Issue 6, live moderation: held comments (blocked words, pre-moderation of a site or of one
debate), approve / reject / remove / dismiss with reasons, mutes and bans on one site only,
opinions hidden, the moderation settings, every action audited, and the pages for it."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from deliberation.agencies import sanctions
from deliberation.agencies.models import Role, Sanction
from deliberation.agencies.services import grant_role
from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.comments import moderation
from deliberation.comments.errors import InvalidComment
from deliberation.comments.models import Comment, CommentReport
from deliberation.comments.selectors import debate_comments_state, thread
from deliberation.comments.services import blocked_word_in, edit_comment, post_comment, report_comment
from deliberation.debates import services as debate_services
from deliberation.debates.models import Ballot, Debate, Opinion, VoteType
from deliberation.debates.selectors import debate_live_state, forget_ballot_box
from deliberation.errors import NotFound
from deliberation.proposals.models import Proposal, Support
from deliberation.proposals.services import support
from tests.factories import AgencyFactory, CitizenFactory, agency_admin, given_proposal, open_pro_con_debate

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(agency):
    user = CitizenFactory()
    grant_role(user=user, agency=agency, role=Role.MODERATOR)
    return user


@pytest.fixture
def proposal(agency):
    return given_proposal(agency=agency)


def discussion(agency):
    now = timezone.now()
    return Debate.objects.create(agency=agency, title="응원도구 토론", vote_type=VoteType.DISCUSSION, is_published=True,
                                 opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))


def set_settings(agency, moderator, *, premoderation=False, words="", debates=()):
    return moderation.update_moderation_settings(actor=moderator, agency=agency, premoderation=premoderation,
                                                 blocked_words=words, premoderated_debates=list(debates))


# --- blocked words and pre-moderation ---------------------------------------------------------
@pytest.mark.parametrize("text", ["이건 바보 같은 안", "BADWORD here", "ｂａｄｗｏｒｄ 전각"])
def test_a_blocked_word_is_found_whatever_its_case_or_width(text):
    assert blocked_word_in(text, "바보\nbadword\n") is not None


def test_a_clean_text_passes_the_blocked_words():
    assert blocked_word_in("좋은 의견입니다", "바보\nbadword") is None


def test_a_comment_with_a_blocked_word_waits_and_only_its_author_sees_it(client, agency, moderator, proposal):
    set_settings(agency, moderator, words="바보")
    author = CitizenFactory()
    held = post_comment(proposal=proposal, author=author, body="바보 같은 제안")
    clean = post_comment(proposal=proposal, author=author, body="좋은 제안")
    held.refresh_from_db()
    assert held.held_at is not None and "바보" in held.held_reason
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 1  # only the published one counts
    assert [c.pk for c in thread(proposal=proposal)] == [clean.pk]
    assert {c.pk for c in thread(proposal=proposal, viewer=author)} == {held.pk, clean.pk}
    url = site_reverse(agency, "proposal_detail", pk=proposal.pk)
    assert "바보 같은 제안" not in client.get(url).content.decode()
    client.force_login(author)
    page = client.get(url).content.decode()
    assert "바보 같은 제안" in page and "data-own-unpublished" in page


def test_approving_publishes_once_and_a_second_moderator_is_told(agency, moderator, proposal):
    set_settings(agency, moderator, premoderation=True)
    held = post_comment(proposal=proposal, author=CitizenFactory(), body="사전 검토 대상")
    assert Comment.objects.get(pk=held.pk).held_reason
    moderation.approve_comment(actor=moderator, comment_id=held.pk)
    with pytest.raises(InvalidComment):
        moderation.approve_comment(actor=agency_admin(agency), comment_id=held.pk)
    assert Comment.objects.get(pk=held.pk).is_visible
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 1
    assert list(AuditEntry.objects.filter(target_id=held.pk, target_type="comment").values_list("action", flat=True)) \
        == ["comment.approved"]


def test_rejecting_a_held_comment_tells_the_author_and_never_counts_it(agency, moderator, proposal):
    set_settings(agency, moderator, premoderation=True)
    held = post_comment(proposal=proposal, author=CitizenFactory(), body="사전 검토 대상")
    with pytest.raises(InvalidComment):
        moderation.hide_comment(actor=moderator, comment_id=held.pk, reason="")  # a reason is required
    moderation.hide_comment(actor=moderator, comment_id=held.pk, reason="주제와 무관")
    held.refresh_from_db()
    assert held.held_at is None and held.hidden_reason == "주제와 무관"
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 0
    assert AuditEntry.objects.get(target_id=held.pk, target_type="comment").action == "comment.rejected"


def test_one_debate_can_be_pre_moderated_while_the_site_is_not(agency, moderator):
    moderated, other = open_pro_con_debate(agency=agency), open_pro_con_debate(agency=agency)
    set_settings(agency, moderator, debates=[moderated.pk])
    moderated.refresh_from_db()  # as a request loads it
    assert post_comment(debate=moderated, author=CitizenFactory(), body="검토 대기").held_at is not None
    assert post_comment(debate=other, author=CitizenFactory(), body="바로 게시").held_at is None
    state = debate_comments_state(moderated.pk)
    assert state["comments"] == 0 and state["recent_comments"] == []
    assert debate_comments_state(other.pk)["comments"] == 1


def test_an_edit_that_adds_a_blocked_word_sends_the_comment_back_for_review(agency, moderator, proposal):
    set_settings(agency, moderator, words="욕설")
    author = CitizenFactory()
    comment = post_comment(proposal=proposal, author=author, body="괜찮은 말")
    edit_comment(comment=comment, user=author, body="욕설이 들어간 말")
    comment.refresh_from_db()
    assert comment.held_at is not None and Proposal.objects.get(pk=proposal.pk).comment_count == 0


def test_settings_are_validated_audited_and_only_for_moderators(agency, moderator):
    other_site_debate = open_pro_con_debate(agency=AgencyFactory())
    with pytest.raises(InvalidComment):
        set_settings(agency, moderator, debates=[other_site_debate.pk])  # another site's debate
    with pytest.raises(InvalidComment):
        set_settings(agency, moderator, words="가" * 51)
    with pytest.raises(NotFound):
        set_settings(agency, CitizenFactory(), premoderation=True)
    agency.refresh_from_db()
    assert agency.premoderation is False and agency.blocked_words == ""
    set_settings(agency, moderator, premoderation=True, words=" 바보 \n\n바보\n멍청이")
    agency.refresh_from_db()
    assert agency.premoderation and agency.blocked_words == "바보\n멍청이"
    assert AuditEntry.objects.filter(agency=agency, action="moderation.settings").count() == 1


# --- remove, dismiss, reports -----------------------------------------------------------------
def test_remove_erases_the_text_keeps_it_in_the_audit_and_closes_reports(agency, moderator, proposal):
    comment = post_comment(proposal=proposal, author=CitizenFactory(), body="개인정보 010-0000-0000")
    report_comment(comment=comment, reporter=CitizenFactory(), reason="개인정보")
    moderation.remove_comment(actor=moderator, comment_id=comment.pk, reason="개인정보 노출")
    comment.refresh_from_db()
    assert comment.deleted_at and comment.body == ""
    assert not CommentReport.objects.filter(comment=comment, resolved_at__isnull=True).exists()
    entry = AuditEntry.objects.get(target_id=comment.pk, action="comment.removed")
    assert entry.before["body"].startswith("개인정보") and entry.after["reason"] == "개인정보 노출"
    with pytest.raises(InvalidComment):
        moderation.remove_comment(actor=moderator, comment_id=comment.pk, reason="again")
    assert moderation.queue_counts(site=agency)["open_reports"] == 0


def test_dismissing_reports_keeps_the_comment_and_empties_the_reported_queue(agency, moderator, proposal):
    comment = post_comment(proposal=proposal, author=CitizenFactory(), body="솔직한 비판")
    report_comment(comment=comment, reporter=CitizenFactory(), reason="불쾌")
    assert [c.pk for c in moderation.moderation_queue(site=agency, queue="reported")] == [comment.pk]
    assert moderation.queue_counts(site=agency)["open_reports"] == 1
    moderation.dismiss_reports(actor=moderator, comment_id=comment.pk)
    assert Comment.objects.get(pk=comment.pk).is_visible
    assert list(moderation.moderation_queue(site=agency, queue="reported")) == []
    with pytest.raises(InvalidComment):  # the second moderator: nothing left to dismiss
        moderation.dismiss_reports(actor=agency_admin(agency), comment_id=comment.pk)


def test_the_live_state_lists_held_and_reported_items_of_this_site_only(agency, moderator, proposal):
    set_settings(agency, moderator, words="광고")
    held = post_comment(proposal=proposal, author=CitizenFactory(), body="광고 링크")
    reported = post_comment(proposal=proposal, author=CitizenFactory(), body="싸움 거는 말")
    report_comment(comment=reported, reporter=CitizenFactory(), reason="비방")
    report_comment(comment=reported, reporter=CitizenFactory(), reason="비방")
    elsewhere = given_proposal(agency=AgencyFactory())
    post_comment(proposal=elsewhere, author=CitizenFactory(), body="다른 기관 댓글")
    opinion_debate = discussion(agency)
    debate_services.post_opinion(debate_id=opinion_debate.pk, author=CitizenFactory(), body="제 의견은")
    state = moderation.moderation_state(agency.pk)
    assert [i["id"] for i in state["held"]] == [held.pk]
    assert [(i["id"], i["reports"]) for i in state["reported"]] == [(reported.pk, 2)]
    assert "다른 기관 댓글" not in str(state)
    assert [o["body"] for o in state["opinions"]] == ["제 의견은"]
    assert state["counts"] == {"held": 1, "reported": 1, "open_reports": 2}


def test_an_opinion_hidden_leaves_the_discussion_and_can_be_restored(agency, moderator):
    debate = discussion(agency)
    opinion = debate_services.post_opinion(debate_id=debate.pk, author=CitizenFactory(), body="엉뚱한 의견")
    with pytest.raises(NotFound):
        moderation.hide_opinion(actor=agency_admin(AgencyFactory()), opinion_id=opinion.pk, reason="x")
    moderation.hide_opinion(actor=moderator, opinion_id=opinion.pk, reason="주제와 무관")
    forget_ballot_box()
    assert debate_live_state(debate.pk)["opinions"] == []
    moderation.restore_opinion(actor=moderator, opinion_id=opinion.pk, reason="오판")
    forget_ballot_box()
    assert [o["id"] for o in debate_live_state(debate.pk)["opinions"]] == [opinion.pk]
    assert list(AuditEntry.objects.filter(target_type="opinion").order_by("id").values_list("action", flat=True)) \
        == ["opinion.hidden", "opinion.restored"]


# --- mutes and bans ---------------------------------------------------------------------------
def test_a_muted_user_cannot_comment_here_but_can_elsewhere_and_still_support(agency, moderator, proposal):
    user = CitizenFactory()
    sanctions.sanction_user(actor=moderator, agency=agency, user_id=user.pk, kind="mute", reason="반복 비방", days=7)
    with pytest.raises(sanctions.Muted) as refused:
        post_comment(proposal=proposal, author=user, body="또 왔습니다")
    assert "반복 비방" in str(refused.value.message)
    support(proposal_id=proposal.pk, citizen=user)  # a mute allows supports and votes
    elsewhere = given_proposal(agency=AgencyFactory())
    post_comment(proposal=elsewhere, author=user, body="다른 기관에서는 가능")
    assert Comment.objects.filter(author=user).count() == 1


def test_a_banned_user_cannot_propose_support_vote_or_opine_on_that_site(agency, moderator, proposal):
    user = CitizenFactory()
    sanctions.sanction_user(actor=moderator, agency=agency, user_id=user.pk, kind="ban", reason="도배")
    with pytest.raises(sanctions.Banned):
        support(proposal_id=proposal.pk, citizen=user)
    with pytest.raises(sanctions.Banned):
        given_proposal(agency=agency, author=user)
    debate = open_pro_con_debate(agency=agency)
    forget_ballot_box()
    option = debate.options.first()
    results = debate_services.cast_ballots(debate_id=debate.pk, requests=[
        debate_services.BallotRequest(citizen_id=user.pk, option_id=option.pk),
        debate_services.BallotRequest(citizen_id=CitizenFactory().pk, option_id=option.pk),
    ])
    assert isinstance(results[0], sanctions.Banned) and isinstance(results[1], Ballot)
    assert not Support.objects.filter(citizen=user).exists() and not Ballot.objects.filter(citizen=user).exists()
    with pytest.raises(sanctions.Banned):
        debate_services.post_opinion(debate_id=discussion(agency).pk, author=user, body="의견")
    assert not Opinion.objects.filter(author=user).exists()


def test_a_sanction_ends_on_its_date_or_when_lifted_and_is_audited(agency, moderator, proposal):
    user = CitizenFactory()
    sanction = sanctions.sanction_user(actor=moderator, agency=agency, user_id=user.pk, kind="mute", reason="비방", days=1)
    Sanction.objects.filter(pk=sanction.pk).update(until=timezone.now() - timedelta(seconds=1))
    post_comment(proposal=proposal, author=user, body="기간이 끝났습니다")  # expired: allowed
    second = sanctions.sanction_user(actor=moderator, agency=agency, user_id=user.pk, kind="ban", reason="재발")
    assert Sanction.objects.filter(agency=agency, user=user, lifted_at__isnull=True).count() == 1  # replaced
    sanctions.lift_sanction(actor=moderator, agency=agency, sanction_id=second.pk)
    with pytest.raises(sanctions.InvalidSanction):
        sanctions.lift_sanction(actor=moderator, agency=agency, sanction_id=second.pk)
    post_comment(proposal=proposal, author=user, body="해제되었습니다")
    actions = list(AuditEntry.objects.filter(target_type="sanction").order_by("id").values_list("action", flat=True))
    assert actions == ["sanction.mute", "sanction.replaced", "sanction.ban", "sanction.lifted"]


@pytest.mark.parametrize("fields, message", [
    ({"kind": "silence"}, "mute or ban"),
    ({"reason": " "}, "reason"),
    ({"days": "0"}, "1"),
    ({"days": "abc"}, "whole number"),
])
def test_a_bad_sanction_is_refused_with_a_clear_message(agency, moderator, fields, message):
    user = CitizenFactory()
    data = {"kind": "mute", "reason": "비방", "days": None, **fields}
    with pytest.raises(sanctions.InvalidSanction) as refused, translation.override("en"):
        sanctions.sanction_user(actor=moderator, agency=agency, user_id=user.pk, **data)
    with translation.override("en"):
        assert message in str(refused.value.message)
    assert not Sanction.objects.exists()


def test_staff_and_outsiders_cannot_be_sanctioned_or_sanction(agency, moderator):
    with pytest.raises(sanctions.InvalidSanction):
        sanctions.sanction_user(actor=moderator, agency=agency, user_id=agency_admin(agency).pk, kind="ban", reason="x")
    with pytest.raises(NotFound):
        sanctions.sanction_user(actor=agency_admin(AgencyFactory()), agency=agency, user_id=CitizenFactory().pk,
                                kind="ban", reason="x")
    assert not Sanction.objects.exists()


# --- pages ------------------------------------------------------------------------------------
def test_the_pages_refuse_outsiders_and_work_for_moderators(client, agency, moderator, proposal):
    urls = [site_reverse(agency, name) for name in ("manage_moderation", "manage_sanctions", "manage_moderation_settings")]
    client.force_login(agency_admin(AgencyFactory()))
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    client.force_login(moderator)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    response = client.post(urls[2], {"premoderation": "on", "blocked_words": "광고\n"})
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.premoderation and agency.blocked_words == "광고"
    held = post_comment(proposal=proposal, author=CitizenFactory(), body="검토 대기 댓글")
    page = client.get(urls[0], {"queue": "held"}).content.decode()
    assert "검토 대기 댓글" in page
    fragment = client.get(urls[0], {"queue": "held", "fragment": "1"}).content.decode()
    assert f'data-item="comment-{held.pk}"' in fragment and "<html" not in fragment
    client.post(site_reverse(agency, "manage_moderation_act", comment_pk=held.pk), {"action": "approve", "queue": "held"})
    assert Comment.objects.get(pk=held.pk).is_visible


def test_the_sanction_form_reports_errors_and_the_user_sees_why(client, agency, moderator, proposal):
    user = CitizenFactory()
    client.force_login(moderator)
    url = site_reverse(agency, "manage_sanctions")
    response = client.post(url, {"user": user.pk, "kind": "mute", "reason": ""}, follow=True)
    assert "사유를 적어 주세요" in response.content.decode()  # Korean, the default UI language
    assert not Sanction.objects.exists()
    client.post(url, {"user": user.pk, "kind": "mute", "reason": "비방 반복", "days": "3"})
    assert Sanction.objects.get(user=user).kind == "mute"
    client.force_login(user)
    page = client.post(site_reverse(agency, "proposal_comment", pk=proposal.pk), {"body": "안녕하세요"}).content.decode()
    assert "비방 반복" in page and not Comment.objects.filter(author=user).exists()
