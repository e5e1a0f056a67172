"""The facilitator screen's services: who may facilitate, hall counts (added, corrected and
removed, each audited), bad input stores nothing, online + offline add up, open / close now,
reveal, and stepping through a research survey's questions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deliberation.agencies.models import Role
from deliberation.agencies.services import grant_role
from deliberation.audit.models import AuditEntry
from deliberation.debates import facilitation
from deliberation.debates.errors import InvalidDebate
from deliberation.debates.models import (
    Debate, DebateOption, OfflineCount, ResearchQuestion, Status, VoteType,
)
from deliberation.debates.services import cast_ballot
from deliberation.errors import NotFound, PermissionDenied
from tests.factories import CitizenFactory, agency_admin, open_pro_con_debate, platform_admin

pytestmark = pytest.mark.django_db


def facilitator_of(agency):
    user = CitizenFactory()
    grant_role(user=user, agency=agency, role=Role.FACILITATOR)
    return user


def options(debate):
    return {o.kind: o for o in debate.options.all()}


def research(agency):
    now = timezone.now()
    debate = Debate.objects.create(agency=agency, title="공원 설문", vote_type=VoteType.RESEARCH, is_published=True,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    questions = []
    for i, text in enumerate(["무엇이 필요합니까?", "언제 이용합니까?"]):
        q = ResearchQuestion.objects.create(debate=debate, text=text, position=i)
        for j, label in enumerate(["가", "나"]):
            DebateOption.objects.create(debate=debate, question=q, label=f"{label}{i}", position=j)
        questions.append(q)
    return debate, questions


# --- who may facilitate ---------------------------------------------------------------------
def test_admins_facilitators_and_the_platform_admin_may_facilitate(agency, other_agency, citizen):
    debate = open_pro_con_debate(agency=agency)
    allowed = [agency_admin(agency), facilitator_of(agency), platform_admin()]
    refused = [citizen, agency_admin(other_agency), facilitator_of(other_agency)]
    for user in allowed:
        assert facilitation.facilitated_debate(user, debate.pk) == debate
    for user in refused:
        assert facilitation.facilitated_debate(user, debate.pk) is None
        with pytest.raises(PermissionDenied):
            facilitation.add_offline_count(actor=user, debate_id=debate.pk, option_id=options(debate)["for"].pk, count=3)
        with pytest.raises(PermissionDenied):
            facilitation.close_now(actor=user, debate_id=debate.pk)
    assert not OfflineCount.objects.exists()


def test_a_moderator_is_not_a_facilitator(agency):
    debate = open_pro_con_debate(agency=agency)
    for role in (Role.MODERATOR,):
        user = CitizenFactory()
        grant_role(user=user, agency=agency, role=role)
        assert facilitation.facilitated_debate(user, debate.pk) is None


def test_an_unknown_debate_is_not_found(agency):
    with pytest.raises(NotFound):
        facilitation.set_reveal(actor=facilitator_of(agency), debate_id=999_999, reveal=True)


# --- hall counts ----------------------------------------------------------------------------
def test_an_offline_count_is_added_and_audited_and_adds_up_with_online_ballots(agency):
    debate = open_pro_con_debate(agency=agency)
    by_kind = options(debate)
    for _ in range(2):
        cast_ballot(debate=debate, citizen=CitizenFactory(), option_id=by_kind["for"].pk)
    cast_ballot(debate=debate, citizen=CitizenFactory(), option_id=by_kind["against"].pk)
    user = facilitator_of(agency)
    entry = facilitation.add_offline_count(actor=user, debate_id=debate.pk, option_id=by_kind["for"].pk,
                                           count="40", label=" 현장 거수 ")
    facilitation.add_offline_count(actor=user, debate_id=debate.pk, option_id=by_kind["for"].pk, count=5,
                                   label="종이 투표")
    facilitation.add_offline_count(actor=user, debate_id=debate.pk, option_id=by_kind["against"].pk, count=0)
    assert entry.count == 40 and entry.label == "현장 거수" and entry.entered_by == user
    audit = AuditEntry.objects.get(action="debate.offline_count.added", target_id=entry.pk)
    assert audit.actor == user and audit.before == {} and audit.after["count"] == 40

    state = facilitation.facilitator_state(debate.pk)
    rows = {r["kind"]: r for r in state["options"]}
    assert (rows["for"]["online"], rows["for"]["offline"], rows["for"]["combined"]) == (2, 45, 47)
    assert (rows["against"]["online"], rows["against"]["offline"], rows["against"]["combined"]) == (1, 0, 1)
    assert state["online_total"] == 3 and state["offline_total"] == 45 and state["combined_total"] == 48
    assert all(r["combined"] == r["online"] + r["offline"] for r in state["options"])
    assert len(state["entries"]) == 3 and state["watching"] is None


def test_the_screen_counts_even_while_the_public_tally_is_hidden(agency):
    debate = open_pro_con_debate(agency=agency)
    Debate.objects.filter(pk=debate.pk).update(tally_visibility="after_results")
    cast_ballot(debate=debate, citizen=CitizenFactory(), option_id=options(debate)["for"].pk)
    state = facilitation.facilitator_state(debate.pk)
    assert {r["kind"]: r["online"] for r in state["options"]}["for"] == 1


def test_a_correction_replaces_the_entry_and_audits_before_and_after(agency):
    debate = open_pro_con_debate(agency=agency)
    option = options(debate)["for"]
    user = facilitator_of(agency)
    entry = facilitation.add_offline_count(actor=user, debate_id=debate.pk, option_id=option.pk, count=40,
                                           label="현장 거수")
    corrected = facilitation.correct_offline_count(actor=user, entry_id=entry.pk, count=42)
    entry.refresh_from_db()
    assert not entry.is_current and corrected.replaces == entry and corrected.label == "현장 거수"
    audit = AuditEntry.objects.get(action="debate.offline_count.corrected")
    assert audit.before["count"] == 40 and audit.after["count"] == 42
    assert audit.before["entry"] == entry.pk and audit.after["entry"] == corrected.pk
    state = facilitation.facilitator_state(debate.pk)
    assert {r["kind"]: r["offline"] for r in state["options"]}["for"] == 42
    with pytest.raises(InvalidDebate):  # the old entry cannot be corrected twice
        facilitation.correct_offline_count(actor=user, entry_id=entry.pk, count=1)

    facilitation.remove_offline_count(actor=user, entry_id=corrected.pk)
    audit = AuditEntry.objects.get(action="debate.offline_count.removed")
    assert audit.before["is_current"] is True and audit.after["is_current"] is False
    assert facilitation.facilitator_state(debate.pk)["offline_total"] == 0
    assert OfflineCount.objects.count() == 2  # nothing is deleted


@pytest.mark.parametrize("count", [-1, 1_000_001, "12a", "", None, 2.5, True, "-3"])
def test_a_bad_count_stores_nothing(agency, count):
    debate = open_pro_con_debate(agency=agency)
    with pytest.raises(InvalidDebate) as exc:
        facilitation.add_offline_count(actor=facilitator_of(agency), debate_id=debate.pk,
                                       option_id=options(debate)["for"].pk, count=count)
    assert "count" in exc.value.errors
    assert not OfflineCount.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="debate.offline_count").exists()


def test_the_bounds_are_accepted(agency):
    debate = open_pro_con_debate(agency=agency)
    user = facilitator_of(agency)
    for count in (0, 1_000_000):
        facilitation.add_offline_count(actor=user, debate_id=debate.pk, option_id=options(debate)["for"].pk,
                                       count=count)
    assert OfflineCount.objects.count() == 2


def test_an_option_of_another_debate_or_a_long_label_is_refused(agency):
    debate = open_pro_con_debate(agency=agency)
    other = open_pro_con_debate(agency=agency)
    user = facilitator_of(agency)
    with pytest.raises(InvalidDebate) as exc:
        facilitation.add_offline_count(actor=user, debate_id=debate.pk, option_id=options(other)["for"].pk, count=1)
    assert "option" in exc.value.errors
    with pytest.raises(InvalidDebate) as exc:
        facilitation.add_offline_count(actor=user, debate_id=debate.pk, option_id="x", count=-1, label="가" * 101)
    assert set(exc.value.errors) == {"option", "count", "label"}
    assert not OfflineCount.objects.exists()


def test_research_counts_follow_the_question_on_the_screen(agency):
    debate, (first, second) = research(agency)
    user = facilitator_of(agency)
    option = second.options.first()
    facilitation.add_offline_count(actor=user, debate_id=debate.pk, option_id=option.pk, count=7)
    state = facilitation.facilitator_state(debate.pk)
    assert state["question"]["id"] == first.pk and state["offline_total"] == 0
    assert [r["id"] for r in state["options"]] == [o.pk for o in first.options.all()]

    facilitation.set_screen_question(actor=user, debate_id=debate.pk, step=1)
    state = facilitation.facilitator_state(debate.pk)
    assert state["question"] == {"id": second.pk, "text": second.text, "position": 1, "count": 2}
    assert state["offline_total"] == 7
    with pytest.raises(InvalidDebate):
        facilitation.set_screen_question(actor=user, debate_id=debate.pk, step=1)
    facilitation.set_screen_question(actor=user, debate_id=debate.pk, step=-1)
    assert Debate.objects.get(pk=debate.pk).screen_question == 0
    assert AuditEntry.objects.filter(action="debate.screen_question").count() == 2


def test_a_pro_con_debate_has_no_questions_to_step(agency):
    debate = open_pro_con_debate(agency=agency)
    with pytest.raises(InvalidDebate):
        facilitation.set_screen_question(actor=facilitator_of(agency), debate_id=debate.pk, step=1)


# --- open, close, reveal --------------------------------------------------------------------
def test_close_now_then_open_now(agency):
    debate = open_pro_con_debate(agency=agency)
    user = facilitator_of(agency)
    facilitation.close_now(actor=user, debate_id=debate.pk)
    debate.refresh_from_db()
    assert debate.status == Status.CLOSED
    audit = AuditEntry.objects.get(action="debate.closed_now")
    assert audit.before["closes_at"] != audit.after["closes_at"]
    with pytest.raises(InvalidDebate):
        facilitation.close_now(actor=user, debate_id=debate.pk)

    facilitation.open_now(actor=user, debate_id=debate.pk, minutes=10)
    debate.refresh_from_db()
    assert debate.status == Status.IN_PROGRESS
    assert timedelta(minutes=9) < debate.closes_at - timezone.now() <= timedelta(minutes=10)
    assert AuditEntry.objects.filter(action="debate.opened_now").count() == 1
    with pytest.raises(InvalidDebate):
        facilitation.open_now(actor=user, debate_id=debate.pk)


def test_open_now_starts_a_scheduled_vote_and_keeps_its_planned_end(agency):
    now = timezone.now()
    debate = open_pro_con_debate(agency=agency, opens_at=now + timedelta(hours=1), closes_at=now + timedelta(hours=3))
    facilitation.open_now(actor=facilitator_of(agency), debate_id=debate.pk)
    fresh = Debate.objects.get(pk=debate.pk)
    assert fresh.status == Status.IN_PROGRESS and fresh.closes_at == debate.closes_at


def test_a_draft_cannot_be_opened_and_bad_minutes_are_refused(agency):
    user = facilitator_of(agency)
    draft = open_pro_con_debate(agency=agency, publish=False)
    with pytest.raises(InvalidDebate):
        facilitation.open_now(actor=user, debate_id=draft.pk)
    now = timezone.now()
    scheduled = open_pro_con_debate(agency=agency, opens_at=now + timedelta(hours=1), closes_at=now + timedelta(hours=2))
    with pytest.raises(InvalidDebate):
        facilitation.open_now(actor=user, debate_id=scheduled.pk, minutes=0)
    assert not AuditEntry.objects.filter(action="debate.opened_now").exists()


def test_reveal_and_hide(agency):
    debate = open_pro_con_debate(agency=agency)
    user = facilitator_of(agency)
    assert facilitation.facilitator_state(debate.pk)["reveal"] is False
    facilitation.set_reveal(actor=user, debate_id=debate.pk, reveal=True)
    assert facilitation.facilitator_state(debate.pk)["reveal"] is True
    facilitation.set_reveal(actor=user, debate_id=debate.pk, reveal=False)
    assert [a.action for a in AuditEntry.objects.filter(action__startswith="debate.screen_").order_by("id")] == [
        "debate.screen_revealed", "debate.screen_hidden"]


# --- the page ---------------------------------------------------------------------------------
def screen_url(debate):
    return f"/a/{debate.agency.slug}/manage/debates/{debate.pk}/screen/"


def test_the_page_is_not_found_for_everyone_but_facilitators(client, agency, other_agency, citizen):
    debate = open_pro_con_debate(agency=agency)
    response = client.get(screen_url(debate))
    assert response.status_code == 302 and "/login" in response["Location"]  # log in first
    for user in (citizen, agency_admin(other_agency), facilitator_of(other_agency)):
        client.force_login(user)
        assert client.get(screen_url(debate)).status_code == 404
        assert client.post(screen_url(debate), {"action": "close"}).status_code == 404
    client.force_login(facilitator_of(other_agency))
    assert client.get(f"/a/{other_agency.slug}/manage/debates/{debate.pk}/screen/").status_code == 404
    assert Debate.objects.get(pk=debate.pk).status == Status.IN_PROGRESS


def test_the_page_shows_the_qr_code_the_short_url_and_the_labelled_chart(client, agency):
    debate = open_pro_con_debate(agency=agency)
    user = facilitator_of(agency)
    facilitation.add_offline_count(actor=user, debate_id=debate.pk, option_id=options(debate)["for"].pk, count=12)
    client.force_login(user)
    response = client.get(screen_url(debate))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg class="segno"' in html or "segno" in html
    assert "<title>" in html and f"testserver/a/{agency.slug}/debates/{debate.pk}/" in html
    assert 'data-chart-svg' in html and 'data-ws-path="/ws/a/%s/debates/%d/screen/"' % (agency.slug, debate.pk) in html
    assert 'data-total="combined">12<' in html
    assert f'href="/a/{agency.slug}/manage/debates/"' not in html  # a facilitator is not the back office


def test_the_page_adds_and_corrects_a_count_and_opens_and_closes(client, agency):
    debate = open_pro_con_debate(agency=agency)
    user = facilitator_of(agency)
    client.force_login(user)
    option = options(debate)["against"]
    response = client.post(screen_url(debate), {"action": "add", "option": option.pk, "count": "25", "label": "종이 투표"})
    assert response.status_code == 302
    entry = OfflineCount.objects.get()
    assert (entry.count, entry.label, entry.entered_by) == (25, "종이 투표", user)
    client.post(screen_url(debate), {"action": "correct", "entry": entry.pk, "count": "26", "label": "종이 투표"})
    assert OfflineCount.objects.get(is_current=True).count == 26
    bad = client.post(screen_url(debate), {"action": "add", "option": option.pk, "count": "-4"})
    assert bad.status_code == 400 and OfflineCount.objects.count() == 2
    client.post(screen_url(debate), {"action": "close"})
    assert Debate.objects.get(pk=debate.pk).status == Status.CLOSED
    client.post(screen_url(debate), {"action": "open", "minutes": "5"})
    assert Debate.objects.get(pk=debate.pk).status == Status.IN_PROGRESS
    client.post(screen_url(debate), {"action": "reveal"})
    assert Debate.objects.get(pk=debate.pk).screen_reveals_results is True


def test_an_entry_of_another_debate_cannot_be_corrected_through_this_page(client, agency):
    debate, other = open_pro_con_debate(agency=agency), open_pro_con_debate(agency=agency)
    user = facilitator_of(agency)
    entry = facilitation.add_offline_count(actor=user, debate_id=other.pk, option_id=options(other)["for"].pk, count=3)
    client.force_login(user)
    assert client.post(screen_url(debate), {"action": "remove", "entry": entry.pk}).status_code == 400
    assert OfflineCount.objects.get(pk=entry.pk).is_current


def test_a_research_page_steps_through_the_questions(client, agency):
    debate, (first, second) = research(agency)
    client.force_login(facilitator_of(agency))
    assert first.text in client.get(screen_url(debate)).content.decode()
    client.post(screen_url(debate), {"action": "next"})
    assert second.text in client.get(screen_url(debate)).content.decode()
