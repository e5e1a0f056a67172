"""Fault tests (issue 9, "faults, with nothing lost"): real server processes on a PostgreSQL
cluster and a Redis server of their own, which the tests kill, stop and restart. Never the
machine's shared PostgreSQL (5432) or Redis (6379).

Run with `make faults` (pytest --faults); the default `make test` leaves them out. A missing
binary (redis-server, PostgreSQL's initdb/pg_ctl) FAILS these tests, never skips them."""

import json
import sys
import uuid

import pytest

from tests.e2e.servers import ROOT, ServerStack
from tests.private_services import PrivatePostgres, PrivateRedis


class FaultStack(ServerStack):
    """A ServerStack on a private PostgreSQL database (and a private Redis when given), with
    extra environment for the servers (e.g. a short DB_POOL_TIMEOUT)."""

    def __init__(self, tmp_path, *, postgres: PrivatePostgres, redis: PrivateRedis | None, extra_env=None):
        self.postgres = postgres
        self.extra_env = dict(extra_env or {})
        super().__init__(tmp_path, redis_url=redis.url if redis else None)

    def _make_database(self) -> str:
        return self.postgres.create_database(f"faults_{uuid.uuid4().hex[:10]}")

    def env(self) -> dict:
        env = super().env()
        env.update(self.extra_env)
        return env

    def prepare_voters(self, voters: int) -> dict:
        """A fresh open pro/con debate on the `bench` agency and `voters` logged-in sessions
        (load_tests/prepare.py, run with the servers' environment)."""
        import subprocess

        out = self.tmp_path / f"prepared-{uuid.uuid4().hex[:6]}.json"
        result = subprocess.run([sys.executable, "-m", "load_tests.prepare", "--voters", str(voters), "--out", str(out)],
                                cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        return json.loads(out.read_text())

    def sql(self, query: str, params=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url.replace("postgres://", "postgresql://")) as conn:
            return conn.execute(query, params).fetchall()

    def log_of(self, base_url: str) -> str:
        port = base_url.rsplit(":", 1)[1]
        return "".join(p.read_text() for p in self.tmp_path.glob(f"*-{port}.log"))

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except Exception:
                process.kill()


@pytest.fixture(scope="session")
def private_postgres():
    cluster = PrivatePostgres().init().start()
    yield cluster
    cluster.destroy()


@pytest.fixture
def private_redis_server():
    redis = PrivateRedis(always_fail=True).start()
    yield redis
    redis.stop()


@pytest.fixture
def fault_stack(tmp_path, private_postgres, private_redis_server):
    stacks = []

    def make(*, with_redis: bool = True, **extra_env):
        stack = FaultStack(tmp_path, postgres=private_postgres, redis=private_redis_server if with_redis else None,
                           extra_env={k: str(v) for k, v in extra_env.items()})
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()
    if not private_postgres.is_running():
        private_postgres.start()  # whatever a test stopped, the next one finds it running


@pytest.fixture(autouse=True)
def no_ambient_services(monkeypatch):
    """The servers get the private services only, never the machine's shared ones."""
    for name in ("DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
