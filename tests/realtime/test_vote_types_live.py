"""Every vote type streams through the same publisher; hidden tallies never leave the server;
a site's debate list gets a compact live summary."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from deliberation.debates.models import Debate, DebateOption, OptionKind, TallyVisibility, VoteType
from deliberation.debates.services import cast_ballot
from tests.factories import CitizenFactory

from .helpers import connect, receive, ws_path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@database_sync_to_async
def multiple_choice(agency, **fields):
    now = timezone.now()
    debate = Debate.objects.create(agency=agency, title="시설", vote_type=VoteType.MULTIPLE_CHOICE, max_choices=2,
                                   is_published=True, opens_at=now - timedelta(hours=1),
                                   closes_at=now + timedelta(days=1), **fields)
    options = [DebateOption.objects.create(debate=debate, label=label, kind=OptionKind.CHOICE, position=i)
               for i, label in enumerate(["그늘막", "조명", "수유실"])]
    return debate, options


@database_sync_to_async
def vote(debate, choices):
    return cast_ballot(debate=debate, citizen=CitizenFactory(), choices=choices)


async def until(viewer, predicate, timeout=3):
    while True:
        frame = await receive(viewer, timeout=timeout)
        if predicate(frame):
            return frame


async def test_a_multiple_choice_tally_moves_live(agency):
    debate, (shade, light, _) = await multiple_choice(agency)
    viewer = await connect(ws_path(debate))
    assert (await receive(viewer))["type"] == "hello"
    snapshot = await receive(viewer)
    assert snapshot["vote_type"] == "multiple_choice" and snapshot["max_choices"] == 2 and snapshot["total"] == 0
    await vote(debate, [shade.pk, light.pk])
    frame = await until(viewer, lambda f: f.get("total") == 1)
    assert {o["id"]: o["count"] for o in frame["options"]} == {shade.pk: 1, light.pk: 1, frame["options"][2]["id"]: 0}
    await viewer.disconnect()


async def test_hidden_tallies_never_reach_a_socket(agency):
    debate, (shade, *_) = await multiple_choice(agency, tally_visibility=TallyVisibility.AFTER_RESULTS)
    await vote(debate, [shade.pk])
    viewer = await connect(ws_path(debate))
    await receive(viewer)
    snapshot = await receive(viewer)
    assert snapshot["visible"] is False and all(o["count"] is None for o in snapshot["options"])
    await vote(debate, [shade.pk])
    frame = await until(viewer, lambda f: f.get("total") == 2)
    assert all(o["count"] is None for o in frame["options"])
    summary = await connect(f"/ws/a/{agency.slug}/debates/")
    assert (await receive(summary))["type"] == "hello"
    listed = await receive(summary)
    assert listed["type"] == "debate_summary" and listed["debates"][str(debate.pk)] == ["in_progress", None]
    await viewer.disconnect(), await summary.disconnect()


async def test_the_site_list_summary_follows_ballots(agency, other_agency):
    debate, (shade, *_) = await multiple_choice(agency)
    summary = await connect(f"/ws/a/{agency.slug}/debates/")
    hello = await receive(summary)
    assert hello["topic"] == f"sitedebates.{agency.pk}"
    first = await receive(summary)
    assert first["debates"][str(debate.pk)] == ["in_progress", 0]
    await vote(debate, [shade.pk])
    frame = await until(summary, lambda f: f["debates"][str(debate.pk)][1] == 1)
    assert frame["seq"] > first["seq"]
    other = await connect(f"/ws/a/{other_agency.slug}/debates/")
    await receive(other)
    assert str(debate.pk) not in (await receive(other))["debates"]
    refused = await connect("/ws/a/no-such-agency/debates/")
    assert (await receive(refused))["code"] == "not_found"
    await summary.disconnect(), await other.disconnect()
