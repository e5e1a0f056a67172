"""The event-peak simulator end to end, small: `python -m load_tests --smoke` starts one daphne on
a SQLite file with the in-memory layer, connects 300 viewers, casts 50 ballots over 2 s (on
voter sockets, then over HTTP) and checks correctness only — never speed: no ballot lost or
doubled, every viewer converges to the database's total, no seq goes backwards."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.servers


@pytest.mark.parametrize("vote_via", ["ws", "http"])
def test_smoke_run_loses_no_ballot_and_every_viewer_converges(tmp_path, vote_via):
    out = tmp_path / "smoke.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "load_tests",
            "--smoke",
            "--vote-via",
            vote_via,
            "--json-out",
            str(out),
            "--work-dir",
            str(tmp_path / "work"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert out.exists(), f"no results (exit {run.returncode}):\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    trial = json.loads(out.read_text())["scenarios"]["broadcast"]["trials"][0]
    report = run.stdout[-4000:]

    assert trial["connect"]["connected"] == 300, report
    votes, check, stream = trial["votes"], trial["correctness"], trial["stream"]
    assert votes["acked"] == votes["planned"] == 50, report
    assert check["lost"] == 0 and check["doubled_acks"] == 0, report
    assert check["in_db_not_acked"] == 0 and check["citizens_with_several_ballots"] == 0, report
    assert check["db_ballots"] == check["acked"] == 50, report
    assert check["viewers"] == 300 and check["viewers_not_on_db_total"] == 0, report
    assert check["viewers_with_wrong_option_counts"] == 0, report
    assert trial["convergence"]["behind"] == 0, report
    assert stream["seq_backwards"] == 0, report
    assert run.returncode == 0, report
