"""Live moderation over sockets: the moderators' queue channel refuses everyone else (4403)
and moves when a comment arrives or is reported; a hidden debate comment leaves a second
connected page at once, and a held one never reaches it."""

import pytest
from channels.db import database_sync_to_async

from deliberation.agencies.models import Role
from deliberation.agencies.services import grant_role
from deliberation.comments import moderation
from deliberation.comments.services import post_comment, report_comment
from tests.factories import AgencyFactory, CitizenFactory, agency_admin, open_pro_con_debate

from .helpers import connect, receive
from .test_facilitator_channel import refused, until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@database_sync_to_async
def given_site():
    agency = AgencyFactory()
    moderator = CitizenFactory()
    grant_role(user=moderator, agency=agency, role=Role.MODERATOR)
    return agency, moderator, open_pro_con_debate(agency=agency)


async def test_the_queue_channel_refuses_citizens_and_other_sites_staff(transactional_db):
    agency, moderator, _ = await given_site()
    path = f"/ws/a/{agency.slug}/moderation/"
    await refused(path)
    await refused(path, await database_sync_to_async(CitizenFactory)())
    await refused(path, await database_sync_to_async(lambda: agency_admin(AgencyFactory()))())
    await refused("/ws/moderation/", moderator)  # the city's queue is not this moderator's


async def test_a_new_comment_and_a_report_reach_the_moderators_queue(transactional_db):
    agency, moderator, debate = await given_site()
    queue = await connect(f"/ws/a/{agency.slug}/moderation/", user=moderator)
    assert (await receive(queue))["type"] == "hello"
    snapshot = await receive(queue)
    assert snapshot["type"] == "moderation" and snapshot["recent"] == [] and snapshot["counts"]["held"] == 0
    comment = await database_sync_to_async(post_comment)(
        debate=debate, author=await database_sync_to_async(CitizenFactory)(), body="방금 올라온 댓글")
    frame = await until(queue, lambda f: any(i["id"] == comment.pk for i in f.get("recent", [])))
    assert frame["recent"][0]["body"] == "방금 올라온 댓글" and frame["recent"][0]["reports"] == 0
    await database_sync_to_async(report_comment)(
        comment=comment, reporter=await database_sync_to_async(CitizenFactory)(), reason="비방")
    frame = await until(queue, lambda f: f.get("counts", {}).get("open_reports") == 1)
    assert [i["id"] for i in frame["reported"]] == [comment.pk]
    await queue.disconnect()


async def test_a_hidden_debate_comment_leaves_another_open_page_and_a_held_one_never_arrives(transactional_db):
    agency, moderator, debate = await given_site()
    page = await connect(f"/ws/a/{agency.slug}/debates/{debate.pk}/comments/")
    assert (await receive(page))["type"] == "hello"
    assert (await receive(page))["recent_comments"] == []
    comment = await database_sync_to_async(post_comment)(
        debate=debate, author=await database_sync_to_async(CitizenFactory)(), body="곧 가려질 댓글")
    frame = await until(page, lambda f: f.get("comments") == 1)
    assert [c["body"] for c in frame["recent_comments"]] == ["곧 가려질 댓글"]
    await database_sync_to_async(moderation.hide_comment)(actor=moderator, comment_id=comment.pk, reason="비방")
    frame = await until(page, lambda f: f.get("comments") == 0)
    assert frame["recent_comments"] == []

    await database_sync_to_async(moderation.update_moderation_settings)(
        actor=moderator, agency=agency, premoderation=True, blocked_words="")
    held = await database_sync_to_async(post_comment)(
        debate=debate, author=await database_sync_to_async(CitizenFactory)(), body="검토 대기")
    assert held.held_at is not None
    await database_sync_to_async(moderation.approve_comment)(actor=moderator, comment_id=held.pk)
    frame = await until(page, lambda f: f.get("comments") == 1)  # only once approved
    assert [c["body"] for c in frame["recent_comments"]] == ["검토 대기"]
    await page.disconnect()


async def test_the_debate_comment_stream_refuses_a_debate_of_another_site(transactional_db):
    _, _, debate = await given_site()
    other = await database_sync_to_async(AgencyFactory)()
    page = await connect(f"/ws/a/{other.slug}/debates/{debate.pk}/comments/")
    frame = await receive(page)
    assert frame["type"] == "error" and frame["code"] == "not_found"
    assert (await page.receive_output(timeout=2)) == {"type": "websocket.close", "code": 4404}
