"""Group names, built from ids only (never from user text)."""

DEBATE = "debate."
AGENCY = "agency."


def debate(debate_id: int) -> str:
    return f"{DEBATE}{int(debate_id)}"


def agency(agency_id: int) -> str:
    return f"{AGENCY}{int(agency_id)}"
