"""`python -m load_tests` (`make bench ARGS="..."`): the event-peak simulator's command line.

Starts the servers itself (pinned to CPU 0), pins itself to CPU 1, runs the scenario(s), prints
a table per trial (side by side with ratios for --compare) and writes the results as JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import sys
import time
from pathlib import Path

from . import report
from .scenarios import SCENARIOS, log, run_scenario
from .servers import BenchDatabase, make_workdir

RESULTS_DIR = Path(__file__).resolve().parent / "results"

SMOKE = dict(
    viewers=300,
    voters=50,
    rate=25.0,
    duration=2.0,
    server="daphne",
    sqlite=True,
    processes=1,
    redis_url="",
    converge_timeout=10.0,
    drain_timeout=10.0,
    settle=0.3,
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m load_tests",
        description=__doc__,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    g = p.add_argument_group("what to run")
    g.add_argument(
        "--scenario", default="broadcast", help=f"one or more of {', '.join(SCENARIOS)}, comma-separated"
    )
    g.add_argument("--viewers", type=int, default=2000, help="viewer sockets (N)")
    g.add_argument(
        "--voters", type=int, default=None, help="voters (M), one ballot each; default rate × duration"
    )
    g.add_argument("--rate", type=float, default=500.0, help="ballots per second (R), open loop")
    g.add_argument("--duration", type=float, default=20.0, help="seconds of voting (T)")
    g.add_argument(
        "--vote-via",
        choices=("ws", "http"),
        default="ws",
        help="ws: {type: vote} on each voter's own socket; http: POST …/ballot.json",
    )
    g.add_argument("--mode", choices=("coalesced", "naive"), default="coalesced", help="REALTIME_MODE")
    g.add_argument(
        "--compare",
        action="store_true",
        help="run coalesced then naive (fresh servers and debate each), side by side",
    )
    g.add_argument(
        "--msgpack",
        action="store_true",
        help="every socket offers the deliberation.v1.msgpack subprotocol (binary msgpack frames)",
    )
    g.add_argument(
        "--smoke",
        action="store_true",
        help="small correctness-only run on SQLite + in-memory layer, one daphne "
        "(300 viewers, 50 voters over 2 s); other options still override",
    )
    s = p.add_argument_group("the server")
    s.add_argument("--server", choices=("uvicorn", "daphne"), default="uvicorn")
    s.add_argument(
        "--ws-protocol",
        default="realtime.uvicorn_protocol:PrebuiltFrameWSProtocol",
        help="uvicorn --ws: the project's prebuilt-frame protocol (as in the Procfile), or "
        "uvicorn's own wsproto / websockets-sansio / websockets to compare",
    )
    s.add_argument("--processes", type=int, default=1, help="K server processes on consecutive ports")
    s.add_argument("--tick", type=float, default=0.25, help="REALTIME_TICK_SECONDS")
    s.add_argument(
        "--sqlite", action="store_true", help="a SQLite file instead of a fresh PostgreSQL database"
    )
    s.add_argument("--database-url", default=None, help="use this database (migrated, never dropped)")
    s.add_argument(
        "--pg-admin-url",
        default=os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="where the fresh bench_<random> database is created",
    )
    s.add_argument("--keep-db", action="store_true", help="do not drop the bench database at the end")
    s.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", ""),
        help="Redis channel layer (needed for --processes > 1); default $REDIS_URL",
    )
    s.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the server processes (repeatable), e.g. the socket "
        "rate limiter's settings; the servers also inherit this command's environment",
    )
    s.add_argument("--server-cpus", default="0", help="taskset CPU list for the servers ('' = no pinning)")
    s.add_argument("--generator-cpu", type=int, default=1, help="CPU this process pins itself to (-1: none)")
    c = p.add_argument_group("the generator")
    c.add_argument("--connect-concurrency", type=int, default=500, help="connections in flight at once")
    c.add_argument("--connect-timeout", type=float, default=30.0)
    c.add_argument(
        "--source-ips",
        type=int,
        default=0,
        help="spread sockets over 127.0.0.1…127.0.0.N (0: one per 20,000 sockets)",
    )
    c.add_argument(
        "--voter-connect",
        choices=("auto", "pre", "rolling"),
        default="auto",
        help="ws voting: 'pre' connects every voter socket before the vote phase (they watch "
        "too); 'rolling' opens each --voter-lead s before its ballot and closes it after "
        "the reply; 'auto' = pre when viewers + voters fit the file-descriptor limit",
    )
    c.add_argument("--voter-lead", type=float, default=1.0, help="rolling voters: seconds before the ballot")
    c.add_argument(
        "--http-connections", type=int, default=64, help="keep-alive connections per server (http voting)"
    )
    c.add_argument(
        "--ack-timeout", type=float, default=15.0, help="wait this long after the last ballot for replies"
    )
    c.add_argument(
        "--converge-timeout",
        type=float,
        default=1.0,
        help="every viewer must show the acked total within this many seconds of the last ack",
    )
    c.add_argument(
        "--drain-timeout",
        type=float,
        default=10.0,
        help="how long to keep watching after that, to report the real convergence time",
    )
    c.add_argument("--sample-every", type=int, default=10, help="every n-th ack is followed to every viewer")
    c.add_argument("--settle", type=float, default=1.0, help="pause between phases (s)")
    c.add_argument("--seed", type=int, default=1)
    x = p.add_argument_group("scenario options")
    x.add_argument(
        "--closes-in",
        type=float,
        default=None,
        help="close: the debate closes this many seconds after prepare (default: estimated)",
    )
    x.add_argument("--close-timeout", type=float, default=10.0, help="close: wait this long after closes_at")
    x.add_argument(
        "--reconnect-delay",
        default="live",
        help="reconnect: 'live' (live.js: 0.5 s × jitter, doubling) or fixed seconds (0 = at once)",
    )
    x.add_argument("--reconnect-timeout", type=float, default=90.0)
    x.add_argument(
        "--db-stats-settle",
        type=float,
        default=11.0,
        help="reconnect: wait for PostgreSQL's statistics before and after (0: skip)",
    )
    x.add_argument(
        "--stall-fraction", type=float, default=0.05, help="stall: share of viewers that stop reading"
    )
    x.add_argument(
        "--stall-hold", type=float, default=30.0, help="stall: keep them paused this long after voting"
    )
    x.add_argument(
        "--stall-rcvbuf",
        type=int,
        default=0,
        help="stall: SO_RCVBUF of the stalled sockets (0: kernel default)",
    )
    x.add_argument(
        "--supporters",
        type=int,
        default=600,
        help="threshold: supporters (S), one POST …/support.json each at --rate, open loop",
    )
    x.add_argument(
        "--answer-threshold", type=int, default=50, help="threshold: the bench agency's answer threshold"
    )
    x.add_argument(
        "--debate-threshold", type=int, default=500, help="threshold: the bench agency's debate threshold"
    )
    x.add_argument(
        "--site-viewers",
        type=int,
        default=0,
        help="threshold: extra viewers on the site's proposal list socket (ws/a/bench/proposals/)",
    )
    x.add_argument(
        "--threshold-duplicates",
        type=float,
        default=0.0,
        help="threshold: share of supporters who send a second support (must get 409 already_supported)",
    )
    x.add_argument(
        "--duplicate-timing",
        choices=("after-reply", "at-once"),
        default="after-reply",
        help="threshold: the second support goes when the first is answered, or right after it "
        "(two requests in flight on different connections: the row lock decides)",
    )
    f = p.add_argument_group("flood (one account floods while everyone else votes)")
    f.add_argument(
        "--flood-sockets", type=int, default=4, help="flood: sockets of the one abusive account"
    )
    f.add_argument(
        "--flood-mix",
        default="vote=1,ping=1,garbage=1,large=1",
        help="flood: weights of the frames each flood socket writes, from vote (already voted), "
        "ping, garbage (not JSON), large (5,000 bytes), unknown (unknown type), resync (a "
        "snapshot read from rows)",
    )
    f.add_argument(
        "--flood-reconnect",
        type=float,
        default=1.0,
        help="flood: a flood socket the server closes reconnects after this many seconds (-1: never)",
    )
    f.add_argument(
        "--flood-warmup", type=float, default=1.0, help="flood: seconds of flood before the first honest ballot"
    )
    f.add_argument(
        "--flood-drain",
        type=float,
        default=5.0,
        help="flood: after the flood stops, count late replies for at most this long",
    )
    f.add_argument(
        "--flood-repeats", type=int, default=1, help="flood: baseline + flood pairs, alternating"
    )
    o = p.add_argument_group("output")
    o.add_argument("--json-out", default=None, help="default load_tests/results/<scenario>-<timestamp>.json")
    o.add_argument("--work-dir", default=None, help="server logs and the SQLite file (default: a temp dir)")
    return p


def parse_args(argv=None) -> argparse.Namespace:
    p = parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--smoke" in argv:
        p.set_defaults(**SMOKE)  # the preset; options given on the command line still win
    args = p.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenario.split(",") if s.strip()]
    for s in args.scenarios:
        if s not in SCENARIOS:
            p.error(f"unknown scenario {s!r}; choose from {', '.join(SCENARIOS)}")
    args.server_env_pairs = {}
    for item in args.server_env:
        name, eq, value = item.partition("=")
        if not eq or not name:
            p.error(f"--server-env wants NAME=VALUE, not {item!r}")
        args.server_env_pairs[name] = value
    if "flood" in args.scenarios:
        from .wsclient import parse_flood_mix

        try:
            parse_flood_mix(args.flood_mix)
        except ValueError as exc:
            p.error(str(exc))
        if args.vote_via != "ws":
            p.error("--scenario flood measures socket ballots: --vote-via ws")
    if args.processes > 1 and not args.redis_url:
        p.error("--processes > 1 needs Redis: set REDIS_URL or --redis-url")
    if args.processes > 1 and args.sqlite:
        p.error("--processes > 1 needs PostgreSQL, not --sqlite")
    return args


def raise_fd_limit(want: int = 1 << 20) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for target in (want, 262144, 65536):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, max(target, hard)))
            return target
        except (ValueError, OSError):
            continue
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pin_self(cpu: int) -> str:
    if cpu < 0:
        return "not pinned"
    try:
        if cpu not in os.sched_getaffinity(0) and cpu >= (os.cpu_count() or 1):
            return f"not pinned (no CPU {cpu})"
        os.sched_setaffinity(0, {cpu})
        return f"CPU {cpu}"
    except (AttributeError, OSError) as exc:
        return f"not pinned ({exc})"


class Bench:
    """What the trials of one invocation share: options, the database, the source addresses."""

    def __init__(self, args):
        self.args = args
        self.workdir = make_workdir(args.work_dir)
        self.nofile = raise_fd_limit()
        self.database: BenchDatabase | None = None
        self.migrated = bool(args.database_url)
        voters = args.voters if args.voters is not None else int(args.rate * args.duration)
        sockets = args.viewers + args.site_viewers + voters
        n = args.source_ips or max(1, math.ceil(sockets / 20000))
        self.sources = [None] if n == 1 else [f"127.0.0.{i}" for i in range(1, n + 1)]

    def voter_connect(self, voters: int) -> str:
        mode = self.args.voter_connect
        if mode == "auto":
            per_process = (self.args.viewers + voters) / max(1, self.args.processes)
            fits = self.args.viewers + voters + 500 <= self.nofile and per_process + 500 <= self.nofile
            mode = "pre" if fits else "rolling"
        return mode

    def open_database(self):
        a = self.args
        self.database = BenchDatabase(
            sqlite=a.sqlite,
            url=a.database_url,
            pg_admin_url=a.pg_admin_url,
            keep=a.keep_db,
            workdir=self.workdir,
        )


async def run(args) -> dict:
    from .wsclient import WsClient

    WsClient.msgpack = args.msgpack
    bench = Bench(args)
    pinned = pin_self(args.generator_cpu)
    loop_kind = type(asyncio.get_running_loop()).__module__.split(".")[0]
    log(
        f"generator: {loop_kind} loop, {pinned}, RLIMIT_NOFILE {bench.nofile}, "
        f"source addresses {[s or '127.0.0.1' for s in bench.sources]}; work dir {bench.workdir}"
    )
    bench.open_database()
    log(f"database: {bench.database.url}")
    modes = ["coalesced", "naive"] if args.compare else [args.mode]
    out = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": _config(args, bench, loop_kind, pinned),
        "scenarios": {},
    }
    try:
        for scenario in args.scenarios:
            trials = []
            for mode in modes:
                log(f"=== scenario {scenario}, REALTIME_MODE={mode}")
                trials.extend(await run_scenario(bench, scenario, mode, f"{scenario}/{mode}"))
            out["scenarios"][scenario] = {"trials": trials}
    finally:
        bench.database.drop()
    return out


def _config(args, bench, loop_kind, pinned) -> dict:
    cfg = {k: v for k, v in vars(args).items() if k not in ("scenarios", "server_env_pairs")}
    cfg.update(
        generator_loop=loop_kind,
        generator_pinned=pinned,
        source_ips=bench.sources,
        database=("sqlite" if args.sqlite else "given" if args.database_url else "postgresql"),
        cpu_count=os.cpu_count(),
    )
    cfg["redis_url"] = bool(args.redis_url)
    # Server tuning passed through the environment, so a run's JSON says what it ran with.
    tuning = ("DB_POOL_MIN", "DB_POOL_MAX", "DB_POOL_TIMEOUT", "GC_THRESHOLDS", "PY_SWITCH_INTERVAL",
              "BENCH_RATE_LIMITS", "REALTIME_RATE_LIMIT_CLOSE_AFTER")
    cfg["server_env"] = {k: os.environ[k] for k in os.environ if k in tuning or k.startswith("RATE_LIMIT_")}
    cfg["server_env"].update(args.server_env_pairs)
    return cfg


def print_report(out: dict):
    print()
    for name, sc in out["scenarios"].items():
        if not sc.get("trials"):
            print(f"== {name}: {sc.get('message')}")
            continue
        trials = sc["trials"]
        for trial in trials:
            print(report.trial_table(trial))
            print()
        if name == "flood":
            print(report.flood_summary(trials))
            print()
        modes = {t["mode"] for t in trials}
        if len(modes) == 2:
            print(f"== {name}: coalesced vs naive")
            groups = {}
            for t in trials:
                groups.setdefault(
                    t["label"].split("/", 2)[2] if t["label"].count("/") == 2 else "", []
                ).append(t)
            for suffix, group in groups.items():
                if len(group) == 2:
                    if suffix:
                        print(f"-- {suffix}")
                    print(report.compare_table(group))
                    print()


def failed(out: dict) -> list[str]:
    problems = []
    for sc in out["scenarios"].values():
        for t in sc.get("trials", []):
            k = t.get("correctness") or {}
            if not k.get("ok", False):
                problems.append(f"{t['label']}: correctness failed")
            conv = t.get("convergence") or {}
            if conv and not conv.get("within_limit"):
                problems.append(f"{t['label']}: viewers did not converge within {conv.get('limit')} s")
            site = t.get("site_convergence") or {}
            if site and not site.get("within_limit"):
                problems.append(
                    f"{t['label']}: site-list viewers did not converge within {site.get('limit')} s"
                )
            if (t.get("stream") or {}).get("seq_backwards"):
                problems.append(
                    f"{t['label']}: seq went backwards (a frame older than one shown, " "not a reordered one)"
                )
            cl = t.get("close")
            if cl and cl.get("saw_closed") != cl.get("viewers"):
                problems.append(f"{t['label']}: not every viewer was pushed the closed status")
    return problems


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        out = runner.run(run(args))
    out["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    problems = failed(out)
    out["problems"] = problems
    void = [t["label"] for sc in out["scenarios"].values() for t in sc.get("trials", []) if t.get("void")]
    out["void"] = void
    print_report(out)
    path = (
        Path(args.json_out)
        if args.json_out
        else RESULTS_DIR / (f"{'+'.join(args.scenarios)}-{time.strftime('%Y%m%d-%H%M%S')}.json")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1, default=str))
    print(f"results: {path}")
    if void:
        print(f"VOID (generator-bound): {', '.join(void)}")
    if problems:
        print("PROBLEMS:\n  " + "\n  ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
