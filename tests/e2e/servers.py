"""Real server processes for tests that need what the test client cannot give: websockets
through a real ASGI server, several processes sharing PostgreSQL and Redis, a browser.

Each `ServerStack` gets its own database (a SQLite file, or a fresh PostgreSQL database when
DATABASE_URL points at PostgreSQL), migrated and seeded with the demo data by subprocesses,
so no ORM call runs in the test process."""

import os
import socket
import subprocess
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


class ServerStack:
    def __init__(self, tmp_path: Path, *, redis_url: str | None):
        self.tmp_path = tmp_path
        self.redis_url = redis_url
        self.processes: list[subprocess.Popen] = []
        self._pg_admin_url = None
        self.database_url = self._make_database()
        self.manage("migrate", "--noinput")
        self.manage("seed_demo")

    def _make_database(self) -> str:
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith(("postgres://", "postgresql://")):
            name = f"e2e_{uuid.uuid4().hex[:12]}"
            parts = urllib.parse.urlsplit(url)
            self._pg_admin_url = parts._replace(scheme="postgresql", path="/postgres").geturl()
            with psycopg.connect(self._pg_admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            self._pg_name = name
            return parts._replace(path=f"/{name}").geturl()
        return f"sqlite:///{self.tmp_path / 'e2e.sqlite3'}"

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
