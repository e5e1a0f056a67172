"""WCAG 2 contrast between a site colour and the white text drawn on it (buttons, header).

A site colour must reach AA for normal text, 4.5:1 against white; a colour below it is refused
with the ratio and the nearest darker colour that passes, so the admin can take that one."""

WHITE_LUMINANCE = 1.0
AA_NORMAL_TEXT = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """`colour` is #RRGGBB (validated by the model field)."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_with_white(colour: str) -> float:
    return (WHITE_LUMINANCE + 0.05) / (relative_luminance(colour) + 0.05)


def darkened_to_pass(colour: str, minimum: float = AA_NORMAL_TEXT) -> str:
    """The same hue scaled towards black just enough to reach `minimum` against white."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    for step in range(100, -1, -1):
        candidate = "#{:02x}{:02x}{:02x}".format(*(round(c * step / 100) for c in (r, g, b)))
        if contrast_with_white(candidate) >= minimum:
            return candidate
    return "#000000"
