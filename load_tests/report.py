"""The printed report: one table per trial, and side by side with ratios for --compare."""

from __future__ import annotations

from .metrics import human_bytes, ratio, table


def _get(d, *path):
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def _pct(s, key="p99"):
    return s.get(key) if isinstance(s, dict) and s.get("n") else None


def metric_rows(r: dict) -> list[tuple[str, object, str]]:
    """(label, number for ratios or None, text) for one trial's result."""
    rows: list[tuple[str, object, str]] = []

    def add(label, value, text=None):
        if value is None and text is None:
            return
        rows.append(
            (
                label,
                value if isinstance(value, (int, float)) else None,
                text if text is not None else str(value),
            )
        )

    def add_summary(label, s, unit="ms"):
        if isinstance(s, dict) and s.get("n"):
            add(label + " p50", s["p50"], f"{s['p50']:g} {unit}")
            add(label + " p99", s["p99"], f"{s['p99']:g} {unit}")
            add(label + " max", s["max"], f"{s['max']:g} {unit} (n={s['n']})")

    c = r.get("connect") or {}
    if c:
        add(
            "viewers connected",
            c.get("connected"),
            f"{c['connected']}/{c['requested']}" + (f" (failed: {c['failed']})" if c.get("failed") else ""),
        )
        add(
            "connections/s",
            c.get("per_second"),
            f"{c.get('per_second')}/s over {c.get('seconds')} s " f"(concurrency {c.get('concurrency')})",
        )
        add_summary("handshake (TCP+101)", c.get("handshake_ms"))
        add_summary("connect → snapshot", c.get("snapshot_ms"))
        add(
            "server RSS per idle viewer",
            c.get("server_rss_per_viewer"),
            human_bytes(c.get("server_rss_per_viewer")),
        )
    vc = r.get("voter_connect")
    if vc:
        add(
            "voter sockets connected",
            vc.get("connected"),
            f"{vc['connected']}/{vc['requested']} "
            + (
                f"rolling, {vc['lead_seconds']} s before each ballot"
                if "lead_seconds" in vc
                else f"before voting, at {vc.get('per_second')}/s"
            )
            + (f" (failed: {vc['failed']})" if vc.get("failed") else ""),
        )
        add_summary("voter handshake", vc.get("handshake_ms"))
    v = r.get("votes") or {}
    if v:
        add(
            "ballots acked / sent",
            v.get("acked"),
            f"{v['acked']}/{v['sent']} (planned {v['planned']})"
            + (f" errors: {v['errors']}" if v.get("errors") else ""),
        )
        add("vote rate achieved", v.get("achieved_rate"), f"{v.get('achieved_rate')}/s")
        add_summary("ack latency (send → ack)", v.get("ack_ms"))
        sched = v.get("ack_from_schedule_ms") or {}
        if sched.get("n") and v.get("ack_ms", {}).get("n") and sched["p99"] > 1.2 * v["ack_ms"]["p99"] + 5:
            add(
                "ack latency from schedule p99",
                sched["p99"],
                f"{sched['p99']:g} ms (includes waiting to be sent)",
            )
        if v.get("queue_ms", {}).get("n"):
            add("HTTP pool queueing p99", _pct(v["queue_ms"]), f"{_pct(v['queue_ms'])} ms")
    sp = r.get("supports") or {}
    if sp:
        add(
            "supports acked (201) / sent",
            sp.get("acked"),
            f"{sp['acked']}/{sp['sent']} (planned {sp['planned']})"
            + (f" errors: {sp['errors']}" if sp.get("errors") else ""),
        )
        add("support rate offered", sp.get("achieved_rate"), f"{sp.get('achieved_rate')}/s")
        add(
            "supports/s sustained",
            sp.get("sustained_per_second"),
            f"{sp.get('sustained_per_second')}/s (201s ÷ {sp.get('first_send_to_last_ack_seconds')} s "
            "from the first send to the last ack)",
        )
        add_summary("ack latency (send → 201)", sp.get("ack_ms"))
        sched = sp.get("ack_from_schedule_ms") or {}
        if sched.get("n"):
            add("ack latency from schedule p99", sched["p99"], f"{sched['p99']:g} ms (includes client queueing)")
        if (sp.get("queue_ms") or {}).get("n"):
            add("HTTP pool queueing p99", _pct(sp["queue_ms"]), f"{_pct(sp['queue_ms'])} ms")
        d = sp.get("duplicates")
        if d:
            add(
                "duplicate supports → 409 already_supported",
                d.get("refused_already_supported"),
                f"{d['refused_already_supported']}/{d['sent']} ({d['timing']}; the second request got "
                f"{d['second_request_outcomes']})",
            )
    th = r.get("threshold") or {}
    for name in ("review", "best"):
        m = th.get(name)
        if not m:
            continue
        head = f"{m['field']}=true (threshold {m['threshold']})"
        add(
            f"{head}: crossing acks / viewers saw",
            m.get("crossing_acks"),
            f"{m['crossing_acks']} / {m['viewers_saw']} of {th.get('viewers')} "
            f"(first frame with it: supports {m.get('first_frame_supports')})",
        )
        if m.get("crossing_acks") == 1:
            every = m.get("ack_to_every_viewer_ms")
            add(
                f"{head}: crossing ack → every viewer",
                every,
                (f"{every:g} ms" if every is not None else "NOT every viewer")
                + f" (ack → frame built {m.get('ack_to_frame_built_ms')} ms, frame → every viewer "
                f"{m.get('frame_built_to_every_viewer_ms')} ms)",
            )
            add_summary(f"{head}: crossing ack → viewer", m.get("ack_to_viewer_ms"))
        column = "review_started_at" if name == "review" else "promoted_at"
        row_every = m.get(f"{column}_to_every_viewer_ms")
        if row_every is not None:
            add(f"{head}: {column} (row) → every viewer", row_every, f"{row_every:g} ms")
    if th:
        add("frames inconsistent with thresholds", th.get("frames_inconsistent"), f"{th.get('frames_inconsistent')} of {th.get('frames')}")
    lag = r.get("schedule_lag_ms")
    if isinstance(lag, dict) and lag.get("n"):
        add("generator schedule lag p99", lag["p99"], f"{lag['p99']:g} ms (max {lag['max']:g})")
    lat = r.get("latency") or {}
    if lat:
        add(
            "seen-by-all judged by",
            None,
            f"{lat['judged_by']}, {lat['samples']} sampled acks"
            + (f", {lat['never_seen_by_all']} never seen by all" if lat.get("never_seen_by_all") else ""),
        )
        add_summary("ack → seen by every viewer", lat.get("ack_to_seen_by_all_ms"))
        add_summary("frame ts → seen by every viewer", lat.get("frame_built_to_seen_by_all_ms"))
        add_summary("delivery (frame ts → one viewer)", lat.get("delivery_ms"))
        add("broadcast tally frames", lat.get("broadcast_frames"))
    w = r.get("window") or {}
    if w:
        add("sockets watching (viewers + voters)", w.get("sockets_watching"))
        add(
            "frames delivered/s (viewers)",
            w.get("frames_per_second"),
            f"{w.get('frames_per_second')}/s ({w['viewer_frames']} + {w['voter_frames']} "
            f"{w.get('others_label', 'to voters')} in {w['seconds']} s)",
        )
        add(
            "server CPU (measured phase)",
            w.get("server_cpu_seconds"),
            f"{w['server_cpu_seconds']} s = {w.get('server_cpu_share')} of a core per process",
        )
        add(
            "server CPU per delivered frame",
            w.get("server_cpu_us_per_frame"),
            f"{w.get('server_cpu_us_per_frame')} µs",
        )
        if w.get("server_cpu_ms_per_support") is not None:
            add(
                "server CPU per support",
                w["server_cpu_ms_per_support"],
                f"{w['server_cpu_ms_per_support']} ms (all server CPU of the phase ÷ 201s; "
                f"{w.get('server_cpu_ms_per_request')} ms per answered request)",
            )
        add("PostgreSQL + Redis CPU", w.get("db_redis_cpu_seconds"), f"{w.get('db_redis_cpu_seconds')} s")
        add(
            "generator CPU",
            w.get("generator_cpu_share"),
            f"{w['generator_cpu_share']:.0%} of its core, "
            f"{w.get('generator_cpu_us_per_frame')} µs per received frame",
        )
    srv = r.get("server") or {}
    if srv.get("rss_end") is not None and c:
        add(
            "server RSS start → viewers → end",
            srv.get("rss_end"),
            f"{human_bytes(c.get('server_rss_before'))} → {human_bytes(c.get('server_rss_after'))} → "
            f"{human_bytes(srv['rss_end'])}",
        )
    conv = r.get("convergence") or {}
    if conv:
        add(
            "converged after last ack",
            conv.get("seconds_after_last_ack"),
            (
                f"{conv['seconds_after_last_ack']} s"
                if conv.get("seconds_after_last_ack") is not None
                else f"NO ({conv['behind']} viewers behind)"
            )
            + ("" if conv.get("within_limit") else f" — over the {conv['limit']} s limit"),
        )
    sc = r.get("site_convergence") or {}
    if sc:
        add(
            "site-list viewers converged after last ack",
            sc.get("seconds_after_last_ack"),
            (
                f"{sc['seconds_after_last_ack']} s ({sc['viewers']} viewers)"
                if sc.get("seconds_after_last_ack") is not None
                else f"NO ({sc['behind']} of {sc['viewers']} behind)"
            )
            + ("" if sc.get("within_limit") else f" — over the {sc['limit']} s limit"),
        )
    s = r.get("stream") or {}
    if s:
        add("seq gaps / viewers with gaps", s.get("gaps"), f"{s['gaps']} / {s['viewers_with_gaps']}")
        add(
            "stale (same seq) / late (reordered) / backwards",
            s.get("seq_backwards"),
            f"{s['stale_same_seq']} / {s.get('late_reordered', 0)} / {s['seq_backwards']}",
        )
        if s.get("error_frames") or s.get("closed_by_server") or s.get("bad_frames"):
            add(
                "error frames / closed by server",
                None,
                f"{s.get('error_frames')} / {s.get('closed_by_server')} (bad frames {s.get('bad_frames')})",
            )
    cl = r.get("close")
    if cl:
        add("viewers that saw status closed", cl.get("saw_closed"), f"{cl['saw_closed']}/{cl['viewers']}")
        add(
            "closes_at → every viewer closed",
            cl.get("seconds_until_all"),
            f"{cl['seconds_until_all']} s"
            if cl.get("seconds_until_all") is not None
            else f"NOT within {cl['timeout']} s"
            + (f" (resync showed {cl.get('resync_probe_status')!r})" if "resync_probe_status" in cl else ""),
        )
        add_summary("closes_at → viewer saw closed", cl.get("per_viewer_ms"))
    rc = r.get("reconnect")
    if rc:
        add("viewers back (hello + snapshot)", rc.get("reconnected"), f"{rc['reconnected']}/{rc['viewers']}")
        add(
            "drop → all back",
            rc.get("seconds_until_all"),
            f"{rc.get('seconds_until_all')} s (delay {rc['delay']})",
        )
        add_summary("drop → viewer back", rc.get("per_viewer_ms"))
        add_summary("reconnect attempt → snapshot", rc.get("connect_to_snapshot_ms"))
        if rc.get("failed"):
            add("reconnect failures", rc["failed"], f"{rc['failed']} {rc.get('errors')}")
        add(
            "server CPU per reconnect",
            rc.get("server_cpu_ms_per_reconnect"),
            f"{rc.get('server_cpu_ms_per_reconnect')} ms",
        )
        if "db_xacts_per_reconnect" in rc:
            add(
                "DB transactions per reconnect",
                rc["db_xacts_per_reconnect"],
                f"{rc['db_xacts_per_reconnect']} (rows read {rc['db'].get('returned')})",
            )
    st = r.get("stall")
    if st:
        add("stalled viewers", st.get("stalled"), str(st["stalled"]))
        add(
            "closed by server while paused",
            st.get("closed_by_server_while_paused"),
            f"{st['closed_by_server_while_paused']} within {st['hold_seconds']} s "
            f"(server fds −{st['server_fds_drop_while_paused']})",
        )
        add("after resume", None, str(st.get("after_resume")))
        add(
            "server RSS growth per stalled viewer",
            st.get("server_rss_growth_per_stalled_viewer"),
            human_bytes(st.get("server_rss_growth_per_stalled_viewer"))
            + (
                f" ({human_bytes(st['server_rss_growth_vs_baseline_per_stalled_viewer'])} over baseline)"
                if "server_rss_growth_vs_baseline_per_stalled_viewer" in st
                else ""
            ),
        )
        if "baseline_delivery_p99_ms" in st:
            add(
                "others' delivery p99 vs baseline",
                st.get("others_delivery_p99_ms"),
                f"{st.get('others_delivery_p99_ms')} ms vs {st.get('baseline_delivery_p99_ms')} ms",
            )
            add(
                "others' ack→all p99 vs baseline",
                st.get("others_ack_to_all_p99_ms"),
                f"{st.get('others_ack_to_all_p99_ms')} ms vs {st.get('baseline_ack_to_all_p99_ms')} ms",
            )
    fl = r.get("flood")
    if fl:
        add(
            "flood: frames written / answered",
            fl.get("written_total"),
            f"{fl['written_total']} / {fl['answered']} by {fl['sockets']} sockets of one account in "
            f"{fl['seconds']} s ({fl['answered_per_second']}/s answered; mix {fl['mix']})",
        )
        add("flood: written by kind", None, str(fl.get("written")))
        if fl.get("server_cpu_seconds") is not None:
            add(
                "flood: server CPU while flooding",
                fl.get("server_cpu_share"),
                f"{fl['server_cpu_share']} of a core; {fl.get('server_cpu_us_per_answered_frame')} µs per "
                "answered flood frame (honest work included)",
            )
        add(
            "flood: refused by code",
            None,
            f"{fl.get('refused_by_code')}; pongs {fl.get('pongs')}; tallies "
            f"{(fl.get('replies') or {}).get('tally', 0)} (resync answers and broadcasts)",
        )
        add(
            "flood: written, never answered",
            fl.get("written_not_answered"),
            f"{fl['written_not_answered']} (resyncs not counted; replies drained for {fl['drain_seconds']} s)",
        )
        add(
            "flood: connections ended by the server",
            None,
            f"{fl.get('connections_ended') or 'none'}; reconnects {fl.get('reconnects')}"
            + (f", failed {fl['connect_failures']}" if fl.get("connect_failures") else ""),
        )
        vs = fl.get("vs_baseline")
        if vs:
            b, f = vs["baseline"]["ack_ms"] or {}, vs["flood"]["ack_ms"] or {}
            if b.get("n") and f.get("n"):
                add(
                    "honest ack p50/p95/p99/max: baseline → flood",
                    vs.get("ack_p99_ratio"),
                    " · ".join(f"{b[q]:g} → {f[q]:g}" for q in ("p50", "p95", "p99", "max"))
                    + f" ms (p99 ×{vs.get('ack_p99_ratio')})",
                )
    k = r.get("correctness") or {}
    if k and "db_supports" in k:
        add(
            "DB rows = 201s = support_count = viewers' final",
            k.get("db_supports"),
            f"{k['db_supports']} / {k['acked']} / {k['support_count']} / {k['viewer_final_supports']}"
            + (f" (site list {k['site_viewer_final_supports']})" if k.get("site_viewers") else ""),
        )
        add(
            "reviews / debates created (expected)",
            k.get("reviews"),
            f"{k['reviews']} / {k['debates_with_title']} ({k['reviews_expected']} / {k['debates_expected']}); "
            f"debate linked {k['debate_linked']}, audit {k['audit_review_started']}/{k['audit_promoted']}",
        )
        add(
            "lost / doubled / in DB not acked / without 201",
            k.get("lost"),
            f"{k['lost']} / {k['doubled_acks']} / {k['in_db_not_acked']} / {k['supporters_without_201']}"
            + ("" if k.get("ack_counts_are_1_to_n") else " (the 201s' counts are NOT 1…n)"),
        )
        if k.get("duplicates"):
            add(
                "duplicate pairs not one 201 + one 409",
                k.get("duplicate_pairs_not_201_then_409"),
                f"{k['duplicate_pairs_not_201_then_409']} of {k['duplicates']}",
            )
        add("correctness", None, "OK" if k.get("ok") else "FAILED")
    elif k:
        add(
            "DB ballots = acked = viewers' total",
            k.get("db_ballots"),
            f"{k['db_ballots']} / {k['acked']} / {k['viewer_final_totals']}",
        )
        add(
            "lost / doubled / in DB not acked",
            k.get("lost"),
            f"{k['lost']} / {k['doubled_acks']} / {k['in_db_not_acked']}",
        )
        add("correctness", None, "OK" if k.get("ok") else "FAILED")
    log = r.get("server_log") or {}
    if log.get("lines"):
        add("server log warnings/errors", log["lines"], f"{log['lines']} lines, e.g. {log['samples'][:2]}")
    if r.get("server_alive_at_end") is False:
        add("server process", None, "DIED during the run")
    return rows


def trial_table(r: dict) -> str:
    subject = (
        f"proposal {r['proposal_id']}, thresholds {r.get('thresholds')}"
        if r.get("proposal_id") is not None
        else f"debate {r.get('debate_id')}"
    )
    title = f"== {r['label']} (REALTIME_MODE={r['mode']}, {subject})"
    if r.get("void"):
        title += "  ** VOID: " + r["void"] + " **"
    lines = [title, table([(label, text) for label, _, text in metric_rows(r)])]
    for note in r.get("notes", []):
        lines.append(f"  note: {note}")
    return "\n".join(lines)


def compare_table(results: list[dict]) -> str:
    """Side by side (same scenario, different modes), with the ratio last / first."""
    columns = [metric_rows(r) for r in results]
    labels = []
    for rows in columns:
        for label, _, _ in rows:
            if label not in labels:
                labels.append(label)
    lookup = [{label: (num, text) for label, num, text in rows} for rows in columns]
    out = []
    for label in labels:
        cells = [lookup[i].get(label, (None, "—")) for i in range(len(results))]
        row = [label, *(text for _, text in cells)]
        if len(results) == 2:
            row.append(ratio(cells[0][0], cells[1][0]))
        out.append(row)
    headers = ["metric", *(f"{r['label']}" + (" (VOID)" if r.get("void") else "") for r in results)]
    if len(results) == 2:
        headers.append(f"ratio {results[1]['mode']}/{results[0]['mode']}")
    return table(out, headers=headers)


def _median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else round((values[mid - 1] + values[mid]) / 2, 2)


def flood_summary(trials: list[dict]) -> str:
    """The flood scenario's pairs in one table (honest voters' ack latency, baseline vs flood),
    the medians over the repeats, and a line for docs/performance.md."""
    rows = []
    pairs = [t["flood"]["vs_baseline"] for t in trials if (t.get("flood") or {}).get("vs_baseline")]
    floods = [t["flood"] for t in trials if t.get("flood")]
    for t in trials:
        v, w = t.get("votes") or {}, t.get("window") or {}
        a = v.get("ack_ms") or {}
        fl = t.get("flood") or {}
        rows.append(
            [
                t["label"] + (" (VOID)" if t.get("void") else ""),
                f"{v.get('acked')}/{v.get('sent')}",
                *(f"{a[q]:g}" if a.get("n") else "—" for q in ("p50", "p95", "p99", "max")),
                w.get("server_cpu_share"),
                (t.get("schedule_lag_ms") or {}).get("p99"),
                " ".join(f"{x:g}" for x in t.get("loadavg_at_start") or ()),
                f"{fl['answered_per_second']}/s" if fl else "—",
                "OK" if (t.get("correctness") or {}).get("ok") else "FAILED",
            ]
        )
    out = [
        "== flood: honest voters' acks without and with one account's flood",
        table(
            rows,
            headers=[
                "trial", "acked/sent", "ack p50", "p95", "p99", "max ms", "server CPU",
                "gen. lag p99 ms", "load avg", "flood answered", "correct",
            ],
        ),
    ]
    if pairs:
        med = {
            side: {q: _median([(p[side]["ack_ms"] or {}).get(q) for p in pairs]) for q in ("p50", "p95", "p99", "max")}
            for side in ("baseline", "flood")
        }
        cpu = {side: _median([p[side]["server_cpu_share"] for p in pairs]) for side in ("baseline", "flood")}
        answered = _median([f.get("answered_per_second") for f in floods])
        refused = {}
        for f in floods:
            for code, n in (f.get("refused_by_code") or {}).items():
                refused[code] = refused.get(code, 0) + n
        lost = sum(
            (p["baseline"]["sent"] or 0) - (p["baseline"]["acked"] or 0) + (p["flood"]["sent"] or 0) - (p["flood"]["acked"] or 0)
            for p in pairs
        )
        out.append(
            f"medians over {len(pairs)} pair(s): ack p50 {med['baseline']['p50']} → {med['flood']['p50']} ms, "
            f"p95 {med['baseline']['p95']} → {med['flood']['p95']} ms, p99 {med['baseline']['p99']} → "
            f"{med['flood']['p99']} ms, max {med['baseline']['max']} → {med['flood']['max']} ms; "
            f"server CPU {cpu['baseline']} → {cpu['flood']} of a core; flood frames answered {answered}/s"
        )
        t0 = trials[0]
        v = t0.get("votes") or {}
        out.append(
            "docs/performance.md line:\n"
            f"| {len(pairs)} pair(s) | {v.get('planned')} ballots at {v.get('achieved_rate')}/s, "
            f"{(t0.get('connect') or {}).get('connected')} viewers | {floods[0]['sockets'] if floods else '—'} sockets, "
            f"`{floods[0]['mix'] if floods else '—'}` | {med['baseline']['p50']} / {med['baseline']['p99']} / "
            f"{med['baseline']['max']} ms | {med['flood']['p50']} / {med['flood']['p99']} / {med['flood']['max']} ms | "
            f"{cpu['baseline']} → {cpu['flood']} | {answered}/s; refused {refused} | {lost} |"
        )
    return "\n".join(out)
