// A live comment list (proposal and debate pages), from `comments` frames
// (docs/realtime-protocol.md): new comments appear, edits show, deleted or hidden ones leave.
// User text (authors, comment bodies) only ever goes into the page as textContent.

const lang = document.documentElement.lang || "ko";
const t = (ko, en) => (lang.startsWith("ko") ? ko : en);

const renderedBody = new WeakMap();  // .comment-body element → the body text it shows

// As the server renders comment times: "2026-11-26 22:24", the city's time (Asia/Seoul).
const timeParts = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Seoul", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});
function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const p = Object.fromEntries(timeParts.formatToParts(date).map(({ type, value }) => [type, value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

function fillBody(el, body) {
  // Line breaks as <br>, the text as text nodes: never markup from user text.
  el.replaceChildren();
  body.split("\n").forEach((line, i) => {
    if (i) el.append(document.createElement("br"));
    el.append(document.createTextNode(line));
  });
  renderedBody.set(el, body);
}

function buildComment(comment) {
  const li = document.createElement("li");
  li.dataset.commentId = String(comment.id);
  li.id = `comment-${comment.id}`;
  const meta = document.createElement("p");
  meta.className = "meta";
  const author = document.createElement("span");
  author.className = "comment-author";
  author.textContent = comment.author;
  const time = document.createElement("time");
  time.dateTime = comment.created_at;
  time.textContent = formatTime(comment.created_at);
  meta.append(author, " · ", time);
  if (comment.edited) meta.append(` · ${t("수정됨", "edited")}`);
  const body = document.createElement("div");
  body.className = "comment-body";
  fillBody(body, comment.body);
  li.append(meta, body);
  return li;
}

function ownBody(li) {
  // The comment's own body, not one of its replies'.
  return [...li.querySelectorAll(".comment-body")].find((el) => el.closest("li[data-comment-id]") === li) || null;
}

function commentItems(list) {
  const items = new Map();
  for (const li of list.querySelectorAll("li[data-comment-id]")) items.set(Number(li.dataset.commentId), li);
  return items;
}

export function renderComments(list, recent) {
  const items = commentItems(list);
  const listed = new Set(recent.map((c) => c.id));
  // The state holds the latest visible comments: any comment on the page from the oldest of
  // them on that the state lacks was deleted or hidden. Empty: no comment is visible.
  const oldest = recent.length ? Math.min(...recent.map((c) => c.id)) : -Infinity;
  for (const [id, li] of items) {
    // The viewer's own held or hidden comment is not in the public stream: it stays.
    if (id < oldest || listed.has(id) || li.hasAttribute("data-own-unpublished")) continue;
    const keptReply = [...li.querySelectorAll("li[data-comment-id]")].some((r) => {
      const replyId = Number(r.dataset.commentId);
      return replyId < oldest || listed.has(replyId);
    });
    if (keptReply) {
      // Its replies stay readable under it, as the page shows a removed comment.
      if (!li.hasAttribute("data-removed")) {
        const body = ownBody(li);
        if (body) body.textContent = t("삭제된 댓글입니다.", "This comment was removed.");
        const author = li.querySelector(".comment-author");
        if (author?.closest("li[data-comment-id]") === li) author.replaceChildren();
        li.setAttribute("data-removed", "");
      }
    } else {
      for (const nested of li.querySelectorAll("li[data-comment-id]")) items.delete(Number(nested.dataset.commentId));
      li.remove();
      items.delete(id);
    }
  }
  for (const comment of recent) {
    const li = items.get(comment.id);
    if (li) {
      const body = ownBody(li);
      if (comment.edited && body && renderedBody.get(body) !== comment.body) fillBody(body, comment.body);
      continue;
    }
    const added = buildComment(comment);
    const parent = comment.parent != null ? items.get(comment.parent) : null;
    if (parent) {
      let replies = parent.querySelector(":scope > ol.replies");
      if (!replies) {
        replies = document.createElement("ol");
        replies.className = "replies";
        parent.append(replies);
      }
      replies.append(added);
    } else {
      list.append(added);
    }
    items.set(comment.id, added);
  }
  const empty = document.querySelector("[data-comments-empty]");
  if (empty) empty.hidden = items.size > 0;
}
