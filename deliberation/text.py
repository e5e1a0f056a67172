"""User text: sanitized on the way in, autoescaped on the way out.

Citizens write plain text. nh3 (the maintained HTML sanitizer) removes every tag, and the
content of <script>/<style>, before the text is stored; the entities it produces are turned
back into characters, because templates escape everything again when rendering. Stored text is
therefore free of tags a browser would run if a template ever forgot to escape, and pages
never render it as raw HTML (no |safe on user text)."""

import html
import re

import nh3

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value: str) -> str:
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    # Until stable: an entity-encoded tag ("&lt;script&gt;") decodes into one, so it is
    # cleaned again; a handful of rounds exhausts any nesting a person would type.
    for _ in range(5):
        cleaned = html.unescape(nh3.clean(value, tags=set()))
        if cleaned == value:
            break
        value = cleaned
    return value.strip()


def single_line(value: str) -> str:
    return " ".join(plain_text(value).split())
