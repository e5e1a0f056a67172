"""Live proposals through channels.testing, on the project's full ASGI stack: a proposal's
state (ws/…/proposals/<id>/) and a site's list counts (ws/…/proposals/). Supports and comments
go through the domain's services, as the views do; the realtime layer only streams."""

import asyncio
import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from deliberation.agencies.models import Agency
from deliberation.agencies.selectors import city
from deliberation.announcements import Kind
from deliberation.comments.models import Comment
from deliberation.comments.services import delete_comment, post_comment
from deliberation.proposals.models import Proposal
from deliberation.proposals.services import file_proposal, support
from realtime import groups
from realtime.publisher import Publisher
from realtime.topics import key_for_group
from tests.factories import AgencyFactory, CitizenFactory

from .helpers import connect, receive

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


# --- paths -----------------------------------------------------------------------------------
def detail_path(proposal, slug=None):
    return f"/ws/a/{slug}/proposals/{proposal.pk}/" if slug else f"/ws/proposals/{proposal.pk}/"


def comments_path(proposal, slug=None):
    return detail_path(proposal, slug) + "comments/"


def list_path(slug=None):
    return f"/ws/a/{slug}/proposals/" if slug else "/ws/proposals/"


# --- rows, through the services --------------------------------------------------------------
@database_sync_to_async
def new_proposal(agency=None, **kwargs):
    return file_proposal(agency=agency or city(), author=CitizenFactory(), title="한강 자전거도로에 야간 조명을",
                         body="밤에 어둡습니다.", policy_category="transport", **kwargs)


@database_sync_to_async
def supports(proposal, n=1):
    citizens = [CitizenFactory() for _ in range(n)]  # first, so the supports come in a burst
    for citizen in citizens:
        support(proposal_id=proposal.pk, citizen=citizen)


@database_sync_to_async
def comment(proposal, body, parent=None):
    author = CitizenFactory()
    return post_comment(proposal=Proposal.objects.get(pk=proposal.pk), author=author, body=body,
                        parent_id=parent.pk if parent else None)


@database_sync_to_async
def delete(c):
    delete_comment(comment=Comment.objects.get(pk=c.pk), user=c.author)


@database_sync_to_async
def hide(c):
    from deliberation.comments.moderation import hide_comment

    hide_comment(actor=CitizenFactory(is_platform_admin=True), comment_id=c.pk, reason="광고")


@database_sync_to_async
def make_private(proposal):
    Proposal.objects.filter(pk=proposal.pk).update(is_public=False)


@database_sync_to_async
def new_agency(**kwargs):
    return AgencyFactory(**kwargs)


@database_sync_to_async
def deactivate(agency):
    Agency.objects.filter(pk=agency.pk).update(is_active=False)


@database_sync_to_async
def city_id():
    return city().pk


# --- frames ----------------------------------------------------------------------------------
async def open_topic(path):
    viewer = await connect(path)
    hello = await receive(viewer)
    assert hello["type"] == "hello", hello
    snapshot = await receive(viewer)
    return viewer, hello, snapshot


async def until(viewer, done, timeout=3):
    """Frames up to and including the first for which done(frame) holds."""
    frames = []
    while not frames or not done(frames[-1]):
        frames.append(await receive(viewer, timeout=timeout))
    return frames


async def assert_refused(path):
    viewer = await connect(path)
    frame = await receive(viewer)
    assert frame == {"type": "error", "code": "not_found", "message": frame["message"]}
    close = await viewer.receive_output(timeout=1)
    assert close == {"type": "websocket.close", "code": 4404}


def counts(frame, proposal):
    return frame["proposals"].get(str(proposal.pk))


# --- the proposal topic ----------------------------------------------------------------------
async def test_a_viewer_gets_hello_then_the_proposals_state():
    proposal = await new_proposal()
    await supports(proposal, 2)
    viewer, hello, snapshot = await open_topic(detail_path(proposal))
    assert hello["topic"] == f"proposal.{proposal.pk}" and hello["v"] == 1
    assert snapshot["type"] == "proposal" and snapshot["v"] == 1 and isinstance(snapshot["seq"], int)
    assert snapshot["proposal"] == proposal.pk and snapshot["supports"] == 2 and snapshot["comments"] == 0
    assert snapshot["phase"] == "open" and snapshot["closes_at"] == proposal.closes_at.isoformat()
    assert snapshot["in_review"] is False and snapshot["best"] is False and snapshot["answers"] == 0
    assert len(snapshot["thresholds"]) == 2 and "recent_comments" not in snapshot
    await viewer.disconnect()


async def test_a_support_moves_the_proposal_and_both_sites_lists(agency):
    proposal = await new_proposal(agency)
    detail, _, first = await open_topic(detail_path(proposal, agency.slug))
    city_list, city_hello, city_first = await open_topic(list_path())
    agency_list, agency_hello, agency_first = await open_topic(list_path(agency.slug))
    assert city_hello["topic"] == f"site.{await city_id()}" and agency_hello["topic"] == f"site.{agency.pk}"
    assert city_first["type"] == agency_first["type"] == "proposal_counts"
    assert city_first["site"] == await city_id() and agency_first["site"] == agency.pk
    assert counts(city_first, proposal) == counts(agency_first, proposal) == [0, 0]

    await supports(proposal)

    update = (await until(detail, lambda f: f["supports"] == 1))[-1]
    assert update["type"] == "proposal" and update["seq"] > first["seq"]
    city_update = (await until(city_list, lambda f: counts(f, proposal) == [1, 0]))[-1]
    agency_update = (await until(agency_list, lambda f: counts(f, proposal) == [1, 0]))[-1]
    assert city_update["seq"] > city_first["seq"] and agency_update["seq"] > agency_first["seq"]
    for viewer in (detail, city_list, agency_list):
        await viewer.disconnect()


async def test_a_city_proposal_moves_only_the_citys_list(agency):
    proposal = await new_proposal()
    agency_list, _, _ = await open_topic(list_path(agency.slug))
    city_list, _, _ = await open_topic(list_path())
    await supports(proposal)
    await until(city_list, lambda f: counts(f, proposal) == [1, 0])
    assert await agency_list.receive_nothing(timeout=0.4)
    await agency_list.disconnect(), await city_list.disconnect()


async def test_supports_in_one_tick_are_coalesced_into_one_frame_with_the_final_count(settings):
    settings.REALTIME_TICK_SECONDS = 0.3  # read when the publisher is built, at the first connect
    proposal = await new_proposal()
    viewer, _, _ = await open_topic(detail_path(proposal))
    await supports(proposal, 8)
    frames = await until(viewer, lambda f: f["supports"] == 8)
    assert len(frames) < 8, f"eight supports cost {len(frames)} frames"
    assert [f["seq"] for f in frames] == sorted({f["seq"] for f in frames})
    assert await viewer.receive_nothing(timeout=0.3), "the final count came last"
    await viewer.disconnect()


async def test_a_new_comment_and_a_reply_appear_in_recent_comments():
    proposal = await new_proposal()
    viewer, hello, snapshot = await open_topic(comments_path(proposal))
    assert hello["topic"] == f"comments.{proposal.pk}"
    assert snapshot["type"] == "comments" and snapshot["recent_comments"] == [] and snapshot["comments"] == 0
    first = await comment(proposal, "<b>좋은 제안</b>입니다")
    frame = (await until(viewer, lambda f: f["comments"] == 1))[-1]
    [entry] = frame["recent_comments"]
    assert entry["id"] == first.pk and entry["parent"] is None and entry["edited"] is False
    assert entry["author"] == str(first.author) and "좋은 제안" in entry["body"] and entry["created_at"]
    reply = await comment(proposal, "동의합니다", parent=first)
    frame = (await until(viewer, lambda f: f["comments"] == 2))[-1]
    assert [(c["id"], c["parent"]) for c in frame["recent_comments"]] == [(first.pk, None), (reply.pk, first.pk)]
    await viewer.disconnect()


async def test_a_deleted_or_hidden_comment_leaves_recent_comments():
    proposal = await new_proposal()
    kept, deleted, hidden = [await comment(proposal, body) for body in ("하나", "둘", "셋")]
    viewer, _, snapshot = await open_topic(comments_path(proposal))
    assert [c["id"] for c in snapshot["recent_comments"]] == [kept.pk, deleted.pk, hidden.pk]
    await delete(deleted)
    frame = (await until(viewer, lambda f: len(f["recent_comments"]) == 2))[-1]
    assert [c["id"] for c in frame["recent_comments"]] == [kept.pk, hidden.pk] and frame["comments"] == 2
    await hide(hidden)
    frame = (await until(viewer, lambda f: len(f["recent_comments"]) == 1))[-1]
    assert [c["id"] for c in frame["recent_comments"]] == [kept.pk]
    await viewer.disconnect()


async def test_supports_do_not_resend_the_comments():
    proposal = await new_proposal()
    await comment(proposal, "하나")
    stream, _, _ = await open_topic(comments_path(proposal))
    counts_viewer, _, _ = await open_topic(detail_path(proposal))
    await supports(proposal, 3)
    await until(counts_viewer, lambda f: f["supports"] == 3)
    assert await stream.receive_nothing(timeout=0.3), "a support must not resend the comments"
    await comment(proposal, "둘")
    frame = (await until(stream, lambda f: f["comments"] == 2))[-1]
    assert len(frame["recent_comments"]) == 2
    await stream.disconnect(), await counts_viewer.disconnect()


async def test_the_end_of_the_support_period_is_pushed_without_a_refetch(agency):
    # Filed so that its period (agency.support_period_days) ends in 0.6 s. The state has
    # closes_at and no opens_at: the publisher's transition timer uses the one it finds.
    filed = timezone.now() - timedelta(days=agency.support_period_days) + timedelta(seconds=0.6)
    proposal = await new_proposal(agency, now=filed)
    viewer, _, snapshot = await open_topic(detail_path(proposal, agency.slug))
    assert snapshot["phase"] == "open" and "opens_at" not in snapshot
    pushed = await receive(viewer, timeout=3)
    assert pushed["type"] == "proposal" and pushed["phase"] != "open" and pushed["seq"] > snapshot["seq"]
    await viewer.disconnect()


async def test_resync_sends_a_fresh_state_and_votes_are_refused():
    proposal = await new_proposal()
    viewer, _, _ = await open_topic(detail_path(proposal))
    await viewer.send_to(text_data=json.dumps({"type": "vote", "ref": "r1", "option": 1}))
    error = await receive(viewer)
    assert error["type"] == "error" and error["code"] == "not_supported"
    await viewer.send_to(text_data='{"type": "resync"}')
    assert (await receive(viewer))["type"] == "proposal"
    await viewer.send_to(text_data='{"type": "ping", "echo": 3}')
    assert (await receive(viewer))["echo"] == 3
    await viewer.disconnect()


async def test_a_list_viewer_can_resync_and_takes_no_votes():
    viewer, _, _ = await open_topic(list_path())
    await viewer.send_to(text_data='{"type": "vote", "option": 1}')
    assert (await receive(viewer))["code"] == "not_supported"
    await viewer.send_to(text_data='{"type": "resync"}')
    assert (await receive(viewer))["type"] == "proposal_counts"
    await viewer.disconnect()


async def test_no_frame_for_another_proposals_support():
    proposal, other = await new_proposal(), await new_proposal()
    viewer, _, _ = await open_topic(detail_path(proposal))
    await supports(other)
    await asyncio.sleep(0.2)
    assert await viewer.receive_nothing(timeout=0.3)
    await viewer.disconnect()


# --- admission -------------------------------------------------------------------------------
async def test_cross_listing_an_agencys_proposal_is_on_its_site_and_the_citys_only(agency, other_agency):
    proposal = await new_proposal(agency)
    await assert_refused(detail_path(proposal, other_agency.slug))
    for path in (detail_path(proposal), detail_path(proposal, agency.slug)):
        viewer, _, snapshot = await open_topic(path)
        assert snapshot["proposal"] == proposal.pk
        await viewer.disconnect()


async def test_a_city_proposal_is_not_on_an_agencys_site(agency):
    proposal = await new_proposal()
    await assert_refused(detail_path(proposal, agency.slug))


async def test_a_private_proposal_is_refused():
    proposal = await new_proposal()
    await make_private(proposal)
    await assert_refused(detail_path(proposal))


async def test_an_unknown_proposal_is_refused():
    proposal = await new_proposal()
    await assert_refused(f"/ws/proposals/{proposal.pk + 1000}/")


async def test_an_unknown_or_inactive_agency_slug_is_refused(agency):
    proposal = await new_proposal(agency)
    await assert_refused(detail_path(proposal, "no-such-agency"))
    await assert_refused(list_path("no-such-agency"))
    closed = await new_agency()
    await deactivate(closed)
    await assert_refused(list_path(closed.slug))


async def test_a_refused_socket_ignores_a_resync(agency):
    viewer = await connect(list_path("no-such-agency"))
    assert (await receive(viewer))["code"] == "not_found"
    await viewer.send_to(text_data='{"type": "resync"}')
    assert (await viewer.receive_output(timeout=1))["type"] == "websocket.close"


# --- groups ----------------------------------------------------------------------------------
async def test_group_names_map_back_to_exactly_one_topic():
    assert groups.proposal(12) == "proposal.12" and groups.site(3) == "site.3"
    assert key_for_group("proposal.12") == (Kind.PROPOSAL, 12)
    assert key_for_group("site.3") == (Kind.SITE_PROPOSALS, 3)
    assert key_for_group("debate.7") == (Kind.DEBATE_TALLY, 7)
    for junk in ("site.", "site.x", "sites.3", "proposal.site.3", "site.3.4", "agency.3", "proposal.-1", "site.³", ""):
        assert key_for_group(junk) is None, junk


async def test_resubscribing_marks_each_group_under_its_own_topic():
    marked = []
    publisher = Publisher(tick=1, fanout=None, sequence=None)
    publisher._changed = marked.append
    publisher.mark_groups_dirty(["site.3", "proposal.3", "debate.3", "site.nope"])
    assert marked == [(Kind.SITE_PROPOSALS, 3), (Kind.PROPOSAL, 3), (Kind.DEBATE_TALLY, 3)]
