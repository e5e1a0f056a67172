from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from deliberation.debates.errors import AlreadyVoted, DebateNotOpen, InvalidBallot, UnknownOption
from deliberation.debates.models import Ballot
from deliberation.debates.selectors import debate_live_state, tally_from_rows
from deliberation.debates.services import cast_ballot
from deliberation.errors import ErrorCode, NotFound
from tests.factories import CitizenFactory, open_pro_con_debate

pytestmark = pytest.mark.django_db


def option(debate, kind):
    return debate.options.get(kind=kind)


def test_a_ballot_is_counted_once(debate, citizen):
    against = option(debate, "against")
    ballot = cast_ballot(debate=debate, citizen=citizen, option_id=against.pk)
    assert ballot.option == against
    assert tally_from_rows(debate.pk) == {against.pk: 1}


def test_a_second_ballot_is_refused_and_changes_nothing(debate, citizen):
    cast_ballot(debate=debate, citizen=citizen, option_id=option(debate, "for").pk)
    with pytest.raises(AlreadyVoted) as exc:
        cast_ballot(debate=debate, citizen=citizen, option_id=option(debate, "against").pk)
    assert exc.value.code == ErrorCode.ALREADY_VOTED
    assert tally_from_rows(debate.pk) == {option(debate, "for").pk: 1}


def test_a_refused_second_ballot_does_not_poison_an_outer_transaction(debate, citizen):
    cast_ballot(debate=debate, citizen=citizen, option_id=option(debate, "for").pk)
    with transaction.atomic():
        with pytest.raises(AlreadyVoted):
            cast_ballot(debate=debate, citizen=citizen, option_id=option(debate, "for").pk)
        assert Ballot.objects.filter(debate=debate).count() == 1  # the connection still works


@pytest.mark.parametrize("shift", [timedelta(days=2), timedelta(days=-10)], ids=["scheduled", "closed"])
def test_no_ballot_outside_the_period(agency, citizen, shift):
    now = timezone.now()
    debate = open_pro_con_debate(agency=agency, opens_at=now + shift, closes_at=now + shift + timedelta(days=1))
    with pytest.raises(DebateNotOpen):
        cast_ballot(debate=debate, citizen=citizen, option_id=option(debate, "for").pk)
    assert not Ballot.objects.exists()


def test_a_draft_is_not_found_for_voting(agency, citizen):
    debate = open_pro_con_debate(agency=agency, publish=False)
    with pytest.raises(NotFound):
        cast_ballot(debate=debate, citizen=citizen, option_id=option(debate, "for").pk)


@pytest.mark.parametrize("bad", [None, "", "abc", "1.5", 1.0, True, [1], {"id": 1}, -1, 10**9])
def test_wrong_option_ids_are_refused(debate, citizen, bad):
    with pytest.raises(UnknownOption):
        cast_ballot(debate=debate, citizen=citizen, option_id=bad)
    assert not Ballot.objects.exists()


def test_an_option_of_another_debate_is_refused(debate, other_agency, citizen):
    foreign = open_pro_con_debate(agency=other_agency)
    with pytest.raises(UnknownOption):
        cast_ballot(debate=debate, citizen=citizen, option_id=option(foreign, "for").pk)
    assert not Ballot.objects.exists()


def test_other_may_carry_a_short_text_and_only_other(debate, citizen):
    second = CitizenFactory()
    ballot = cast_ballot(debate=debate, citizen=citizen, option_id=option(debate, "other").pk, other_text="  조건부 찬성 ")
    assert ballot.other_text == "조건부 찬성"
    ballot = cast_ballot(debate=debate, citizen=second, option_id=option(debate, "for").pk, other_text="ignored")
    assert ballot.other_text == ""


@pytest.mark.parametrize("text", ["x" * 201, 12, ["a"]])
def test_bad_other_text_is_refused(debate, citizen, text):
    with pytest.raises(InvalidBallot):
        cast_ballot(debate=debate, citizen=citizen, option_id=option(debate, "other").pk, other_text=text)
    assert not Ballot.objects.exists()


def test_live_state_equals_the_rows(debate):
    voters = CitizenFactory.create_batch(5)
    kinds = ["for", "for", "against", "other", "for"]
    for voter, kind in zip(voters, kinds):
        cast_ballot(debate=debate, citizen=voter, option_id=option(debate, kind).pk)
    state = debate_live_state(debate.pk)
    assert {o["kind"]: o["count"] for o in state["options"]} == {"for": 3, "against": 1, "other": 1}
    assert state["total"] == 5 == Ballot.objects.filter(debate=debate).count()


def test_hidden_tallies_withhold_counts_until_results(agency, citizen):
    debate = open_pro_con_debate(agency=agency)
    debate.tally_visibility = "after_results"
    debate.save()
    cast_ballot(debate=debate, citizen=citizen, option_id=option(debate, "for").pk)
    state = debate_live_state(debate.pk)
    assert state["visible"] is False and {o["count"] for o in state["options"]} == {None}
    debate.results_published_at = timezone.now()
    debate.save()
    assert debate_live_state(debate.pk)["options"][0]["count"] == 1


def test_a_batch_commits_the_valid_ballots_and_refuses_the_rest_one_by_one(debate):
    from deliberation.debates.services import BallotRequest, cast_ballots

    voters = CitizenFactory.create_batch(4)
    earlier = CitizenFactory()
    cast_ballot(debate=debate, citizen=earlier, option_id=option(debate, "for").pk)
    for_, against = option(debate, "for").pk, option(debate, "against").pk
    results = cast_ballots(debate_id=debate.pk, requests=[
        BallotRequest(voters[0].pk, for_),
        BallotRequest(voters[1].pk, "nope"),
        BallotRequest(voters[0].pk, against),      # same citizen twice in one batch
        BallotRequest(earlier.pk, against),        # voted in an earlier transaction
        BallotRequest(voters[2].pk, against),
    ])
    kinds = [type(r).__name__ for r in results]
    assert kinds == ["Ballot", "UnknownOption", "AlreadyVoted", "AlreadyVoted", "Ballot"]
    assert tally_from_rows(debate.pk) == {for_: 2, against: 1}
    assert all(r.pk for r in results if isinstance(r, Ballot))


def test_the_period_is_checked_against_the_clock_even_while_the_debate_is_remembered(agency):
    import time_machine

    now = timezone.now()
    debate = open_pro_con_debate(agency=agency, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(seconds=30))
    cast_ballot(debate=debate, citizen=CitizenFactory(), option_id=option(debate, "for").pk)  # remembered now
    with time_machine.travel(now + timedelta(seconds=31), tick=False):
        with pytest.raises(DebateNotOpen):
            cast_ballot(debate=debate, citizen=CitizenFactory(), option_id=option(debate, "for").pk)
    assert Ballot.objects.filter(debate=debate).count() == 1
