"""Websocket consumers: thin adapters between the protocol, the publisher and the services."""

import asyncio
import itertools

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from deliberation import ratelimits
from deliberation.agencies.dashboard import dashboard_site_id
from deliberation.announcements import Kind
from deliberation.comments.moderation import moderated_site_id
from deliberation.debates.facilitation import may_facilitate_on_site
from deliberation.debates.services import BallotRequest, cast_ballots
from deliberation.errors import DomainError
from project.database import is_database_unavailable

from . import admission, groups, protocol
from .committer import GroupCommitter
from .publisher import get_publisher
from .registry import PREBUILT_FRAMES
from .topics import DASHBOARD
from .wire import binary_frame, text_frame

CLOSE_NOT_FOUND = 4404
CLOSE_TRY_AGAIN_LATER = 1013  # RFC 6455: the page reconnects with its usual backoff
CLOSE_RATE_LIMITED = 4429  # kept flooding after REALTIME_RATE_LIMIT_CLOSE_AFTER refusals
RATE_LIMITED = ("rate_limited", "Too many messages. Nothing was done; slow down and try again shortly.")
_socket_ids = itertools.count(1)
UNAVAILABLE = ("unavailable", "The service is briefly unavailable. Nothing was saved; try again in a moment.")
NO_CHANNEL_LAYER = "__realtime_no_layer__"  # an alias with no layer: the consumer gets none


class SocketConsumer(AsyncWebsocketConsumer):
    """Base for every live channel: bad frames get an error frame, never a crash."""

    topic_kind: str
    joined = False
    tracked_user_id: int | None = None
    session_ended = False  # set by realtime/sessions.py before the close
    binary = False  # this socket speaks msgpack (subprotocol deliberation.v1.msgpack)
    socket_key: int | None = None  # this socket's rate-limit key, unique in the process
    refusals = 0  # rate-limit refusals so far; -1 once closed for flooding

    @property
    def channel_layer_alias(self):
        # Coalesced fan-out writes to sockets directly: no per-socket channel (or Redis
        # subscription) is needed. Only the naive comparison mode uses the channel layer.
        return "default" if get_publisher().fanout.needs_channel_layer else NO_CHANNEL_LAYER

    async def dispatch(self, message):
        # Channels >= 4.2 closes old DB connections in a thread before every handler; these
        # consumers touch the database only through database_sync_to_async, which does that.
        handler = getattr(self, message["type"].replace(".", "_"), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def receive(self, text_data=None, bytes_data=None):
        if self.session_ended or self.refusals < 0:
            return  # closing (session ended, or closed for flooding): no frame is acted on (a vote least of all)
        # Every frame of any type, before it is even parsed: a per-socket count in this
        # process's memory (policy "ws_frame"), a few microseconds.
        if self.socket_key is None:
            self.socket_key = next(_socket_ids)
        try:
            ratelimits.hit("ws_frame", account=self.socket_key, engine=ratelimits.local())
        except ratelimits.RateLimited as exc:
            await self.refuse(exc)
            return
        try:
            message = protocol.parse_client_frame(text_data, bytes_data, binary=self.binary)
        except protocol.ProtocolError as exc:
            await self.send_frame(protocol.error(code=exc.code, message=exc.message))
            return
        await getattr(self, f"on_{message.type}")(message)

    @property
    def client_address(self) -> str | None:
        client = self.scope.get("client")
        return client[0] if client else None

    async def refuse(self, exc: "ratelimits.RateLimited", ref=None) -> None:
        """The `rate_limited` error frame; a socket refused REALTIME_RATE_LIMIT_CLOSE_AFTER
        times is closed with 4429 (the page reconnects later with its usual backoff)."""
        self.refusals += 1
        await self.send_frame(protocol.error(code=RATE_LIMITED[0], message=RATE_LIMITED[1], ref=ref,
                                             retry_after=exc.retry_after))
        close_after = settings.REALTIME_RATE_LIMIT_CLOSE_AFTER
        if close_after and self.refusals >= close_after:
            self.refusals = -1  # closing: ignore whatever is still queued
            await self.close(code=CLOSE_RATE_LIMITED)

    async def send_frame(self, message: dict) -> None:
        # Replies (acks, errors) take the same prebuilt-frame path as broadcasts when the
        # server offers it and the socket is writable; otherwise the ordinary send.
        prebuilt = self.scope.get("extensions", {}).get(PREBUILT_FRAMES)
        if self.binary:
            packed = protocol.encode_msgpack(message)
            if prebuilt is not None and prebuilt["write"](binary_frame(packed)):
                return
            await self.send(bytes_data=packed)
            return
        text = protocol.encode(message)
        if prebuilt is not None and prebuilt["write"](text_frame(text)):
            return
        await self.send(text_data=text)

    async def send_encoded(self, text: str, frame=None) -> None:
        """An already encoded JSON frame, in this socket's codec. `frame` is the registry's
        Frame for the same text when there is one: its msgpack form is built once for all."""
        if not self.binary:
            await self.send(text_data=text)
        elif frame is not None and frame.text is text:
            await self.send(bytes_data=frame.build_binary().packed)
        else:
            await self.send(bytes_data=protocol.json_to_msgpack(text))

    async def realtime_frame(self, event):
        # Naive mode only: a group_send from the channel layer, already encoded.
        await self.send_encoded(event["frame"])
        if protocol.is_gone(event["frame"]):
            await self.close(code=CLOSE_NOT_FOUND)

    # Which topic object a connection asks for, and whether it may have it: subclasses
    # return the object id from the route, or None to refuse with `refusal`.
    group_of: staticmethod
    refusal = ("not_found", "Not found on this site.", CLOSE_NOT_FOUND)

    async def admitted_object_id(self, kwargs) -> int | None:
        raise NotImplementedError

    async def connect(self):
        """Accept, check admission, then hello, join the group and send the snapshot; a refused
        socket gets an error frame and the refusal's close code. While the database cannot be
        reached, an `unavailable` error frame and close 1013 (the page retries)."""
        get_publisher().bind_loop(asyncio.get_running_loop())
        subprotocol = protocol.choose_subprotocol(self.scope.get("subprotocols"))
        self.binary = subprotocol == protocol.SUBPROTOCOL_MSGPACK
        await self.accept(subprotocol=subprotocol)
        # Connections per account and (generously: a venue's Wi-Fi is one address) per client
        # address, in this process's memory (policy "ws_connect"): a socket closed with 4429
        # for flooding cannot come straight back for more, and each admission costs a lookup.
        user = self.scope.get("user")
        try:
            ratelimits.hit("ws_connect", account=user.pk if user is not None and user.is_authenticated else None,
                           address=self.client_address, engine=ratelimits.local())
        except ratelimits.RateLimited as exc:
            await self.send_frame(protocol.error(code=RATE_LIMITED[0], message=RATE_LIMITED[1],
                                                 retry_after=exc.retry_after))
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        try:
            await self._admit_and_join()
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
            await self.send_frame(protocol.error(code=UNAVAILABLE[0], message=UNAVAILABLE[1]))
            await self.close(code=CLOSE_TRY_AGAIN_LATER)

    async def _admit_and_join(self):
        object_id = await self.admitted_object_id(self.scope["url_route"]["kwargs"])
        if object_id is None:
            code, message, close_code = self.refusal
            await self.send_frame(protocol.error(code=code, message=message))
            await self.close(code=close_code)
            return
        self.object_id = object_id
        self.group = self.group_of(object_id)
        await self.send_frame(protocol.hello(topic=self.group))
        await get_publisher().fanout.join(self.group, self)
        self.joined = True
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            # So that logout, a suspension or a site ban closes this socket (realtime/sessions.py).
            self.tracked_user_id = user.pk
            await get_publisher().fanout.track_user(user.pk, self, self.scope["url_route"]["kwargs"].get("agency_slug"))
        await self.send_snapshot()

    async def on_ping(self, message):
        echo = message.payload.get("echo")
        await self.send_frame(protocol.pong(echo=echo if isinstance(echo, (int, str)) else None))

    async def on_resync(self, message):
        if self.joined:  # a socket refused at connect has no topic to resync
            await self.send_snapshot(from_rows=True)

    async def on_vote(self, message):
        await self.send_frame(protocol.error(code="not_supported", message="This topic takes no votes."))

    async def send_snapshot(self, *, from_rows: bool = False):
        publisher = get_publisher()
        text = await publisher.snapshot_frame(self.topic_kind, self.object_id, cached=not from_rows)
        if text is None:
            # Admitted (admission is remembered for a few seconds) but no longer shown: the
            # same final frame and close as the viewers who were watching when it went.
            await self.send_frame(protocol.gone(topic=self.group))
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.send_encoded(text, publisher.fanout.latest_frame(self.group) if self.binary else None)

    async def disconnect(self, code):
        if self.tracked_user_id is not None:
            get_publisher().fanout.untrack_user(self.tracked_user_id, self)
            self.tracked_user_id = None
        if self.joined:
            self.joined = False
            await get_publisher().fanout.leave(self.group, self)


_ballot_committer: GroupCommitter | None = None


def ballot_committer() -> GroupCommitter:
    global _ballot_committer
    loop = asyncio.get_running_loop()
    if _ballot_committer is None or _ballot_committer.loop is not loop:
        if _ballot_committer is not None:
            _ballot_committer.close()
        naive = not get_publisher().coalesce  # the naive app commits and announces every ballot alone
        _ballot_committer = GroupCommitter(
            lambda debate_id, requests: cast_ballots(debate_id=debate_id, requests=requests),
            window=0 if naive else settings.BALLOT_COMMIT_WINDOW_SECONDS,
            max_batch=1 if naive else settings.BALLOT_COMMIT_MAX_BATCH,
        )
        _ballot_committer.loop = loop
    return _ballot_committer


class DebateConsumer(SocketConsumer):
    """ws/debates/<id>/ (city) and ws/a/<slug>/debates/<id>/ (agency): live tally, and
    ballots for logged-in citizens (acknowledged only after commit)."""

    topic_kind = Kind.DEBATE_TALLY
    group_of = staticmethod(groups.debate)
    refusal = ("not_found", "No such debate on this site.", CLOSE_NOT_FOUND)

    async def admitted_object_id(self, kwargs):
        debate_id = int(kwargs["debate_id"])
        visible = await admission.debate_visible_on_site(debate_id=debate_id, site_slug=kwargs.get("agency_slug"))
        return debate_id if visible else None

    async def on_vote(self, message):
        ref = message.payload.get("ref")
        if not (ref is None or isinstance(ref, int) or (isinstance(ref, str) and len(ref) <= 64)):
            await self.send_frame(protocol.error(code="bad_frame", message="ref must be a short string or an int."))
            return
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.send_frame(protocol.error(code="not_authenticated", message="Log in to vote.", ref=ref))
            return
        # Votes per account and (generously: a venue's Wi-Fi is one address) per client
        # address, in this process's memory (policy "ws_vote"); nothing is submitted past it.
        try:
            ratelimits.hit("ws_vote", account=user.pk, address=self.client_address,
                           engine=ratelimits.local())
        except ratelimits.RateLimited as exc:
            await self.refuse(exc, ref=ref)
            return
        request = BallotRequest(
            citizen_id=user.pk, option_id=message.payload.get("option"),
            other_text=message.payload.get("other_text", ""),
            choices=message.payload.get("choices"), answers=message.payload.get("answers"),
        )
        result = await ballot_committer().submit(self.object_id, request)
        if isinstance(result, DomainError):
            await self.send_frame(protocol.error(code=str(result.code), message=str(result.message), ref=ref))
        elif isinstance(result, Exception) and is_database_unavailable(result):
            # Nothing stored, no ack; the socket stays open for the retry.
            await self.send_frame(protocol.error(code=UNAVAILABLE[0], message=UNAVAILABLE[1], ref=ref))
        elif isinstance(result, Exception):
            await self.send_frame(protocol.error(code="server_error", message="The ballot was not stored; try again.", ref=ref))
        else:
            await self.send_frame(protocol.ack(ref=ref, ballot=result.pk))


class ProposalConsumer(SocketConsumer):
    """ws/proposals/<id>/ (city site) and ws/a/<slug>/proposals/<id>/ (agency site): a
    citizen proposal's supports, comment count, phase and milestones. Read-only: supports and
    comments go through the pages' HTTP forms and JSON views."""

    topic_kind = Kind.PROPOSAL
    group_of = staticmethod(groups.proposal)
    refusal = ("not_found", "No such proposal on this site.", CLOSE_NOT_FOUND)

    async def admitted_object_id(self, kwargs):
        proposal_id = int(kwargs["proposal_id"])
        visible = await admission.proposal_visible_on_site(proposal_id=proposal_id, site_slug=kwargs.get("agency_slug"))
        return proposal_id if visible else None


class ProposalCommentsConsumer(ProposalConsumer):
    """ws/proposals/<id>/comments/ and ws/a/<slug>/proposals/<id>/comments/: the latest
    visible comments, sent when a comment is posted, edited, deleted or hidden. A socket of
    its own, so that support frames stay small and comments are sent only when they change."""

    topic_kind = Kind.PROPOSAL_COMMENTS
    group_of = staticmethod(groups.comments)


class SiteProposalsConsumer(SocketConsumer):
    """ws/proposals/ (the city's site) and ws/a/<slug>/proposals/ (an agency's site): the
    support and comment counts of the proposals that site's list shows. Read-only."""

    topic_kind = Kind.SITE_PROPOSALS
    group_of = staticmethod(groups.site)
    refusal = ("not_found", "No such site.", CLOSE_NOT_FOUND)

    async def admitted_object_id(self, kwargs):
        return await admission.site_id_for_slug(kwargs.get("agency_slug"))


class SiteDebatesConsumer(SiteProposalsConsumer):
    """ws/debates/ and ws/a/<slug>/debates/: the status and participants of each debate the
    site's list shows. Read-only."""

    topic_kind = Kind.SITE_DEBATES
    group_of = staticmethod(groups.site_debates)


class DebateCommentsConsumer(DebateConsumer):
    """ws/debates/<id>/comments/ and ws/a/<slug>/debates/<id>/comments/: the debate's latest
    visible comments, sent when one is posted, edited, deleted, hidden or approved. Read-only."""

    topic_kind = Kind.DEBATE_COMMENTS
    group_of = staticmethod(groups.debate_comments)

    async def on_vote(self, message):
        await SocketConsumer.on_vote(self, message)


CLOSE_FORBIDDEN = 4403
WATCHING_CHECK_SECONDS = 5.0


class ModerationConsumer(SocketConsumer):
    """ws/moderation/ and ws/a/<slug>/moderation/: the site's live moderation queue (held,
    reported and new comments, new opinions, with report counts). Only the site's moderators,
    its admins and the platform admin join; anyone else gets an error frame and close 4403.
    Read-only: actions are the page's HTTP forms (each checked and audited by the service)."""

    topic_kind = Kind.MODERATION
    group_of = staticmethod(groups.moderation)
    refusal = ("forbidden", "Moderators only.", CLOSE_FORBIDDEN)

    async def admitted_object_id(self, kwargs):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return None
        return await database_sync_to_async(moderated_site_id)(user, kwargs.get("agency_slug"))


class FacilitatorConsumer(SocketConsumer):
    """ws/debates/<id>/screen/ and ws/a/<slug>/debates/<id>/screen/: the facilitator screen
    (online and hall counts, controls' state, people watching). Authorization on join: only
    the debate's agency admins, its facilitators and the platform admin; anyone else gets an
    error frame and close 4403. Read-only: the controls are the page's HTTP forms."""

    topic_kind = Kind.FACILITATOR
    group_of = staticmethod(groups.screen)
    refusal = ("forbidden", "Facilitators only.", CLOSE_FORBIDDEN)

    async def admitted_object_id(self, kwargs):
        debate_id = int(kwargs["debate_id"])
        user = self.scope.get("user")
        allowed = user is not None and await database_sync_to_async(may_facilitate_on_site)(
            user, debate_id, kwargs.get("agency_slug")
        )
        return debate_id if allowed else None

    async def connect(self):
        await super().connect()
        if self.joined:
            self._watch_task = asyncio.get_running_loop().create_task(self._follow_audience())

    async def _follow_audience(self):
        """Phones joining or leaving announce nothing: when the number watching changes,
        mark the screen's group dirty so every screen gets it with the next tick."""
        from .topics import watching

        last = watching(self.object_id)
        while self.joined:
            await asyncio.sleep(WATCHING_CHECK_SECONDS)
            now = watching(self.object_id)
            if now != last:
                last = now
                get_publisher().mark_groups_dirty([self.group])

    async def disconnect(self, code):
        task = getattr(self, "_watch_task", None)
        if task is not None:
            task.cancel()
        await super().disconnect(code)


class DashboardConsumer(SocketConsumer):
    """ws/dashboard/ (the city's site) and ws/a/<slug>/dashboard/ (an agency's): the site's live
    dashboard (알림판). Only the site's agency admins and the platform admin; anyone else gets
    an error frame and close 4403. Nothing announces it: while a dashboard is open, its group
    is marked dirty every REALTIME_DASHBOARD_SECONDS, so a peak of thousands of ballots per
    second costs one rebuild per period, not one per ballot. Read-only."""

    topic_kind = DASHBOARD
    group_of = staticmethod(groups.dashboard)
    refusal = ("forbidden", "Site admins only.", CLOSE_FORBIDDEN)

    async def admitted_object_id(self, kwargs):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return None
        return await database_sync_to_async(dashboard_site_id)(user, kwargs.get("agency_slug"))

    async def connect(self):
        await super().connect()
        if self.joined:
            self._refresh_task = asyncio.get_running_loop().create_task(self._refresh_every_period())

    async def _refresh_every_period(self):
        # Several open dashboards of one site in this process share one rebuild per tick
        # (the publisher's dirty set holds each group once).
        while self.joined:
            await asyncio.sleep(settings.REALTIME_DASHBOARD_SECONDS)
            get_publisher().mark_groups_dirty([self.group])

    async def disconnect(self, code):
        task = getattr(self, "_refresh_task", None)
        if task is not None:
            task.cancel()
        await super().disconnect(code)
