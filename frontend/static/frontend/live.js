// The live channel: one websocket per topic, following docs/realtime-protocol.md.
// - The server sends a full snapshot first, then frames with a per-group `seq`.
// - A frame whose seq is not above the last shown one is stale: drop it.
// - A gap in seq (a frame may have been lost) asks the server for a fresh snapshot.
// - On close, reconnect (reconnectDelayMs); the server snapshots again on connect.
// - Heartbeat: a `ping` every 20 s while open; no frame at all within 10 s of it means the
//   connection is dead (a phone that changed networks, a NAT that forgot us): drop it and
//   reconnect with the same backoff.
// - The browser's offline/online events: offline shows at once; back online reconnects now.
// - `gone` (then close 4404): the topic no longer exists on this site. Final.
// Pages speak JSON; msgpack (deliberation.v1.msgpack) is for other clients.

// When a server restarts, every page drops at once. Spreading the first retry over a few
// seconds keeps the reconnect storm within what the servers accept per second (measured in
// docs/performance.md); later retries back off exponentially, with jitter, up to 15 s.
const FIRST_RETRY_MIN_MS = 500;
const FIRST_RETRY_SPREAD_MS = 7500;
export const PING_EVERY_MS = 20000;
export const PONG_WITHIN_MS = 10000;
const BACK_ONLINE_SPREAD_MS = 1000;  // a whole hall's Wi-Fi comes back at once
const CLOSE_NOT_FOUND = 4404;
const CLOSE_FORBIDDEN = 4403;

export function reconnectDelayMs(attempt, random = Math.random) {
  if (attempt === 0) return FIRST_RETRY_MIN_MS + random() * FIRST_RETRY_SPREAD_MS;
  return Math.min(15000, 1000 * 2 ** attempt) * (0.5 + random() / 2);
}

// What a page shows for each status openLiveChannel reports; `gone` says which thing is gone.
export function liveStatusText(t, gone = t("더 이상 볼 수 없는 항목입니다.", "This is no longer available.")) {
  return {
    connecting: t("실시간 연결 중…", "Connecting live updates…"),
    live: t("실시간 반영 중", "Live"),
    reconnecting: t("연결이 끊겨 다시 연결하는 중…", "Connection lost, reconnecting…"),
    offline: t("오프라인입니다. 인터넷에 다시 연결되면 이어서 반영합니다.", "Offline. Live updates resume when you are back online."),
    closed: t("실시간 연결 종료", "Live updates stopped"),
    gone,
  };
}

export function openLiveChannel(path, {
  onState, onStatus = () => {}, onError = () => {}, onGone = () => {},
  pingEveryMs = PING_EVERY_MS, pongWithinMs = PONG_WITHIN_MS,
}) {
  let socket = null;
  let lastSeq = -1;
  let attempts = 0;
  let clockOffsetMs = 0;
  let stopped = false;
  let retryTimer = null;
  let pingTimer = null;
  let deadline = null;
  let pings = 0;

  const url = () => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
  const offline = () => navigator.onLine === false;

  function status(value) { onStatus(value); }

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (stopped) return;
    if (offline()) { status("offline"); return; }  // the online event reconnects
    status("connecting");
    const ws = new WebSocket(url());
    socket = ws;
    ws.addEventListener("open", () => {
      if (ws !== socket) return;
      attempts = 0;
      status("live");
      startHeartbeat();
    });
    ws.addEventListener("message", (event) => { if (ws === socket) handle(event.data); });
    ws.addEventListener("close", (event) => {
      if (ws !== socket) return;  // a socket we already dropped
      socket = null;
      stopHeartbeat();
      if (event.code === CLOSE_NOT_FOUND) { stopped = true; status("gone"); return; }
      if (stopped || event.code === CLOSE_FORBIDDEN) { stopped = true; status("closed"); return; }
      retry();
    });
  }

  function retry() {
    if (stopped) return;
    if (offline()) { status("offline"); return; }
    status("reconnecting");
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, reconnectDelayMs(attempts++));
  }

  // Forget the current socket without waiting for its close handshake (a dead connection may
  // take minutes to report its close).
  function drop() {
    const ws = socket;
    socket = null;
    stopHeartbeat();
    if (ws) { try { ws.close(); } catch { /* already closing */ } }
  }

  function startHeartbeat() {
    stopHeartbeat();
    pingTimer = setInterval(() => {
      send({ type: "ping", echo: ++pings });
      if (deadline === null) deadline = setTimeout(dead, pongWithinMs);
    }, pingEveryMs);
  }

  function stopHeartbeat() {
    clearInterval(pingTimer);
    clearTimeout(deadline);
    pingTimer = deadline = null;
  }

  function alive() {  // any frame proves the connection works
    clearTimeout(deadline);
    deadline = null;
  }

  function dead() {
    deadline = null;
    drop();
    retry();
  }

  function handle(text) {
    alive();
    let frame;
    try { frame = JSON.parse(text); } catch { return; }
    if (frame.type === "hello") {
      clockOffsetMs = frame.server_time - Date.now();
      lastSeq = -1;  // a new connection: the snapshot that follows is authoritative
    } else if (frame.type === "gone") {
      stopped = true;  // the close 4404 follows
      drop();
      status("gone");
      onGone(frame);
    } else if (frame.type === "error") {
      onError(frame);
    } else if (typeof frame.seq === "number") {
      if (frame.seq <= lastSeq && lastSeq !== -1) return;  // stale or duplicate
      const gap = lastSeq !== -1 && frame.seq > lastSeq + 1;
      lastSeq = frame.seq;
      onState(frame);
      if (gap) send({ type: "resync" });
    }
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function wentOffline() {
    if (stopped) return;
    clearTimeout(retryTimer);
    retryTimer = null;
    drop();
    status("offline");
  }

  function cameOnline() {
    if (stopped || socket) return;
    attempts = 0;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, Math.random() * BACK_ONLINE_SPREAD_MS);
  }

  window.addEventListener("offline", wentOffline);
  window.addEventListener("online", cameOnline);
  connect();
  return {
    serverNow: () => Date.now() + clockOffsetMs,
    close() {
      stopped = true;
      clearTimeout(retryTimer);
      window.removeEventListener("offline", wentOffline);
      window.removeEventListener("online", cameOnline);
      drop();
      status("closed");
    },
  };
}
