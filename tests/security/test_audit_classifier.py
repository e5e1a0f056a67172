"""The dependency audit's three outcomes (.ci/audit_deps.py), against a stand-in pip-audit
that answers as the real one does in each case (the real one, on this machine, can only say
"not audited": docs/security.md)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

DEP = {"name": "django", "version": "5.2.19"}
VULN = {"id": "PYSEC-2099-1", "fix_versions": ["5.2.20"], "aliases": []}
SKIP = "Dependency not found on PyPI and could not be audited: django (5.2.19)"
SCENARIOS = {
    # name: (strict run: exit, report or None, stderr), (loose run: exit, report)
    "clean": ((0, [{**DEP, "vulns": []}], ""), (0, [{**DEP, "vulns": []}])),
    "vulnerable": ((1, [{**DEP, "vulns": [VULN]}], ""), (1, [{**DEP, "vulns": [VULN]}])),
    "unreachable": ((1, None, f"ERROR:pip_audit._cli:Django: {SKIP}"), (0, [{"name": "django", "skip_reason": SKIP}])),
    "partly": ((1, None, f"ERROR:pip_audit._cli:Django: {SKIP}"),
               (1, [{"name": "django", "skip_reason": SKIP}, {"name": "nh3", "version": "0.1", "vulns": [VULN]}])),
}

FAKE = """#!{python}
import json, sys
strict, loose = {scenario}
args = sys.argv[1:]
code, deps, err = strict if "--strict" in args else (*loose, "")
if deps is not None:
    open(args[args.index("-o") + 1], "w").write(json.dumps({{"dependencies": deps, "fixes": []}}))
sys.stderr.write(err)
sys.exit(code)
"""


def audit(tmp_path, scenario, **env):
    fake = tmp_path / "pip-audit"
    fake.write_text(FAKE.format(python=sys.executable, scenario=repr(SCENARIOS[scenario])))
    fake.chmod(0o755)
    return subprocess.run([sys.executable, str(ROOT / ".ci" / "audit_deps.py"), str(fake)], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=60)


@pytest.mark.parametrize("scenario,code,says", [
    ("clean", 0, "CLEAN:"), ("vulnerable", 1, "VULNERABLE:"), ("unreachable", 0, "NOT AUDITED:"),
    ("partly", 1, "VULNERABLE:"),
])
def test_the_audit_tells_clean_vulnerable_and_not_audited_apart(tmp_path, scenario, code, says):
    result = audit(tmp_path, scenario)
    assert result.returncode == code, result.stdout + result.stderr
    assert says in result.stdout
    if scenario != "clean":
        assert "CLEAN" not in result.stdout and "no known vulnerabilities" not in result.stdout.lower()


def test_not_audited_fails_where_an_audit_is_required(tmp_path):
    result = audit(tmp_path, "unreachable", AUDIT_REQUIRED="1")
    assert result.returncode == 3 and "NOT AUDITED: 1 of 1" in result.stdout
