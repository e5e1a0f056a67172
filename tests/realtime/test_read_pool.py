"""The publisher reads through its own pool on the server's loop (production mode), so request
threads holding every `default` connection cannot delay a frame."""

import asyncio

import pytest
from django.conf import settings

from deliberation.agencies.models import Agency
from realtime.db import ALIAS, reads_for_realtime
from realtime.publisher import get_publisher
from realtime.topics import Topic

pytestmark = pytest.mark.django_db


def expected_alias():
    return ALIAS if ALIAS in settings.DATABASES else "default"


def test_reads_inside_the_context_are_routed_to_the_realtime_alias():
    with reads_for_realtime():
        assert Agency.objects.all().db == expected_alias()
    assert Agency.objects.all().db == "default"
    assert Agency.objects.db_manager("default").all().db == "default"


def test_production_settings_give_the_realtime_alias_its_own_small_pool():
    if ALIAS not in settings.DATABASES:
        pytest.skip("the embedded default (SQLite) has no pool and no realtime alias")
    pool = settings.DATABASES[ALIAS]["OPTIONS"]["pool"]
    assert settings.DATABASES[ALIAS]["NAME"] == settings.DATABASES["default"]["NAME"]
    assert pool["max_size"] <= 8 and settings.DATABASES[ALIAS]["TEST"]["MIRROR"] == "default"


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_live_publisher_reads_state_through_the_realtime_alias():
    seen = []
    topic = Topic(group_prefix="x.", group=lambda i: f"x.{i}", message=dict,
                  state=lambda object_id: seen.append(Agency.objects.all().db) or {"ok": object_id})
    publisher = get_publisher()
    publisher.bind_loop(asyncio.get_running_loop())
    assert await publisher._read_state(topic, 7) == {"ok": 7}
    assert seen == [expected_alias()]
