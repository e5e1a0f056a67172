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
