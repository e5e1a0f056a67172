"""Online, offline (the hall's counts, 현장) and combined (합계) per option, everywhere results
are shown: the one selector, the facilitator screen, the public page and its live state, the
back-office results and both exports. Corrected and removed hall entries never count twice;
hall counts are public only when the tally is; a debate without them looks as before."""

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deliberation.agencies.sites import site_reverse
from deliberation.debates import admin_services, facilitation
from deliberation.debates.models import Ballot, BallotChoice, Debate, DebateOption, ResearchQuestion, VoteType
from deliberation.debates.selectors import debate_live_state, option_splits
from deliberation.debates.services import cast_ballot
from tests.factories import CitizenFactory, agency_admin, open_pro_con_debate

pytestmark = pytest.mark.django_db

SPLIT_HEADER = ("Option", "Online", "Offline (hall)", "Combined")


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def by_kind(debate):
    return {o.kind: o for o in debate.options.all()}


def closed(debate):
    """Moves the period into the past (the status is derived from the clock)."""
    now = timezone.now()
    Debate.objects.filter(pk=debate.pk).update(opens_at=now - timedelta(days=2), closes_at=now - timedelta(minutes=1))
    debate.refresh_from_db()
    return debate


def pro_con_with_hall(agency, admin, tally_visibility="live", **fields):
    """Online: 찬성 2, 반대 1. Hall: 찬성 40 corrected to 42, 반대 5, 기타 7 then removed.
    So online / offline / combined: 찬성 2/42/44, 반대 1/5/6, 기타 0/0/0; totals 3/47/50."""
    debate = open_pro_con_debate(agency=agency, **fields)
    Debate.objects.filter(pk=debate.pk).update(tally_visibility=tally_visibility)
    debate.refresh_from_db()
    options = by_kind(debate)
    for kind in ("for", "for", "against"):
        cast_ballot(debate=debate, citizen=CitizenFactory(), option_id=options[kind].pk)
    first = facilitation.add_offline_count(actor=admin, debate_id=debate.pk, option_id=options["for"].pk,
                                           count=40, label="현장 거수")
    facilitation.correct_offline_count(actor=admin, entry_id=first.pk, count=42)
    facilitation.add_offline_count(actor=admin, debate_id=debate.pk, option_id=options["against"].pk, count=5)
    dropped = facilitation.add_offline_count(actor=admin, debate_id=debate.pk, option_id=options["other"].pk, count=7)
    facilitation.remove_offline_count(actor=admin, entry_id=dropped.pk)
    return debate


EXPECTED = {"for": (2, 42, 44), "against": (1, 5, 6), "other": (0, 0, 0)}


def publish(debate, admin):
    closed(debate)
    admin_services.publish_results(actor=admin, debate_id=debate.pk, result_text="검토 결과를 공개합니다.")
    debate.refresh_from_db()
    return debate


# --- the selector and the states built on it ----------------------------------------------------
def test_the_split_counts_only_current_entries_and_adds_up(agency):
    admin = agency_admin(agency)
    debate = pro_con_with_hall(agency, admin)
    splits = option_splits(debate)
    options = by_kind(debate)
    got = {kind: (splits.of(o.pk).online, splits.of(o.pk).offline, splits.of(o.pk).combined)
           for kind, o in options.items()}
    assert got == EXPECTED
    assert splits.has_offline and splits.ballots == 3
    total = splits.total(o.pk for o in options.values())
    assert (total.online, total.offline, total.combined) == (3, 47, 50)


def test_the_facilitator_screen_and_the_public_state_agree(agency):
    admin = agency_admin(agency)
    debate = pro_con_with_hall(agency, admin)  # tally visibility: live, so public now
    screen = facilitation.facilitator_state(debate.pk)
    public = debate_live_state(debate.pk)
    assert {r["kind"]: (r["online"], r["offline"], r["combined"]) for r in screen["options"]} == EXPECTED
    # `count` keeps meaning the online ballots: a phone's tally is unchanged.
    assert {o["kind"]: (o["count"], o["offline"], o["combined"]) for o in public["options"]} == EXPECTED
    assert public["hall_counts"] is True and public["total"] == 3
    assert (public["online_total"], public["offline_total"], public["combined_total"]) == (3, 47, 50)
    assert (screen["online_total"], screen["offline_total"], screen["combined_total"]) == (3, 47, 50)


def test_multiple_choice_counts_picks_online_plus_the_hall(agency):
    admin = agency_admin(agency)
    now = timezone.now()
    debate = Debate.objects.create(agency=agency, title="무엇을 바꿀까요?", vote_type=VoteType.MULTIPLE_CHOICE,
                                   max_choices=2, is_published=True,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    a, b, c = (DebateOption.objects.create(debate=debate, label=label, position=i) for i, label in enumerate("가나다"))
    for picks in ([a, b], [a]):
        cast_ballot(debate=debate, citizen=CitizenFactory(), choices=[o.pk for o in picks])
    entry = facilitation.add_offline_count(actor=admin, debate_id=debate.pk, option_id=b.pk, count=10)
    facilitation.correct_offline_count(actor=admin, entry_id=entry.pk, count=11)
    facilitation.add_offline_count(actor=admin, debate_id=debate.pk, option_id=c.pk, count=4)
    state = debate_live_state(debate.pk)
    assert {o["label"]: (o["count"], o["offline"], o["combined"]) for o in state["options"]} == {
        "가": (2, 0, 2), "나": (1, 11, 12), "다": (0, 4, 4)}
    assert (state["online_total"], state["offline_total"], state["combined_total"]) == (3, 15, 18)
    assert state["total"] == 2  # people who voted online, not picks
    screen = facilitation.facilitator_state(debate.pk)
    assert [(r["online"], r["offline"], r["combined"]) for r in screen["options"]] == [(2, 0, 2), (1, 11, 12), (0, 4, 4)]


def research_with_hall(agency, admin):
    now = timezone.now()
    debate = Debate.objects.create(agency=agency, title="공원 설문", vote_type=VoteType.RESEARCH, is_published=True,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    questions = []
    for i, text in enumerate(["무엇이 필요합니까?", "언제 이용합니까?"]):
        q = ResearchQuestion.objects.create(debate=debate, text=text, position=i)
        for j, label in enumerate(["가", "나"]):
            DebateOption.objects.create(debate=debate, question=q, label=f"{label}{i}", position=j)
        questions.append(q)
    q1, q2 = questions
    ballot = Ballot.objects.create(debate=debate, citizen=CitizenFactory())
    BallotChoice.objects.create(ballot=ballot, option=q1.options.first())
    BallotChoice.objects.create(ballot=ballot, option=q2.options.last())
    facilitation.add_offline_count(actor=admin, debate_id=debate.pk, option_id=q2.options.first().pk, count=9)
    return debate


def test_research_splits_per_question(agency):
    admin = agency_admin(agency)
    debate = research_with_hall(agency, admin)
    state = debate_live_state(debate.pk)
    first, second = state["questions"]
    assert [(o["count"], o["offline"], o["combined"]) for o in first["options"]] == [(1, 0, 1), (0, 0, 0)]
    assert [(o["count"], o["offline"], o["combined"]) for o in second["options"]] == [(0, 9, 9), (1, 0, 1)]
    assert (second["online_total"], second["offline_total"], second["combined_total"]) == (1, 9, 10)
    assert state["hall_counts"] is True


# --- when hall counts may be public -------------------------------------------------------------
def test_hall_counts_stay_hidden_until_the_results_are_published(client, agency):
    admin = agency_admin(agency)
    debate = pro_con_with_hall(agency, admin, tally_visibility="after_results")
    facilitation.add_offline_count(actor=admin, debate_id=debate.pk, option_id=by_kind(debate)["for"].pk, count=4321)
    closed(debate)

    with CaptureQueriesContext(connection) as queries:
        state = debate_live_state(debate.pk)
    assert not any("offlinecount" in q["sql"].lower() for q in queries.captured_queries)  # not even read
    assert state["visible"] is False and state["hall_counts"] is None
    assert all(o["count"] is None and o["offline"] is None and o["combined"] is None for o in state["options"])
    assert state["offline_total"] is None and state["combined_total"] is None
    html = client.get(site_reverse(agency, "debate_detail", pk=debate.pk)).content.decode()
    assert "data-split" not in html and "4321" not in html and "4363" not in html

    publish(debate, admin)
    state = debate_live_state(debate.pk)
    assert state["hall_counts"] is True
    assert {o["kind"]: o["combined"] for o in state["options"]}["for"] == 2 + 42 + 4321
    html = client.get(site_reverse(agency, "debate_detail", pk=debate.pk)).content.decode()
    assert "4363" in html and "4365" in html


# --- the public page ----------------------------------------------------------------------------
def split_rows(html):
    """{option id: (online, offline, combined)} from the page's split table, and its totals."""
    rows = {}
    for option_id, body in re.findall(r'<tr data-split-option="(\d+)">(.*?)</tr>', html, re.S):
        cells = dict(re.findall(r'data-cell="(\w+)">(\d+)<', body))
        rows[int(option_id)] = (int(cells["online"]), int(cells["offline"]), int(cells["combined"]))
    totals = re.search(r"<tr data-split-totals>(.*?)</tr>", html, re.S).group(1)
    cells = dict(re.findall(r'data-cell="(\w+)">(\d+)<', totals))
    return rows, (int(cells["online"]), int(cells["offline"]), int(cells["combined"]))


def test_the_published_page_shows_the_labelled_split_instead_of_the_bars(client, agency):
    admin = agency_admin(agency)
    debate = publish(pro_con_with_hall(agency, admin, tally_visibility="after_results"), admin)
    html = client.get(site_reverse(agency, "debate_detail", pk=debate.pk)).content.decode()
    rows, totals = split_rows(html)
    assert rows == {o.pk: EXPECTED[o.kind] for o in debate.options.all()}
    assert totals == (3, 47, 50)
    assert all(online + offline == combined for online, offline, combined in [*rows.values(), totals])
    table = re.search(r'<table class="split-table" data-split=""[^>]*>', html).group(0)
    assert "hidden" not in table
    assert re.search(r'<ul class="bars" data-bars hidden>', html)
    header = re.search(r"<thead>(.*?)</thead>", html[html.index("split-table"):], re.S).group(1)
    assert re.findall(r'<th scope="col">([^<]*)</th>', header) == list(SPLIT_HEADER)
    assert "<caption>" in html[html.index("split-table"):]


def test_the_korean_page_labels_online_and_combined(client, agency, settings):
    admin = agency_admin(agency)
    debate = publish(pro_con_with_hall(agency, admin), admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    html = client.get(site_reverse(agency, "debate_detail", pk=debate.pk)).content.decode()
    header = re.search(r"<thead>(.*?)</thead>", html[html.index("split-table"):], re.S).group(1)
    labels = re.findall(r'<th scope="col">([^<]*)</th>', header)
    assert labels[0] == "보기" and labels[1] == "온라인" and labels[3] == "합계"


def test_a_debate_without_hall_counts_looks_as_before(client, agency):
    admin = agency_admin(agency)
    debate = open_pro_con_debate(agency=agency)
    options = by_kind(debate)
    cast_ballot(debate=debate, citizen=CitizenFactory(), option_id=options["against"].pk)
    removed = facilitation.add_offline_count(actor=admin, debate_id=debate.pk, option_id=options["for"].pk, count=8)
    facilitation.remove_offline_count(actor=admin, entry_id=removed.pk)  # nothing current: no hall counts
    state = debate_live_state(debate.pk)
    assert state["hall_counts"] is False and state["offline_total"] == 0
    assert {o["kind"]: (o["count"], o["combined"]) for o in state["options"]} == {
        "for": (0, 0), "against": (1, 1), "other": (0, 0)}
    html = client.get(site_reverse(agency, "debate_detail", pk=debate.pk)).content.decode()
    assert re.search(r'<ul class="bars" data-bars>', html)
    assert re.search(r'<table class="split-table" data-split="" hidden>', html)
    against = re.search(rf'<li data-option="{options["against"].pk}">.*?data-count>(\d+)<', html, re.S)
    assert against.group(1) == "1"


# --- back office: results page and exports -------------------------------------------------------
def results_rows(client, agency, debate):
    response = client.get(site_reverse(agency, "manage_debate_results_export", pk=debate.pk))
    assert response.status_code == 200
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_results_export_has_online_offline_and_combined(client, agency):
    admin = agency_admin(agency)
    debate = closed(pro_con_with_hall(agency, admin))
    client.force_login(admin)
    rows = results_rows(client, agency, debate)
    table = rows[rows.index(SPLIT_HEADER) + 1:]
    labels = {o.kind: o.label for o in debate.options.all()}
    assert table[:4] == [(labels[k], *EXPECTED[k]) for k in ("for", "against", "other")] + [("Total", 3, 47, 50)]
    assert all(r[1] + r[2] == r[3] for r in table[:4])
    page = client.get(site_reverse(agency, "manage_debate_result", pk=debate.pk)).content.decode()
    assert re.search(r"<th scope=\"row\">Total</th><td class=\"num\">3</td><td class=\"num\">47</td>"
                     r"<td class=\"num\">50</td>", page)


def test_the_research_export_splits_each_question(client, agency):
    admin = agency_admin(agency)
    debate = research_with_hall(agency, admin)
    client.force_login(admin)
    rows = results_rows(client, agency, debate)
    second = rows[rows.index(("Question 2", "언제 이용합니까?", None, None)):]
    assert second[2] == SPLIT_HEADER
    assert second[3:6] == [("가1", 0, 9, 9), ("나1", 1, 0, 1), ("Total", 1, 9, 10)]


def test_the_list_export_has_the_halls_total_beside_participants(client, agency):
    admin = agency_admin(agency)
    with_hall = pro_con_with_hall(agency, admin, title="현장 토론")
    open_pro_con_debate(agency=agency, title="온라인만")
    client.force_login(admin)
    response = client.get(site_reverse(agency, "manage_debates_export"))
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    headers = list(rows[0])
    assert headers[headers.index("Participants") + 1] == "Offline count total"
    by_title = {r[3]: dict(zip(headers, r)) for r in rows[1:]}
    assert by_title["현장 토론"]["Participants"] == 3 and by_title["현장 토론"]["Offline count total"] == 47
    assert by_title["온라인만"]["Offline count total"] == 0
    assert with_hall.pk == by_title["현장 토론"]["No."]
