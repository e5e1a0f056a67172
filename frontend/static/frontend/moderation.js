// The moderators' live queue (docs/realtime-protocol.md, "moderation"): every `moderation`
// frame updates the queue counts and refreshes the list from the server-rendered rows, so the
// page has one renderer (the Django template). New items appear, items another moderator
// handled leave; a row the moderator is working on (focus inside, or a reason typed) is kept,
// and marked when someone else handled it meanwhile.
import { liveStatusText, openLiveChannel } from "./live.js";

const lang = document.documentElement.lang || "ko";
const t = (ko, en) => (lang.startsWith("ko") ? ko : en);

const root = document.querySelector("[data-live-moderation]");
if (root) {
  const rowsEl = root.querySelector("[data-queue-rows]");
  const statusEl = root.querySelector("[data-live-status]");
  const announceEl = root.querySelector("[data-live-announce]");
  const statusText = liveStatusText(t);

  let fetching = null;
  let again = false;

  const busy = (row) => row.contains(document.activeElement)
    || [...row.querySelectorAll("input[name=reason]")].some((input) => input.value.trim() !== "")
    || [...row.querySelectorAll("details")].some((d) => d.open);

  async function refresh() {
    if (fetching) { again = true; return; }
    fetching = fetch(root.dataset.fragmentUrl, { credentials: "same-origin", headers: { Accept: "text/html" } });
    try {
      const response = await fetching;
      if (!response.ok) return;
      merge(await response.text());
    } catch { /* offline: the next frame or reconnect refreshes */ } finally {
      fetching = null;
      if (again) { again = false; refresh(); }
    }
  }

  function merge(html) {
    const next = document.createElement("div");
    next.innerHTML = html;  // our own server-rendered, autoescaped template
    const oldRows = new Map([...rowsEl.querySelectorAll("tr[data-item]")].map((r) => [r.dataset.item, r]));
    const newRows = new Map([...next.querySelectorAll("tr[data-item]")].map((r) => [r.dataset.item, r]));
    let added = 0;
    for (const [key, row] of newRows) {
      const old = oldRows.get(key);
      if (!old) { added += 1; row.classList.add("just-arrived"); continue; }
      if (busy(old)) row.replaceWith(old);  // keep what the moderator is typing
    }
    for (const [key, old] of oldRows) {
      if (newRows.has(key) || !busy(old)) continue;
      // Handled elsewhere while this moderator was on it: keep it visible, but say so.
      old.classList.add("handled-elsewhere");
      for (const control of old.querySelectorAll("button, input, select")) control.disabled = true;
      if (!old.querySelector("[data-handled-note]")) {
        const note = document.createElement("p");
        note.dataset.handledNote = "";
        note.className = "notice";
        note.textContent = t("다른 관리자가 이미 처리했습니다.", "Another moderator has already handled this.");
        old.querySelector("th")?.append(note);
      }
      next.querySelector("tbody")?.prepend(old);
    }
    rowsEl.replaceChildren(...next.childNodes);
    if (added) announceEl.textContent = t(`새 항목 ${added}개`, `${added} new item${added > 1 ? "s" : ""}`);
  }

  let first = true;
  openLiveChannel(root.dataset.wsPath, {
    onState(frame) {
      if (frame.type !== "moderation") return;
      for (const [name, value] of Object.entries(frame.counts || {})) {
        for (const el of root.querySelectorAll(`[data-count="${name}"]`)) el.textContent = value;
      }
      // The page was rendered just now: the first snapshot needs no refetch.
      if (first) { first = false; return; }
      refresh();
    },
    onStatus: (status) => { statusEl.textContent = statusText[status] || status; statusEl.dataset.state = status; },
  });
}
