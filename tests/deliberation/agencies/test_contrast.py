"""An agency's colour is checked in every place the theme draws it (issue 10: AA in every agency
colour scheme): the table in contrast.py must list each app.css rule that uses --site-colour,
with the real backgrounds, and a colour that passes the check passes every use."""

import re
from pathlib import Path

import pytest

from deliberation.agencies.contrast import (
    DECORATIVE_SELECTORS,
    THEME_USES,
    WHITE,
    contrast,
    darkened_to_pass,
    first_failing_use,
)
from deliberation.agencies.site_settings import colour_problem

APP_CSS = Path(__file__).resolve().parents[3] / "frontend/static/frontend/app.css"


def css_rules() -> list[tuple[list[str], str]]:
    """(selectors, declarations) of every rule in app.css, media queries flattened."""
    css = re.sub(r"/\*.*?\*/", "", APP_CSS.read_text(), flags=re.DOTALL)
    return [([s.strip() for s in selectors.split(",")], body) for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css)]


def listed_selectors() -> set[str]:
    return {selector for use in THEME_USES for selector in use.selectors} | set(DECORATIVE_SELECTORS)


def test_every_rule_drawing_the_site_colour_is_a_listed_use():
    drawing = {s for selectors, body in css_rules() if "var(--site-colour" in body for s in selectors}
    assert drawing, "app.css no longer uses --site-colour?"
    unlisted = drawing - listed_selectors()
    assert not unlisted, f"app.css draws the site colour in {sorted(unlisted)}: add them to contrast.THEME_USES"


def test_every_listed_selector_exists_and_tints_are_the_real_backgrounds():
    rules = css_rules()
    known = {s for selectors, _ in rules for s in selectors}
    assert listed_selectors() <= known
    for use in THEME_USES:
        if use.other == WHITE:
            continue
        # One of the use's rules paints the background it is measured against.
        backgrounds = {m.lower() for selectors, body in rules if set(selectors) & set(use.selectors)
                       for m in re.findall(r"background(?:-color)?:\s*(#[0-9a-fA-F]{6})", body)}
        assert use.other in backgrounds, f"{use.selectors} are not on {use.other} in app.css ({backgrounds})"


# A spread of hues and lightnesses, some passing, some not: blues, greens, ambers, greys.
COLOURS = ["#1d4ed8", "#0f766e", "#7c3aed", "#9a3412", "#b45309", "#be123c", "#9d174d", "#767676", "#737373",
           "#facc15", "#fde047", "#22c55e", "#3b82f6", "#6b7280", "#0e7490", "#c2410c", "#000000", "#ffffff"]


@pytest.mark.parametrize("colour", COLOURS)
def test_a_colour_the_check_accepts_passes_every_theme_use(colour):
    accepted = colour_problem(colour) is None
    for use in THEME_USES:
        passes = contrast(colour, use.other) >= use.minimum
        assert passes or not accepted, f"{colour} accepted but {use.label} is {contrast(colour, use.other):.2f}:1"
    assert accepted == (first_failing_use(colour) is None)


@pytest.mark.parametrize("colour", COLOURS)
def test_the_suggested_colour_passes_every_use_and_is_the_same_hue(colour):
    suggestion = darkened_to_pass(colour)
    assert first_failing_use(suggestion) is None
    assert colour_problem(suggestion) is None
    if first_failing_use(colour) is None:
        assert suggestion == colour


def test_a_link_on_a_tint_is_what_refuses_a_colour_that_passes_on_white():
    """#767676 has 4.54:1 against white (AA) but 4.34:1 on the answer box's #f8fafc."""
    problem = colour_problem("#767676")
    assert problem is not None and "4.34:1" in problem and darkened_to_pass("#767676") in problem
    assert contrast("#767676", WHITE) >= 4.5


def test_white_text_failure_keeps_its_message():
    problem = colour_problem("#facc15")
    assert "1.53:1" in problem and darkened_to_pass("#facc15") in problem


def test_the_focus_ring_and_header_text_stay_white_on_the_colour():
    """The white focus ring on the header is a listed use: any accepted colour gives it 4.5:1."""
    header = next(use for use in THEME_USES if ".site-header :focus-visible" in use.selectors)
    assert header.other == WHITE and header.minimum >= 3.0
    css = APP_CSS.read_text()
    assert re.search(r"\.site-header :focus-visible[^{]*\{[^}]*outline-color:\s*#fff", css)


def test_the_services_refuse_a_failing_colour_too_not_only_the_forms(db):
    """Scripts and other callers of register_agency / update_agency_settings cannot store a
    colour the settings form would refuse."""
    from deliberation.agencies.models import Agency
    from deliberation.agencies.services import register_agency, update_agency_settings
    from deliberation.errors import DomainError

    with pytest.raises(DomainError, match="4.5"):
        register_agency(name="노란 기관", slug="yellow", primary_colour="#facc15")
    assert not Agency.objects.filter(slug="yellow").exists()
    agency = register_agency(name="초록 기관", slug="green", primary_colour="#0f766e")
    with pytest.raises(DomainError):
        update_agency_settings(agency=agency, primary_colour="#facc15")
    agency.refresh_from_db()
    assert agency.primary_colour == "#0f766e"
