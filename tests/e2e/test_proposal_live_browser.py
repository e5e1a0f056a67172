"""Two browser windows on one citizen proposal: a support (or a comment) in one moves the other
without a reload, and the site's list cards move too.

Debian's Chromium driven by Playwright, against a real Daphne process (websockets), with the
demo data (project/management/commands/seed_demo.py: proposal 3 is 서울시설공단's, filed by
`citizen`, unsupported, and cross-listed on the city's site). The ORM is never called from
this test: the server owns its database."""

import os
import re
import time

import pytest
from playwright.sync_api import expect

from .browsing import log_in, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.servers]
require_chromium()

PROPOSAL = 3  # 서울시설공단's, on /a/sisul/ and cross-listed on the city's site
LIVE_WITHIN_MS = 5000
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def collect_errors(page, errors):
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.request.method} {r.url}: {r.status}"))


def card(page, proposal):
    return page.locator(f"[data-live-proposals] [data-proposal-id='{proposal}']")


def test_a_support_in_one_window_moves_the_count_in_another(server_stack, browser):
    base = server_stack.start_server()
    detail = f"{base}/a/sisul/proposals/{PROPOSAL}/"
    errors = []

    viewer = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()  # anonymous
    city_list = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    agency_list = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True).new_page()
    for page in (viewer, city_list, agency_list, phone):
        collect_errors(page, errors)

    viewer.goto(detail)
    expect(viewer.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    supports = viewer.locator("[data-live-proposal] [data-supports]")
    before = int(supports.inner_text())
    expect(viewer.locator("[data-countdown]")).to_have_text("D-29")
    city_list.goto(f"{base}/proposals/")
    agency_list.goto(f"{base}/a/sisul/proposals/")
    for page in (city_list, agency_list):
        expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")
        expect(card(page, PROPOSAL).locator("[data-supports]")).to_have_text(str(before))

    log_in(phone, base, "citizen2")
    phone.goto(detail)
    expect(phone.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    form = phone.locator("form[data-support-form]")
    button = form.locator("button[type=submit]")
    expect(form).to_have_attribute("data-supported", "false")
    expect(button).to_have_text("공감하기")
    started = time.monotonic()
    button.click()

    expect(supports).to_have_text(str(before + 1), timeout=LIVE_WITHIN_MS)
    latency = time.monotonic() - started
    expect(form).to_have_attribute("data-supported", "true")
    expect(button).to_have_text("공감 취소")
    expect(phone.locator("[data-live-proposal] [data-supports]")).to_have_text(str(before + 1))
    for page in (city_list, agency_list):
        expect(card(page, PROPOSAL).locator("[data-supports]")).to_have_text(str(before + 1), timeout=LIVE_WITHIN_MS)
    print(f"support to other window: {latency * 1000:.0f} ms")

    # Withdrawing moves every window back; the button is the support button again.
    button.click()
    expect(supports).to_have_text(str(before), timeout=LIVE_WITHIN_MS)
    expect(form).to_have_attribute("data-supported", "false")
    expect(button).to_have_text("공감하기")
    expect(card(city_list, PROPOSAL).locator("[data-supports]")).to_have_text(str(before), timeout=LIVE_WITHIN_MS)

    # Nothing was reloaded: the viewer's page is the one it opened.
    assert viewer.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert errors == []


def test_a_comment_in_one_window_appears_in_another_as_text_and_leaves_when_deleted(server_stack, browser):
    base = server_stack.start_server()
    detail = f"{base}/proposals/{PROPOSAL}/"  # the city's site: cross-listed
    errors = []

    viewer = browser.new_context().new_page()
    writer = browser.new_context().new_page()
    for page in (viewer, writer):
        collect_errors(page, errors)
    viewer.goto(detail)
    expect(viewer.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    count = viewer.locator("[data-comment-count]")
    before = int(count.inner_text())

    log_in(writer, base, "citizen2")
    writer.goto(detail)
    text = "야간 조명 찬성합니다 <b>꼭</b> & 1 < 2"  # stored without the tag; the rest is text
    writer.fill("#comment-form textarea[name=body]", text)
    writer.click("#comment-form button[type=submit]")

    added = viewer.locator("ol[data-comments] > li[data-comment-id]").last
    expect(added.locator(".comment-body")).to_have_text("야간 조명 찬성합니다 꼭 & 1 < 2", timeout=LIVE_WITHIN_MS)
    expect(added.locator(".comment-author")).to_have_text("이시민")
    expect(added.locator("time")).to_have_attribute("datetime", ISO_TIME)
    expect(count).to_have_text(str(before + 1))
    assert added.locator(".comment-body *").count() == 0, "user text is text, never markup"
    comment_id = added.get_attribute("data-comment-id")

    # The writer deletes it: it leaves the viewer's page.
    writer.goto(detail)
    writer.locator(f"li[data-comment-id='{comment_id}'] form.inline button").click()
    expect(viewer.locator(f"li[data-comment-id='{comment_id}']")).to_have_count(0, timeout=LIVE_WITHIN_MS)
    expect(count).to_have_text(str(before))
    assert errors == []


# --- the page script against the hooks alone (no server: a scripted socket) ---------------------
STATIC = os.path.join(os.path.dirname(__file__), "..", "..", "frontend", "static", "frontend")
ORIGIN = "http://contract.test"

FAKE_SOCKET = """
window.sockets = [];
class FakeSocket extends EventTarget {
  constructor(url) {
    super(); this.url = url; this.readyState = 0; this.sent = []; window.sockets.push(this);
    setTimeout(() => { this.readyState = 1; this.dispatchEvent(new Event("open")); }, 0);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close() { this.readyState = 3; }
  push(frame) { this.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(frame) })); }
}
FakeSocket.OPEN = 1;
window.WebSocket = FakeSocket;
"""

DETAIL_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body>
<article data-live-proposal data-ws-path="/ws/proposals/3/" data-comments-ws-path="/ws/proposals/3/comments/">
  <span data-badge-best hidden>500 BEST</span><span data-badge-review hidden>In review</span>
  <strong data-supports>5</strong> <span data-phase>collecting support</span>
  <span data-countdown data-closes-at="2099-01-01T00:00:00+00:00">D-9999</span>
  <form method="post" action="/proposals/3/support/" data-support-form data-supported="false"
        data-json-url="/proposals/3/support.json" data-withdraw-url="/proposals/3/withdraw.json">
    <input type="hidden" name="csrfmiddlewaretoken" value="tok">
    <button type="submit">Support</button><p data-feedback role="status"></p>
  </form>
  <p data-live-status></p><p aria-live="polite" data-announce></p>
  <span data-answers>0</span> (<span data-comment-count>4</span>)
  <ol data-comments>
    <li data-comment-id="5"><p class="meta"><span class="comment-author">old</span></p><div class="comment-body">old one</div></li>
    <li data-comment-id="10"><p class="meta"><span class="comment-author">a</span></p><div class="comment-body">first</div>
      <ol class="replies"><li data-comment-id="11"><p class="meta"><span class="comment-author">b</span></p><div class="comment-body">reply</div></li></ol></li>
    <li data-comment-id="12"><p class="meta removed">This comment has been removed.</p>
      <ol class="replies"><li data-comment-id="13"><p class="meta"><span class="comment-author">c</span></p><div class="comment-body">kept reply</div></li></ol></li>
    <li data-comment-id="14"><p class="meta"><span class="comment-author">d</span></p><div class="comment-body">to be deleted</div></li>
  </ol>
</article>
<script type="module" src="/static/proposal.js"></script></body></html>"""

LIST_PAGE = """<!doctype html><html lang="ko"><head><meta charset="utf-8"></head><body>
<p><span data-live-status></span></p>
<div data-live-proposals data-ws-path="/ws/proposals/"><ul>
  <li data-proposal-id="3"><strong data-supports>1</strong> <strong data-comments>0</strong></li>
  <li data-proposal-id="4"><strong data-supports>9</strong> <strong data-comments>9</strong></li>
</ul></div>
<script type="module" src="/static/proposal.js"></script></body></html>"""


def comment(id, body, parent=None, edited=False, author="이시민"):
    return {"id": id, "parent": parent, "author": author, "body": body,
            "created_at": "2026-11-26T13:24:00+00:00", "edited": edited}


def state(seq, **changes):
    frame = {"type": "proposal", "v": 1, "seq": seq, "ts": 0, "proposal": 3, "supports": 5, "comments": 4,
             "phase": "open", "closes_at": "2099-01-01T00:00:00+00:00", "in_review": False, "best": False,
             "answers": 0, "thresholds": [50, 500]}
    return {**frame, **changes}


def comments_frame(seq, count, recent):
    return {"type": "comments", "v": 1, "seq": seq, "ts": 0, "proposal": 3, "comments": count,
            "recent_comments": recent}


@pytest.fixture
def contract_page(browser):
    """A page with only the contract's hooks, proposal.js from disk, and a scripted socket."""
    posts = []
    replies = []

    def serve(route):
        path = route.request.url[len(ORIGIN):]
        if path.startswith("/static/"):
            with open(os.path.join(STATIC, path[len("/static/"):]), encoding="utf-8") as f:
                route.fulfill(body=f.read(), content_type="text/javascript")
        elif path.endswith(".json"):
            posts.append({"url": path, "headers": route.request.headers, "body": route.request.post_data})
            status, body = replies.pop(0)
            route.fulfill(status=status, json=body)
        else:
            route.fulfill(body={"/list": LIST_PAGE}.get(path, DETAIL_PAGE), content_type="text/html")

    context = browser.new_context()
    context.add_init_script(FAKE_SOCKET)
    context.route(f"{ORIGIN}/**", serve)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.posts, page.replies, page.errors = posts, replies, errors
    yield page
    context.close()


def push(page, frame):
    """Comment frames to the comments socket (the detail page's second), others to the first."""
    index = 1 if frame.get("type") == "comments" else 0
    page.evaluate("([i, frame]) => window.sockets[i].push(frame)", [index, frame])


def open_contract(page, path="/proposals/3/", sockets=None):
    sockets = sockets or (1 if path == "/list" else 2)
    page.goto(ORIGIN + path)
    page.wait_for_function(
        f"window.sockets && window.sockets.length === {sockets} && window.sockets.every(s => s.readyState === 1)")
    for index in range(sockets):
        page.evaluate("([i, frame]) => window.sockets[i].push(frame)",
                      [index, {"type": "hello", "v": 1, "topic": "proposal.3", "server_time": int(time.time() * 1000)}])


def ids(locator):
    return [int(i) for i in locator.evaluate_all("els => els.map(e => e.dataset.commentId)")]


def test_the_page_script_follows_the_detail_contract(contract_page):
    page = contract_page
    open_contract(page)
    assert page.evaluate("window.sockets[0].url").endswith("/ws/proposals/3/")
    assert page.evaluate("window.sockets[1].url").endswith("/ws/proposals/3/comments/")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    expect(page.locator("[data-live-status]")).to_have_text("Live")
    expect(page.locator("[data-countdown]")).to_contain_text("D-")

    push(page, state(1, supports=7, comments=5, answers=1, in_review=True))
    push(page, comments_frame(1, 5, [
        comment(10, "first, edited", edited=True), comment(11, "reply", parent=10), comment(13, "kept reply", parent=12),
        comment(15, "a new reply", parent=10), comment(16, "<b>not bold</b>\nsecond line"),
        comment(17, "reply to a comment not on the page", parent=99),
    ]))
    expect(page.locator("[data-supports]")).to_have_text("7")
    expect(page.locator("[data-comment-count]")).to_have_text("5")
    expect(page.locator("[data-answers]")).to_have_text("1")
    expect(page.locator("[data-badge-review]")).to_be_visible()
    expect(page.locator("[data-badge-best]")).to_be_hidden()
    expect(page.locator("[data-phase]")).to_have_text("collecting support")  # unchanged phase: as rendered

    top = page.locator("ol[data-comments] > li[data-comment-id]")
    assert ids(top) == [5, 10, 12, 16, 17]  # 14 deleted; 5 is older than the state covers
    assert ids(page.locator("li[data-comment-id='10'] > ol.replies > li")) == [11, 15]
    assert ids(page.locator("li[data-comment-id='12'] > ol.replies > li")) == [13]
    expect(page.locator("li[data-comment-id='10'] > .comment-body")).to_have_text("first, edited")
    new = page.locator("li[data-comment-id='16']")
    expect(new.locator(".comment-author")).to_have_text("이시민")
    expect(new.locator("time")).to_have_attribute("datetime", "2026-11-26T13:24:00+00:00")
    expect(new.locator("time")).to_have_text("2026-11-26 22:24")  # the city's time, as the server renders
    assert new.locator(".comment-body").inner_text() == "<b>not bold</b>\nsecond line"
    assert new.locator(".comment-body b").count() == 0

    # The screen reader hears one summary a few seconds later, not one per frame.
    push(page, state(2, supports=8, comments=5))
    push(page, comments_frame(2, 5, [comment(16, "x")]))
    expect(page.locator("[data-announce]")).to_have_text("8 supports, 5 comments", timeout=5000)

    # A stale frame is dropped; an empty comment list means no comment is visible any more.
    push(page, state(2, supports=1))
    expect(page.locator("[data-supports]")).to_have_text("8")
    push(page, state(3, supports=8, best=True, phase="closed", closes_at="2000-01-01T00:00:00+00:00"))
    push(page, comments_frame(3, 0, []))
    expect(page.locator("ol[data-comments] li")).to_have_count(0)
    expect(page.locator("[data-badge-best]")).to_be_visible()
    expect(page.locator("[data-phase]")).to_have_text("Support period ended")
    expect(page.locator("[data-countdown]")).to_have_text("Closed")
    expect(page.locator("form[data-support-form] button")).to_be_disabled()
    assert page.errors == []


def test_the_countdown_shows_hours_on_the_last_day(contract_page):
    page = contract_page
    open_contract(page)
    closes = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 3600 + 5))
    push(page, state(1, closes_at=closes))
    expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^Closes in 01:00:0\d$"))


def test_the_support_button_posts_json_and_shows_the_reply(contract_page):
    page = contract_page
    open_contract(page)
    push(page, state(1))
    button = page.locator("form[data-support-form] button")
    form = page.locator("form[data-support-form]")

    page.replies.append((201, {"supported": True, "supports": 6}))
    button.click()
    expect(form).to_have_attribute("data-supported", "true")
    expect(button).to_have_text("Withdraw support")
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-supports]")).to_have_text("6")
    [post] = page.posts
    assert post["url"] == "/proposals/3/support.json" and post["body"] == "{}"
    assert post["headers"]["x-csrftoken"] == "tok" and post["headers"]["content-type"] == "application/json"

    page.replies.append((409, {"error": {"code": "proposal_closed", "message": "The support period has ended."}}))
    button.click()
    expect(page.locator("[data-feedback]")).to_have_text("The support period has ended.")
    expect(form).to_have_attribute("data-supported", "true")
    assert page.posts[-1]["url"] == "/proposals/3/withdraw.json"

    page.replies.append((200, {"supported": False, "supports": 5}))
    button.click()
    expect(button).to_have_text("Support")
    expect(page.locator("[data-supports]")).to_have_text("5")
    assert page.errors == []


def test_the_page_script_follows_the_list_contract(contract_page):
    page = contract_page
    open_contract(page, "/list")
    assert page.evaluate("window.sockets[0].url").endswith("/ws/proposals/")
    expect(page.locator("[data-live-status]")).to_have_text("실시간 반영 중")
    push(page, {"type": "proposal_counts", "v": 1, "seq": 4, "ts": 0, "site": 1, "proposals": {"3": [7, 2]}})
    card3, card4 = page.locator("[data-proposal-id='3']"), page.locator("[data-proposal-id='4']")
    expect(card3.locator("[data-supports]")).to_have_text("7")
    expect(card3.locator("[data-comments]")).to_have_text("2")
    expect(card4.locator("[data-supports]")).to_have_text("9")  # not in the frame: as rendered
    assert page.errors == []
