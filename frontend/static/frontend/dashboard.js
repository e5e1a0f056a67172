// The live dashboard (알림판): follows the site's "dashboard" channel
// (docs/realtime-protocol.md) and updates the counters without reload. The numbers are
// rendered by the server first; "people connected now" arrives with the first frame. The page
// works without script (reload to refresh).
import { liveStatusText, openLiveChannel } from "./live.js";

const ANNOUNCE_EVERY_MS = 15000;  // a screen reader hears the changed numbers at most this often

const root = document.querySelector("[data-live-dashboard]");
if (root) {
  const lang = document.documentElement.lang || "ko";
  const t = (ko, en) => (lang.startsWith("ko") ? ko : en);
  const numberFormat = new Intl.NumberFormat(lang);
  const statusEl = root.querySelector("[data-live-status]");
  const announceEl = root.querySelector("[data-announce]");
  const counters = new Map(
    [...root.querySelectorAll("[data-counter]")].map((el) => [el.dataset.counter, el]),
  );
  const changedSinceAnnounce = new Set();
  let lastAnnounce = 0;

  function labelOf(el) {
    return el.closest(".live-counter")?.querySelector("dt")?.textContent.trim() || el.dataset.counter;
  }

  function announce() {
    const now = Date.now();
    if (!changedSinceAnnounce.size || now - lastAnnounce < ANNOUNCE_EVERY_MS) return;
    lastAnnounce = now;
    announceEl.textContent = [...changedSinceAnnounce]
      .map((key) => `${labelOf(counters.get(key))} ${counters.get(key).textContent}`)
      .join(", ");
    changedSinceAnnounce.clear();
  }

  function render(frame) {
    for (const [key, el] of counters) {
      const value = frame[key];
      if (typeof value !== "number") continue;
      const text = numberFormat.format(value);
      if (el.textContent !== text) {
        el.textContent = text;
        el.dataset.value = String(value);
        changedSinceAnnounce.add(key);
      }
    }
    announce();
  }

  const statusText = liveStatusText(t);


  const channel = openLiveChannel(root.dataset.wsPath, {
    onState: (frame) => { if (frame.type === "dashboard") render(frame); },
    onStatus: (s) => { statusEl.textContent = statusText[s] || s; statusEl.dataset.state = s; },
    onError: (frame) => {
      if (frame.code === "forbidden") { channel.close(); statusEl.textContent = frame.message; statusEl.dataset.state = "closed"; }
    },
  });
}
