"""WCAG 2 contrast of a site colour in every place the theme draws it (frontend app.css).

White text on the colour (header, primary buttons) and the colour as link text must reach AA
for normal text, 4.5:1, also on the light tints some boxes use (a link in a department answer
sits on #f8fafc, not white); bars, underlines and the header's white focus ring are non-text
and need 3:1 (WCAG 1.4.11). A colour that fails any use is refused with the ratio of the first
failing use and the nearest darker colour that passes them all, so the admin can take that one.
tests/deliberation/agencies/test_contrast.py fails when app.css draws the colour somewhere this
table does not list."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

WHITE = "#ffffff"
AA_NORMAL_TEXT = 4.5
AA_NON_TEXT = 3.0


@dataclass(frozen=True)
class ColourUse:
    """One way the theme draws the site colour: against which colour, how much it needs, and
    the app.css selectors (as written there) that draw it so."""

    label: object  # a lazy translation: part of the refusal message
    other: str
    minimum: float
    selectors: tuple[str, ...]


THEME_USES = (
    # First: the message for this one is the one admins have always seen.
    ColourUse(_("white text on the colour"), WHITE, AA_NORMAL_TEXT, (
        ".site-header", "button.primary", "a.button.primary", ".site-header :focus-visible")),
    ColourUse(_("link text on white"), WHITE, AA_NORMAL_TEXT, (
        "a", ".current-question legend::after")),
    ColourUse(_("link text in a department answer or result box"), "#f8fafc", AA_NORMAL_TEXT, (".answer",)),
    ColourUse(_("link text in a notice box"), "#fffbeb", AA_NORMAL_TEXT, (".notice", ".bo-note")),
    ColourUse(_("link text in a confirmation message"), "#ecfdf3", AA_NORMAL_TEXT, (".messages",)),
    ColourUse(_("tally bars on their grey track"), "#eef1f4", AA_NON_TEXT, (".fill", ".bar")),
    ColourUse(_("chart bars, tab underlines and the current question's border on white"), WHITE, AA_NON_TEXT, (
        ".stat-chart .stat-bar", ".bo-nav a[aria-current]", ".bo-tabs a[aria-current]", ".current-question")),
)
# Where the colour only decorates next to text that carries the meaning on its own (the
# .answer box's left border is decorative too; the box is listed for the links on its tint).
DECORATIVE_SELECTORS = (".timeline-status",)


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """`colour` is #RRGGBB (validated by the model field)."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(first: str, second: str) -> float:
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def contrast_with_white(colour: str) -> float:
    return contrast(colour, WHITE)


def first_failing_use(colour: str) -> tuple[ColourUse, float] | None:
    """The first theme use `colour` fails, with its ratio; None when it passes them all."""
    for use in THEME_USES:
        ratio = contrast(colour, use.other)
        if ratio < use.minimum:
            return use, ratio
    return None


def darkened_to_pass(colour: str) -> str:
    """The same hue scaled towards black just enough to pass every theme use (every use asks
    the colour to be dark enough, so darker never breaks one that passed)."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    for step in range(100, -1, -1):
        candidate = "#{:02x}{:02x}{:02x}".format(*(round(c * step / 100) for c in (r, g, b)))
        if first_failing_use(candidate) is None:
            return candidate
    return "#000000"
