// The facilitator screen (진행자 화면): follows the debate's "screen" channel
// (docs/realtime-protocol.md) and moves the chart, the table, the totals, the countdown and
// the number of people watching without reload. The page works without script (reload).
import { liveStatusText, openLiveChannel } from "./live.js";

const root = document.querySelector("[data-facilitate]");
if (root) {
  const lang = document.documentElement.lang || "ko";
  const t = (ko, en) => (lang.startsWith("ko") ? ko : en);
  const statusLabels = JSON.parse(document.getElementById("status-labels")?.textContent || "{}");
  const $ = (selector) => root.querySelector(selector);
  const countdownEl = $("[data-countdown]");
  const statusEl = $("[data-live-status]");
  let opensAt = Date.parse(countdownEl.dataset.opensAt);
  let closesAt = Date.parse(countdownEl.dataset.closesAt);
  let status = countdownEl.dataset.statusCode;
  let entryIds = root.dataset.entryIds || "";
  let refreshing = false;

  function renderChart(state) {
    const svg = $("[data-chart-svg]");
    if (!svg) return;
    const x = Number(svg.dataset.x);
    const span = Number(svg.dataset.span);
    const largest = Math.max(1, ...state.options.map((o) => o.combined));
    for (const option of state.options) {
      const group = svg.querySelector(`[data-chart-option="${option.id}"]`);
      if (!group) continue;
      for (const key of ["online", "offline", "combined"]) {
        const width = (span * option[key]) / largest;
        group.querySelector(`[data-bar="${key}"]`).setAttribute("width", width.toFixed(1));
        const text = group.querySelector(`[data-value="${key}"]`);
        text.setAttribute("x", (x + width + 12).toFixed(1));
        text.textContent = `${text.dataset.seriesLabel} ${option[key]}`;
      }
    }
  }

  function renderTable(state) {
    for (const option of state.options) {
      const row = root.querySelector(`[data-row="${option.id}"]`);
      if (!row) continue;
      for (const key of ["online", "offline", "combined"]) row.querySelector(`[data-cell="${key}"]`).textContent = option[key];
    }
    for (const key of ["online", "offline", "combined"]) {
      const el = root.querySelector(`[data-total="${key}"]`);
      if (el) el.textContent = state[`${key}_total`];
    }
  }

  // A new or corrected entry made elsewhere (another facilitator's tab): refresh the list
  // from the server's page, unless someone is typing in it.
  async function refreshEntries(state) {
    const ids = state.entries.map((e) => e.id).join(",");
    if (ids === entryIds || refreshing) return;
    const list = $("[data-entries]");
    if (!list || list.contains(document.activeElement)) return;
    refreshing = true;
    try {
      const response = await fetch(location.pathname, { credentials: "same-origin" });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("[data-entries]");
      if (fresh && !list.contains(document.activeElement)) { list.replaceWith(fresh); entryIds = ids; }
    } finally {
      refreshing = false;
    }
  }

  function render(state) {
    // Another question on the screen, or the results shown or hidden: the page changes shape.
    const question = state.question ? String(state.question.id) : "";
    if (question !== (root.dataset.question || "")) { location.reload(); return; }
    const chartBox = $("[data-chart]") || $("[data-opinions]");
    if (chartBox) chartBox.hidden = !state.reveal;
    $("[data-chart-hidden]").hidden = Boolean(state.reveal);
    const reveal = root.querySelector('[data-control="reveal"]');
    if (reveal && reveal.getAttribute("aria-pressed") !== String(Boolean(state.reveal))) {
      reveal.setAttribute("aria-pressed", String(Boolean(state.reveal)));
      reveal.textContent = state.reveal ? t("결과 숨기기", "Hide the results") : t("결과 공개", "Reveal the results");
      reveal.form.querySelector('[name="action"]').value = state.reveal ? "hide" : "reveal";
    }
    if (state.watching !== null && state.watching !== undefined) $("[data-watching]").textContent = state.watching;
    $("[data-ballots]").textContent = state.ballots;
    $("[data-status]").textContent = statusLabels[state.status] || state.status;
    status = state.status;
    opensAt = Date.parse(state.opens_at);
    closesAt = Date.parse(state.closes_at);
    if (state.vote_type !== "discussion") {
      renderChart(state);
      renderTable(state);
      refreshEntries(state);
    }
    tick();
  }

  const statusText = liveStatusText(t, t("이 토론은 삭제되어 더 이상 진행할 수 없습니다.", "This debate was removed: the screen has stopped."));

  const channel = openLiveChannel(root.dataset.wsPath, {
    onState: (frame) => { if (frame.type === "screen") render(frame); },
    onStatus: (s) => { statusEl.textContent = statusText[s] || s; statusEl.dataset.state = s; },
    onError: (frame) => {
      if (frame.code === "forbidden") { channel.close(); statusEl.textContent = frame.message; }
    },
  });

  const pad = (n) => String(n).padStart(2, "0");
  // Whole days as D-n, as on the debate page: "695:59:53" on a projector reads as nothing.
  const span = (s) => {
    const hms = `${pad(Math.floor(s / 3600) % 24)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
    return s >= 86400 ? `D-${Math.floor(s / 86400)} ${hms}` : hms;
  };
  function tick() {
    const now = channel.serverNow();
    let text;
    if (status === "scheduled" && opensAt > now) {
      const s = Math.floor((opensAt - now) / 1000);
      text = `${t("시작까지", "Opens in")} ${span(s)}`;
    } else if (closesAt > now && status === "in_progress") {
      const s = Math.floor((closesAt - now) / 1000);
      text = `${t("마감까지", "Closes in")} ${span(s)}`;
    } else {
      text = statusLabels[status] || "";
    }
    countdownEl.textContent = text;
  }
  tick();
  setInterval(tick, 1000);

  // Toggle the controls without reload (the link works without script too).
  const toggle = document.querySelector("[data-toggle-panel]");
  const panel = document.getElementById("controls");
  if (toggle && panel) {
    toggle.setAttribute("role", "button");
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
    toggle.addEventListener("click", (event) => {
      event.preventDefault();
      panel.hidden = !panel.hidden;
      document.body.classList.toggle("projector", panel.hidden);
      toggle.setAttribute("aria-expanded", String(!panel.hidden));
      toggle.textContent = panel.hidden ? t("진행 도구 보이기", "Show the controls") : t("진행 도구 숨기기 (프로젝터)", "Hide the controls (projector)");
    });
  }
}
