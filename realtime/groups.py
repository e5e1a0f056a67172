"""Group names, built from ids only (never from user text)."""


def debate(debate_id: int) -> str:
    return f"debate.{int(debate_id)}"


def agency(agency_id: int) -> str:
    return f"agency.{int(agency_id)}"
