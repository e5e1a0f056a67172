"""Scenarios: broadcast, close, reconnect, stall, threshold (a citizen proposal's supports), and
flood (one account floods its sockets while everyone else votes).

Every trial gets fresh server processes and a fresh debate (`Trial`): prepare → start →
connect viewers → (voters) → measured phase → correctness check → tear down. A scenario
returns one result dict per trial; cli.py prints and saves them."""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import string
import time
from collections import Counter
from datetime import datetime

from . import metrics
from .httpclient import HttpPool, ballot_request, support_request
from .servers import ServerSet, cpu_delta, cpu_of_named, cpu_seconds, cpu_split
from .wsclient import OPEN, Flooder, Hub, ProposalViewer, SiteListViewer, Viewer, WsVoter, flood_block, parse_flood_mix

HOST = "127.0.0.1"
OPTION_WEIGHTS = {"for": 5, "against": 4, "other": 1}
SCENARIOS = ("broadcast", "close", "reconnect", "stall", "threshold", "flood")


def log(message: str):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _csrf() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


class Trial:
    """One run of a scenario against fresh servers and a fresh debate."""

    viewer_class = Viewer

    def __init__(self, bench, *, mode: str, label: str):
        self.bench = bench
        self.args = bench.args
        self.mode = mode
        self.label = label
        self.hub = Hub()
        self.servers: ServerSet | None = None
        self.prep: dict = {}
        self.viewers: list[Viewer] = []
        self.ws_voters: list[WsVoter] = []
        self.pools: list[HttpPool] = []
        self.result: dict = {"label": label, "mode": mode, "notes": []}
        self.votes: list[dict] = []
        self.rolling = False
        self.acks: list[dict] = []
        self.last_ack = time.time()

    # --- setting up -------------------------------------------------------------------------
    def note(self, text: str):
        self.result["notes"].append(text)
        log(f"  note: {text}")

    @property
    def voter_count(self) -> int:
        a = self.args
        planned = int(round(a.rate * a.duration))
        return planned if a.voters is None else min(a.voters, planned)

    async def start(self, *, closes_in: float | None = None):
        a = self.args
        await self._servers_and_database()
        voters = self.voter_count if a.voters is None else a.voters
        log(f"[{self.label}] preparing a debate and {voters} voter sessions")
        self.prep = await self.servers.prepare(voters=voters, closes_in=closes_in or a.closes_in or 86400)
        self.result["debate_id"] = self.prep["debate_id"]
        self.path = f"/ws/a/{self.prep['agency_slug']}/debates/{self.prep['debate_id']}/"
        self.ballot_path = f"/a/{self.prep['agency_slug']}/debates/{self.prep['debate_id']}/ballot.json"
        await self._start_servers()

    async def _servers_and_database(self):
        a = self.args
        self.servers = ServerSet(
            kind=a.server,
            processes=a.processes,
            database=self.bench.database,
            redis_url=a.redis_url,
            mode=self.mode,
            tick=a.tick,
            cpus=a.server_cpus,
            log_dir=self.bench.workdir,
            nofile=self.bench.nofile,
            ws_protocol=a.ws_protocol,
            extra_env=dict(getattr(a, "server_env_pairs", None) or {}),
        )
        if not self.bench.migrated:
            log("migrating the bench database")
            await self.servers.migrate()
            self.bench.migrated = True

    async def _start_servers(self):
        """Starts the servers once self.prep and self.path are set, and warms each with one
        throwaway viewer."""
        a = self.args
        self.result["server_settings"] = self.prep.get("settings")
        server_mode = (self.prep.get("settings") or {}).get("REALTIME_MODE")
        if server_mode is None:
            self.note("the server does not read REALTIME_MODE: this trial runs whatever mode it has")
        log(f"[{self.label}] starting {a.processes} × {a.server} (REALTIME_MODE={self.mode})")
        await self.servers.start()
        # One throwaway connection: the server's first websocket imports and warms its code,
        # which would otherwise be counted as memory of the first viewer.
        warm = self.viewer_class(
            Hub(), HOST, self.servers.ports[0], self.path, origin=self._origin(self.servers.ports[0])
        )
        for port in self.servers.ports:
            warm.port, warm.origin = port, self._origin(port)
            if await warm.connect(timeout=30):
                warm.close()
            else:
                raise RuntimeError(f"the server refused a viewer on port {port}: {warm.error}")
        await asyncio.sleep(0.3)
        self.result["server"] = {
            "kind": a.server,
            "processes": a.processes,
            "ports": self.servers.ports,
            "pids": self.servers.pids,
            "rss_start": self.servers.rss(),
        }

    def _origin(self, port: int) -> str:
        return f"http://{HOST}:{port}"

    def _port(self, i: int) -> int:
        ports = self.servers.ports
        return ports[i % len(ports)]

    def _source(self, i: int):
        sources = self.bench.sources
        return sources[i % len(sources)]

    def make_viewers(self, n: int, *, rcvbuf_for=None) -> list[Viewer]:
        out = []
        for i in range(n):
            port = self._port(i)
            rcvbuf = rcvbuf_for(i) if rcvbuf_for else None
            out.append(
                self.viewer_class(
                    self.hub,
                    HOST,
                    port,
                    self.path,
                    origin=self._origin(port),
                    source=self._source(i),
                    rcvbuf=rcvbuf,
                )
            )
        return out

    def options_plan(self, count: int) -> list[int]:
        rng = random.Random(self.args.seed)
        options = self.prep["options"]
        weights = [OPTION_WEIGHTS.get(o["kind"], 1) for o in options]
        return [o["id"] for o in rng.choices(options, weights=weights, k=count)]

    async def connect_all(self, clients, *, label: str) -> dict:
        concurrency = max(1, min(self.args.connect_concurrency, len(clients) or 1))
        it = iter(clients)
        t0 = time.perf_counter()

        async def worker():
            for client in it:
                await client.connect(timeout=self.args.connect_timeout)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
        ok = [c for c in clients if c.state == OPEN and c.t_snapshot]
        failed = Counter(c.error or "no snapshot" for c in clients if not (c.state == OPEN and c.t_snapshot))
        stats = {
            "requested": len(clients),
            "connected": len(ok),
            "failed": dict(failed.most_common(6)),
            "seconds": round(wall, 3),
            "per_second": round(len(ok) / wall, 1) if wall else None,
            "concurrency": concurrency,
            "handshake_ms": metrics.summary([c.t_open - c.t_start for c in ok]),
            "snapshot_ms": metrics.summary([c.t_snapshot - c.t_start for c in ok]),
        }
        log(
            f"[{self.label}] {label}: {len(ok)}/{len(clients)} connected in {wall:.2f} s "
            f"({stats['per_second']}/s); handshake {metrics.fmt_summary(stats['handshake_ms'])}"
        )
        if failed:
            log(f"[{self.label}] {label} failures: {dict(failed.most_common(4))}")
        return stats

    async def connect_viewers(self, n: int, **kw) -> dict:
        rss0 = self.servers.rss()
        self.viewers = self.make_viewers(n, **kw)
        stats = await self.connect_all(self.viewers, label=f"{n} viewers")
        await asyncio.sleep(self.args.settle)
        rss1 = self.servers.rss()
        stats["server_rss_before"] = rss0
        stats["server_rss_after"] = rss1
        stats["server_rss_per_viewer"] = round((rss1 - rss0) / max(1, stats["connected"]))
        stats["server_fds"] = self.servers.fds()
        self.result["connect"] = stats
        return stats

    async def prepare_voters(self, count: int):
        a = self.args
        sessions = self.prep["sessions"][:count]
        if len(sessions) < count:
            self.note(f"only {len(sessions)} voter sessions prepared, {count} ballots planned")
        options = self.options_plan(len(sessions))
        if a.vote_via == "ws":
            self.rolling = self.bench.voter_connect(len(sessions)) == "rolling"
            self.result["voter_connect_mode"] = "rolling" if self.rolling else "pre"
            for i, (key, option) in enumerate(zip(sessions, options)):
                port = self._port(i)
                self.ws_voters.append(
                    WsVoter(
                        self.hub,
                        HOST,
                        port,
                        self.path,
                        origin=self._origin(port),
                        cookie=f"sessionid={key}",
                        source=self._source(i + 1),
                        ref=f"b{i}",
                        option=option,
                        close_after_reply=self.rolling,
                    )
                )
            if not self.rolling:
                stats = await self.connect_all(self.ws_voters, label=f"{len(self.ws_voters)} voter sockets")
                self.result["voter_connect"] = stats
        else:
            for port in self.servers.ports:
                pool = HttpPool(HOST, port, size=a.http_connections, sources=self.bench.sources)
                await pool.warm()
                self.pools.append(pool)
            self.http_plan = []
            for i, (key, option) in enumerate(zip(sessions, options)):
                port = self._port(i)
                self.http_plan.append(
                    (
                        i % len(self.pools),
                        ballot_request(
                            host=HOST,
                            port=port,
                            path=self.ballot_path,
                            session_key=key,
                            csrf=_csrf(),
                            option=option,
                        ),
                    )
                )
        self.planned_votes = len(sessions)

    # --- the measured phase ------------------------------------------------------------------
    def counters(self) -> dict:
        srv = self.servers
        return {
            "wall": time.time(),
            "watchers": sum(1 for c in [*self.viewers, *self.ws_voters] if c.state == OPEN),
            "server_cpu": srv.cpu(),
            "gen_cpu": cpu_seconds("self"),
            "gen_split": cpu_split("self"),
            "db_cpu": cpu_of_named("postgres", "redis-server"),
            "viewer_frames": sum(v.frames for v in self.viewers),
            "voter_frames": sum(v.frames for v in self.ws_voters),
            "rss": srv.rss(),
        }

    async def vote_phase(self, *, count: int | None = None, on_start=None) -> dict:
        """Open loop: ballot i is due at t0 + i/rate, whatever the replies."""
        a = self.args
        count = self.planned_votes if count is None else min(count, self.planned_votes)
        loop = asyncio.get_running_loop()
        rate = a.rate
        waits = []
        lags = []
        if on_start:
            on_start()
        rolling = a.vote_via == "ws" and self.rolling
        lead = a.voter_lead if rolling else 0.0
        connecting = set()

        async def connect_voter(voter):
            if not await voter.connect(timeout=a.connect_timeout):
                voter._lost_before_reply()

        t0m = loop.time() + 0.02 + lead
        t0w = time.time() + 0.02 + lead
        i = j = 0
        # The loop's timers have millisecond resolution: whatever is due within EARLY seconds
        # goes out now, and the loop never sleeps less than a millisecond (no busy waiting).
        early = 0.001
        while i < count:
            now = loop.time() + early
            if rolling:
                # Rolling voters open their socket `lead` seconds before their ballot is due.
                due_c = min(count, int((now - t0m + lead) * rate) + 1)
                while j < due_c:
                    task = loop.create_task(connect_voter(self.ws_voters[j]))
                    connecting.add(task)
                    task.add_done_callback(connecting.discard)
                    j += 1
            due = min(count, int((now - t0m) * rate) + 1) if now >= t0m else 0
            while i < due:
                lags.append(now - early - (t0m + i / rate))
                waits.append(self._fire(i, t0w + i / rate))
                i += 1
            if i < count:
                wake = t0m + i / rate
                if rolling and j < count:
                    wake = min(wake, t0m + j / rate - lead)
                await asyncio.sleep(max(early, wake - loop.time()))
        t_sent_last = time.time()
        if waits:
            await asyncio.wait(waits, timeout=a.ack_timeout)
        if rolling:
            voters = self.ws_voters[:count]
            ok = [v for v in voters if v.t_open]
            self.result["voter_connect"] = {
                "requested": count,
                "connected": len(ok),
                "lead_seconds": lead,
                "failed": dict(Counter(v.error for v in voters if not v.t_open).most_common(4)),
                "handshake_ms": metrics.summary([v.t_open - v.t_start for v in ok]),
                "per_second": rate,
            }
        self.result["schedule_lag_ms"] = metrics.summary(lags)
        return self._collect_votes(t0w, t_sent_last)

    def _fire(self, i: int, t_sched: float) -> asyncio.Future:
        if self.args.vote_via == "ws":
            voter = self.ws_voters[i]
            voter.vote(t_sched)
            return voter.done
        pool_index, data = self.http_plan[i]
        future = self.pools[pool_index].request(data)
        self.votes.append({"i": i, "t_sched": t_sched, "future": future})
        return future

    def _collect_votes(self, t0: float, t_sent_last: float) -> dict:
        records = []
        if self.args.vote_via == "ws":
            for v in self.ws_voters[: len(self.ws_voters)]:
                if v.done is None:
                    continue
                if not v.done.done():
                    records.append(
                        {
                            "t_sched": v.t_sched,
                            "t_sent": v.t_sent,
                            "t_reply": None,
                            "ballot": None,
                            "error": "no reply (timeout)",
                        }
                    )
                else:
                    records.append(
                        {
                            "t_sched": v.t_sched,
                            "t_sent": v.t_sent,
                            "t_reply": v.t_reply,
                            "ballot": v.ballot,
                            "error": v.reply_error,
                        }
                    )
        else:
            for vote in self.votes:
                fut = vote["future"]
                if not fut.done():
                    records.append(
                        {
                            "t_sched": vote["t_sched"],
                            "t_sent": None,
                            "t_reply": None,
                            "ballot": None,
                            "error": "no reply (timeout)",
                        }
                    )
                    continue
                resp = fut.result()
                ballot, error = None, None
                try:
                    body = json.loads(resp.body) if resp.body[:1] == b"{" else {}
                except ValueError:
                    body = {}
                if resp.status == 201:
                    ballot = (body.get("ballot") or {}).get("id")
                    if not isinstance(ballot, int):
                        error = "201 without ballot id"
                elif resp.status == 0:
                    error = resp.body.decode()
                else:
                    error = f"HTTP {resp.status} " + str((body.get("error") or {}).get("code", ""))
                records.append(
                    {
                        "t_sched": vote["t_sched"],
                        "t_sent": resp.t_sent,
                        "t_queued": resp.t_queued,
                        "t_reply": resp.t_done,
                        "ballot": ballot,
                        "error": error,
                    }
                )
        acks = [r for r in records if r["ballot"] is not None and r["error"] is None]
        errors = Counter(r["error"] for r in records if r["error"])
        last_ack = max((r["t_reply"] for r in acks), default=t_sent_last)
        out = {
            "planned": self.planned_votes,
            "sent": len(records),
            "acked": len(acks),
            "errors": dict(errors.most_common(8)),
            "ack_ms": metrics.summary([r["t_reply"] - r["t_sent"] for r in acks]),
            "ack_from_schedule_ms": metrics.summary([r["t_reply"] - r["t_sched"] for r in acks]),
            "seconds": round(t_sent_last - t0, 3),
            "achieved_rate": round(len(records) / max(1e-9, t_sent_last - t0), 1),
        }
        if self.args.vote_via == "http":
            out["queue_ms"] = metrics.summary([r["t_sent"] - r["t_queued"] for r in acks])
        self.acks = acks
        self.last_ack = last_ack
        self.vote_errors = errors
        self.result["votes"] = out
        log(
            f"[{self.label}] votes: {len(acks)}/{len(records)} acked; "
            f"ack {metrics.fmt_summary(out['ack_ms'])}"
            + (f"; errors {dict(errors.most_common(3))}" if errors else "")
        )
        return out

    def tracked(self) -> list[Viewer]:
        return [v for v in self.viewers if v.track and v.t_snapshot and v.state == OPEN]

    async def converge(self, target: int, *, timeout: float | None = None) -> dict:
        """Waits until every tracked viewer shows `target` as its total."""
        a = self.args
        limit = timeout if timeout is not None else max(a.converge_timeout, a.drain_timeout)
        start = time.time()
        viewers = self.tracked()
        while True:
            behind = [v for v in viewers if v.total != target]
            if not behind or time.time() - start > limit:
                break
            await asyncio.sleep(0.01)
        t_end = time.time()
        reached = [v.t_total for v in viewers if v.total == target]
        seconds = (max(reached) - self.last_ack) if reached and not behind else None
        out = {
            "target": target,
            "viewers": len(viewers),
            "behind": len(behind),
            "seconds_after_last_ack": None if seconds is None else round(seconds, 3),
            "within_limit": seconds is not None and seconds <= a.converge_timeout,
            "limit": a.converge_timeout,
            "totals_behind": dict(Counter(v.total for v in behind).most_common(5)),
        }
        self.result["convergence"] = out
        self.t_converged = t_end
        log(
            f"[{self.label}] convergence to {target}: "
            + (
                f"{seconds:.3f} s after the last ack"
                if seconds is not None
                else f"NOT converged after {limit:.1f} s "
                f"({len(behind)} viewers behind: {out['totals_behind']})"
            )
        )
        return out

    def window(self, before: dict, after: dict) -> dict:
        seconds = after["wall"] - before["wall"]
        viewer_frames = after["viewer_frames"] - before["viewer_frames"]
        voter_frames = after["voter_frames"] - before["voter_frames"]
        frames = viewer_frames + voter_frames
        server_cpu = after["server_cpu"] - before["server_cpu"]
        gen_cpu = after["gen_cpu"] - before["gen_cpu"]
        gen_share = gen_cpu / seconds if seconds else 0.0
        out = {
            "seconds": round(seconds, 3),
            "sockets_watching": before["watchers"],
            "viewer_frames": viewer_frames,
            "voter_frames": voter_frames,
            "frames_per_second": round(viewer_frames / seconds, 1) if seconds else None,
            "server_cpu_seconds": round(server_cpu, 3),
            "server_cpu_share": round(server_cpu / seconds / max(1, self.args.processes), 3)
            if seconds
            else None,
            "server_cpu_us_per_frame": round(server_cpu / frames * 1e6, 2) if frames else None,
            "db_redis_cpu_seconds": round(cpu_delta(before["db_cpu"], after["db_cpu"]), 3),
            "generator_cpu_share": round(gen_share, 3),
            "generator_cpu_user_sys_seconds": [
                round(after["gen_split"][0] - before["gen_split"][0], 2),
                round(after["gen_split"][1] - before["gen_split"][1], 2),
            ],
            "generator_cpu_us_per_frame": round(gen_cpu / frames * 1e6, 2) if frames else None,
            "server_rss_start": before["rss"],
            "server_rss_end": after["rss"],
        }
        if gen_share > 0.9:
            self.result["void"] = (
                f"generator used {gen_share:.0%} of its core during the measured "
                "phase: the figures measure the generator, not the server"
            )
        return out

    def latency_analysis(self, t_from: float, t_to: float, viewers=None) -> dict:
        viewers = self.tracked() if viewers is None else viewers
        tallies = self.hub.distinct_tallies()
        has_watermark = any(t.watermark is not None for t in tallies)
        every = max(1, self.args.sample_every)
        acks = sorted(self.acks, key=lambda r: r["t_reply"])
        samples = []
        for rank, r in enumerate(acks, 1):
            if rank % every == 0 or rank == len(acks):
                threshold = r["ballot"] if has_watermark else rank
                samples.append((threshold, r["t_reply"]))
        ack_all, built_all, ack_built, never = metrics.seen_by_all(viewers, samples, tallies)
        first, last = metrics.fanout_spreads(tallies, t_from, t_to)
        deliveries = metrics.delivery_latencies(tallies, t_from, t_to)
        out = {
            "judged_by": "watermark" if has_watermark else "total (approximate: no watermark in frames)",
            "samples": len(samples),
            "never_seen_by_all": never,
            "ack_to_seen_by_all_ms": metrics.summary(ack_all),
            "frame_built_to_seen_by_all_ms": metrics.summary(built_all),
            "ack_to_frame_built_ms": metrics.summary(ack_built),
            "frame_to_first_viewer_ms": metrics.summary(first),
            "frame_to_last_viewer_ms": metrics.summary(last),
            "delivery_ms": metrics.summary(deliveries),
            "broadcast_frames": len(first),
        }
        return out

    def stream_health(self, viewers=None) -> dict:
        viewers = self.viewers if viewers is None else viewers
        return {
            "gaps": sum(v.gaps for v in viewers),
            "viewers_with_gaps": sum(1 for v in viewers if v.gaps),
            "stale_same_seq": sum(v.dups for v in viewers),
            "late_reordered": sum(v.late for v in viewers),
            "seq_backwards": sum(v.backwards for v in viewers),
            "error_frames": dict(Counter(e for v in viewers for e in v.errors).most_common(5)),
            "closed_by_server": sum(1 for v in viewers if v.closed_by_server),
            "bad_frames": self.hub.bad_frames,
        }

    async def correctness(self) -> dict:
        db = await self.servers.verify(self.prep["debate_id"])
        db_ids = set(db.get("ballot_ids", []))
        acked_ids = [r["ballot"] for r in self.acks]
        acked_set = set(acked_ids)
        viewers = self.tracked()
        finals = Counter(v.total for v in viewers)
        per_option = {int(k): v for k, v in db["per_option"].items()}
        option_ids = [o["id"] for o in self.prep["options"]]
        want = {oid: per_option.get(oid, 0) for oid in option_ids}
        wrong_options = sum(
            1
            for v in viewers
            if v.latest is None or any((v.latest.counts.get(oid) or 0) != want[oid] for oid in option_ids)
        )
        out = {
            "db_ballots": db["ballots"],
            "acked": len(acked_ids),
            "lost": len(acked_set - db_ids),
            "doubled_acks": len(acked_ids) - len(acked_set),
            "in_db_not_acked": len(db_ids - acked_set),
            "citizens_with_several_ballots": db.get("citizens_with_several_ballots", 0),
            "viewers": len(viewers),
            "viewer_final_totals": {str(k): n for k, n in finals.most_common(5)},
            "viewers_not_on_db_total": sum(n for total, n in finals.items() if total != db["ballots"]),
            "viewers_with_wrong_option_counts": wrong_options,
        }
        out["ok"] = (
            out["lost"] == 0
            and out["doubled_acks"] == 0
            and out["in_db_not_acked"] == 0
            and out["citizens_with_several_ballots"] == 0
            and db["ballots"] == len(acked_ids)
            and out["viewers_not_on_db_total"] == 0
            and wrong_options == 0
        )
        self.result["correctness"] = out
        log(
            f"[{self.label}] correctness: db {db['ballots']}, acked {len(acked_ids)}, lost {out['lost']}, "
            f"doubled {out['doubled_acks']}, unacked-in-db {out['in_db_not_acked']}, viewers off "
            f"{out['viewers_not_on_db_total']} → {'OK' if out['ok'] else 'FAILED'}"
        )
        return out

    async def teardown(self):
        for client in [*self.viewers, *self.ws_voters]:
            if client.transport is not None:
                client.close()
        for pool in self.pools:
            pool.close()
        await asyncio.sleep(0.5)
        for client in [*self.viewers, *self.ws_voters]:
            if client.transport is not None:
                client.drop()
        if self.servers is not None:
            self.result["server_alive_at_end"] = self.servers.alive()
            self.result["server_log"] = self.servers.log_problems()
            await self.servers.stop()
        self.hub.tallies.clear()


# --- the threshold rush --------------------------------------------------------------------------
class ThresholdTrial(Trial):
    """A citizen proposal on the bench agency (answer and debate thresholds set by prepare),
    viewers on its socket (and optionally on the site list's), and supporters posting
    support.json open loop, each once; some also post a second, duplicate support."""

    viewer_class = ProposalViewer

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.site_hub = Hub()
        self.site_viewers: list[SiteListViewer] = []
        self.dup_votes: list[dict] = []
        self.duplicated: set[int] = set()

    @property
    def voter_count(self) -> int:
        return self.args.supporters

    async def start(self, *, closes_in: float | None = None):
        a = self.args
        await self._servers_and_database()
        log(
            f"[{self.label}] preparing a proposal (thresholds {a.answer_threshold}/{a.debate_threshold}) "
            f"and {a.supporters} supporter sessions"
        )
        self.prep = await self.servers.prepare_proposal(
            voters=a.supporters, answer_threshold=a.answer_threshold, debate_threshold=a.debate_threshold
        )
        slug, pid = self.prep["agency_slug"], self.prep["proposal_id"]
        self.result["proposal_id"] = pid
        self.result["thresholds"] = self.prep["thresholds"]
        self.path = f"/ws/a/{slug}/proposals/{pid}/"
        self.site_path = f"/ws/a/{slug}/proposals/"
        self.support_path = f"/a/{slug}/proposals/{pid}/support.json"
        answer, debate = self.prep["thresholds"]
        if a.supporters < debate:
            self.note(
                f"{a.supporters} supporters do not reach the debate threshold ({debate}): "
                "only the answer threshold can be crossed"
                if a.supporters >= answer
                else f"{a.supporters} supporters reach neither threshold ({answer}, {debate})"
            )
        await self._start_servers()

    async def connect_site_viewers(self, n: int) -> dict:
        pid = self.prep["proposal_id"]
        for i in range(n):
            port = self._port(i)
            self.site_viewers.append(
                SiteListViewer(
                    self.site_hub,
                    HOST,
                    port,
                    self.site_path,
                    origin=self._origin(port),
                    source=self._source(i),
                    proposal_id=pid,
                )
            )
        stats = await self.connect_all(self.site_viewers, label=f"{n} site-list viewers")
        self.result["site_connect"] = stats
        return stats

    async def prepare_supporters(self):
        a = self.args
        sessions = self.prep["sessions"]
        citizens = self.prep["citizen_ids"]
        for port in self.servers.ports:
            pool = HttpPool(HOST, port, size=a.http_connections, sources=self.bench.sources)
            await pool.warm()
            self.pools.append(pool)
        self.http_plan = []
        for i, key in enumerate(sessions):
            port = self._port(i)
            self.http_plan.append(
                (
                    i % len(self.pools),
                    citizens[i],
                    support_request(
                        host=HOST, port=port, path=self.support_path, session_key=key, csrf=_csrf()
                    ),
                )
            )
        self.planned_votes = len(sessions)
        k = round(a.threshold_duplicates * len(sessions))
        self.duplicated = set(random.Random(a.seed).sample(range(len(sessions)), k)) if k else set()

    def counters(self) -> dict:
        out = super().counters()
        out["watchers"] += sum(1 for c in self.site_viewers if c.state == OPEN)
        out["voter_frames"] = sum(v.frames for v in self.site_viewers)  # shown as "to list viewers"
        return out

    # --- the supports ----------------------------------------------------------------------------
    def _fire(self, i: int, t_sched: float) -> asyncio.Future:
        pool_index, citizen, data = self.http_plan[i]
        pool = self.pools[pool_index]
        future = pool.request(data)
        self.votes.append({"i": i, "citizen": citizen, "t_sched": t_sched, "future": future})
        if i in self.duplicated:
            if self.args.duplicate_timing == "at-once":
                self._send_duplicate(i, citizen, pool, data)
            else:  # after-reply: the page answered, the citizen taps again
                future.add_done_callback(lambda _f: self._send_duplicate(i, citizen, pool, data))
        return future

    def _send_duplicate(self, i: int, citizen: int, pool: HttpPool, data: bytes):
        self.dup_votes.append(
            {"i": i, "citizen": citizen, "t_sched": time.time(), "future": pool.request(data)}
        )

    def _collect_votes(self, t0: float, t_sent_last: float) -> dict:
        self._t0, self._t_sent_last = t0, t_sent_last
        return {}

    async def support_phase(self) -> dict:
        a = self.args
        await self.vote_phase()
        pending = [d["future"] for d in self.dup_votes if not d["future"].done()]
        if pending:
            await asyncio.wait(pending, timeout=a.ack_timeout)
        firsts = [self._record(v) for v in self.votes]
        dups = [self._record(v) for v in self.dup_votes]
        everything = firsts + dups
        # Every 201, whichever of a duplicated citizen's two requests got it (with at-once
        # duplicates the server decides which); correctness checks one per citizen.
        acks = [r for r in everything if r["status"] == 201 and isinstance(r["supports"], int)]
        refused = "HTTP 409 already_supported"
        errors = Counter(r["error"] for r in everything if r["error"] and r["error"] != refused)
        t_first_sent = min((r["t_sent"] for r in firsts if r["t_sent"]), default=self._t0)
        last_ack = max((r["t_reply"] for r in acks), default=self._t_sent_last)
        span = last_ack - t_first_sent
        out = {
            "planned": self.planned_votes,
            "sent": len(firsts),
            "acked": len(acks),
            "errors": dict(errors.most_common(8)),
            "ack_ms": metrics.summary([r["t_reply"] - r["t_sent"] for r in acks]),
            "ack_from_schedule_ms": metrics.summary([r["t_reply"] - r["t_sched"] for r in acks]),
            "queue_ms": metrics.summary([r["t_sent"] - r["t_queued"] for r in acks]),
            "seconds": round(self._t_sent_last - self._t0, 3),
            "achieved_rate": round(len(firsts) / max(1e-9, self._t_sent_last - self._t0), 1),
            "sustained_per_second": round(len(acks) / span, 1) if span > 0 else None,
            "first_send_to_last_ack_seconds": round(span, 3),
        }
        if self.duplicated:
            codes = Counter(r["error"] or str(r["status"]) for r in dups)
            out["duplicates"] = {
                "timing": a.duplicate_timing,
                "sent": len(dups),
                "second_request_outcomes": dict(codes.most_common(6)),
                "refused_already_supported": sum(1 for r in everything if r["error"] == refused),
                "refused_ms": metrics.summary(
                    [r["t_reply"] - r["t_sent"] for r in everything if r["error"] == refused]
                ),
            }
        self.records = everything
        self.acks = sorted(acks, key=lambda r: r["t_reply"])
        self.last_ack = last_ack
        self.vote_errors = errors
        self.result["supports"] = out
        log(
            f"[{self.label}] supports: {len(acks)} acked (201) of {len(firsts)} supporters; "
            f"ack {metrics.fmt_summary(out['ack_ms'])}; {out['sustained_per_second']}/s sustained"
            + (f"; errors {dict(errors.most_common(3))}" if errors else "")
            + (
                f"; {out['duplicates']['refused_already_supported']} of {len(dups)} duplicates refused"
                if self.duplicated
                else ""
            )
        )
        return out

    @staticmethod
    def _record(vote: dict) -> dict:
        fut = vote["future"]
        rec = {
            "i": vote["i"],
            "citizen": vote["citizen"],
            "t_sched": vote["t_sched"],
            "t_sent": None,
            "t_queued": None,
            "t_reply": None,
            "status": None,
            "supports": None,
            "ballot": None,
            "error": "no reply (timeout)",
        }
        if not fut.done():
            return rec
        resp = fut.result()
        try:
            body = json.loads(resp.body) if resp.body[:1] == b"{" else {}
        except ValueError:
            body = {}
        rec.update(t_sent=resp.t_sent, t_queued=resp.t_queued, t_reply=resp.t_done, status=resp.status, error=None)
        if resp.status == 201:
            n = body.get("supports")
            if isinstance(n, int) and body.get("supported") is True:
                # "ballot" = the count this support made: the frames' watermark (latency_analysis).
                rec["supports"] = rec["ballot"] = n
            else:
                rec["error"] = "201 without a support count"
        elif resp.status == 0:
            rec["error"] = resp.body.decode()
        else:
            rec["error"] = f"HTTP {resp.status} " + str((body.get("error") or {}).get("code", ""))
        return rec

    # --- what the viewers saw ---------------------------------------------------------------------
    async def converge_site(self) -> dict | None:
        """Site-list viewers: until each shows the proposal's acknowledged count."""
        if not self.site_viewers:
            return None
        a = self.args
        target = len(self.acks)
        viewers = [v for v in self.site_viewers if v.t_snapshot and v.state == OPEN]
        start = time.time()
        while True:
            behind = [v for v in viewers if v.total != target]
            if not behind or time.time() - start > max(a.converge_timeout, a.drain_timeout):
                break
            await asyncio.sleep(0.01)
        reached = [v.t_total for v in viewers if v.total == target]
        seconds = (max(reached) - self.last_ack) if reached and not behind else None
        out = {
            "target": target,
            "viewers": len(viewers),
            "behind": len(behind),
            "seconds_after_last_ack": None if seconds is None else round(seconds, 3),
            "within_limit": seconds is not None and seconds <= a.converge_timeout,
            "limit": a.converge_timeout,
            "totals_behind": dict(Counter(v.total for v in behind).most_common(5)),
        }
        self.result["site_convergence"] = out
        log(
            f"[{self.label}] site-list convergence to {target}: "
            + (f"{seconds:.3f} s after the last ack" if seconds is not None else f"NOT converged ({len(behind)} behind)")
        )
        return out

    async def read_rows(self) -> dict:
        self.db = await self.servers.verify_proposal(self.prep["proposal_id"])
        return self.db

    def milestones(self) -> dict:
        """Per threshold: the acknowledged support that crossed it (the one whose 201 carries
        exactly that count) → every viewer showing in_review / best (the frames' fields).
        Also from the milestone's own time in the row (review_started_at / promoted_at: the
        crossing transaction's clock), since a 201 can reach its supporter after the frame
        reached the viewers when the server is busy (then ack → viewer is negative)."""
        viewers = self.tracked()
        frames = [t for t in self.hub.distinct_tallies() if isinstance(t.total, int)]
        answer, debate = self.prep["thresholds"]
        out = {"viewers": len(viewers)}
        inconsistent = [
            t for t in frames if t.in_review != (t.total >= answer) or t.best != (t.total >= debate)
        ]
        out["frames"] = len(frames)
        out["frames_inconsistent"] = len(inconsistent)
        out["frames_inconsistent_sample"] = [
            {"seq": t.seq, "supports": t.total, "in_review": t.in_review, "best": t.best} for t in inconsistent[:5]
        ]
        for name, threshold, flag, t_attr, column in (
            ("review", answer, "in_review", "t_in_review", "review_started_at"),
            ("best", debate, "best", "t_best", "promoted_at"),
        ):
            crossing = [r for r in self.acks if r["supports"] == threshold]
            flagged = [t for t in frames if getattr(t, flag)]
            m = {
                "threshold": threshold,
                "field": flag,
                "crossing_acks": len(crossing),
                "viewers_saw": sum(1 for v in viewers if getattr(v, t_attr)),
                "first_frame_supports": min((t.total for t in flagged), default=None),
            }
            if len(crossing) == 1:
                t_cross = crossing[0]["t_reply"]
                seen = [getattr(v, t_attr) - t_cross for v in viewers if getattr(v, t_attr)]
                built = [t.ts for t in flagged if t.ts]
                m["crossing_ack_ms_after_first_send"] = round((t_cross - self._t0) * 1e3, 1)
                m["ack_to_viewer_ms"] = metrics.summary(seen)
                m["ack_to_every_viewer_ms"] = (
                    round(max(seen) * 1e3, 2) if seen and len(seen) == len(viewers) else None
                )
                m["ack_to_frame_built_ms"] = round((min(built) - t_cross) * 1e3, 2) if built else None
                if built:
                    first_built = min(built)
                    m["frame_built_to_every_viewer_ms"] = (
                        round((max(getattr(v, t_attr) for v in viewers) - first_built) * 1e3, 2)
                        if seen and len(seen) == len(viewers)
                        else None
                    )
            stamp = (getattr(self, "db", None) or {}).get(column)
            saw = [getattr(v, t_attr) for v in viewers if getattr(v, t_attr)]
            if stamp and saw:
                t_row = datetime.fromisoformat(stamp).timestamp()
                m[f"{column}_to_every_viewer_ms"] = (
                    round((max(saw) - t_row) * 1e3, 2) if len(saw) == len(viewers) else None
                )
                m[f"{column}_to_viewer_ms"] = metrics.summary([t - t_row for t in saw])
            out[name] = m
            log(
                f"[{self.label}] {flag} (threshold {threshold}): {m['crossing_acks']} crossing ack(s); "
                f"{m['viewers_saw']}/{len(viewers)} viewers saw it"
                + (
                    f"; crossing ack → every viewer {m['ack_to_every_viewer_ms']} ms"
                    if m.get("ack_to_every_viewer_ms") is not None
                    else ""
                )
            )
        self.result["threshold"] = out
        return out

    # --- the check ---------------------------------------------------------------------------------
    async def correctness(self) -> dict:
        db = getattr(self, "db", None) or await self.read_rows()
        answer, debate = self.prep["thresholds"]
        rows = db["supports"]
        db_citizens = db.get("citizen_ids", [])
        acked = [r["citizen"] for r in self.acks]
        acked_set, db_set = set(acked), set(db_citizens)
        per_citizen = {}
        for r in self.records:
            per_citizen.setdefault(r["citizen"], []).append(r)
        supporters = set(self.prep["citizen_ids"][: self.planned_votes])
        without_201 = [c for c in supporters if not any(r["status"] == 201 for r in per_citizen.get(c, ()))]
        dup_citizens = {self.prep["citizen_ids"][i] for i in self.duplicated}
        # Each duplicated citizen: exactly one 201 and one 409 already_supported, whichever
        # of the two requests the server saw first.
        dup_pairs_wrong = sum(
            1
            for c in dup_citizens
            if sorted((r["status"] or 0, r["error"] or "") for r in per_citizen.get(c, ()))
            != [(201, ""), (409, "HTTP 409 already_supported")]
        )
        counts = sorted(r["supports"] for r in self.acks)
        viewers = self.tracked()
        finals = Counter(v.total for v in viewers)
        site = [v for v in self.site_viewers if v.t_snapshot and v.state == OPEN]
        site_finals = Counter(v.total for v in site)
        want_review = 1 if rows >= answer else 0
        want_debate = 1 if rows >= debate else 0
        th = self.result.get("threshold") or {}
        review, best = th.get("review") or {}, th.get("best") or {}
        out = {
            "db_supports": rows,
            "support_count": db["support_count"],
            "acked": len(acked),
            "lost": len(acked_set - db_set),
            "doubled_acks": len(acked) - len(acked_set),
            "in_db_not_acked": len(db_set - acked_set),
            "citizens_with_several_supports": db["citizens_with_several_supports"],
            "supporters_without_201": len(without_201),
            "ack_counts_are_1_to_n": counts == list(range(1, len(counts) + 1)),
            "reviews": db["reviews"],
            "reviews_expected": want_review,
            "review_started_at_set": db["review_started_at"] is not None,
            "debates_with_title": db["debates_with_title"],
            "debates_created_since": db["debates_created_since"],
            "debate_linked": db["debate_id"] is not None,
            "promoted_at_set": db["promoted_at"] is not None,
            "debates_expected": want_debate,
            "audit_review_started": db["audit_review_started"],
            "audit_promoted": db["audit_promoted"],
            "duplicates": len(dup_citizens),
            "duplicate_pairs_not_201_then_409": dup_pairs_wrong,
            "viewers": len(viewers),
            "viewer_final_supports": {str(k): n for k, n in finals.most_common(5)},
            "viewers_not_on_db_count": sum(n for total, n in finals.items() if total != rows),
            "viewers_without_review": (len(viewers) - review.get("viewers_saw", 0)) if want_review else 0,
            "viewers_without_best": (len(viewers) - best.get("viewers_saw", 0)) if want_debate else 0,
            "frames_inconsistent": th.get("frames_inconsistent", 0),
            "site_viewers": len(site),
            "site_viewer_final_supports": {str(k): n for k, n in site_finals.most_common(5)},
            "site_viewers_not_on_db_count": sum(n for total, n in site_finals.items() if total != rows),
        }
        out["ok"] = (
            rows == len(acked) == db["support_count"]
            and out["lost"] == 0
            and out["doubled_acks"] == 0
            and out["in_db_not_acked"] == 0
            and out["citizens_with_several_supports"] == 0
            and out["supporters_without_201"] == 0
            and out["ack_counts_are_1_to_n"]
            and db["reviews"] == want_review
            and out["review_started_at_set"] == bool(want_review)
            and out["audit_review_started"] == want_review
            and db["debates_with_title"] == want_debate
            and db["debates_created_since"] == want_debate
            and out["debate_linked"] == bool(want_debate)
            and out["promoted_at_set"] == bool(want_debate)
            and out["audit_promoted"] == want_debate
            and review.get("crossing_acks", 0) == want_review
            and best.get("crossing_acks", 0) == want_debate
            and dup_pairs_wrong == 0
            and out["viewers_not_on_db_count"] == 0
            and out["viewers_without_review"] == 0
            and out["viewers_without_best"] == 0
            and out["frames_inconsistent"] == 0
            and out["site_viewers_not_on_db_count"] == 0
        )
        self.result["correctness"] = out
        log(
            f"[{self.label}] correctness: rows {rows}, 201s {len(acked)}, support_count {db['support_count']}, "
            f"viewers {dict(finals.most_common(3))}; reviews {db['reviews']}/{want_review}, debates "
            f"{db['debates_with_title']}/{want_debate}; lost {out['lost']}, doubled {out['doubled_acks']}, "
            f"duplicates wrong {dup_pairs_wrong} → {'OK' if out['ok'] else 'FAILED'}"
        )
        return out

    async def teardown(self):
        for client in self.site_viewers:
            if client.transport is not None:
                client.close()
        await super().teardown()
        for client in self.site_viewers:
            if client.transport is not None:
                client.drop()
        self.site_hub.tallies.clear()


async def run_threshold(bench, mode: str, label: str) -> dict:
    a = bench.args
    trial = ThresholdTrial(bench, mode=mode, label=label)
    try:
        await trial.start()
        await trial.connect_viewers(a.viewers)
        if a.site_viewers:
            await trial.connect_site_viewers(a.site_viewers)
        await trial.prepare_supporters()
        await asyncio.sleep(a.settle)
        before = trial.counters()
        await trial.support_phase()
        await trial.converge(len(trial.acks))
        await trial.converge_site()
        after = trial.counters()
        trial.result["window"] = trial.window(before, after)
        trial.result["window"]["others_label"] = "to list viewers"
        acks = len(trial.acks)
        answered = sum(1 for r in trial.records if r["status"])
        if acks:
            cpu = trial.result["window"]["server_cpu_seconds"]
            trial.result["window"]["server_cpu_ms_per_support"] = round(cpu / acks * 1e3, 2)
            # Refused duplicates cost a request too.
            trial.result["window"]["server_cpu_ms_per_request"] = round(cpu / max(1, answered) * 1e3, 2)
        trial.result["latency"] = trial.latency_analysis(before["wall"], after["wall"])
        trial.result["latency"]["judged_by"] = "supports count (exact: supports only grow here)"
        await trial.read_rows()
        trial.milestones()
        trial.result["stream"] = trial.stream_health([*trial.viewers, *trial.site_viewers])
        await trial.correctness()
        trial.result["server"]["rss_end"] = trial.servers.rss()
    finally:
        await trial.teardown()
    return trial.result


# --- scenarios ---------------------------------------------------------------------------------
async def run_broadcast(bench, mode: str, label: str, *, stall: bool = False) -> dict:
    a = bench.args
    trial = Trial(bench, mode=mode, label=label)
    try:
        await trial.start()
        stalled_every = max(2, round(1 / a.stall_fraction)) if stall else 0
        rcvbuf_for = (
            (lambda i: a.stall_rcvbuf if i % stalled_every == stalled_every - 1 else None)
            if stall and a.stall_rcvbuf
            else None
        )
        await trial.connect_viewers(a.viewers, rcvbuf_for=rcvbuf_for)
        await trial.prepare_voters(trial.voter_count)
        await asyncio.sleep(a.settle)
        stalled = [v for i, v in enumerate(trial.viewers) if stall and i % stalled_every == stalled_every - 1]

        def stall_now():
            for v in stalled:
                v.track = False
                v.pause()

        before = trial.counters()
        await trial.vote_phase(on_start=stall_now if stall else None)
        target = len(trial.acks)
        await trial.converge(target)
        after = trial.counters()
        trial.result["window"] = trial.window(before, after)
        trial.result["latency"] = trial.latency_analysis(before["wall"], after["wall"])
        stalled_ids = {id(v) for v in stalled}
        trial.result["stream"] = trial.stream_health(
            [v for v in trial.viewers if id(v) not in stalled_ids] if stall else None
        )
        if stall:
            trial.result["stall"] = await _stall_outcome(trial, stalled, before)
        await trial.correctness()
        trial.result["server"]["rss_end"] = trial.servers.rss()
    finally:
        await trial.teardown()
    return trial.result


async def _stall_outcome(trial: Trial, stalled, before) -> dict:
    """Keeps the stalled viewers paused for --stall-hold seconds, watching whether the server
    closes them (their TCP state, its open descriptors) and its memory; then lets them read."""
    a = trial.args
    srv = trial.servers
    fds0 = srv.fds()
    rss_max = srv.rss()
    closed_at = {}
    t0 = time.time()
    while time.time() - t0 < a.stall_hold:
        for v in stalled:
            if id(v) not in closed_at and v.tcp_state() not in (1, None):
                closed_at[id(v)] = time.time() - t0
        rss_max = max(rss_max, srv.rss())
        if len(closed_at) == len(stalled):
            break
        await asyncio.sleep(1.0)
    for v in stalled:
        if id(v) not in closed_at and v.tcp_state() not in (1, None):
            closed_at[id(v)] = time.time() - t0
    fds1 = srv.fds()
    rss_paused = srv.rss()
    target = len(trial.acks)
    for v in stalled:
        v.resume()
    t_resume = time.time()
    drained = {}
    while time.time() - t_resume < a.drain_timeout:
        for v in stalled:
            if id(v) in drained:
                continue
            if v.total == target and v.state == OPEN:
                drained[id(v)] = "latest"
            elif v.state != OPEN:
                drained[id(v)] = "closed"
        if len(drained) == len(stalled):
            break
        await asyncio.sleep(0.05)
    outcome = Counter(drained.get(id(v), "stale") for v in stalled)
    growth = rss_max - before["rss"]
    out = {
        "stalled": len(stalled),
        "hold_seconds": round(min(a.stall_hold, time.time() - t0), 1),
        "closed_by_server_while_paused": len(closed_at),
        "closed_after_s": metrics.summary(list(closed_at.values()), scale=1, digits=1),
        "server_fds_drop_while_paused": fds0 - fds1,
        "after_resume": dict(outcome),
        "server_rss_growth_max": growth,
        "server_rss_growth_per_stalled_viewer": round(growth / max(1, len(stalled))),
        "server_rss_paused_end": rss_paused,
    }
    log(
        f"[{trial.label}] stalled viewers: {len(stalled)}; closed while paused {len(closed_at)}; "
        f"after resume {dict(outcome)}; RSS growth {metrics.human_bytes(growth)}"
    )
    return out


async def run_close(bench, mode: str, label: str) -> dict:
    a = bench.args
    trial = Trial(bench, mode=mode, label=label)
    voters = trial.voter_count
    closes_in = a.closes_in or (
        15 + a.viewers / 250 + (voters / 250 if a.vote_via == "ws" else 2) + a.duration + 4
    )
    try:
        await trial.start(closes_in=closes_in)
        closes_at = trial.prep["closes_at_ms"] / 1000
        await trial.connect_viewers(a.viewers)
        await trial.prepare_voters(voters)
        room = closes_at - 1.5 - time.time()
        count = max(0, min(trial.planned_votes, int(room * a.rate)))
        if count < trial.planned_votes:
            trial.note(
                f"the vote phase was cut to {count} ballots to end before closes_at " f"(raise --closes-in)"
            )
        before = trial.counters()
        await trial.vote_phase(count=count)
        await trial.converge(
            len(trial.acks), timeout=max(0.5, min(a.drain_timeout, closes_at - time.time() - 0.5))
        )
        after = trial.counters()
        trial.result["window"] = trial.window(before, after)
        trial.result["latency"] = trial.latency_analysis(before["wall"], after["wall"])
        wait = closes_at - time.time()
        if wait < 0:
            trial.note(
                f"closes_at passed {-wait:.1f} s before the vote phase ended: the close "
                "measurement starts late (raise --closes-in)"
            )
        else:
            log(f"[{label}] waiting {wait:.1f} s for closes_at")
            await asyncio.sleep(wait)
        viewers = trial.tracked()
        deadline = closes_at + a.close_timeout
        while time.time() < deadline:
            if all(v.status == "closed" for v in viewers):
                break
            await asyncio.sleep(0.01)
        done = [v for v in viewers if v.status == "closed"]
        out = {
            "closes_at": closes_at,
            "viewers": len(viewers),
            "saw_closed": len(done),
            "seconds_until_all": round(max(v.t_status for v in done) - closes_at, 3)
            if done and len(done) == len(viewers)
            else None,
            "per_viewer_ms": metrics.summary([v.t_status - closes_at for v in done]),
            "statuses_otherwise": dict(Counter(v.status for v in viewers if v.status != "closed")),
            "timeout": a.close_timeout,
        }
        if len(done) < len(viewers) and viewers:
            # Diagnose: would a refetch show it? (the test is whether the server PUSHES it)
            probe = next(v for v in viewers if v.status != "closed")
            probe.send_json({"type": "resync"})
            await asyncio.sleep(1.0)
            out["resync_probe_status"] = probe.status
            trial.note(
                f"{len(viewers) - len(done)} viewers got no 'closed' tally within "
                f"{a.close_timeout} s of closes_at; a resync then showed status {probe.status!r}"
            )
        trial.result["close"] = out
        log(
            f"[{label}] close: {len(done)}/{len(viewers)} viewers saw status closed; "
            f"all after {out['seconds_until_all']} s"
        )
        trial.result["stream"] = trial.stream_health()
        await trial.correctness()
    finally:
        await trial.teardown()
    return trial.result


async def run_reconnect(bench, mode: str, label: str) -> dict:
    a = bench.args
    trial = Trial(bench, mode=mode, label=label)
    try:
        await trial.start()
        await trial.connect_viewers(a.viewers)
        voters = trial.voter_count if a.voters is None else a.voters
        trial.acks, trial.last_ack = [], time.time()
        if voters:
            await trial.prepare_voters(voters)
            before = trial.counters()
            await trial.vote_phase()
            await trial.converge(len(trial.acks))
            after = trial.counters()
            trial.result["window"] = trial.window(before, after)
            trial.result["latency"] = trial.latency_analysis(before["wall"], after["wall"])
        db = bench.database
        if db.is_postgres and a.db_stats_settle:
            log(f"[{label}] waiting {a.db_stats_settle:g} s for PostgreSQL's statistics to settle")
            await asyncio.sleep(a.db_stats_settle)
        stats0 = db.pg_stats()
        r_before = trial.counters()
        viewers = [v for v in trial.viewers if v.state == OPEN]
        rng = random.Random(a.seed)
        t0 = time.perf_counter()
        for v in viewers:
            v.drop()

        async def come_back(v):
            attempts = 0
            while time.perf_counter() - t0 < a.reconnect_timeout:
                if a.reconnect_delay == "live":  # frontend/static/frontend/live.js reconnectDelayMs
                    if attempts == 0:
                        delay = 0.5 + rng.random() * 7.5
                    else:
                        delay = min(15.0, 1.0 * 2**attempts) * (0.5 + rng.random() / 2)
                else:
                    delay = float(a.reconnect_delay) * (2**attempts if attempts else 1)
                attempts += 1
                await asyncio.sleep(delay)
                if await v.connect(timeout=a.connect_timeout):
                    return attempts
            return None

        results = await asyncio.gather(*(come_back(v) for v in viewers))
        wall = time.perf_counter() - t0
        ok = [v for v, r in zip(viewers, results) if r]
        r_after = trial.counters()
        stats1 = None
        if stats0 is not None:
            if a.db_stats_settle:
                await asyncio.sleep(a.db_stats_settle)
            stats1 = db.pg_stats()
        out = {
            "viewers": len(viewers),
            "reconnected": len(ok),
            "failed": len(viewers) - len(ok),
            "seconds_until_all": round(max(v.t_snapshot - t0 for v in ok), 3)
            if len(ok) == len(viewers) and ok
            else None,
            "per_viewer_ms": metrics.summary([v.t_snapshot - t0 for v in ok]),
            "handshake_ms": metrics.summary([v.t_open - v.t_start for v in ok]),
            "connect_to_snapshot_ms": metrics.summary([v.t_snapshot - v.t_start for v in ok]),
            "attempts": dict(Counter(r for r in results)),
            "delay": a.reconnect_delay,
            "server_cpu_seconds": round(r_after["server_cpu"] - r_before["server_cpu"], 3),
            "server_cpu_ms_per_reconnect": round(
                (r_after["server_cpu"] - r_before["server_cpu"]) / max(1, len(ok)) * 1e3, 3
            ),
            "errors": dict(Counter(v.error for v, r in zip(viewers, results) if not r).most_common(4)),
        }
        if stats0 and stats1:
            delta = {k: stats1[k] - stats0[k] for k in stats0}
            out["db"] = delta
            out["db_xacts_per_reconnect"] = round(delta["xacts"] / max(1, len(ok)), 2)
        else:
            out["db"] = "not measured (PostgreSQL only)" if not db.is_postgres else "not available"
        out["generator_cpu_share"] = round((r_after["gen_cpu"] - r_before["gen_cpu"]) / max(1e-9, wall), 3)
        trial.result["reconnect"] = out
        log(
            f"[{label}] reconnect: {len(ok)}/{len(viewers)} back in {wall:.2f} s; per viewer "
            f"{metrics.fmt_summary(out['per_viewer_ms'])}"
            + (
                f"; {out.get('db_xacts_per_reconnect')} DB transactions per reconnect"
                if "db_xacts_per_reconnect" in out
                else ""
            )
        )
        trial.result["stream"] = trial.stream_health()
        await trial.correctness()
    finally:
        await trial.teardown()
    return trial.result


# --- one account's flood -------------------------------------------------------------------------
class FloodTrial(Trial):
    """The ballot run of `broadcast` (viewers, honest voters on their own sockets, open loop at
    --rate) plus ONE more logged-in account, the flooder: it casts its one real ballot before
    the phase, then (in the flood trial, not the baseline) its --flood-sockets sockets write
    the --flood-mix of frames as fast as the server reads them, from --flood-warmup s before
    the first honest ballot until every honest ballot is answered and every viewer converged."""

    def __init__(self, *args, flood: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.flood = flood
        self.flooders: list[Flooder] = []
        self.flood_ack: dict | None = None
        self.result["flooding"] = flood

    async def start(self, *, closes_in: float | None = None):
        a = self.args
        await self._servers_and_database()
        voters = self.voter_count if a.voters is None else a.voters
        log(f"[{self.label}] preparing a debate, {voters} voter sessions and the flooder's")
        self.prep = await self.servers.prepare(voters=voters + 1, closes_in=closes_in or a.closes_in or 86400)
        # The last session (bench-voter-<voters>) is the abusive account's; the honest voters'
        # sessions are the same in the baseline and the flood trial.
        self.flood_session = self.prep["sessions"].pop()
        self.result["debate_id"] = self.prep["debate_id"]
        self.path = f"/ws/a/{self.prep['agency_slug']}/debates/{self.prep['debate_id']}/"
        self.ballot_path = f"/a/{self.prep['agency_slug']}/debates/{self.prep['debate_id']}/ballot.json"
        await self._start_servers()

    async def flooder_votes_once(self):
        """The account's one real ballot (in both trials, so both debates end with the same
        rows): every vote frame of the flood is then a repeat the server must refuse."""
        port = self._port(0)
        voter = WsVoter(
            Hub(), HOST, port, self.path, origin=self._origin(port),
            cookie=f"sessionid={self.flood_session}", ref="flood-first",
            option=self.prep["options"][0]["id"],
        )
        if not await voter.connect(timeout=self.args.connect_timeout):
            raise RuntimeError(f"the flooder's account could not connect: {voter.error}")
        voter.vote(time.time())
        await asyncio.wait_for(voter.done, 30)
        voter.close()
        if voter.ballot is None:
            raise RuntimeError(f"the flooder's first ballot was refused: {voter.reply_error}")
        self.flood_ack = {
            "t_sched": voter.t_sched, "t_sent": voter.t_sent, "t_reply": voter.t_reply,
            "ballot": voter.ballot, "error": None,
        }

    async def connect_flooders(self):
        a = self.args
        mix = parse_flood_mix(a.flood_mix)
        block, counts = flood_block(mix, self.prep["options"][0]["id"], seed=a.seed)
        for i in range(a.flood_sockets):
            port = self._port(i)
            self.flooders.append(
                Flooder(
                    Hub(), HOST, port, self.path, origin=self._origin(port),
                    cookie=f"sessionid={self.flood_session}", source=self._source(i),
                    block=block, block_counts=counts,
                )
            )
        stats = await self.connect_all(self.flooders, label=f"{a.flood_sockets} flood sockets (one account)")
        self.result["flood_connect"] = stats
        if stats["connected"] < len(self.flooders):
            raise RuntimeError("flood sockets did not connect")

    def flood_outcome(self, seconds: float, drain: float) -> dict:
        written: Counter = Counter()
        replies: Counter = Counter()
        ended: Counter = Counter()
        for f in self.flooders:
            written.update(f.written())
            replies.update(f.replies)
            ended.update(f.ended)
        sent = sum(written.values())
        # Every kind but resync is answered by one pong or one error frame; a resync's tally
        # cannot be told from a broadcast, so `answered` leaves resyncs out.
        answered = sum(n for k, n in replies.items() if k == "pong" or k.startswith("error:"))
        refused = {k.split(":", 1)[1]: n for k, n in replies.items() if k.startswith("error:")}
        return {
            "sockets": len(self.flooders),
            "mix": self.args.flood_mix,
            "seconds": round(seconds, 3),
            "written": dict(written),
            "written_total": sent,
            "answered": answered,
            "answered_per_second": round(answered / seconds, 1) if seconds else None,
            "written_not_answered": sent - answered - written.get("resync", 0),
            "replies": dict(replies.most_common()),
            "refused_by_code": refused,
            "pongs": replies.get("pong", 0),
            "connections_ended": dict(ended),
            "reconnects": sum(f.reconnects for f in self.flooders),
            "connect_failures": sum(f.connect_failures for f in self.flooders),
            "drain_seconds": round(drain, 2),
        }

    async def correctness(self) -> dict:
        # The flooder's one ballot is in the rows and in every viewer's total: count its ack.
        self.acks = [*self.acks, self.flood_ack]
        return await super().correctness()

    async def teardown(self):
        for f in self.flooders:
            if f.transport is not None:
                f.drop()
        await super().teardown()


async def run_flood(bench, mode: str, label: str, *, flood: bool) -> dict:
    a = bench.args
    trial = FloodTrial(bench, mode=mode, label=label, flood=flood)
    loop = asyncio.get_running_loop()
    try:
        await trial.start()
        await trial.connect_viewers(a.viewers)
        await trial.prepare_voters(trial.voter_count)
        await trial.flooder_votes_once()
        if flood:
            await trial.connect_flooders()
        await asyncio.sleep(a.settle)
        stop = asyncio.Event()
        t_flood = time.time()
        cpu_flood = trial.servers.cpu()
        tasks = [
            loop.create_task(f.run(stop, reconnect_delay=a.flood_reconnect, connect_timeout=a.connect_timeout))
            for f in trial.flooders
        ]
        # Both trials wait: the flood is at full strength before the first honest ballot.
        await asyncio.sleep(a.flood_warmup)
        # On a shared machine the other processes' load is part of the figure: keep it with it.
        trial.result["loadavg_at_start"] = [round(x, 2) for x in os.getloadavg()]
        before = trial.counters()
        await trial.vote_phase()
        after = trial.counters()
        honest = list(trial.acks)
        await trial.converge(len(honest) + 1)  # + the flooder's own ballot
        stop.set()
        if tasks:
            await asyncio.gather(*tasks)
        t_stop = time.time()
        cpu_flood = trial.servers.cpu() - cpu_flood
        trial.result["window"] = trial.window(before, after)
        trial.result["latency"] = trial.latency_analysis(before["wall"], after["wall"])
        trial.result["stream"] = trial.stream_health()
        if flood:
            # The replies to what was still in the buffers keep coming: count them until they stop.
            t0, last, stable = time.time(), -1, 0.0
            while time.time() - t0 < a.flood_drain and stable < 0.5:
                now = sum(sum(f.replies.values()) for f in trial.flooders)
                stable = stable + 0.1 if now == last else 0.0
                last = now
                await asyncio.sleep(0.1)
            trial.result["flood"] = trial.flood_outcome(t_stop - t_flood, time.time() - t0)
            # All the server's CPU from the flood's start to its stop (the honest ballots' and
            # the fan-out's included) per flood frame answered: an upper bound of a frame's cost.
            trial.result["flood"]["server_cpu_seconds"] = round(cpu_flood, 3)
            trial.result["flood"]["server_cpu_share"] = round(cpu_flood / max(1e-9, t_stop - t_flood), 3)
            answered = trial.result["flood"]["answered"]
            trial.result["flood"]["server_cpu_us_per_answered_frame"] = (
                round(cpu_flood / answered * 1e6, 1) if answered else None
            )
            fl = trial.result["flood"]
            log(
                f"[{label}] flood: {fl['written_total']} frames written by {fl['sockets']} sockets in "
                f"{fl['seconds']} s, {fl['answered']} answered ({fl['answered_per_second']}/s); "
                f"refused {fl['refused_by_code']}; connections ended {fl['connections_ended']}"
            )
        await trial.correctness()
        trial.result["server"]["rss_end"] = trial.servers.rss()
    finally:
        await trial.teardown()
    return trial.result


def flood_comparison(baseline: dict, flooded: dict) -> dict:
    """The honest voters' figures without and with the flood, side by side."""
    def pick(r):
        v, w = r.get("votes") or {}, r.get("window") or {}
        return {
            "ack_ms": v.get("ack_ms"),
            "acked": v.get("acked"),
            "sent": v.get("sent"),
            "errors": v.get("errors"),
            "server_cpu_share": w.get("server_cpu_share"),
            "seen_by_all_p99_ms": ((r.get("latency") or {}).get("ack_to_seen_by_all_ms") or {}).get("p99"),
            "void": r.get("void"),
        }

    b, f = pick(baseline), pick(flooded)
    out = {"baseline": b, "flood": f}
    for q in ("p50", "p95", "p99", "max"):
        bv, fv = (b["ack_ms"] or {}).get(q), (f["ack_ms"] or {}).get(q)
        out[f"ack_{q}_ratio"] = round(fv / bv, 2) if bv and fv is not None else None
    return out


async def run_flood_pairs(bench, mode: str, label: str) -> list[dict]:
    """--flood-repeats pairs, baseline then flood, alternating (a noisy machine drifts)."""
    out = []
    n = max(1, bench.args.flood_repeats)
    for i in range(1, n + 1):
        suffix = f"-{i}" if n > 1 else ""
        baseline = await run_flood(bench, mode, f"{label}/baseline{suffix}", flood=False)
        flooded = await run_flood(bench, mode, f"{label}/flood{suffix}", flood=True)
        flooded["flood"]["vs_baseline"] = flood_comparison(baseline, flooded)
        out += [baseline, flooded]
    return out


async def run_scenario(bench, scenario: str, mode: str, label: str) -> list[dict]:
    if scenario == "broadcast":
        return [await run_broadcast(bench, mode, label)]
    if scenario == "stall":
        baseline = await run_broadcast(bench, mode, f"{label}/baseline")
        stalled = await run_broadcast(bench, mode, f"{label}/stalled", stall=True)
        stalled["stall"]["baseline_delivery_p99_ms"] = baseline["latency"]["delivery_ms"].get("p99")
        stalled["stall"]["others_delivery_p99_ms"] = stalled["latency"]["delivery_ms"].get("p99")
        stalled["stall"]["baseline_ack_to_all_p99_ms"] = baseline["latency"]["ack_to_seen_by_all_ms"].get(
            "p99"
        )
        stalled["stall"]["others_ack_to_all_p99_ms"] = stalled["latency"]["ack_to_seen_by_all_ms"].get("p99")
        base_growth = baseline["window"]["server_rss_end"] - baseline["window"]["server_rss_start"]
        stalled["stall"]["server_rss_growth_vs_baseline_per_stalled_viewer"] = round(
            (stalled["stall"]["server_rss_growth_max"] - base_growth) / max(1, stalled["stall"]["stalled"])
        )
        return [baseline, stalled]
    if scenario == "close":
        return [await run_close(bench, mode, label)]
    if scenario == "reconnect":
        return [await run_reconnect(bench, mode, label)]
    if scenario == "threshold":
        return [await run_threshold(bench, mode, label)]
    if scenario == "flood":
        return await run_flood_pairs(bench, mode, label)
    raise ValueError(f"unknown scenario {scenario!r}")
