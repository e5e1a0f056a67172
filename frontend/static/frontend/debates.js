// A site's debate list, live: each card's status and participants from the site's
// `debate_summary` frames (docs/realtime-protocol.md).
import { liveStatusText, openLiveChannel } from "./live.js";

const root = document.querySelector("[data-live-debates]");
if (root) {
  const lang = document.documentElement.lang || "ko";
  const t = (ko, en) => (lang.startsWith("ko") ? ko : en);
  const statusText = {
    scheduled: t("예정", "Scheduled"),
    in_progress: t("진행중", "In progress"),
    closed: t("마감", "Closed"),
    results_published: t("결과공개", "Results published"),
  };
  const liveText = liveStatusText(t, t("이 사이트의 토론 목록은 더 이상 볼 수 없습니다.", "This site's debate list is no longer available."));
  const statusEl = document.querySelector("[data-live-status]");
  openLiveChannel(root.dataset.wsPath, {
    onState(frame) {
      if (frame.type !== "debate_summary" || !frame.debates) return;
      for (const card of root.querySelectorAll("[data-debate-id]")) {
        const entry = frame.debates[card.dataset.debateId];
        if (!entry) continue;
        const [status, participants] = entry;
        const badge = card.querySelector("[data-status]");
        if (badge && badge.dataset.status !== status && statusText[status]) {
          badge.dataset.status = status;
          badge.textContent = statusText[status];
        }
        const count = card.querySelector("[data-participants]");
        if (count && participants !== null) count.textContent = participants;
      }
    },
    onStatus(status) {
      if (!statusEl) return;
      statusEl.textContent = liveText[status];
      statusEl.dataset.state = status;
    },
  });
}
