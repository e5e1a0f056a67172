"""A citizen downloads their own data and deletes their account; deletion keeps every tally."""

import json

import pytest

from deliberation.accounts.models import User
from deliberation.accounts.services import AccountError, delete_account
from deliberation.agencies.models import Membership
from deliberation.comments.models import Comment
from deliberation.comments.services import post_comment
from deliberation.debates import services as debates
from deliberation.debates.errors import AlreadyVoted
from deliberation.debates.models import Ballot, BallotChoice, Opinion, OpinionSupport
from deliberation.debates.selectors import forget_ballot_box, tally_from_rows
from deliberation.proposals.models import Proposal, Support
from deliberation.proposals.services import support
from tests.deliberation.debates.test_vote_types import discussion, multiple_choice
from tests.factories import PASSWORD, CitizenFactory, agency_admin, given_proposal, open_pro_con_debate

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_citizen(agency, other_agency):
    """A citizen who took part in everything, on two sites, among other citizens."""
    me = CitizenFactory(username="leaving", display_name="떠나는 시민", email="leaving@example.org")
    others = [CitizenFactory() for _ in range(3)]
    pro_con = open_pro_con_debate(agency=agency)
    options = list(pro_con.options.order_by("position"))
    forget_ballot_box()
    debates.cast_ballot(debate=pro_con, citizen=me, option_id=options[1].pk)
    for citizen, option in zip(others, options, strict=True):
        forget_ballot_box()
        debates.cast_ballot(debate=pro_con, citizen=citizen, option_id=option.pk)
    multi, multi_options = multiple_choice(other_agency)
    forget_ballot_box()
    debates.cast_ballot(debate=multi, citizen=me, choices=[multi_options[0].pk, multi_options[2].pk])
    talk = discussion(agency)
    mine = debates.post_opinion(debate_id=talk.pk, author=me, body="내 의견입니다")
    theirs = debates.post_opinion(debate_id=talk.pk, author=others[0], body="다른 의견입니다")
    debates.support_opinion(debate_id=talk.pk, opinion_id=theirs.pk, citizen=me)
    debates.support_opinion(debate_id=talk.pk, opinion_id=mine.pk, citizen=others[1])
    own_proposal = given_proposal(agency=agency, author=me, title="내 제안")
    support(proposal_id=own_proposal.pk, citizen=others[0])
    their_proposal = given_proposal(agency=other_agency, author=others[2], title="남의 제안")
    support(proposal_id=their_proposal.pk, citizen=me)
    post_comment(proposal=their_proposal, author=me, body="좋은 제안입니다")
    return {"me": me, "others": others, "pro_con": pro_con, "multi": multi, "talk": talk, "mine": mine,
            "theirs": theirs, "own_proposal": own_proposal, "their_proposal": their_proposal, "options": options}


def test_a_citizen_downloads_their_own_data_as_json(client, busy_citizen):
    client.force_login(busy_citizen["me"])
    response = client.get("/accounts/me/data.json")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["profile"]["username"] == "leaving" and data["profile"]["email"] == "leaving@example.org"
    assert [p["title"] for p in data["proposals"]] == ["내 제안"]
    assert [s["title"] for s in data["supports"]] == ["남의 제안"]
    pro_con, multi = data["ballots"]
    assert pro_con["option"] == busy_citizen["options"][1].label
    assert sorted(c["option"] for c in multi["choices"]) == ["친환경 소재", "현행 유지"]
    assert [c["body"] for c in data["comments"]] == ["좋은 제안입니다"]
    assert [o["body"] for o in data["opinions"]] == ["내 의견입니다"]
    assert [s["opinion"] for s in data["opinion_supports"]] == [busy_citizen["theirs"].pk]
    # Nothing of anyone else's.
    other = busy_citizen["others"][0].username
    assert other not in response.content.decode()


def _counts(case):
    return {
        "pro_con": tally_from_rows(case["pro_con"].pk),
        "multi": tally_from_rows(case["multi"].pk),
        "ballots": Ballot.objects.count(), "choices": BallotChoice.objects.count(),
        "supports": {p.pk: (p.support_count, p.supports.count()) for p in Proposal.objects.all()},
        "opinions": {o.pk: (o.support_count, o.supports.count()) for o in Opinion.objects.all()},
        "opinion_supports": OpinionSupport.objects.count(),
        "comments": {p.pk: p.comment_count for p in Proposal.objects.all()},
        "comment_rows": Comment.objects.count(),
    }


def test_deleting_an_account_keeps_every_tally_and_count(client, busy_citizen):
    me = busy_citizen["me"]
    before = _counts(busy_citizen)
    assert sum(before["pro_con"].values()) == 4 and before["supports"][busy_citizen["own_proposal"].pk] == (1, 1)
    client.force_login(me)
    response = client.post("/accounts/me/delete/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(username="leaving").exists()
    assert not User.objects.filter(email="leaving@example.org").exists()
    assert _counts(busy_citizen) == before
    placeholder = Ballot.objects.get(debate=busy_citizen["pro_con"], option=busy_citizen["options"][1],
                                     citizen__deleted_at__isnull=False).citizen
    assert placeholder.username.startswith("deleted-") and placeholder.email == "" and placeholder.display_name == ""
    assert not placeholder.is_active and not placeholder.has_usable_password()
    assert str(placeholder) in ("deleted user", "탈퇴한 회원")
    assert Proposal.objects.get(pk=busy_citizen["own_proposal"].pk).author == placeholder
    assert Support.objects.filter(citizen=placeholder).count() == 1
    assert Opinion.objects.get(pk=busy_citizen["mine"].pk).author == placeholder
    # The logged-out visitor is anonymous again; the public page names no one.
    html = client.get(f"/a/{busy_citizen['own_proposal'].agency.slug}/proposals/{busy_citizen['own_proposal'].pk}/").content.decode()
    assert "떠나는 시민" not in html and "leaving" not in html


def test_each_deletion_gets_its_own_placeholder_and_one_ballot_per_citizen_still_holds(busy_citizen):
    first = delete_account(user=busy_citizen["me"], password=PASSWORD)
    second_user = busy_citizen["others"][0]
    second = delete_account(user=second_user, password=PASSWORD)
    assert first.pk != second.pk
    assert Ballot.objects.filter(citizen=first).count() == 2 and Ballot.objects.filter(citizen=second).count() == 1
    remaining = busy_citizen["others"][1]
    forget_ballot_box()
    with pytest.raises(AlreadyVoted):
        debates.cast_ballot(debate=busy_citizen["pro_con"], citizen=remaining, option_id=busy_citizen["options"][0].pk)


def test_a_wrong_password_deletes_nothing(client, busy_citizen):
    client.force_login(busy_citizen["me"])
    response = client.post("/accounts/me/delete/", {"password": "wrong", "confirm": "on"})
    assert response.status_code == 400
    assert User.objects.filter(username="leaving").exists()
    with pytest.raises(AccountError):
        delete_account(user=busy_citizen["me"], password="nope")


def test_staff_roles_go_with_the_account(agency):
    admin = agency_admin(agency)
    delete_account(user=admin, password=PASSWORD)
    assert not Membership.objects.filter(agency=agency).exists()


def test_the_account_page_needs_a_login_and_shows_the_two_actions(client, citizen):
    assert client.get("/accounts/me/").status_code == 302
    client.force_login(citizen)
    html = client.get("/accounts/me/").content.decode()
    assert "/accounts/me/data.json" in html and "/accounts/me/delete/" in html


def test_an_officer_with_written_answers_can_leave_and_the_answer_stays(agency):
    from deliberation.agencies.models import Department, Role
    from deliberation.proposals.admin_services import assign_lead_department, submit_answer
    from deliberation.proposals.models import DepartmentAnswer
    from tests.factories import given_proposal_in_review, officer

    department = Department.objects.create(agency=agency, name="답변부서")
    proposal = given_proposal_in_review(agency=agency)
    admin = agency_admin(agency)
    assign_lead_department(actor=admin, review_id=proposal.review.pk, department_id=department.pk)
    writer = officer(agency, department)
    answer = submit_answer(actor=writer, review_id=proposal.review.pk, decision="accept", body="수용합니다")
    placeholder = delete_account(user=writer, password=PASSWORD)
    answer = DepartmentAnswer.objects.get(pk=answer.pk)
    assert answer.written_by_id == placeholder.pk and answer.body == "수용합니다"
    assert not Membership.objects.filter(agency=agency, role=Role.OFFICER).exists()


def test_allauth_email_addresses_go_with_the_account(citizen):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    delete_account(user=citizen, password=PASSWORD)
    assert not EmailAddress.objects.filter(email=citizen.email).exists()
