"""The ballot rules of the four vote types, through the services and the pages."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from deliberation.agencies.sites import site_reverse
from deliberation.debates import services
from deliberation.debates.errors import (
    AlreadyPostedOpinion, AlreadySupportedOpinion, AlreadyVoted, DebateNotOpen, InvalidBallot, MissingAnswer,
    TakesOpinions, TooManyChoices, UnknownOption,
)
from deliberation.debates.models import (
    Ballot, BallotChoice, Debate, DebateOption, Opinion, OptionKind, ResearchQuestion, TallyVisibility, VoteType,
)
from deliberation.debates.selectors import debate_live_state, forget_ballot_box
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def make_debate(agency, vote_type, **fields):
    now = timezone.now()
    fields.setdefault("opens_at", now - timedelta(hours=1))
    fields.setdefault("closes_at", now + timedelta(days=7))
    return Debate.objects.create(agency=agency, title="고척돔 응원도구", vote_type=vote_type, is_published=True, **fields)


def multiple_choice(agency, n=2, labels=("친환경 소재", "반입 금지", "현행 유지", "기타"), **fields):
    debate = make_debate(agency, VoteType.MULTIPLE_CHOICE, max_choices=n, **fields)
    options = [DebateOption.objects.create(debate=debate, label=label, kind=OptionKind.CHOICE, position=i)
               for i, label in enumerate(labels)]
    return debate, options


def research(agency, **fields):
    debate = make_debate(agency, VoteType.RESEARCH, **fields)
    q1 = ResearchQuestion.objects.create(debate=debate, text="응원도구를 쓰십니까?", position=0, required=True)
    q2 = ResearchQuestion.objects.create(debate=debate, text="어떤 소재가 좋습니까?", position=1, required=True, max_choices=2)
    q3 = ResearchQuestion.objects.create(debate=debate, text="하고 싶은 말", position=2, required=False)
    options = {}
    for question, labels in ((q1, ["예", "아니오"]), (q2, ["종이", "천", "재활용 플라스틱"]), (q3, ["있음", "없음"])):
        options[question.pk] = [DebateOption.objects.create(debate=debate, question=question, label=label, position=i)
                                for i, label in enumerate(labels)]
    return debate, (q1, q2, q3), options


def discussion(agency, **fields):
    return make_debate(agency, VoteType.DISCUSSION, **fields)


def cast(debate, citizen=None, **ballot):
    forget_ballot_box()
    return services.cast_ballot(debate=debate, citizen=citizen or CitizenFactory(), **ballot)


# --- multiple choice ------------------------------------------------------------------------
def test_multiple_choice_takes_one_to_n_options(agency):
    debate, (a, b, c, d) = multiple_choice(agency, n=2)
    ballot = cast(debate, choices=[a.pk, str(c.pk)])
    assert set(BallotChoice.objects.filter(ballot=ballot).values_list("option_id", flat=True)) == {a.pk, c.pk}
    cast(debate, choices=[a.pk])
    state = debate_live_state(debate.pk)
    assert state["total"] == 2 and state["max_choices"] == 2
    assert {o["id"]: o["count"] for o in state["options"]} == {a.pk: 2, b.pk: 0, c.pk: 1, d.pk: 0}


@pytest.mark.parametrize("choices, error", [
    ([], InvalidBallot), (None, InvalidBallot), ("", InvalidBallot),
    (["x"], UnknownOption), ([True], UnknownOption), ([{"id": 1}], UnknownOption), ([999999], UnknownOption),
])
def test_multiple_choice_bad_picks_are_refused_and_nothing_stored(agency, choices, error):
    debate, _ = multiple_choice(agency)
    with pytest.raises(error):
        cast(debate, choices=choices)
    assert not Ballot.objects.exists() and not BallotChoice.objects.exists()


def test_multiple_choice_too_many_and_foreign_options(agency, other_agency):
    debate, (a, b, c, _) = multiple_choice(agency, n=2)
    _, (foreign, *_) = multiple_choice(other_agency)
    with pytest.raises(TooManyChoices):
        cast(debate, choices=[a.pk, b.pk, c.pk])
    with pytest.raises(UnknownOption):
        cast(debate, choices=[a.pk, foreign.pk])
    assert cast(debate, choices=[a.pk, a.pk, str(a.pk)]).pk  # the same option twice is one pick
    assert BallotChoice.objects.count() == 1


def test_one_ballot_per_citizen_for_every_type(agency, citizen):
    debate, (a, b, *_) = multiple_choice(agency)
    cast(debate, citizen, choices=[a.pk])
    with pytest.raises(AlreadyVoted):
        cast(debate, citizen, choices=[b.pk])
    assert BallotChoice.objects.count() == 1
    survey, (q1, q2, _), options = research(agency)
    answers = {str(q1.pk): [options[q1.pk][0].pk], str(q2.pk): [options[q2.pk][0].pk]}
    cast(survey, citizen, answers=answers)
    with pytest.raises(AlreadyVoted):
        cast(survey, citizen, answers=answers)


# --- research ---------------------------------------------------------------------------------
def test_a_research_ballot_stores_all_its_answers(agency):
    debate, (q1, q2, q3), options = research(agency)
    ballot = cast(debate, answers={
        q1.pk: options[q1.pk][1].pk, str(q2.pk): [options[q2.pk][0].pk, options[q2.pk][2].pk]})
    assert BallotChoice.objects.filter(ballot=ballot).count() == 3
    state = debate_live_state(debate.pk)
    assert state["options"] == [] and [q["id"] for q in state["questions"]] == [q1.pk, q2.pk, q3.pk]
    counts = {o["label"]: o["count"] for q in state["questions"] for o in q["options"]}
    assert counts == {"예": 0, "아니오": 1, "종이": 1, "천": 0, "재활용 플라스틱": 1, "있음": 0, "없음": 0}
    assert state["total"] == 1


def test_research_refusals_store_nothing(agency):
    debate, (q1, q2, q3), options = research(agency)
    yes, paper, cloth, plastic, some = (options[q1.pk][0].pk, *[o.pk for o in options[q2.pk]], options[q3.pk][0].pk)
    cases = [
        ({q1.pk: [yes]}, MissingAnswer),                                   # q2 is required
        ({q1.pk: [yes], q2.pk: [paper, cloth, plastic]}, TooManyChoices),  # q2 allows 2
        ({q1.pk: [yes, options[q1.pk][1].pk], q2.pk: [paper]}, TooManyChoices),
        ({q1.pk: [paper], q2.pk: [cloth]}, UnknownOption),                 # an option of another question
        ({q1.pk: [yes], q2.pk: [paper], 999999: [some]}, InvalidBallot),   # no such question
        ([yes, paper], InvalidBallot),
        (None, MissingAnswer),
    ]
    for answers, error in cases:
        with pytest.raises(error):
            cast(debate, answers=answers)
    assert not Ballot.objects.exists() and not BallotChoice.objects.exists()


# --- discussion -------------------------------------------------------------------------------
def test_discussion_opinions_and_supports_make_the_ranking(agency):
    debate = discussion(agency)
    alice, bob, carol = CitizenFactory(), CitizenFactory(), CitizenFactory()
    first = services.post_opinion(debate_id=debate.pk, author=alice, body="<b>금지</b> 찬성")
    second = services.post_opinion(debate_id=debate.pk, author=bob, body="친환경 소재로")
    assert first.body == "금지 찬성"
    with pytest.raises(AlreadyPostedOpinion):
        services.post_opinion(debate_id=debate.pk, author=alice, body="또")
    services.support_opinion(debate_id=debate.pk, opinion_id=second.pk, citizen=alice)
    services.support_opinion(debate_id=debate.pk, opinion_id=second.pk, citizen=carol)
    services.support_opinion(debate_id=debate.pk, opinion_id=first.pk, citizen=carol)
    with pytest.raises(AlreadySupportedOpinion):
        services.support_opinion(debate_id=debate.pk, opinion_id=second.pk, citizen=carol)
    with pytest.raises(InvalidBallot):
        services.support_opinion(debate_id=debate.pk, opinion_id=first.pk, citizen=alice)
    state = debate_live_state(debate.pk)
    assert [(o["id"], o["supports"]) for o in state["opinions"]] == [(second.pk, 2), (first.pk, 1)]
    assert state["total"] == 2
    with pytest.raises(TakesOpinions):
        cast(debate, option_id=1)


def test_discussion_refuses_outside_its_period_and_bad_text(agency):
    debate = discussion(agency, opens_at=timezone.now() + timedelta(days=1), closes_at=timezone.now() + timedelta(days=2))
    with pytest.raises(DebateNotOpen):
        services.post_opinion(debate_id=debate.pk, author=CitizenFactory(), body="의견")
    Debate.objects.filter(pk=debate.pk).update(opens_at=timezone.now() - timedelta(days=1))
    forget_ballot_box()
    for body in ("", "   ", "<script></script>", None, "가" * 1001):
        with pytest.raises(InvalidBallot):
            services.post_opinion(debate_id=debate.pk, author=CitizenFactory(), body=body)
    assert not Opinion.objects.exists()


# --- hidden tallies do not leak -----------------------------------------------------------------
def test_hidden_tallies_are_not_in_the_state_the_page_or_the_json(client, agency, citizen):
    debate, (a, b, *_) = multiple_choice(agency, tally_visibility=TallyVisibility.AFTER_RESULTS)
    for _ in range(3):
        cast(debate, choices=[a.pk])
    state = debate_live_state(debate.pk)
    assert state["visible"] is False and all(o["count"] is None for o in state["options"])
    html = client.get(site_reverse(agency, "debate_detail", pk=debate.pk)).content.decode()
    assert "data-count>" not in html and "data-bars" not in html
    client.force_login(citizen)
    reply = client.post(site_reverse(agency, "debate_ballot_json", pk=debate.pk),
                        json.dumps({"choices": [b.pk]}), content_type="application/json")
    assert reply.status_code == 201 and "count" not in reply.content.decode()
    survey, _, _ = research(agency, tally_visibility=TallyVisibility.AFTER_RESULTS)
    assert all(o["count"] is None for q in debate_live_state(survey.pk)["questions"] for o in q["options"])
    talk = discussion(agency, tally_visibility=TallyVisibility.AFTER_RESULTS)
    opinion = services.post_opinion(debate_id=talk.pk, author=citizen, body="의견")
    services.support_opinion(debate_id=talk.pk, opinion_id=opinion.pk, citizen=CitizenFactory())
    assert debate_live_state(talk.pk)["opinions"][0]["supports"] is None


# --- the pages --------------------------------------------------------------------------------
def test_forms_work_without_script_for_each_type(client, agency, citizen):
    client.force_login(citizen)
    debate, (a, b, c, _) = multiple_choice(agency, n=2)
    page = client.get(site_reverse(agency, "debate_detail", pk=debate.pk)).content.decode()
    assert page.count('name="choice"') == 4
    assert client.post(site_reverse(agency, "debate_ballot", pk=debate.pk), {"choice": [a.pk, b.pk, c.pk]}).status_code == 400
    assert client.post(site_reverse(agency, "debate_ballot", pk=debate.pk), {"choice": [a.pk, b.pk]}).status_code == 302
    survey, (q1, q2, _), options = research(agency)
    page = client.get(site_reverse(agency, "debate_detail", pk=survey.pk)).content.decode()
    assert f'name="q{q1.pk}"' in page and 'type="checkbox"' in page
    response = client.post(site_reverse(agency, "debate_ballot", pk=survey.pk),
                           {f"q{q1.pk}": options[q1.pk][0].pk})
    assert response.status_code == 400 and "data-error-code=\"missing_answer\"" in response.content.decode()
    response = client.post(site_reverse(agency, "debate_ballot", pk=survey.pk),
                           {f"q{q1.pk}": options[q1.pk][0].pk, f"q{q2.pk}": [options[q2.pk][0].pk, options[q2.pk][1].pk]})
    assert response.status_code == 302 and BallotChoice.objects.filter(ballot__debate=survey).count() == 3
    talk = discussion(agency)
    assert client.post(site_reverse(agency, "debate_opinion", pk=talk.pk), {"body": "좋은 토론"}).status_code == 302
    refused = client.post(site_reverse(agency, "debate_opinion", pk=talk.pk), {"body": "두 번째 의견 초안"})
    assert refused.status_code == 409 and "두 번째 의견 초안" in refused.content.decode()


def test_json_ballots_for_multiple_choice_and_research(client, agency, citizen):
    client.force_login(citizen)
    debate, (a, *_) = multiple_choice(agency)
    url = site_reverse(agency, "debate_ballot_json", pk=debate.pk)
    bad = client.post(url, json.dumps({"choices": "nope"}), content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "unknown_option"
    ok = client.post(url, json.dumps({"choices": [a.pk]}), content_type="application/json")
    assert ok.status_code == 201 and ok.json()["ballot"]["option"] is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_ballots_of_one_citizen_store_one(agency):
    """Eight simultaneous posts of one citizen's multiple-choice ballot: one is stored."""
    debate, (a, b, *_) = multiple_choice(agency)
    citizen = CitizenFactory()
    start, outcomes = threading.Barrier(8), []

    def post(pick):
        try:
            start.wait()
            outcomes.append(cast(debate, citizen, choices=[pick]).pk)
        except AlreadyVoted:
            outcomes.append("already")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=([a.pk, b.pk][i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("already") == 7 and len(outcomes) == 8
    assert Ballot.objects.filter(debate=debate).count() == 1
    assert BallotChoice.objects.filter(ballot__debate=debate).count() == 1
