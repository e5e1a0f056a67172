"""Numbers from raw samples: percentiles, the "seen by every viewer" analysis, and tables."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right


def percentile(sorted_values, q: float):
    """Nearest-rank percentile of an already sorted sequence (q in 0..100)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summary(values, scale: float = 1000.0, digits: int = 2) -> dict:
    """n, p50, p95, p99, max, mean; values in seconds are reported in ms (scale)."""
    data = sorted(values)
    if not data:
        return {"n": 0}
    r = lambda v: round(v * scale, digits)  # noqa: E731
    return {
        "n": len(data),
        "p50": r(percentile(data, 50)),
        "p95": r(percentile(data, 95)),
        "p99": r(percentile(data, 99)),
        "max": r(data[-1]),
        "mean": r(sum(data) / len(data)),
    }


def fmt_summary(s: dict | None, unit: str = "ms") -> str:
    if not s or not s.get("n"):
        return "—"
    return f"p50 {s['p50']:g} · p95 {s['p95']:g} · p99 {s['p99']:g} · max {s['max']:g} {unit} (n={s['n']})"


def seen_by_all(viewers, samples, tallies):
    """For each sampled ballot (threshold, t_ack): when had EVERY viewer received a tally whose
    key (watermark, or total as a fallback) reached the threshold?

    Each viewer keeps (time, key) each time its key advanced. The keys a viewer can show are
    the keys of the frames sent, so per distinct frame key D[k] we compute the time the last
    viewer reached it (and how many did); a sample's answer is that of the smallest D >= its
    threshold. Work is proportional to the deliveries, not viewers × samples.

    Returns (ack→all latencies, frame-built→all latencies, ack→frame-built, never-seen count)."""
    keys = sorted({t.key for t in tallies})
    if not keys or not viewers:
        return [], [], [], len(samples)
    first_ts = {}
    for t in tallies:
        if t.ts and (t.key not in first_ts or t.ts < first_ts[t.key]):
            first_ts[t.key] = t.ts
    last_time = [0.0] * len(keys)
    count = [0] * len(keys)
    for v in viewers:
        prev = -1
        rk, rt = v.rk, v.rt
        for i in range(len(rk)):
            j = bisect_right(keys, rk[i]) - 1
            if j > prev:
                t = rt[i]
                for k in range(prev + 1, j + 1):
                    if t > last_time[k]:
                        last_time[k] = t
                    count[k] += 1
                prev = j
    n = len(viewers)
    ack_to_all, built_to_all, ack_to_built, never = [], [], [], 0
    for threshold, t_ack in samples:
        k = bisect_left(keys, threshold)
        if k >= len(keys) or count[k] < n:
            never += 1
            continue
        ack_to_all.append(last_time[k] - t_ack)
        ts = first_ts.get(keys[k])
        if ts:
            built_to_all.append(last_time[k] - ts)
            ack_to_built.append(ts - t_ack)
    return ack_to_all, built_to_all, ack_to_built, never


def delivery_latencies(tallies, t_from: float, t_to: float):
    """Per delivery (frame to one tracked viewer): receive time − the frame's server ts."""
    out = []
    for t in tallies:
        if not t.ts:
            continue
        ts = t.ts
        out.extend(x - ts for x in t.times if t_from <= x <= t_to)
    return out


def fanout_spreads(tallies, t_from: float, t_to: float):
    """Per broadcast frame (not snapshots): server ts → first and → last viewer receiving it."""
    first, last = [], []
    for t in tallies:
        if t.ts and len(t.times) > 1 and t_from <= t.ts <= t_to:
            first.append(min(t.times) - t.ts)
            last.append(max(t.times) - t.ts)
    return first, last


# --- text tables -------------------------------------------------------------------------------
def table(rows, headers=None) -> str:
    """Plain aligned text; rows are sequences of cells (str() applied); a None row is a rule."""
    cells = [[str(c) for c in row] if row is not None else None for row in rows]
    if headers:
        cells.insert(0, [str(h) for h in headers])
    width = max((len(r) for r in cells if r is not None), default=0)
    widths = [
        max((len(r[i]) for r in cells if r is not None and i < len(r)), default=0) for i in range(width)
    ]
    lines = []
    rule = "  ".join("-" * w for w in widths)
    for idx, row in enumerate(cells):
        if row is None:
            lines.append(rule)
            continue
        lines.append(
            "  ".join(c.ljust(widths[i]) if i < len(row) - 1 else c for i, c in enumerate(row)).rstrip()
        )
        if headers and idx == 0:
            lines.append(rule)
    return "\n".join(lines)


def human_bytes(n) -> str:
    if n is None:
        return "—"
    sign = "-" if n < 0 else ""
    n = abs(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{sign}{n:.0f} {unit}" if unit == "B" else f"{sign}{n:.1f} {unit}"
        n /= 1024
    return f"{sign}{n} B"


def ratio(a, b) -> str:
    try:
        if a is None or b is None or float(a) == 0:
            return "—"
        return f"{float(b) / float(a):.2f}×"
    except (TypeError, ValueError):
        return "—"
