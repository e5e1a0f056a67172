"""Real server processes for tests that need what the test client cannot give: websockets
through a real ASGI server, several processes sharing PostgreSQL and Redis, a browser.

Each `ServerStack` gets its own database (a SQLite file, or a fresh PostgreSQL database when
DATABASE_URL points at PostgreSQL), migrated and seeded with the demo data by subprocesses,
so no ORM call runs in the test process."""

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DemoTemplate:
    """The migrated and seeded demo database, made once per test session and copied for each
    stack: a PostgreSQL template database (CREATE DATABASE … TEMPLATE), or a SQLite file.
    Migrating and seeding took ~15 s per browser test; a copy takes well under one."""

    _made: "DemoTemplate | None" = None

    def __init__(self):
        url = os.environ.get("DATABASE_URL", "")
        self.postgres = url.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            parts = urllib.parse.urlsplit(url)
            self.admin_url = parts._replace(scheme="postgresql", path="/postgres").geturl()
            self.name = f"e2e_template_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.url = parts._replace(path=f"/{self.name}").geturl()
        else:
            self.directory = Path(tempfile.mkdtemp(prefix="e2e-template-"))
            self.url = f"sqlite:///{self.directory / 'demo.sqlite3'}"
        for args in (("migrate", "--noinput"), ("seed_demo",)):
            run_manage(self.url, *args)
        atexit.register(self.drop)

    @classmethod
    def get(cls) -> "DemoTemplate":
        if cls._made is None:
            cls._made = cls()
        return cls._made

    def copy(self, tmp_path: Path) -> tuple[str, str | None]:
        """A fresh database with the demo data: (its URL, its PostgreSQL name or None)."""
        if self.postgres:
            name = f"e2e_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
            return urllib.parse.urlsplit(self.url)._replace(path=f"/{name}").geturl(), name
        target = tmp_path / "e2e.sqlite3"
        shutil.copyfile(self.directory / "demo.sqlite3", target)
        return f"sqlite:///{target}", None

    def drop(self) -> None:
        if self.postgres:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            shutil.rmtree(self.directory, ignore_errors=True)


def run_manage(database_url: str, *args) -> str:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATABASE_URL=database_url, DEBUG="1", PYTHONUNBUFFERED="1", DJANGO_SETTINGS_MODULE="project.settings")
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return result.stdout


class ServerStack:
    def __init__(self, tmp_path: Path, *, redis_url: str | None):
        self.tmp_path = tmp_path
        self.redis_url = redis_url
        self.processes: list[subprocess.Popen] = []
        self._pg_admin_url = None
        self._pg_name = None
        self._seeded = False
        self.database_url = self._make_database()
        if not self._seeded:  # a subclass's own database (the fault tests' private PostgreSQL)
            self.manage("migrate", "--noinput")
            self.manage("seed_demo")

    def _make_database(self) -> str:
        """A copy of the session's demo database."""
        template = DemoTemplate.get()
        url, self._pg_name = template.copy(self.tmp_path)
        self._pg_admin_url = template.admin_url if template.postgres else None
        self._seeded = True
        return url

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update(DATABASE_URL=self.database_url, DEBUG="1", PYTHONUNBUFFERED="1",
                   REALTIME_TICK_SECONDS="0.1", DJANGO_SETTINGS_MODULE="project.settings")
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        return env

    def manage(self, *args) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(),
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def start_server(self, server: str = "daphne") -> str:
        port = free_port()
        log = open(self.tmp_path / f"{server}-{port}.log", "w")
        command = {
            "daphne": ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "project.asgi:application"],
            # As in the Procfile: uvicorn with the prebuilt-frame websocket protocol.
            "uvicorn": ["-m", "uvicorn", "project.asgi:application", "--host", "127.0.0.1", "--port", str(port),
                        "--ws", "realtime.uvicorn_protocol:PrebuiltFrameWSProtocol", "--lifespan", "off"],
        }[server]
        process = subprocess.Popen(
            [sys.executable, *command], cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert process.poll() is None, (self.tmp_path / f"{server}-{port}.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return f"http://127.0.0.1:{port}"
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"{server} did not start")

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if self._pg_admin_url:
            with psycopg.connect(self._pg_admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')
