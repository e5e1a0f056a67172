"""The Q&A board: ask, edit while waiting, the agency answers, answered is final for the asker;
one question a minute; private questions; the board's state filter."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from deliberation.agencies.sites import site_reverse
from deliberation.content import admin_services, services
from deliberation.content.errors import AlreadyAnswered, ContentErrorCode, InvalidContent, NotYours, TooSoon
from deliberation.content.models import Question
from deliberation.errors import ErrorCode
from tests.factories import CitizenFactory, agency_admin

pytestmark = pytest.mark.django_db


def test_the_whole_flow_through_the_pages(client, agency, citizen):
    client.force_login(citizen)
    response = client.post(site_reverse(agency, "qna_ask"), {"title": "주차장 이용 시간", "body": "주말에도 여나요?"})
    question = Question.objects.get(agency=agency)
    assert response.status_code == 302 and response["Location"] == site_reverse(agency, "qna_detail", pk=question.pk)
    assert question.author == citizen and question.state == "waiting"

    response = client.post(site_reverse(agency, "qna_edit", pk=question.pk),
                           {"title": "주차장 이용 시간 문의", "body": "주말과 공휴일에도 여나요?"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.title == "주차장 이용 시간 문의" and question.body == "주말과 공휴일에도 여나요?"

    board = client.get(site_reverse(agency, "qna_list") + "?state=waiting").content.decode()
    assert "주차장 이용 시간 문의" in board
    assert "주차장 이용 시간 문의" not in client.get(site_reverse(agency, "qna_list") + "?state=answered").content.decode()

    admin = agency_admin(agency)
    client.force_login(admin)
    response = client.post(site_reverse(agency, "manage_content_answer", pk=question.pk), {"answer": "주말에도 엽니다."})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.state == "answered" and question.answered_by == admin and question.answer == "주말에도 엽니다."

    client.force_login(citizen)
    page = client.get(site_reverse(agency, "qna_detail", pk=question.pk)).content.decode()
    assert 'data-state="answered"' in page and "주말에도 엽니다." in page
    assert site_reverse(agency, "qna_edit", pk=question.pk) not in page  # no edit link any more
    answered_board = client.get(site_reverse(agency, "qna_list") + "?state=answered").content.decode()
    assert "주차장 이용 시간 문의" in answered_board

    # Once answered, the asker can neither edit nor delete it.
    response = client.post(site_reverse(agency, "qna_edit", pk=question.pk), {"title": "바꾼 제목", "body": "바꾼 본문"})
    assert response.status_code == 409
    client.post(site_reverse(agency, "qna_delete", pk=question.pk))
    question.refresh_from_db()
    assert question.title == "주차장 이용 시간 문의"
    with pytest.raises(AlreadyAnswered) as caught:
        services.edit_question(site=agency, author=citizen, question_id=question.pk, title="x 제목", body="바꾼 본문")
    assert caught.value.code == ContentErrorCode.ALREADY_ANSWERED
    with pytest.raises(AlreadyAnswered):
        services.delete_question(site=agency, author=citizen, question_id=question.pk)


def test_asker_deletes_while_waiting_and_others_cannot(agency, citizen):
    question = services.ask_question(site=agency, author=citizen, title="질문 제목", body="질문 본문입니다.")
    with pytest.raises(NotYours):
        services.edit_question(site=agency, author=CitizenFactory(), question_id=question.pk, title="남의 것",
                               body="남의 질문 수정")
    with pytest.raises(NotYours):
        services.delete_question(site=agency, author=CitizenFactory(), question_id=question.pk)
    services.delete_question(site=agency, author=citizen, question_id=question.pk)
    assert not Question.objects.exists()


def test_deleting_a_question_one_may_not_read_is_not_found(client, agency, citizen):
    """Another's private (or hidden) question is "not found" on delete too, as on its page and
    edit form: a "not yours" answer would tell that it exists. A public one stays "not yours"."""
    private = services.ask_question(site=agency, author=citizen, title="비공개 질문", body="비공개 질문입니다.",
                                    is_private=True)
    public = Question.objects.create(agency=agency, author=citizen, title="공개 질문", body="공개 질문입니다.")
    client.force_login(CitizenFactory())
    assert client.post(site_reverse(agency, "qna_delete", pk=private.pk)).status_code == 404
    response = client.post(site_reverse(agency, "qna_delete", pk=public.pk))
    assert response.status_code == 302 and response["Location"] == site_reverse(agency, "qna_detail", pk=public.pk)
    assert Question.objects.filter(pk__in=[private.pk, public.pk]).count() == 2
    client.force_login(citizen)
    assert client.post(site_reverse(agency, "qna_delete", pk=private.pk)).status_code == 302
    assert not Question.objects.filter(pk=private.pk).exists()


def test_one_question_a_minute(agency, other_agency, citizen):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.ask_question(site=agency, author=citizen, title="첫 질문", body="첫 번째 질문입니다.")
    with time_machine.travel(start + timedelta(seconds=59), tick=False), pytest.raises(TooSoon) as caught:
        services.ask_question(site=other_agency, author=citizen, title="둘째 질문", body="두 번째 질문입니다.")
    assert caught.value.code == ContentErrorCode.TOO_SOON
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        services.ask_question(site=other_agency, author=citizen, title="둘째 질문", body="두 번째 질문입니다.")
    assert Question.objects.filter(author=citizen).count() == 2
    # Another citizen is not held back.
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        services.ask_question(site=agency, author=CitizenFactory(), title="다른 시민", body="다른 시민의 질문.")


def test_the_form_shows_the_rate_limit_and_length_errors(client, agency, citizen):
    client.force_login(citizen)
    url = site_reverse(agency, "qna_ask")
    assert client.post(url, {"title": "첫 질문", "body": "첫 번째 질문입니다."}).status_code == 302
    response = client.post(url, {"title": "또 질문", "body": "두 번째 질문입니다."})
    assert response.status_code == 400 and "less than a minute ago" in response.content.decode()
    response = client.post(url, {"title": "x" * 151, "body": "본문"})
    assert response.status_code == 400
    assert Question.objects.count() == 1
    with pytest.raises(InvalidContent) as caught:
        services.ask_question(site=agency, author=CitizenFactory(), title="<b></b>", body="<script>x</script>")
    assert set(caught.value.errors) == {"title", "body"}


def test_anonymous_must_log_in_to_ask(client, agency):
    response = client.post(site_reverse(agency, "qna_ask"), {"title": "익명", "body": "익명 질문입니다."})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Question.objects.exists()


def test_private_and_hidden_questions(client, agency, citizen):
    private = services.ask_question(site=agency, author=citizen, title="비공개 질문", body="개인 사정이 있습니다.",
                                    is_private=True)
    admin = agency_admin(agency)
    other = CitizenFactory()
    client.force_login(other)
    assert "비공개 질문" not in client.get(site_reverse(agency, "qna_list")).content.decode()
    assert client.get(site_reverse(agency, "qna_detail", pk=private.pk)).status_code == 404
    client.force_login(citizen)
    assert client.get(site_reverse(agency, "qna_detail", pk=private.pk)).status_code == 200
    client.force_login(admin)
    assert client.get(site_reverse(agency, "qna_detail", pk=private.pk)).status_code == 200
    # The admin hides a public question: gone from the board for others.
    other_question = services.ask_question(site=agency, author=other, title="광고 글", body="광고입니다 광고.")
    assert admin_services.set_visibility(actor=admin, site=agency, kind="questions", ids=[other_question.pk],
                                         public=False) == 1
    client.force_login(CitizenFactory())
    assert "광고 글" not in client.get(site_reverse(agency, "qna_list")).content.decode()


def test_muted_citizen_cannot_ask(agency, citizen):
    from deliberation.agencies.sanctions import sanction_user

    sanction_user(actor=agency_admin(agency), agency=agency, user_id=citizen.pk, kind="mute", reason="욕설", days=3)
    with pytest.raises(Exception) as caught:
        services.ask_question(site=agency, author=citizen, title="질문 제목", body="질문 본문입니다.")
    assert caught.value.code == ErrorCode.MUTED


def test_admin_queue_lists_waiting_first(client, agency):
    admin = agency_admin(agency)
    start = timezone.now() - timedelta(hours=1)
    made = []
    for i in range(3):
        with time_machine.travel(start + timedelta(minutes=i * 2), tick=False):
            made.append(services.ask_question(site=agency, author=CitizenFactory(), title=f"질문{i}", body="질문 본문입니다."))
    admin_services.answer_question(actor=admin, site=agency, question_id=made[0].pk, answer="답변")
    client.force_login(admin)
    html = client.get(site_reverse(agency, "manage_content_list", kind="questions")).content.decode()
    order = [html.index(f'data-row-id="{q.pk}"') for q in (made[1], made[2], made[0])]
    assert order == sorted(order)
    with pytest.raises(InvalidContent):
        admin_services.answer_question(actor=admin, site=agency, question_id=made[1].pk, answer="  ")
