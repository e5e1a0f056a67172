"""Creating and editing debates of each vote type in the back office: valid input stores the
debate with its options and questions; any bad input stores nothing; options and questions are
frozen once a citizen has voted."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.debates import admin_services
from deliberation.debates.errors import InvalidDebate
from deliberation.debates.models import (
    Ballot, BallotChoice, Debate, DebateOption, Opinion, ResearchQuestion,
)
from tests.factories import CitizenFactory, agency_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def period(days_from_now=1, length=14):
    opens = timezone.now() + timedelta(days=days_from_now)
    return {"opens_at": opens, "closes_at": opens + timedelta(days=length)}


def create(admin, agency, vote_type, **kwargs):
    kwargs.setdefault("title", "플라스틱 응원봉 금지")
    return admin_services.create_debate(actor=admin, agency=agency, vote_type=vote_type, **period(), **kwargs)


def nothing_stored():
    return not Debate.objects.exists() and not DebateOption.objects.exists() and not ResearchQuestion.objects.exists()


def errors_of(call) -> dict:
    with pytest.raises(InvalidDebate) as caught:
        call()
    assert nothing_stored()
    return caught.value.errors


def test_each_vote_type_is_created_as_a_draft_with_its_options(agency):
    admin = agency_admin(agency)
    pro_con = create(admin, agency, "pro_con", labels={"for": "보호조치 찬성", "against": "반대", "other": "기타"})
    assert [(o.kind, o.label) for o in pro_con.options.all()] == [
        ("for", "보호조치 찬성"), ("against", "반대"), ("other", "기타")]
    assert not pro_con.is_published and pro_con.status == "draft"

    choice = create(admin, agency, "multiple_choice", choices=["가", "나", "다"], max_choices=2)
    assert [o.label for o in choice.options.all()] == ["가", "나", "다"] and choice.max_choices == 2

    research = create(admin, agency, "research", questions=[
        {"text": "몇 번 가셨나요?", "required": True, "max_choices": 1, "options": ["0", "1-3", "4+"]},
        {"text": "무엇을 바꿀까요?", "required": False, "max_choices": 2, "options": ["좌석", "음식"]},
    ])
    questions = list(research.questions.all())
    assert [(q.text, q.required, q.max_choices) for q in questions] == [
        ("몇 번 가셨나요?", True, 1), ("무엇을 바꿀까요?", False, 2)]
    assert [o.label for o in questions[1].options.all()] == ["좌석", "음식"]
    assert all(o.question_id for o in research.options.all())

    discussion = create(admin, agency, "discussion")
    assert not discussion.options.exists()
    assert AuditEntry.objects.filter(action="debate.created").count() == 4


@pytest.mark.parametrize("vote_type, kwargs, field", [
    ("pro_con", {"title": "  "}, "title"),
    ("pro_con", {"title": "가" * 201}, "title"),
    ("pro_con", {"labels": {"for": "", "against": "반대", "other": "기타"}}, "label_for"),
    ("pro_con", {"entry": "elsewhere"}, "entry"),
    ("pro_con", {"tally_visibility": "never"}, "tally_visibility"),
    ("multiple_choice", {"choices": ["하나"], "max_choices": 1}, "choices"),
    ("multiple_choice", {"choices": ["가", "가"], "max_choices": 1}, "choices"),
    ("multiple_choice", {"choices": ["가", "나"], "max_choices": 3}, "max_choices"),
    ("multiple_choice", {"choices": ["가", "나"], "max_choices": 0}, "max_choices"),
    ("research", {"questions": []}, "questions"),
    ("research", {"questions": [{"text": "질문", "options": ["하나"]}]}, "question_1_options"),
    ("research", {"questions": [{"text": "", "options": ["가", "나"]}]}, "question_1_text"),
    ("research", {"questions": [{"text": "질문", "options": ["가", "나"], "max_choices": 5}]},
     "question_1_max_choices"),
    ("research", {"questions": [{"text": "질문", "options": [str(i) for i in range(9)]}]}, "question_1_options"),
])
def test_bad_input_is_refused_per_field_and_nothing_is_stored(agency, vote_type, kwargs, field):
    admin = agency_admin(agency)
    errors = errors_of(lambda: create(admin, agency, vote_type, **kwargs))
    assert field in errors


def test_a_bad_period_and_vote_type_are_refused(agency):
    admin = agency_admin(agency)
    now = timezone.now()
    errors = errors_of(lambda: admin_services.create_debate(
        actor=admin, agency=agency, vote_type="pro_con", title="제목", opens_at=now, closes_at=now))
    assert "closes_at" in errors
    errors = errors_of(lambda: admin_services.create_debate(
        actor=admin, agency=agency, vote_type="poll", title="제목", **period()))
    assert "vote_type" in errors


def test_the_create_form_for_research_shows_errors_next_to_fields_and_a_summary(client, agency):
    client.force_login(agency_admin(agency))
    url = site_reverse(agency, "manage_debate_create", vote_type="research")
    assert client.get(url).status_code == 200
    data = {"title": "고척돔 설문", "entry": "agency_asks", "tally_visibility": "live",
            "opens_at": "2031-01-01T10:00", "closes_at": "2031-01-15T18:00",
            "question_1_text": "몇 번 가셨나요?", "question_1_options": "한 번", "question_1_max_choices": "1"}
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 400 and 'role="alert"' in html and 'id="id_question_1_options_error"' in html
    assert nothing_stored()
    data["question_1_options"] = "0\n1-3\n4+"
    data["question_2_text"] = "무엇을 바꿀까요?"
    data["question_2_options"] = "좌석\n음식\n"
    data["question_2_max_choices"] = "2"
    response = client.post(url, data)
    assert response.status_code == 302
    debate = Debate.objects.get()
    assert debate.agency == agency and debate.vote_type == "research"
    assert [q.options.count() for q in debate.questions.all()] == [3, 2]


def test_the_create_form_for_each_other_type(client, agency):
    client.force_login(agency_admin(agency))
    common = {"title": "응원봉", "entry": "citizen_debate", "tally_visibility": "after_results",
              "opens_at": "2031-01-01T10:00", "closes_at": "2031-01-15T18:00"}
    extra = {"pro_con": {"label_for": "찬성", "label_against": "반대", "label_other": "기타"},
             "multiple_choice": {"choices": "가\n나\n다", "max_choices": "3"}, "discussion": {}}
    for vote_type, fields in extra.items():
        response = client.post(site_reverse(agency, "manage_debate_create", vote_type=vote_type), {**common, **fields})
        assert response.status_code == 302, response.content.decode()[:2000]
    assert sorted(Debate.objects.values_list("vote_type", flat=True)) == ["discussion", "multiple_choice", "pro_con"]
    assert client.get(site_reverse(agency, "manage_debate_create", vote_type="poll")).status_code == 404


def test_editing_changes_options_until_a_ballot_exists(agency):
    admin = agency_admin(agency)
    debate = create(admin, agency, "multiple_choice", choices=["가", "나"], max_choices=1)
    edit = {"title": "새 제목", "opens_at": debate.opens_at, "closes_at": debate.closes_at}
    admin_services.update_debate(actor=admin, debate_id=debate.pk, choices=["가", "나", "다"], max_choices=2, **edit)
    debate.refresh_from_db()
    assert [o.label for o in debate.options.all()] == ["가", "나", "다"] and debate.max_choices == 2
    assert AuditEntry.objects.filter(action="debate.edited", target_id=debate.pk).exists()

    ballot = Ballot.objects.create(debate=debate, citizen=CitizenFactory())
    BallotChoice.objects.create(ballot=ballot, option=debate.options.first())
    with pytest.raises(InvalidDebate) as caught:
        admin_services.update_debate(actor=admin, debate_id=debate.pk, choices=["가", "나"], max_choices=1, **edit)
    assert "__all__" in caught.value.errors
    assert [o.label for o in debate.options.all()] == ["가", "나", "다"]
    # The title and the period still change; the same options resubmitted are not a change.
    admin_services.update_debate(actor=admin, debate_id=debate.pk, choices=["가", "나", "다"], max_choices=2,
                                 **{**edit, "title": "다시 고친 제목"})
    debate.refresh_from_db()
    assert debate.title == "다시 고친 제목" and ballot.choices.count() == 1


def test_research_questions_and_pro_con_labels_are_frozen_after_participation(agency, client):
    admin = agency_admin(agency)
    research = create(admin, agency, "research", questions=[{"text": "질문", "options": ["가", "나"]}])
    Ballot.objects.create(debate=research, citizen=CitizenFactory())
    with pytest.raises(InvalidDebate):
        admin_services.update_debate(actor=admin, debate_id=research.pk, title="t", opens_at=research.opens_at,
                                     closes_at=research.closes_at,
                                     questions=[{"text": "질문 2", "options": ["가", "나"]}])
    assert research.questions.get().text == "질문"

    pro_con = create(admin, agency, "pro_con")
    Ballot.objects.create(debate=pro_con, citizen=CitizenFactory(), option=pro_con.options.first())
    with pytest.raises(InvalidDebate):
        admin_services.update_debate(actor=admin, debate_id=pro_con.pk, title="t", opens_at=pro_con.opens_at,
                                     closes_at=pro_con.closes_at, labels={"for": "예", "against": "아니오", "other": "기타"})
    # The edit page shows the options disabled and saves the rest.
    client.force_login(admin)
    url = site_reverse(agency, "manage_debate_edit", pk=pro_con.pk)
    assert "already taken part" in client.get(url).content.decode()
    response = client.post(url, {"title": "새 제목", "entry": "agency_asks", "tally_visibility": "live",
                                 "opens_at": "2031-01-01T10:00", "closes_at": "2031-01-15T18:00",
                                 "label_for": "바뀌지 않음"})
    assert response.status_code == 302
    pro_con.refresh_from_db()
    assert pro_con.title == "새 제목" and pro_con.options.first().label == "찬성"


def test_a_discussion_is_frozen_once_an_opinion_exists(agency):
    admin = agency_admin(agency)
    debate = create(admin, agency, "discussion")
    Opinion.objects.create(debate=debate, author=CitizenFactory(), body="의견")
    assert admin_services.has_participation(debate)


def test_an_edit_keeps_what_it_leaves_out(agency):
    admin = agency_admin(agency)
    debate = create(admin, agency, "pro_con", body="본문", entry="citizen_debate", tally_visibility="after_results")
    admin_services.update_debate(actor=admin, debate_id=debate.pk, title="새 제목")
    debate.refresh_from_db()
    assert (debate.title, debate.body, debate.entry, debate.tally_visibility) == (
        "새 제목", "본문", "citizen_debate", "after_results")
    assert [o.label for o in debate.options.all()] == ["찬성", "반대", "기타"]


def test_a_locked_research_survey_saves_its_settings_through_the_edit_page(client, agency):
    admin = agency_admin(agency)
    debate = create(admin, agency, "research", questions=[
        {"text": "몇 번?", "options": ["0", "1+"]}, {"text": "무엇을?", "options": ["좌석", "음식"], "max_choices": 2,
                                                    "required": False}])
    Ballot.objects.create(debate=debate, citizen=CitizenFactory())
    client.force_login(admin)
    url = site_reverse(agency, "manage_debate_edit", pk=debate.pk)
    assert 'disabled' in client.get(url).content.decode()
    response = client.post(url, {"title": "설문 새 제목", "entry": "agency_asks", "tally_visibility": "live",
                                 "opens_at": "2031-01-01T10:00", "closes_at": "2031-01-15T18:00",
                                 "question_1_text": "바꾸려는 문항"})
    assert response.status_code == 302
    debate.refresh_from_db()
    assert debate.title == "설문 새 제목"
    assert [(q.text, q.max_choices, q.required) for q in debate.questions.all()] == [
        ("몇 번?", 1, True), ("무엇을?", 2, False)]
