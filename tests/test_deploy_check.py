"""`manage.py check --deploy` is clean in production mode and refuses an embedded fallback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "x" * 20 + "-a-long-random-production-key-" + "y" * 20,
              "ALLOWED_HOSTS": "democracy.seoul.go.kr"}


def check_deploy(**env):
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60)


def test_production_settings_pass_the_deploy_check():
    result = check_deploy(**PRODUCTION, DATABASE_URL="postgres://postgres@127.0.0.1:5432/x",
                          REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing,error", [("DATABASE_URL", "project.E001"), ("REDIS_URL", "project.E002")])
def test_production_without_its_services_fails_the_deploy_check(missing, error):
    env = {**PRODUCTION, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x", "REDIS_URL": "redis://127.0.0.1:6379/0"}
    del env[missing]
    result = check_deploy(**env)
    assert result.returncode != 0 and error in result.stdout + result.stderr
