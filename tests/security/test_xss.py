"""User text renders inert on every page and in every export (issue 9).

XSS payloads (script tags, event handlers, `javascript:` URLs, SVG onload, attribute
breakouts, template syntax, unicode look-alikes and direction overrides, entity-encoded tags)
go through the real services into every kind of user text: proposal title and body, comments,
opinions, display names, agency name and banner, debate titles and option labels (pro/con
labels, multiple-choice choices), notices, Q&A questions and answers, materials, report and
sanction reasons, webhook descriptions. Then every GET route of the URL conf is fetched as the
platform admin, the agency's admin and anonymous, and each HTML page is parsed with the
stdlib's html.parser: no element or attribute a payload could have made may exist — no
<script> but the site's own module scripts, no on* attribute, no javascript:/vbscript:/data:
URL, no tag or attribute carrying a payload's marker ("xss"), no template evaluated.

Exports: every .xlsx route is fetched and read back with openpyxl: no cell is a formula, and
every text cell starting with = + - @ (or a tab or CR) carries Excel's quote prefix."""

import io
import json
import re
import zlib
from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from . import harness

# Each payload carries a marker "xssN": an element or attribute made by a payload has it in
# its name, so escaping failures are found without knowing the page's own markup.
PAYLOADS = [
    '<script>alert("xss1")</script>',
    '<img src=x onerror=alert(2) xss2>',
    '"><svg onload=alert(3) xss3>',
    "'><iframe src=javascript:alert(4) xss4>",
    '<a href="javascript:alert(5)" xss5>x</a>',
    '" onmouseover="alert(6)" xss6="',
    "' onfocus='alert(7)' autofocus xss7='",
    "{{ 7|add:1 }}{% debug %} xss8",
    "\u202e<scr\u200bipt xss9>alert(9)</script>",
    "\uff1cscript xss10\uff1ealert(10)\uff1c/script\uff1e",
    "&lt;script xss11&gt;alert(11)&lt;/script&gt;",
    "<math><style><img src=x onerror=alert(12) xss12>",
    "javascript:alert(13)//xss13",
    "</textarea><script xss14>alert(14)</script>",
    "</title><svg/onload=alert(15) xss15>",
    '=HYPERLINK("http://evil.example","xss16")',
    "+cmd|' /C calc'!A0 xss17",
    "-2+3+cmd|' /C calc'!A0 xss18",
    "@SUM(1+1)*cmd|' /C calc'!A0 xss19",
    "<style>@import'//evil.example/xss20'</style>",
]
MARKER = re.compile(r"xss\d+", re.I)
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background", "srcset", "ping"}
DANGEROUS_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class InertChecker(HTMLParser):
    """Collects what a payload could have made; `texts` keeps what the page shows, for the
    positive control (the payloads were on the pages, escaped)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.texts = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        attrs = [(name.lower(), value or "") for name, value in attrs]
        if MARKER.search(tag) or any(MARKER.search(name) for name, _ in attrs):
            self.problems.append(f"element made by a payload: <{tag} {attrs}>")
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "meta" and any(n == "http-equiv" and v.lower() == "refresh" for n, v in attrs):
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "script":
            values = dict(attrs)
            if values.get("type") == "application/json" and "src" not in values:
                self._script = "data"  # json_script: a data block, never run; checked to be JSON
            elif values.get("src", "").startswith("/static/") and values.get("type") == "module":
                self._script = "module"
            elif values.get("src", "").startswith("/static/ninja/") and "swagger" in values["src"]:
                self._script = "module"  # the API docs page: django-ninja's own Swagger UI files
            else:
                self.problems.append(f"script that is not the site's own module: {attrs}")
                self._script = "other"
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name}={value!r} on <{tag}>")
            if name in URL_ATTRS:
                squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
                if squeezed.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"script URL {name}={value!r} on <{tag}>")
            self.texts.append(value)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False

    def handle_data(self, data):
        if self._script == "data":
            try:
                json.loads(data)
            except ValueError:
                self.problems.append(f"a JSON data block that is not JSON: {data[:80]!r}")
        elif self._script and data.strip():
            self.problems.append(f"inline script content: {data[:80]!r}")
        self.texts.append(data)


def _put_payloads_through_the_services(world):
    """Every payload into every kind of user text, each through the service a person's
    action runs (limits respected: a payload is cut to the field's length)."""
    from deliberation.accounts.services import register_citizen
    from deliberation.agencies.services import register_agency, update_agency_settings
    from deliberation.comments.services import post_comment
    from deliberation.content import admin_services as content
    from deliberation.content import services as qna
    from deliberation.debates.admin_services import apply_debate_action, create_debate
    from deliberation.debates.models import Debate
    from deliberation.debates.services import create_pro_con_debate, post_opinion
    from deliberation.executions.models import ExecutionItem
    from deliberation.executions.services import add_material, post_update
    from deliberation.proposals.services import file_proposal

    platform = world["users"]["platform"]
    now = timezone.now()
    discussion = {site.pk: Debate.objects.filter(agency=site, vote_type="discussion").first()
                  for site in (world["city"], world["sisul"])}
    debates = {site.pk: Debate.objects.filter(agency=site).order_by("pk").first() for site in (world["city"], world["sisul"])}
    item = ExecutionItem.objects.filter(agency=world["sisul"]).first()
    for n, payload in enumerate(PAYLOADS):
        # A word after the payload: a field that strips markup is never left empty (refused).
        payload = f"{payload} 가나다라마바사"
        site = world["sisul"] if n % 2 else world["city"]
        author = register_citizen(username=f"xss{n}", email=f"xss{n}@example.org", password="a-Long-pass-2026!",
                                  display_name=payload[:50])
        proposal = file_proposal(agency=site, author=author, title=payload[:120], body=f"{payload}\n{payload}")
        post_comment(proposal=proposal, author=author, body=payload)
        post_comment(debate=debates[site.pk], author=author, body=payload)
        if discussion[site.pk] is not None:
            post_opinion(debate_id=discussion[site.pk].pk, author=author, body=payload)
        question = qna.ask_question(site=site, author=author, title=payload[:150], body=payload)
        content.answer_question(actor=platform, site=site, question_id=question.pk, answer=payload)
        content.save_item(actor=platform, site=site, kind="notices",
                          data={"title": payload, "body": payload, "is_public": True})
        content.save_item(actor=platform, site=site, kind="faq",
                          data={"question": payload, "answer": payload, "category": payload[:30], "is_public": True})
        made = create_debate(actor=platform, agency=site, vote_type="multiple_choice", title=payload, body=payload,
                             choices=[payload, f"b {payload}"], max_choices=1,
                             opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=3))
        apply_debate_action(actor=platform, debate_ids=[made.pk], action="publish")
        create_pro_con_debate(agency=site, title=payload, body=payload, opens_at=now - timedelta(hours=1),
                              closes_at=now + timedelta(days=3),
                              labels={"for": payload[:100], "against": "반대", "other": "기타"})
        if item is not None:
            add_material(actor=platform, item_id=item.pk, kind="notes", title=payload, body=payload,
                         meeting_on=timezone.localdate())
            post_update(actor=platform, item_id=item.pk, body=payload)
        register_agency(name=payload[:100], slug=f"xss-agency-{n}", banner_text=payload)
    update_agency_settings(agency=world["sisul"], name=PAYLOADS[1], banner_text=PAYLOADS[2])
    update_agency_settings(agency=world["metro"], name=PAYLOADS[5], banner_text=PAYLOADS[6])


def _payload_text(field, default):
    """For the rows harness.build_world adds (reports, sanctions, materials, webhooks)."""
    return PAYLOADS[zlib.crc32(field.encode()) % len(PAYLOADS)] + " 가나다라마바사"


@pytest.mark.django_db
def test_payloads_in_every_kind_of_user_text_render_inert_on_every_page():
    world = harness.build_world(text=_payload_text)
    _put_payloads_through_the_services(world)
    viewers = {"platform admin": world["users"]["platform"], "agency admin": world["users"]["sisul-admin"],
               "anonymous": None}
    problems, shown, pages = [], Counter(), Counter()
    for label, user in viewers.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        for route in harness.routes():
            if route.template.endswith(".xlsx") or (label == "agency admin" and not route.is_agency_site):
                continue
            site = world["sisul"] if route.is_agency_site else world["city"]
            for path in harness.fill(route, site, missing=False):
                response = client.get(path)
                assert response.status_code < 500, (label, path, response.status_code)
                if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                    continue
                checker = InertChecker()
                checker.feed(response.content.decode())
                checker.close()
                pages[label] += 1
                problems += [f"{label} {path}: {p}" for p in checker.problems]
                page_text = "\n".join(checker.texts)
                for marker in set(MARKER.findall(page_text)):
                    shown[marker.lower()] += 1
                assert "sql_queries" not in page_text, (label, path)  # {% debug %} never ran
                if "{{ 7|add:1 }}" in page_text:
                    shown["template text shown as typed"] += 1
    print(f"\nXSS: pages checked {dict(pages)}; pages showing each payload (escaped) {dict(sorted(shown.items()))}")
    assert not problems, "\n".join(problems[:50])
    # Positive control: the payloads were on the pages (as text), so the check had something to find.
    assert sum(pages.values()) > 300
    assert shown["template text shown as typed"] > 0
    missing = [f"xss{n}" for n in range(1, len(PAYLOADS) + 1) if shown[f"xss{n}"] == 0 and n != 1]
    assert not missing, f"payloads never shown on any page: {missing}"


def _export_routes():
    return [route for route in harness.routes() if route.template.endswith(".xlsx")]


@pytest.mark.django_db
def test_every_excel_export_neutralises_formulas():
    world = harness.build_world(text=_payload_text)
    _put_payloads_through_the_services(world)
    client = Client()
    client.force_login(world["users"]["platform"])
    routes = _export_routes()
    assert len(routes) == 12  # 6 exports on the city's site and on each agency's
    files, cells, neutralised = 0, 0, 0
    problems = []
    for route in routes:
        site = world["sisul"] if route.is_agency_site else world["city"]
        for path in harness.fill(route, site, missing=False):
            if "nonsense" in path:
                continue
            response = client.get(path)
            assert response.status_code in (200, 404), (path, response.status_code)
            if response.status_code != 200:
                continue
            files += 1
            book = openpyxl.load_workbook(io.BytesIO(response.content))
            for sheet in book.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        if cell.value is None:
                            continue
                        cells += 1
                        if cell.data_type == "f":
                            problems.append(f"{path} {sheet.title}!{cell.coordinate} is a formula: {cell.value!r}")
                        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                            if cell.quotePrefix:
                                neutralised += 1
                            else:
                                problems.append(f"{path} {sheet.title}!{cell.coordinate} lacks the quote prefix: "
                                                f"{cell.value!r}")
    print(f"\nExports: {files} files, {cells} cells, {neutralised} formula-looking cells quoted")
    assert not problems, "\n".join(problems[:30])
    assert files >= 8 and neutralised > 0
