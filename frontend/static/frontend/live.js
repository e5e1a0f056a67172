// The live channel: one websocket per topic, following docs/realtime-protocol.md.
// - The server sends a full snapshot first, then frames with a per-group `seq`.
// - A frame whose seq is not above the last shown one is stale: drop it.
// - A gap in seq (a frame may have been lost) asks the server for a fresh snapshot.
// - On close, reconnect (reconnectDelayMs); the server snapshots again on connect.

// When a server restarts, every page drops at once. Spreading the first retry over a few
// seconds keeps the reconnect storm within what the servers accept per second (measured in
// docs/performance.md); later retries back off exponentially, with jitter, up to 15 s.
const FIRST_RETRY_MIN_MS = 500;
const FIRST_RETRY_SPREAD_MS = 7500;

export function reconnectDelayMs(attempt, random = Math.random) {
  if (attempt === 0) return FIRST_RETRY_MIN_MS + random() * FIRST_RETRY_SPREAD_MS;
  return Math.min(15000, 1000 * 2 ** attempt) * (0.5 + random() / 2);
}

export function openLiveChannel(path, { onState, onStatus = () => {}, onError = () => {} }) {
  let socket = null;
  let lastSeq = -1;
  let attempts = 0;
  let clockOffsetMs = 0;
  let stopped = false;

  const url = () => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;

  function connect() {
    onStatus("connecting");
    socket = new WebSocket(url());
    socket.addEventListener("open", () => { attempts = 0; onStatus("live"); });
    socket.addEventListener("message", (event) => handle(event.data));
    socket.addEventListener("close", (event) => {
      if (stopped || event.code === 4404) { onStatus("closed"); return; }
      onStatus("reconnecting");
      setTimeout(connect, reconnectDelayMs(attempts++));
    });
  }

  function handle(text) {
    let frame;
    try { frame = JSON.parse(text); } catch { return; }
    if (frame.type === "hello") {
      clockOffsetMs = frame.server_time - Date.now();
      lastSeq = -1;  // a new connection: the snapshot that follows is authoritative
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

  connect();
  return {
    serverNow: () => Date.now() + clockOffsetMs,
    close() { stopped = true; socket?.close(); },
  };
}
