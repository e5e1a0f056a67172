"""Open sockets of signed-in users, per process, so that an account's sockets close when its
session ends: on logout, when the account is deactivated (suspended), and on a site ban.

The domain says so with `announce_sessions_ended()` (deliberation/announcements.py), after
commit; `end_sessions()` below is its handler (settings.DELIBERATION_SESSIONS_ENDED). The
publisher hands the notice to the fan-out: embedded, this process closes its sockets; with
Redis, the notice is PUBLISHed on one control channel and every process closes its own.

Each socket gets an `error` frame with the reason's code, then a close with the code and
reason below (docs/realtime-protocol.md, "Sessions that end"):

| reason | close code | sockets closed |
| --- | --- | --- |
| signed_out | 4401 "signed out" | every socket of the user, on every site |
| suspended | 4403 "account suspended" | every socket of the user, on every site |
| banned | 4403 "banned" | the user's sockets on the banning agency's site |
"""

import logging

from . import admission, protocol

logger = logging.getLogger(__name__)

CLOSE_SIGNED_OUT = 4401
CLOSE_FORBIDDEN = 4403

REASONS = {
    "signed_out": (CLOSE_SIGNED_OUT, "signed out", "You signed out."),
    "suspended": (CLOSE_FORBIDDEN, "account suspended", "This account is suspended."),
    "banned": (CLOSE_FORBIDDEN, "banned", "A moderator has banned you from this site."),
}


class UserSockets:
    """user id → this process's open sockets (consumers) of that user, with each socket's
    site slug (None: the city's site at the root)."""

    def __init__(self):
        self._by_user: dict[int, dict[object, str | None]] = {}

    def add(self, user_id: int, consumer, site_slug: str | None) -> None:
        self._by_user.setdefault(user_id, {})[consumer] = site_slug

    def remove(self, user_id: int, consumer) -> None:
        sockets = self._by_user.get(user_id)
        if sockets is not None:
            sockets.pop(consumer, None)
            if not sockets:
                del self._by_user[user_id]

    def __bool__(self) -> bool:
        return bool(self._by_user)

    def count(self, user_id: int) -> int:
        return len(self._by_user.get(user_id, ()))

    async def end(self, *, user_id: int, reason: str, agency_id: int | None = None) -> int:
        """Closes the user's sockets here (only those on `agency_id`'s site when given);
        returns how many."""
        if reason not in REASONS:
            logger.warning("unknown session end reason %r for user %s", reason, user_id)
            return 0
        sockets = dict(self._by_user.get(user_id, {}))
        if agency_id is not None:
            slugs = {slug for slug in set(sockets.values())
                     if await admission.site_id_for_slug(slug) == agency_id}
            sockets = {c: slug for c, slug in sockets.items() if slug in slugs}
        code, close_reason, message = REASONS[reason]
        for consumer in sockets:
            self.remove(user_id, consumer)
            consumer.session_ended = True  # frames still in flight from the client are ignored
            try:
                await consumer.send_frame(protocol.error(code=reason, message=message))
                await consumer.close(code=code, reason=close_reason)
            except Exception:  # already gone
                logger.debug("closing a socket of user %s failed", user_id, exc_info=True)
        if sockets:
            logger.info("closed %d socket(s) of user %s: %s", len(sockets), user_id, reason)
        return len(sockets)


def end_sessions(*, user_id: int, reason: str, agency_id: int | None = None) -> None:
    """The domain's hook (after commit, from any thread): close the user's sockets in every
    server process."""
    from .publisher import get_publisher

    get_publisher().end_sessions(user_id=user_id, reason=reason, agency_id=agency_id)
