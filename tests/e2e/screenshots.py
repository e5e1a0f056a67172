"""Phone, projector and desktop views of the demo site: the measurements the mobile test makes
(touch targets, horizontal overflow, a non-blank render) and the screenshot set kept for human
review in docs/screenshots/.

    python -m tests.e2e.screenshots [--out docs/screenshots]     (or: make screenshots)

starts Daphne on a fresh copy of the demo data (tests/e2e/servers.py), drives Debian's
Chromium through Playwright and writes the PNGs and docs/screenshots/README.md. The committed
PNGs are never compared with new ones: fonts and anti-aliasing differ between machines."""

import argparse
import base64
import datetime
import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect

from .browsing import CHROMIUM, chromium, new_tab

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
MIN_TARGET = 44  # CSS px, WCAG 2.5.5 (AAA) target size

# What a citizen opens on a phone, by the demo's ids (project/management/commands/seed_demo.py).
PHONE_PAGES = {
    "home": "/a/sisul/",
    "city-home": "/",
    "proposal-list": "/a/sisul/proposals/",
    "proposal": "/a/seoul-metro/proposals/2/",  # citizen2's: `citizen` may support it
    "debate-list": "/a/sisul/debates/",
    "ballot-pro-con": "/a/sisul/debates/1/",
    "ballot-multiple-choice": "/debates/2/",
    "ballot-research": "/a/seoul-metro/debates/3/",
    "ballot-discussion": "/a/sisul/debates/4/",
    "results": "/a/sisul/debates/5/",
    "events": "/a/sisul/events/",  # month pagination
    "new-proposal": "/a/sisul/proposals/new/",
    "execution": "/a/sisul/executions/1/",
    "notices": "/a/sisul/notices/",
    "my-account": "/accounts/me/",
    "faq": "/faq/",  # <summary> rows (the city's; the agencies inherit none in the demo)
}
# And what a phone shows before logging in.
LOGGED_OUT_PAGES = {
    "login": "/accounts/login/",
    "signup": "/accounts/signup/",
    "ballot-logged-out": "/a/sisul/debates/1/",
    "proposal-logged-out": "/a/seoul-metro/proposals/2/",
}

# Every interactive element that is rendered and meant to be seen, with its size and whether it
# is exempt from the 44 px rule. The rule (also in tests/e2e/test_mobile.py):
# - a radio or checkbox is measured through its <label> (around it, or `for` it): tapping the
#   label ticks it, so the label is the target;
# - an inline link inside running text (display: inline, and its block holds other words) is
#   exempt, as WCAG 2.5.5 exempts targets "in a sentence or block of text";
# - visually hidden elements (1 px clip) and off-screen ones (the skip link until focused) are
#   not targets a finger can hit, so they are skipped.
TARGETS_JS = r"""
() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, label';
  const out = [];
  const blockOf = (el) => {
    let node = el.parentElement;
    while (node && getComputedStyle(node).display.startsWith('inline')) node = node.parentElement;
    return node;
  };
  // Words in the link's block outside every link: "Read the <a>terms</a> first" has some,
  // "<a>All</a> · <a>New</a>" has none (a row of links, each of which must be big enough).
  const wordsAround = (el) => {
    const block = blockOf(el);
    if (!block) return false;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let text = '';
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.closest('a')) text += node.textContent;
    }
    return /[\p{L}\p{N}]{2,}/u.test(text);
  };
  const hidden = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.display === 'none' || style.visibility === 'hidden') return true;
      if (node.classList && node.classList.contains('visually-hidden')) return true;
    }
    return false;
  };
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    if (el.type && el.tagName === 'INPUT') name += '[type=' + el.type + ']';
    for (const c of el.classList) name += '.' + c;
    const parent = el.parentElement;
    if (parent) {
      let p = parent.tagName.toLowerCase();
      for (const c of parent.classList) p += '.' + c;
      name = p + ' > ' + name;
    }
    return name;
  };
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || hidden(el)) continue;
    if (box.right + window.scrollX <= 0) continue;  // off-screen until focused (the skip link)
    const toggle = (node) => node && node.tagName === 'INPUT' && (node.type === 'radio' || node.type === 'checkbox');
    if (el.tagName === 'LABEL' && !toggle(el.control)) continue;
    let exempt = '';
    if (toggle(el) && el.labels && el.labels.length) exempt = 'measured by its label';
    if (el.tagName === 'A' && getComputedStyle(el).display === 'inline' && wordsAround(el)) exempt = 'inline link in text';
    out.push({what: describe(el), text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
              width: Math.round(box.width * 10) / 10, height: Math.round(box.height * 10) / 10, exempt});
  }
  return out;
}
"""

# How many distinct colours a PNG shows, counted in the page itself (no image library needed).
COLOURS_JS = """
async (data) => {
  const image = new Image();
  image.src = 'data:image/png;base64,' + data;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, image.width, image.height).data;
  const seen = new Set();
  for (let i = 0; i < pixels.length; i += 4 * 7) seen.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
  return seen.size;
}
"""


def targets(page) -> list[dict]:
    return page.evaluate(TARGETS_JS)


def small_targets(page) -> list[dict]:
    return [t for t in targets(page) if not t["exempt"] and (t["width"] < MIN_TARGET or t["height"] < MIN_TARGET)]


def overflow(page) -> int:
    """How far the document is wider than the viewport (0: no horizontal scroll)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def distinct_colours(page, png: bytes) -> int:
    return page.evaluate(COLOURS_JS, base64.b64encode(png).decode())


def new_page(browser, base, options, user=None):
    return new_tab(browser, base, user, **options)


def vote_by_tapping(page, base, label="금지 반대"):
    """A phone's pro/con ballot on debate 1, tapped (touch events, not clicks)."""
    page.goto(f"{base}/a/sisul/debates/1/")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    page.locator("label.choice", has_text=label).tap()
    page.locator("[data-ballot-form] button[type=submit]").tap()
    expect(page.locator("[data-voted]")).to_contain_text(label)


# The reviewed set: (file name, options, user, path, full page?).
SHOTS = [
    ("phone-home.png", PHONE, "citizen", "/a/sisul/", True),
    ("phone-proposal-list.png", PHONE, "citizen", "/a/sisul/proposals/", False),
    ("phone-proposal.png", PHONE, "citizen", "/a/seoul-metro/proposals/2/", True),
    ("phone-ballot-pro-con.png", PHONE, "citizen", "/a/sisul/debates/1/", True),
    ("phone-ballot-multiple-choice.png", PHONE, "citizen", "/debates/2/", True),
    ("phone-ballot-research.png", PHONE, "citizen", "/a/seoul-metro/debates/3/", True),
    ("phone-ballot-discussion.png", PHONE, "citizen", "/a/sisul/debates/4/", True),
    ("phone-results.png", PHONE, "citizen", "/a/sisul/debates/5/", True),
    ("projector-facilitator.png", PROJECTOR, "sisul-facilitator", "/a/sisul/manage/debates/1/screen/?projector=1", False),
    ("projector-results.png", PROJECTOR, None, "/a/sisul/debates/5/", False),
    ("desktop-home.png", DESKTOP, None, "/a/sisul/", False),
]


def settle(page):
    """Live pages connect their websocket; wait for it so the shot shows the live state."""
    status = page.locator("[data-live-status]")
    if status.count():
        expect(status.first).to_have_attribute("data-state", "live")
    page.evaluate("document.fonts.ready")


def take(browser, base, out: Path) -> list[tuple[str, int, str]]:
    # One ballot first, from another citizen, so the projector shows a tally rather than zeros.
    voter = new_page(browser, base, PHONE, "citizen2")
    vote_by_tapping(voter, base)
    voter.context.close()
    # The facilitator reveals the results, as in the hall once the vote is under way.
    facilitator = new_page(browser, base, PROJECTOR, "sisul-facilitator")
    facilitator.goto(f"{base}/a/sisul/manage/debates/1/screen/")
    facilitator.locator("[data-control=reveal]").click()
    expect(facilitator.locator("[data-control=reveal]")).to_have_attribute("aria-pressed", "true")
    pages: dict = {(id(PROJECTOR), "sisul-facilitator"): facilitator}
    written = []
    for name, options, user, path, full in SHOTS:
        key = (id(options), user)
        if key not in pages:
            pages[key] = new_page(browser, base, options, user)
        page = pages[key]
        page.goto(base + path)
        settle(page)
        page.screenshot(path=str(out / name), full_page=full, animations="disabled", caret="hide")
        written.append((name, (out / name).stat().st_size, f"{options['viewport']['width']}×{options['viewport']['height']}"))
    for page in pages.values():
        page.context.close()
    return written


def write_readme(out: Path, written):
    lines = [
        "# Screenshots for review",
        "",
        "Made by `make screenshots` (`python -m tests.e2e.screenshots`): Daphne on a fresh copy of",
        "the demo data (`seed_demo`), Debian's Chromium through Playwright, a Korean font from",
        "Debian's `fonts-nanum`. Phone pages as `citizen` at 360×740 CSS px (device scale 2, full",
        "page); the facilitator screen as `sisul-facilitator` in projector mode at 1920×1080, after",
        "one ballot from `citizen2`, with the results revealed. They are for people to look at: no",
        "test compares pixels with them (fonts differ between machines); tests/e2e/test_mobile.py",
        "checks that these pages render, fit and have 44 px touch targets.",
        "",
        f"Taken {datetime.date.today().isoformat()}.",
        "",
        "| file | viewport | size | page |",
        "| --- | --- | --- | --- |",
    ]
    paths = {name: path for name, _, _, path, _ in SHOTS}
    for name, size, viewport in written:
        lines.append(f"| [{name}]({name}) | {viewport} | {size / 1024:.0f} KB | `{paths[name]}` |")
    total = sum(size for _, size, _ in written)
    lines += ["", f"Total {total / 1024 / 1024:.2f} MB.", ""]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/screenshots", help="where the PNGs go (default docs/screenshots)")
    args = parser.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    from .servers import ServerStack

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        stack = ServerStack(Path(tmp), redis_url=None)
        try:
            base = stack.start_server()
            with chromium() as browser:
                written = take(browser, base, out)
        finally:
            stack.stop()
    write_readme(out, written)
    for name, size, viewport in written:
        print(f"{out / name}  {viewport}  {size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
