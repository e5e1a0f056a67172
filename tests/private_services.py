"""Private Redis and PostgreSQL servers for tests that stop and restart them: never the
machine's shared ones (colleagues and CI steps use 6379 and 5432).

`require_binary()` fails the test in CI (CI=1), where every binary must be there, and skips it
on a laptop without it; fault tests (tests/faults, `make faults`) always fail instead."""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_binary(name: str, *, always_fail: bool = False) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian: apt-get install redis-server postgresql)"
        if always_fail or os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


class PrivateRedis:
    """A redis-server of the test's own on a free port, stopped (SIGKILL) and restarted on the
    same port at will."""

    def __init__(self, *, always_fail: bool = False):
        self.binary = require_binary("redis-server", always_fail=always_fail)
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.ping():
            assert self.process.poll() is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        return self

    def ping(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def postgres_bin_dir(*, always_fail: bool = True) -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    if shutil.which("pg_ctl"):
        return Path(shutil.which("pg_ctl")).parent
    message = "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin"
    if always_fail or os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb into a temporary directory, pg_ctl on a
    free port, trust auth for the `postgres` role), stopped and started at will. As root the
    server runs as the `postgres` system user, since PostgreSQL refuses to run as root."""

    def __init__(self):
        self.bin = postgres_bin_dir(always_fail=True)
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="private-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self._as_user = []
        if os.geteuid() == 0:
            import pwd

            try:
                pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root and there is no `postgres` system user to run PostgreSQL")
            shutil.chown(self.dir, "postgres", "postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args, check=True):
        result = subprocess.run([*self._as_user, *args], capture_output=True, text=True, timeout=120)
        if check:
            assert result.returncode == 0, f"{args[0]} failed: {result.stdout}{result.stderr}"
        return result

    def init(self):
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
        return self

    def start(self):
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                   "-c fsync=on -c max_connections=200")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "60", "start")
        return self

    def is_running(self) -> bool:
        return self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "status", check=False).returncode == 0

    def stop(self, mode: str = "fast"):
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url().replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
