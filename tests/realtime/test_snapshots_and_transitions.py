import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from tests.factories import open_pro_con_debate

from .helpers import connect, connect_and_skip_greeting, receive, ws_path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_reconnecting_viewers_get_the_snapshot_without_a_database_query(debate, monkeypatch):
    first = await connect_and_skip_greeting(ws_path(debate))  # warms the group's latest frame
    executed = []
    original = CursorWrapper.execute
    monkeypatch.setattr(CursorWrapper, "execute", lambda self, sql, *a, **k: (executed.append(sql), original(self, sql, *a, **k))[1])
    others = [await connect_and_skip_greeting(ws_path(debate)) for _ in range(20)]
    assert executed == []
    for viewer in [first, *others]:
        await viewer.disconnect()


@database_sync_to_async
def closing_debate(agency, seconds):
    now = timezone.now()
    return open_pro_con_debate(agency=agency, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(seconds=seconds))


async def test_the_close_of_a_vote_is_pushed_to_viewers_without_a_refetch(agency):
    debate = await closing_debate(agency, 0.6)
    viewer = await connect(ws_path(debate))
    assert (await receive(viewer))["type"] == "hello"
    assert (await receive(viewer))["status"] == "in_progress"
    pushed = await receive(viewer, timeout=3)
    assert pushed["type"] == "tally" and pushed["status"] == "closed"
    await viewer.disconnect()


@pytest.fixture
def naive_mode(settings):
    from realtime.publisher import reset_publisher

    settings.REALTIME_MODE = "naive"
    reset_publisher()
    yield
    reset_publisher()


async def test_the_naive_comparison_mode_still_delivers_every_change(naive_mode, debate):
    from deliberation.debates.services import cast_ballot
    from tests.factories import CitizenFactory

    viewer = await connect_and_skip_greeting(ws_path(debate))

    @database_sync_to_async
    def vote():
        cast_ballot(debate=debate, citizen=CitizenFactory(), option_id=debate.options.first().pk)

    for _ in range(3):
        await vote()
    frames = [await receive(viewer) for _ in range(3)]  # one frame per ballot, uncoalesced
    assert max(f["total"] for f in frames) == 3
    assert len({f["seq"] for f in frames}) == 3
    await viewer.disconnect()


async def test_a_burst_of_connects_to_a_cold_debate_reads_the_rows_once(debate, monkeypatch):
    import dataclasses

    from realtime import topics

    reads = []
    topic = topics.TOPICS["debate.tally"]

    def counting_state(debate_id):
        reads.append(debate_id)
        return topic.state(debate_id)

    monkeypatch.setitem(topics.TOPICS, "debate.tally", dataclasses.replace(topic, state=counting_state))
    viewers = await asyncio.gather(*(connect_and_skip_greeting(ws_path(debate)) for _ in range(30)))
    assert reads == [debate.pk]
    for viewer in viewers:
        await viewer.disconnect()
