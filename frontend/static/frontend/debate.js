import { renderComments } from "./comments.js";
import { liveStatusText, openLiveChannel } from "./live.js";

const root = document.querySelector("[data-live-debate]");
if (root) {
  const lang = document.documentElement.lang || "ko";
  const t = (ko, en) => (lang.startsWith("ko") ? ko : en);
  const totalEl = root.querySelector("[data-total]");
  const announceEl = root.querySelector("[data-announce]");
  const statusEl = root.querySelector("[data-live-status]");
  const countdownEl = root.querySelector("[data-countdown]");
  let closesAt = countdownEl ? Date.parse(countdownEl.dataset.closesAt) : NaN;
  let announceTimer = null;

  function render(state) {
    totalEl.textContent = state.total;
    if (state.visible) {
      const total = state.total || 0;
      if (state.opinions) renderOpinions(root.querySelector("[data-opinions]"), state.opinions);
      const allOptions = [...state.options, ...(state.questions || []).flatMap((q) => q.options)];
      for (const option of allOptions) {
        const row = root.querySelector(`[data-option="${option.id}"]`);
        if (!row) continue;
        row.querySelector("[data-count]").textContent = option.count;
        row.querySelector(".fill").style.width = `${total ? Math.round((option.count * 100) / total) : 0}%`;
      }
      renderSplit(root, state);
    }
    if (typeof state.screen_question === "number") {
      // Research in a hall: the question on the big screen is marked on every phone.
      for (const fieldset of root.querySelectorAll("[data-question-position]")) {
        const current = Number(fieldset.dataset.questionPosition) === state.screen_question;
        fieldset.classList.toggle("current-question", current);
        if (current) fieldset.setAttribute("aria-current", "step"); else fieldset.removeAttribute("aria-current");
      }
    }
    closesAt = Date.parse(state.closes_at);
    announceTally(tallySummary(state));
  }

  function tallySummary(state) {
    const parts = !state.visible ? []
      : state.hall_counts
        ? state.options.map((o) => `${o.label} ${t("온라인", "online")} ${o.count}, ${t("현장", "hall")} ${o.offline}, ${t("합계", "combined")} ${o.combined}`)
        : state.options.map((o) => `${o.label} ${o.count}`);
    return `${t("참여자", "Participants")} ${state.total}. ${parts.join(", ")}`;
  }

  // Screen readers hear at most one summary every few seconds, and only of a change: the first
  // snapshot is what the page already shows. A throttle, not a debounce, so a busy hall whose
  // tally moves every tick is still announced.
  function politeAnnouncer(el) {
    let heard = null;
    let pending = null;
    return (text) => {
      if (heard === null) { heard = text; return; }
      pending = text;
      if (announceTimer) return;
      announceTimer = setTimeout(() => {
        announceTimer = null;
        if (pending !== heard) { el.textContent = pending; heard = pending; }
      }, 3000);
    };
  }
  const announceTally = politeAnnouncer(announceEl);

  const goneText = t("이 토론은 더 이상 볼 수 없습니다. 비공개로 바뀌었거나 삭제되었습니다.",
    "This debate is no longer available: it was hidden or removed.");
  const statusText = liveStatusText(t, goneText);
  const channel = openLiveChannel(root.dataset.wsPath, {
    onState: render,
    onStatus: (status) => { statusEl.textContent = statusText[status]; statusEl.dataset.state = status; },
    onGone: () => {
      clearTimeout(announceTimer);
      announceEl.textContent = goneText;
      // The ballot would be refused now: say so instead of offering it.
      const form = root.querySelector("[data-ballot-form]");
      if (form) for (const button of form.querySelectorAll("button")) button.disabled = true;
    },
  });

  // Comments have their own channel: sent only when they change (posted, edited, hidden…).
  const commentsEl = root.querySelector("ol[data-comments]");
  if (commentsEl && root.dataset.commentsWsPath) {
    const commentCountEl = root.querySelector("[data-comment-count]");
    const commentsAnnounceEl = root.querySelector("[data-comments-announce]");
    let commentsHeard = null;
    let commentsTimer = null;
    openLiveChannel(root.dataset.commentsWsPath, {
      onState: (frame) => {
        if (frame.type !== "comments") return;
        if (commentCountEl) commentCountEl.textContent = frame.comments;
        // New comments are announced politely, at most every few seconds, as a count.
        if (commentsHeard === null) commentsHeard = frame.comments;
        else if (commentsAnnounceEl && !commentsTimer) {
          commentsTimer = setTimeout(() => {
            commentsTimer = null;
            const count = Number(commentCountEl ? commentCountEl.textContent : frame.comments);
            if (count > commentsHeard) {
              const added = count - commentsHeard;
              commentsAnnounceEl.textContent = t(`새 댓글 ${added}개, 모두 ${count}개`, `${added} new comment${added > 1 ? "s" : ""}, ${count} in all`);
            }
            commentsHeard = count;
          }, 3000);
        }
        if (Array.isArray(frame.recent_comments)) renderComments(commentsEl, frame.recent_comments);
      },
    });
  }

  function tickCountdown() {
    if (!countdownEl || Number.isNaN(closesAt)) return;
    const left = closesAt - channel.serverNow();
    if (left <= 0) { countdownEl.textContent = t("마감", "Closed"); return; }
    const days = Math.floor(left / 86400000);
    const hms = new Date(left % 86400000).toISOString().slice(11, 19);
    countdownEl.textContent = days > 0 ? `D-${days} (${hms})` : `${t("마감까지", "Closes in")} ${hms}`;
  }
  tickCountdown();
  setInterval(tickCountdown, 1000);

  // The ballot form works without script; with it, it posts JSON and stays on the page.
  const form = root.querySelector("[data-ballot-form]");
  if (form) {
    const feedback = form.querySelector("[data-feedback]");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const response = await fetch(form.dataset.jsonAction, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") },
          body: JSON.stringify(ballotOf(form, data)),
        });
        const body = await response.json();
        if (response.ok) {
          const picked = body.ballot.option && form.querySelector(`input[name=option][value="${body.ballot.option}"]`);
          const label = picked ? picked.parentElement.textContent.trim() : "";
          const done = document.createElement("p");
          done.className = "voted";
          done.dataset.voted = "";
          done.textContent = label ? t(`투표했습니다: ${label}`, `You voted: ${label}`)
            : t("투표가 반영되었습니다.", "Your ballot has been counted.");
          form.replaceWith(done);
        } else {
          feedback.textContent = body.error?.message || t("투표하지 못했습니다.", "The vote failed.");
          feedback.dataset.errorCode = body.error?.code || "";
          button.disabled = false;
        }
      } catch {
        feedback.textContent = t("네트워크 오류입니다. 다시 시도해 주세요.", "Network error. Please try again.");
        button.disabled = false;
      }
    });
  }
}

// Once a hall count exists the tables of online, hall (현장) and combined (합계) numbers replace
// the online bars; both are in the page, so a count entered (or removed) while it is open
// switches them. `count` stays the online number.
function renderSplit(root, state) {
  const lists = [{ key: "", totals: state, options: state.options },
    ...(state.questions || []).map((q) => ({ key: String(q.id), totals: q, options: q.options }))];
  for (const bars of root.querySelectorAll("[data-bars]")) bars.hidden = Boolean(state.hall_counts);
  for (const list of lists) {
    const table = root.querySelector(`[data-split="${list.key}"]`);
    if (!table) continue;
    table.hidden = !state.hall_counts;
    for (const option of list.options) {
      const row = table.querySelector(`[data-split-option="${option.id}"]`);
      if (!row) continue;
      row.querySelector('[data-cell="online"]').textContent = option.count;
      row.querySelector('[data-cell="offline"]').textContent = option.offline;
      row.querySelector('[data-cell="combined"]').textContent = option.combined;
      const share = list.totals.combined_total ? Math.round((option.combined * 100) / list.totals.combined_total) : 0;
      row.querySelector(".fill").style.width = `${share}%`;
    }
    const totals = table.querySelector("[data-split-totals]");
    for (const key of ["online", "offline", "combined"]) {
      totals.querySelector(`[data-cell="${key}"]`).textContent = list.totals[`${key}_total`];
    }
  }
}

// The same ballot the form would post, as JSON: pro/con `option`, multiple choice `choices`,
// research `answers` {question id: [option ids]} from the fields named q<question id>.
function ballotOf(form, data) {
  const type = form.dataset.voteType;
  if (type === "multiple_choice") return { choices: data.getAll("choice") };
  if (type === "research") {
    const answers = {};
    for (const [name, value] of data.entries()) {
      if (/^q\d+$/.test(name)) (answers[name.slice(1)] ||= []).push(value);
    }
    return { answers };
  }
  return { option: data.get("option"), other_text: data.get("other_text") || "" };
}

// Discussion: the ranking as the server sent it. Existing items are kept (with their support
// forms) and reordered; new ones are built from text only, never from markup.
function renderOpinions(list, opinions) {
  if (!list) return;
  const lang = document.documentElement.lang || "ko";
  const t = (ko, en) => (lang.startsWith("ko") ? ko : en);
  list.querySelector("[data-empty]")?.remove();
  for (const opinion of opinions) {
    let item = list.querySelector(`:scope > [data-opinion="${opinion.id}"]`);
    if (!item) {
      item = document.createElement("li");
      item.dataset.opinion = opinion.id;
      item.id = `opinion-${opinion.id}`;
      const meta = document.createElement("p");
      meta.className = "meta";
      const count = document.createElement("strong");
      count.dataset.supports = "";
      meta.append(`${opinion.author} · ${t("공감", "Supports")} `, count);
      const body = document.createElement("p");
      body.textContent = opinion.body;
      item.append(meta, body);
      const template = list.dataset.supportAction;
      const token = document.querySelector("input[name=csrfmiddlewaretoken]")?.value;
      if (template && token) {
        const form = document.createElement("form");
        form.method = "post";
        form.className = "inline";
        form.action = template.replace("/0/", `/${opinion.id}/`);
        const csrf = document.createElement("input");
        csrf.type = "hidden"; csrf.name = "csrfmiddlewaretoken"; csrf.value = token;
        const button = document.createElement("button");
        button.type = "submit";
        button.textContent = t("이 의견에 공감", "Support this opinion");
        form.append(csrf, button);
        item.append(form);
      }
    }
    item.querySelector("[data-supports]").textContent = opinion.supports;
    list.append(item);  // appending an existing child moves it: the list follows the ranking
  }
}
