"""The page module live.js on a bad network, in Chromium: heartbeat, offline/online, `gone`.

Two kinds of test. The contract tests run live.js from disk against a scripted socket and
Playwright's fake clock (no server, no waiting 30 s for a heartbeat). The last test goes
through a real Daphne process: the browser goes offline, the page says so, and it is live
again when the network is back."""

import json
import os
import re

import pytest
from playwright.sync_api import expect

from .browsing import require_chromium

pytestmark = [pytest.mark.browser]
require_chromium()

STATIC = os.path.join(os.path.dirname(__file__), "..", "..", "frontend", "static", "frontend")
ORIGIN = "http://contract.test"

FAKE_SOCKET = """
window.sockets = [];
class FakeSocket extends EventTarget {
  constructor(url) {
    super(); this.url = url; this.readyState = 0; this.sent = []; window.sockets.push(this);
    setTimeout(() => { this.readyState = 1; this.openedAt = Date.now(); this.dispatchEvent(new Event("open")); }, 0);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close() { this.readyState = 3; this.closedByPage = true; }
  push(frame) { this.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(frame) })); }
  serverClose(code) { this.readyState = 3; this.dispatchEvent(new CloseEvent("close", { code })); }
}
FakeSocket.OPEN = 1;
window.WebSocket = FakeSocket;
"""

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body>
<p data-live-status></p>
<script type="module">
import { openLiveChannel, liveStatusText } from "/static/live.js";
const el = document.querySelector("[data-live-status]");
const t = (ko, en) => en;
const text = liveStatusText(t, "This debate is no longer available.");
window.statuses = []; window.states = []; window.gone = [];
window.channel = openLiveChannel("/ws/debates/1/", {
  onState: (frame) => window.states.push(frame),
  onStatus: (s) => { window.statuses.push(s); el.dataset.state = s; el.textContent = text[s]; },
  onGone: (frame) => window.gone.push(frame),
});
</script></body></html>"""


@pytest.fixture
def page(browser):
    def serve(route):
        path = route.request.url[len(ORIGIN):]
        if path.startswith("/static/"):
            with open(os.path.join(STATIC, path[len("/static/"):]), encoding="utf-8") as f:
                route.fulfill(body=f.read(), content_type="text/javascript")
        else:
            route.fulfill(body=PAGE, content_type="text/html")

    context = browser.new_context()
    context.add_init_script(FAKE_SOCKET)
    context.route(f"{ORIGIN}/**", serve)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.clock.install()
    page.goto(ORIGIN + "/debate")
    page.wait_for_function("window.sockets && window.sockets.length === 1")
    # Seconds; a margin so that a loaded machine does not ask to pause in the past. From here
    # only run_for moves time (tests time the heartbeat from the socket's opening: run_to).
    page.clock.pause_at((page.evaluate("Date.now()") + 2000) / 1000)
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    page.evaluate("window.sockets[0].push({type: 'hello', v: 1, topic: 'debate.1', server_time: Date.now()})")
    yield page
    assert errors == []
    context.close()


def sockets(page):
    return page.evaluate("window.sockets.length")


def sent(page, index):
    return page.evaluate(f"window.sockets[{index}].sent")


def run_to(page, ms_since_open):
    """Moves the fake clock to this long after the first socket opened. The clock ran in real
    time until the fixture paused it, which on a loaded machine can be a good part of a second:
    timing the heartbeat from the pause instead would make these tests flaky."""
    now_since_open = page.evaluate("Date.now() - window.sockets[0].openedAt")
    assert now_since_open <= ms_since_open, "the fixture paused the clock too late"
    page.clock.run_for(ms_since_open - now_since_open)


def test_a_ping_every_20_seconds_and_an_answered_ping_keeps_the_connection(page):
    run_to(page, 19_000)
    assert sent(page, 0) == []
    page.clock.run_for(1_100)
    assert [m["type"] for m in sent(page, 0)] == ["ping"]
    page.clock.run_for(3_000)
    page.evaluate("window.sockets[0].push({type: 'pong', server_time: Date.now(), echo: 1})")
    page.clock.run_for(20_000)  # past the first ping's 10 s deadline and the next ping (at 40 s)
    assert sockets(page) == 1 and not page.evaluate("window.sockets[0].closedByPage")
    assert [m["type"] for m in sent(page, 0)] == ["ping", "ping"]
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")


def test_a_missing_pong_drops_the_socket_and_reconnects_with_backoff(page):
    run_to(page, 20_100)  # ping sent
    page.clock.run_for(9_800)
    assert not page.evaluate("window.sockets[0].closedByPage")
    page.clock.run_for(300)  # 10 s without any frame: dead
    assert page.evaluate("window.sockets[0].closedByPage")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "reconnecting")
    expect(page.locator("[data-live-status]")).to_have_text("Connection lost, reconnecting…")
    page.clock.run_for(8_100)  # the first retry comes within 0.5–8 s
    assert sockets(page) == 2
    page.clock.run_for(10)
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    # The dead socket's late events change nothing.
    page.evaluate("window.sockets[0].serverClose(1006)")
    page.clock.run_for(20_000)
    assert sockets(page) == 2


def test_any_frame_counts_as_a_pong(page):
    run_to(page, 20_100)
    page.evaluate("window.sockets[0].push({type: 'tally', v: 1, seq: 4, options: []})")
    page.clock.run_for(15_000)
    assert sockets(page) == 1 and not page.evaluate("window.sockets[0].closedByPage")


def test_offline_shows_at_once_and_back_online_reconnects_promptly(page):
    page.evaluate("""() => {
      Object.defineProperty(navigator, "onLine", { configurable: true, get: () => window.fakeOnline ?? true });
      window.fakeOnline = false; window.dispatchEvent(new Event("offline"));
    }""")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "offline")
    expect(page.locator("[data-live-status]")).to_have_text(re.compile("Offline"))
    assert page.evaluate("window.sockets[0].closedByPage")
    page.clock.run_for(60_000)  # no retries while offline
    assert sockets(page) == 1
    page.evaluate("() => { window.fakeOnline = true; window.dispatchEvent(new Event('online')); }")
    page.clock.run_for(1_100)  # within a second, whatever the backoff had reached
    assert sockets(page) == 2
    page.clock.run_for(10)
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")


def test_gone_is_final_and_the_page_says_the_item_is_no_longer_available(page):
    page.evaluate("window.sockets[0].push({type: 'gone', code: 'not_found', topic: 'debate.1', message: 'x'})")
    page.evaluate("window.sockets[0].serverClose(4404)")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "gone")
    expect(page.locator("[data-live-status]")).to_have_text("This debate is no longer available.")
    assert page.evaluate("window.gone.length") == 1
    page.clock.run_for(120_000)
    assert sockets(page) == 1  # no reconnect, no pings
    assert sent(page, 0) == []


def test_a_4404_on_connect_is_final_too(page):
    page.evaluate("window.sockets[0].push({type: 'error', code: 'not_found', message: 'x'})")
    page.evaluate("window.sockets[0].serverClose(4404)")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "gone")
    page.clock.run_for(60_000)
    assert sockets(page) == 1


def test_every_status_has_a_text_in_korean_and_english(page):
    source = open(os.path.join(STATIC, "live.js"), encoding="utf-8").read()
    emitted = set(re.findall(r'status\("([a-z]+)"\)', source))
    assert emitted >= {"connecting", "live", "reconnecting", "offline", "closed", "gone"}
    texts = page.evaluate("""async () => {
      const { liveStatusText } = await import("/static/live.js");
      return [liveStatusText((ko, en) => ko), liveStatusText((ko, en) => en)];
    }""")
    for language in texts:
        assert set(language) == emitted and all(language.values())
    assert texts[0]["offline"] != texts[1]["offline"]
    # Every page script that opens a channel takes its texts from liveStatusText.
    for name in os.listdir(STATIC):
        script = open(os.path.join(STATIC, name), encoding="utf-8").read() if name.endswith(".js") else ""
        if "openLiveChannel(" in script and name != "live.js":
            assert "liveStatusText(" in script, name


@pytest.mark.servers
def test_a_real_page_shows_offline_and_recovers(server_stack, browser):
    base = server_stack.start_server()
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/a/sisul/debates/1/")
    status = page.locator("[data-live-status]")
    expect(status).to_have_attribute("data-state", "live")
    context.set_offline(True)
    expect(status).to_have_attribute("data-state", "offline", timeout=3000)
    context.set_offline(False)
    expect(status).to_have_attribute("data-state", "live", timeout=5000)
    assert json.loads(page.evaluate("JSON.stringify(navigator.onLine)")) is True
    context.close()
