"""Group names, built from ids only (never from user text): "<prefix><int id>".

Every prefix ends with "." and none contains another "."; a group name therefore splits
unambiguously at its last "." into a prefix and an id (see `split`), so no prefix can be
mistaken for another when the publisher maps a group back to its topic."""

DEBATE = "debate."
AGENCY = "agency."
PROPOSAL = "proposal."  # one citizen proposal: its supports, comments, milestones
SITE = "site."  # one agency site (the city is one too): the counts its proposal list shows
COMMENTS = "comments."  # one proposal's comment stream
SITE_DEBATES = "sitedebates."  # one agency site's debate list: status and participants per debate
SCREEN = "screen."  # one debate's facilitator screen (authorized joins only)
DEBATE_COMMENTS = "debatecomments."  # one debate's comment stream
MODERATION = "moderation."  # one agency site's moderators' live queue (authorized joins only)
DASHBOARD = "dashboard."  # one site's live dashboard, 알림판 (its admins only)


def site_debates(agency_id: int) -> str:
    return f"{SITE_DEBATES}{int(agency_id)}"


def comments(proposal_id: int) -> str:
    return f"{COMMENTS}{int(proposal_id)}"


def debate(debate_id: int) -> str:
    return f"{DEBATE}{int(debate_id)}"


def agency(agency_id: int) -> str:
    return f"{AGENCY}{int(agency_id)}"


def proposal(proposal_id: int) -> str:
    return f"{PROPOSAL}{int(proposal_id)}"


def site(agency_id: int) -> str:
    return f"{SITE}{int(agency_id)}"


def split(group: str) -> tuple[str, int] | None:
    """"proposal.12" → ("proposal.", 12); None for anything that is not "<word>.<digits>"."""
    head, dot, tail = group.rpartition(".")
    if not dot or not head or "." in head or not (tail.isascii() and tail.isdigit()):
        return None
    return head + dot, int(tail)


def screen(debate_id: int) -> str:
    return f"{SCREEN}{int(debate_id)}"


def debate_comments(debate_id: int) -> str:
    return f"{DEBATE_COMMENTS}{int(debate_id)}"


def moderation(agency_id: int) -> str:
    return f"{MODERATION}{int(agency_id)}"


def dashboard(agency_id: int) -> str:
    return f"{DASHBOARD}{int(agency_id)}"
