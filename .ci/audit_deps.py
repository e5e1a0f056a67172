"""The dependency audit: pip-audit --strict over the installed environment, with its three
outcomes told apart (docs/security.md, "sec-input").

    CLEAN        every installed distribution was checked and none has a known vulnerability
                 (exit 0)
    VULNERABLE   a known vulnerability in an installed version (exit 1: CI fails)
    NOT AUDITED  the advisory service could not check some or all of them: the reason is
                 printed loudly and the run never says "clean". Exit 0, so CI goes on where
                 the service cannot be reached; AUDIT_REQUIRED=1 makes it exit 3 (a pipeline
                 with full internet access should set it).

Without --strict, pip-audit prints "No known vulnerabilities found" and exits 0 even when it
skipped every package (measured here: 62 of 62 skipped), which is why the strict run decides
and the non-strict JSON run only explains a strict failure.

Usage: python .ci/audit_deps.py [pip-audit path]   (default: pip-audit next to this Python)"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BANNER = "!" * 78


def pip_audit(exe: str, *args: str) -> tuple[int, dict | None, str]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        result = subprocess.run([exe, "--progress-spinner", "off", "--desc", "off", "-f", "json", "-o", str(report), *args],
                                capture_output=True, text=True, timeout=600)
        data = json.loads(report.read_text()) if report.exists() and report.stat().st_size else None
    return result.returncode, data, result.stderr


def vulnerable(data: dict | None) -> list[str]:
    found = []
    for dep in (data or {}).get("dependencies", []):
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            found.append(f"{dep['name']} {dep.get('version', '?')}: {vuln['id']} (fixed in {fixes})")
    return found


def skipped(data: dict | None) -> list[str]:
    return [f"{dep['name']}: {dep['skip_reason']}" for dep in (data or {}).get("dependencies", []) if dep.get("skip_reason")]


def main() -> int:
    exe = sys.argv[1] if len(sys.argv) > 1 else str(Path(sys.executable).with_name("pip-audit"))
    code, data, stderr = pip_audit(exe, "--strict")
    found = vulnerable(data)
    if found:
        print("VULNERABLE: known vulnerabilities in installed versions:")
        print("\n".join(f"  {line}" for line in found))
        return 1
    if code == 0 and data is not None and not skipped(data):
        print(f"CLEAN: {len(data['dependencies'])} installed distributions checked, no known vulnerabilities")
        return 0
    # The strict run stopped: learn why, and what the service could check.
    _, loose, _ = pip_audit(exe)
    found = vulnerable(loose)
    if found:
        print("VULNERABLE: known vulnerabilities in installed versions (others could not be checked):")
        print("\n".join(f"  {line}" for line in found))
        return 1
    reasons = skipped(loose)
    total = len((loose or {}).get("dependencies", []))
    last_error = next((line for line in reversed(stderr.splitlines()) if line.strip()), "pip-audit failed")
    reason = (f"{len(reasons)} of {total} installed distributions could not be checked, e.g. {reasons[0]}"
              if reasons else last_error)
    print(BANNER)
    print(f"NOT AUDITED: {reason}")
    print("The advisory service could not check these versions; this run does NOT say the dependencies are clean.")
    print(BANNER)
    if os.environ.get("AUDIT_REQUIRED") == "1":
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
