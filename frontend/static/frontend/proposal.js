// Citizen proposals, live (docs/realtime-protocol.md, "Proposals"):
// - a proposal page ([data-live-proposal]): supports, comment count, phase, badges, answers,
//   the support period's countdown and the latest comments, from `proposal` frames;
// - a list page ([data-live-proposals]): each card's supports and comments, from
//   `proposal_counts` frames;
// - the support button ([data-support-form]): works without script (a form post); with it,
//   posts JSON and stays on the page.
// User text (authors, comment bodies) only ever goes into the page as textContent.
import { renderComments } from "./comments.js";
import { liveStatusText, openLiveChannel } from "./live.js";

const lang = document.documentElement.lang || "ko";
const t = (ko, en) => (lang.startsWith("ko") ? ko : en);
const ANNOUNCE_EVERY_MS = 3000;

const statusText = liveStatusText(t, t("이 제안은 더 이상 볼 수 없습니다. 비공개로 바뀌었거나 삭제되었습니다.",
  "This proposal is no longer available: it was made private or removed."));

const phaseText = {
  open: t("공감 진행중", "Collecting support"),
  closed: t("공감 마감", "Support period ended"),
  failed: t("투표탈락", "Failed the vote"),
};

function showStatus(el, status) {
  if (!el) return;
  el.textContent = statusText[status];
  el.dataset.state = status;
}

function setText(elements, value) {
  const text = String(value);
  for (const el of elements) if (el.textContent !== text) el.textContent = text;
}

// Screen readers hear at most one summary every few seconds (the latest one), and nothing
// when the numbers are what they last heard.
function politeAnnouncer(el, initialText) {
  let heard = initialText;
  let pending = null;
  let timer = null;
  return (text) => {
    pending = text;
    if (!el || timer) return;
    timer = setTimeout(() => {
      timer = null;
      if (pending !== heard) { el.textContent = pending; heard = pending; }
    }, ANNOUNCE_EVERY_MS);
  };
}

// --- a proposal page ------------------------------------------------------------------------
const root = document.querySelector("[data-live-proposal]");
let channel = null;
let framesShown = 0;  // the support reply's count is used only if no frame came meanwhile
let phaseNow = null;

if (root) {
  const supportsEls = () => document.querySelectorAll("[data-live-proposal] [data-supports], form[data-support-form] [data-supports]");
  const commentCountEls = root.querySelectorAll("[data-comment-count]");
  const answersEls = root.querySelectorAll("[data-answers]");
  const phaseEl = root.querySelector("[data-phase]");
  const reviewBadge = root.querySelector("[data-badge-review]");
  const bestBadge = root.querySelector("[data-badge-best]");
  const countdownEl = root.querySelector("[data-countdown]");
  const commentsEl = root.querySelector("ol[data-comments]");
  const statusEl = root.querySelector("[data-live-status]");
  let closesAt = countdownEl ? Date.parse(countdownEl.dataset.closesAt) : NaN;
  phaseNow = phaseEl?.dataset.phase || null;

  const summary = (supports, comments) =>
    t(`공감 ${supports}, 댓글 ${comments}`, `${supports} supports, ${comments} comments`);
  const first = (els) => els[0]?.textContent.trim() ?? "";
  const announce = politeAnnouncer(root.querySelector("[data-announce]"),
    summary(first(supportsEls()), first(commentCountEls)));

  function render(state) {
    framesShown += 1;
    setText(supportsEls(), state.supports);
    setText(commentCountEls, state.comments);
    setText(answersEls, state.answers);
    if (reviewBadge) reviewBadge.hidden = !state.in_review;
    if (bestBadge) bestBadge.hidden = !state.best;
    if (phaseEl && state.phase !== phaseNow && phaseText[state.phase]) {
      // The page was rendered with a label for the phase it had; change it only on a change.
      if (phaseNow !== null) phaseEl.textContent = phaseText[state.phase];
      phaseEl.dataset.phase = state.phase;
    }
    phaseNow = state.phase;
    syncSupportButton();
    if (state.closes_at) {
      closesAt = Date.parse(state.closes_at);
      if (countdownEl) countdownEl.dataset.closesAt = state.closes_at;
    }
    announce(summary(state.supports, state.comments));
  }

  function renderCommentStream(state) {
    setText(commentCountEls, state.comments);
    if (commentsEl && Array.isArray(state.recent_comments)) renderComments(commentsEl, state.recent_comments);
  }

  channel = openLiveChannel(root.dataset.wsPath, {
    onState: (frame) => { if (frame.type === "proposal") render(frame); },
    onStatus: (status) => showStatus(statusEl, status),
  });
  // Comments have their own channel: they are sent only when they change.
  if (commentsEl && root.dataset.commentsWsPath) {
    openLiveChannel(root.dataset.commentsWsPath, {
      onState: (frame) => { if (frame.type === "comments") renderCommentStream(frame); },
    });
  }

  function tickCountdown() {
    if (!countdownEl || Number.isNaN(closesAt)) return;
    const left = closesAt - channel.serverNow();
    let text;
    if (left <= 0) text = t("마감", "Closed");
    else if (left >= 86400000) text = `D-${Math.floor(left / 86400000)}`;
    else text = `${t("마감까지", "Closes in")} ${new Date(left).toISOString().slice(11, 19)}`;
    if (countdownEl.textContent !== text) countdownEl.textContent = text;
  }
  tickCountdown();
  setInterval(tickCountdown, 1000);
}

// --- the support button ---------------------------------------------------------------------
const form = document.querySelector("form[data-support-form]");

function syncSupportButton() {
  if (!form) return;
  const button = form.querySelector("button[type=submit], button:not([type])");
  if (!button) return;
  const supported = form.dataset.supported === "true";
  const label = supported ? t("공감 취소", "Withdraw support") : t("공감하기", "Support");
  setButtonLabel(button, label);
  button.setAttribute("aria-pressed", String(supported));
  if (!form.dataset.busy) button.disabled = phaseNow !== null && phaseNow !== "open";
}

function setButtonLabel(button, label) {
  // The button may also hold a count (<span data-supports>): change only its own words.
  const labelEl = button.querySelector("[data-support-label]");
  if (labelEl) { labelEl.textContent = label; return; }
  if (!button.firstElementChild) { if (button.textContent.trim() !== label) button.textContent = label; return; }
  const words = [...button.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  if (words) words.textContent = words.textContent.replace(words.textContent.trim(), label);
  else button.prepend(document.createTextNode(`${label} `));
}

if (form) {
  const feedback = form.querySelector("[data-feedback]") || document.querySelector("[data-feedback]");
  const say = (message, code = "") => {
    if (!feedback) return;
    feedback.textContent = message;
    feedback.dataset.errorCode = code;
  };
  syncSupportButton();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const supported = form.dataset.supported === "true";
    const url = supported ? form.dataset.withdrawUrl : form.dataset.jsonUrl;
    const button = form.querySelector("button[type=submit], button:not([type])");
    const token = new FormData(form).get("csrfmiddlewaretoken");
    const framesBefore = framesShown;
    form.dataset.busy = "true";
    if (button) button.disabled = true;
    say("");
    try {
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token || "", Accept: "application/json" },
        body: "{}",
      });
      let body = null;
      try { body = await response.json(); } catch { body = null; }
      if (response.ok && body && typeof body.supported === "boolean") {
        form.dataset.supported = String(body.supported);
        // A live frame that came meanwhile is as new as this reply or newer: keep it.
        if (framesShown === framesBefore && typeof body.supports === "number") {
          for (const el of document.querySelectorAll("[data-live-proposal] [data-supports], form[data-support-form] [data-supports]")) {
            el.textContent = String(body.supports);
          }
        }
        say(body.supported ? t("공감했습니다.", "You support this proposal.")
                           : t("공감을 취소했습니다.", "You withdrew your support."));
      } else if (body?.error) {
        // The rows already say what this button should be.
        if (body.error.code === "already_supported") form.dataset.supported = "true";
        if (body.error.code === "not_supported") form.dataset.supported = "false";
        say(body.error.message || t("처리하지 못했습니다.", "That did not work."), body.error.code || "");
      } else {
        say(t("처리하지 못했습니다. 다시 시도해 주세요.", "That did not work. Please try again."), String(response.status));
      }
    } catch {
      say(t("네트워크 오류입니다. 다시 시도해 주세요.", "Network error. Please try again."), "network");
    } finally {
      delete form.dataset.busy;
      syncSupportButton();
    }
  });
}

// --- a list page ----------------------------------------------------------------------------
const listRoot = document.querySelector("[data-live-proposals]");
if (listRoot) {
  // The list's status line may sit outside its root (next to the result count).
  const statusEl = listRoot.querySelector("[data-live-status]") || (root ? null : document.querySelector("[data-live-status]"));
  openLiveChannel(listRoot.dataset.wsPath, {
    onState(frame) {
      if (frame.type !== "proposal_counts" || !frame.proposals) return;
      for (const card of listRoot.querySelectorAll("[data-proposal-id]")) {
        const counts = frame.proposals[card.dataset.proposalId];
        if (!counts) continue;  // not among the site's most recently active: left as rendered
        setText(card.querySelectorAll("[data-supports]"), counts[0]);
        setText(card.querySelectorAll("[data-comments]"), counts[1]);
      }
    },
    onStatus: (status) => showStatus(statusEl, status),
  });
}
