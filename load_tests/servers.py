"""The system under test: a database of its own, server processes, and what /proc says of them.

`BenchDatabase` makes a fresh PostgreSQL database (or a SQLite file) per invocation and drops
it at the end. `ServerSet` runs `manage.py migrate`, `load_tests.prepare` and K server
processes (uvicorn or daphne) on consecutive free ports, each pinned to the server CPUs with
`taskset` and given a high file-descriptor limit with `prlimit`."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = (
    str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
)
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# --- /proc -------------------------------------------------------------------------------------
def cpu_seconds(pid: int | str = "self") -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_split(pid: int | str = "self") -> tuple[float, float]:
    """(user, system) CPU seconds of a process."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def rss_bytes(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def open_fds(pid: int | str) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def processes_named(*names: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as fh:
                    if fh.read().strip() in names:
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


def cpu_of_named(*names: str) -> dict[int, float]:
    """CPU seconds of every process with one of these names (PostgreSQL backends, Redis)."""
    out = {}
    for pid in processes_named(*names):
        try:
            out[pid] = cpu_seconds(pid)
        except OSError:
            pass
    return out


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """Summed growth; a process that appeared in between counts from zero."""
    return sum(v - before.get(pid, 0.0) for pid, v in after.items())


def free_ports(count: int, start: int | None = None) -> list[int]:
    """`count` consecutive free ports on 127.0.0.1."""
    base = start or 20000 + secrets.randbelow(10000)
    while True:
        ports = list(range(base, base + count))
        if all(_port_free(p) for p in ports):
            return ports
        if start:
            raise RuntimeError(f"ports {ports} are not free")
        base = 20000 + secrets.randbelow(10000)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


# --- database ------------------------------------------------------------------------------------
class BenchDatabase:
    """A database for one invocation: fresh PostgreSQL (default), a SQLite file, or given."""

    def __init__(self, *, sqlite: bool, url: str | None, pg_admin_url: str, keep: bool, workdir: Path):
        self.keep = keep
        self.created_pg: str | None = None
        self.created_file: Path | None = None
        self.pg_admin_url = pg_admin_url
        if url:
            self.url = url
        elif sqlite:
            self.created_file = workdir / "bench.sqlite3"
            self.url = f"sqlite:///{self.created_file}"
        else:
            import psycopg

            name = f"bench_{secrets.token_hex(5)}"
            with psycopg.connect(pg_admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            self.created_pg = name
            parts = urllib.parse.urlsplit(pg_admin_url)
            self.url = parts._replace(path=f"/{name}").geturl()

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith(("postgres://", "postgresql://", "pgsql://"))

    @property
    def name(self) -> str:
        return urllib.parse.urlsplit(self.url).path.lstrip("/")

    def pg_stats(self) -> dict | None:
        """Transactions and rows as PostgreSQL's cumulative statistics count them (they lag:
        a backend reports at most once a second, an idle one within ~10 s)."""
        if not self.is_postgres:
            return None
        import psycopg

        with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT xact_commit + xact_rollback, tup_returned, tup_fetched, tup_inserted "
                "FROM pg_stat_database WHERE datname = %s",
                (self.name,),
            ).fetchone()
        return None if row is None else dict(zip(("xacts", "returned", "fetched", "inserted"), map(int, row)))

    def drop(self):
        if self.keep:
            return
        if self.created_pg:
            import psycopg

            with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.created_pg}" WITH (FORCE)')
        if self.created_file:
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.created_file) + suffix).unlink(missing_ok=True)


# --- servers -----------------------------------------------------------------------------------
class ServerSet:
    """Migrate, prepare and run K server processes against one database."""

    def __init__(
        self,
        *,
        kind: str,
        processes: int,
        database: BenchDatabase,
        redis_url: str | None,
        mode: str,
        tick: float,
        cpus: str,
        log_dir: Path,
        nofile: int,
        backlog: int = 4096,
        extra_env: dict | None = None,
        ws_protocol: str = "realtime.uvicorn_protocol:PrebuiltFrameWSProtocol",
    ):
        if kind not in ("uvicorn", "daphne"):
            raise ValueError(f"unknown server {kind!r}")
        if processes > 1 and not redis_url:
            raise ValueError("--processes > 1 needs a Redis channel layer (--redis-url or REDIS_URL)")
        if processes > 1 and not database.is_postgres:
            raise ValueError("--processes > 1 needs PostgreSQL (not --sqlite)")
        self.kind, self.count, self.database = kind, processes, database
        self.redis_url, self.mode, self.tick, self.cpus = redis_url, mode, tick, cpus
        self.log_dir, self.nofile, self.backlog = log_dir, nofile, backlog
        self.extra_env = extra_env or {}
        self.ws_protocol = ws_protocol
        self.ports: list[int] = []
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def env(self) -> dict:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="project.settings",
            DATABASE_URL=self.database.url,
            DEBUG="0",
            SECRET_KEY=BENCH_SECRET_KEY,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="0",
            REALTIME_TICK_SECONDS=str(self.tick),
            REALTIME_MODE=self.mode,
            LOG_LEVEL=os.environ.get("BENCH_SERVER_LOG_LEVEL", "WARNING"),
            PYTHONUNBUFFERED="1",
            # Thousands of simulated phones share the generator's one address and vote at the
            # peak rate: the rate limits are off unless a run asks for them (BENCH_RATE_LIMITS=1,
            # with RATE_LIMIT_<POLICY>_ACCOUNT/_ADDRESS passed through to size them).
            RATE_LIMITS_ENABLED=os.environ.get("BENCH_RATE_LIMITS", "0"),
        )
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        env.update(self.extra_env)
        return env

    async def _run(self, *args: str, timeout: float = 600) -> str:
        proc = await asyncio.create_subprocess_exec(
            PYTHON,
            *args,
            cwd=ROOT,
            env=self.env(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{err.decode()[-4000:]}")
        return out.decode()

    async def migrate(self):
        await self._run("manage.py", "migrate", "--noinput")

    async def prepare(self, *, voters: int, closes_in: float) -> dict:
        return await self._prepare("--voters", str(voters), "--closes-in", str(closes_in))

    async def prepare_proposal(self, *, voters: int, answer_threshold: int, debate_threshold: int) -> dict:
        return await self._prepare(
            "--proposal",
            "--voters",
            str(voters),
            "--answer-threshold",
            str(answer_threshold),
            "--debate-threshold",
            str(debate_threshold),
        )

    async def _prepare(self, *args: str) -> dict:
        out = self.log_dir / f"prepare-{secrets.token_hex(3)}.json"
        await self._run("-m", "load_tests.prepare", *args, "--out", str(out))
        data = json.loads(out.read_text())
        out.unlink()
        return data

    async def verify(self, debate_id: int) -> dict:
        return json.loads(await self._run("-m", "load_tests.prepare", "--verify", str(debate_id), "--ids"))

    async def verify_proposal(self, proposal_id: int) -> dict:
        return json.loads(
            await self._run("-m", "load_tests.prepare", "--verify-proposal", str(proposal_id), "--ids")
        )

    def command(self, port: int) -> list[str]:
        if self.kind == "uvicorn":
            server = [
                PYTHON,
                "-m",
                "uvicorn",
                "project.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--ws",
                self.ws_protocol,
                "--lifespan",
                "off",
                "--no-access-log",
                "--log-level",
                "warning",
                "--backlog",
                str(self.backlog),
            ]
        else:
            # -v 0: no access log line per request and connection (uvicorn runs with
            # --no-access-log); the endpoint string gives the large listen backlog.
            server = [
                PYTHON,
                "-m",
                "daphne",
                "-e",
                f"tcp:port={port}:interface=127.0.0.1:backlog={self.backlog}",
                "--proxy-headers",
                "-v",
                "0",
                "project.asgi:application",
            ]
        prefix = []
        if shutil.which("prlimit"):
            prefix += ["prlimit", f"--nofile={self.nofile}:{self.nofile}"]
        if self.cpus and shutil.which("taskset"):
            prefix += ["taskset", "-c", self.cpus]
        return prefix + server

    async def start(self, ports: list[int] | None = None, timeout: float = 60):
        self.ports = ports or free_ports(self.count)
        env = self.env()
        for port in self.ports:
            log = self.log_dir / f"{self.kind}-{self.mode}-{port}.log"
            self.logs.append(log)
            with open(log, "w") as fh:
                self.procs.append(
                    subprocess.Popen(
                        self.command(port),
                        cwd=ROOT,
                        env=env,
                        stdout=fh,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + timeout
        for proc, port, log in zip(self.procs, self.ports, self.logs):
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"server on port {port} exited ({proc.returncode}):\n" + log.read_text()[-4000:]
                    )
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"server on port {port} did not start") from None
                    await asyncio.sleep(0.1)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids if self._alive(pid))

    def rss(self) -> int:
        return sum(rss_bytes(pid) for pid in self.pids if self._alive(pid))

    def fds(self) -> int:
        return sum(open_fds(pid) for pid in self.pids)

    @staticmethod
    def _alive(pid: int) -> bool:
        return os.path.exists(f"/proc/{pid}/stat")

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.procs)

    async def stop(self, timeout: float = 15):
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.procs:
            while proc.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def log_problems(self, limit: int = 8) -> dict:
        """Counts of error lines in the servers' logs, and the first few distinct ones."""
        pattern = re.compile(r"Traceback|ERROR|Error|Exception|CRITICAL|WARNING", re.I)
        count, samples = 0, []
        for log in self.logs:
            try:
                text = log.read_text(errors="replace")
            except OSError:
                continue
            for line in text.splitlines():
                if pattern.search(line):
                    count += 1
                    short = line.strip()[:240]
                    if short not in samples and len(samples) < limit:
                        samples.append(short)
        return {"lines": count, "samples": samples, "logs": [str(p) for p in self.logs]}


BENCH_SECRET_KEY = "bench-" + secrets.token_urlsafe(40)


def make_workdir(base: str | None) -> Path:
    path = Path(base) if base else Path(tempfile.mkdtemp(prefix="bench-"))
    path.mkdir(parents=True, exist_ok=True)
    return path
