"""The domain announces that something changed; it never pushes to browsers itself.

`announce_change()` runs after the surrounding transaction commits and hands the change to the
announcer named by settings.DELIBERATION_ANNOUNCER (the realtime publisher). Nothing in
`deliberation/` imports `realtime/`."""

from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string


class Kind:
    DEBATE_TALLY = "debate.tally"
    PROPOSAL = "proposal.state"  # object: a proposal (supports, comments, milestones)
    SITE_PROPOSALS = "site.proposals"  # object: an agency site (the counts its list shows)
    PROPOSAL_COMMENTS = "proposal.comments"  # object: a proposal (its latest visible comments)
    SITE_DEBATES = "site.debates"  # object: an agency site (the compact summary its debate list shows)
    FACILITATOR = "debate.screen"  # object: a debate (its facilitator screen: online + hall counts)
    DEBATE_COMMENTS = "debate.comments"  # object: a debate (its latest visible comments)
    MODERATION = "site.moderation"  # object: an agency site (its moderators' live queue)


@lru_cache(maxsize=1)
def _announcer():
    path = getattr(settings, "DELIBERATION_ANNOUNCER", None)
    return import_string(path) if path else (lambda *args, **kwargs: None)


def announce_change(kind: str, *, agency_id: int, object_id: int) -> None:
    transaction.on_commit(
        lambda: _announcer()(kind, agency_id=agency_id, object_id=object_id), robust=True
    )


class SessionEnd:
    """Why a user's open live connections must close (the realtime side maps each to a close
    code: docs/realtime-protocol.md, "Sessions that end")."""

    SIGNED_OUT = "signed_out"  # the user logged out: every connection of the user
    SUSPENDED = "suspended"  # the account was deactivated: every connection of the user
    BANNED = "banned"  # a site ban: the user's connections on that agency's site


@lru_cache(maxsize=1)
def _sessions_ender():
    path = getattr(settings, "DELIBERATION_SESSIONS_ENDED", None)
    return import_string(path) if path else (lambda *args, **kwargs: None)


def announce_sessions_ended(*, user_id: int, reason: str, agency_id: int | None = None) -> None:
    """After commit: the user's session ended (`SessionEnd`), on every site or, with
    `agency_id`, on that agency's site only. The handler (settings.DELIBERATION_SESSIONS_ENDED)
    closes the user's open sockets in every server process."""
    transaction.on_commit(
        lambda: _sessions_ender()(user_id=user_id, reason=reason, agency_id=agency_id), robust=True
    )
