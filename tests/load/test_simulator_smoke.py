"""The event-peak simulator end to end, small: `python -m load_tests --smoke` starts one daphne on
a SQLite file with the in-memory layer, connects 300 viewers, casts 50 ballots over 2 s (on
voter sockets, then over HTTP) and checks correctness only — never speed: no ballot lost or
doubled, every viewer converges to the database's total, no seq goes backwards. The threshold
smoke does the same for a proposal's supports crossing its agency's (lowered) thresholds."""

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


def test_threshold_smoke_crosses_each_threshold_once_and_every_viewer_converges(tmp_path):
    """The threshold rush, small: 40 viewers on a proposal (and 10 on the site list), 30
    supporters over 1 s with the agency's thresholds lowered to 5 and 20, a fifth of them
    tapping twice. Correctness only: one review, one debate, rows = 201s = every viewer's count,
    every duplicate refused."""
    out = tmp_path / "threshold.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "load_tests",
            "--smoke",
            "--scenario",
            "threshold",
            "--viewers",
            "40",
            "--site-viewers",
            "10",
            "--supporters",
            "30",
            "--rate",
            "30",
            "--answer-threshold",
            "5",
            "--debate-threshold",
            "20",
            "--threshold-duplicates",
            "0.2",
            "--json-out",
            str(out),
            "--work-dir",
            str(tmp_path / "work"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.exists(), f"no results (exit {run.returncode}):\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    trial = json.loads(out.read_text())["scenarios"]["threshold"]["trials"][0]
    report = run.stdout[-5000:]

    check, milestones = trial["correctness"], trial["threshold"]
    assert trial["connect"]["connected"] == 40 and trial["site_connect"]["connected"] == 10, report
    assert trial["supports"]["acked"] == 30, report
    assert check["db_supports"] == check["acked"] == check["support_count"] == 30, report
    assert check["lost"] == check["doubled_acks"] == check["in_db_not_acked"] == 0, report
    assert check["citizens_with_several_supports"] == 0 and check["ack_counts_are_1_to_n"], report
    assert check["reviews"] == 1 and check["review_started_at_set"], report
    assert check["debates_with_title"] == check["debates_created_since"] == 1 and check["debate_linked"], report
    assert check["audit_review_started"] == check["audit_promoted"] == 1, report
    assert milestones["review"]["crossing_acks"] == milestones["best"]["crossing_acks"] == 1, report
    assert milestones["review"]["viewers_saw"] == milestones["best"]["viewers_saw"] == 40, report
    assert milestones["frames_inconsistent"] == 0, report
    assert check["duplicates"] == 6 and check["duplicate_pairs_not_201_then_409"] == 0, report
    assert trial["supports"]["duplicates"]["refused_already_supported"] == 6, report
    assert check["viewer_final_supports"] == {"30": 40}, report
    assert check["site_viewer_final_supports"] == {"30": 10}, report
    assert trial["stream"]["seq_backwards"] == 0, report
    assert check["ok"] and run.returncode == 0, report


def test_flood_smoke_refuses_every_kind_and_stores_nothing_more(tmp_path):
    """The flood scenario, small: 20 honest socket ballots, a baseline trial and a flood
    trial in which one account (that already voted once) floods one socket with repeated
    ballots, pings, non-JSON text, oversized frames and unknown types. Correctness only:
    every honest ballot acked and stored, the flood's ballots all refused `already_voted`,
    every other kind answered with its own code, no second ballot for the flooder."""
    out = tmp_path / "flood.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "load_tests",
            "--smoke",
            "--scenario",
            "flood",
            "--viewers",
            "30",
            "--voters",
            "20",
            "--rate",
            "20",
            "--duration",
            "1",
            "--flood-sockets",
            "1",
            "--flood-mix",
            "vote=1,ping=1,garbage=1,large=1,unknown=1",
            "--flood-warmup",
            "0.5",
            "--flood-drain",
            "2",
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
    baseline, flooded = json.loads(out.read_text())["scenarios"]["flood"]["trials"]
    report = run.stdout[-5000:]

    assert not baseline["flooding"] and "flood" not in baseline, report
    assert flooded["flooding"], report
    for trial in (baseline, flooded):
        check = trial["correctness"]
        assert trial["votes"]["acked"] == trial["votes"]["sent"] == 20, report
        # The honest 20 and the flooder's one real ballot, each once.
        assert check["db_ballots"] == check["acked"] == 21, report
        assert check["citizens_with_several_ballots"] == 0 and check["lost"] == 0, report
        assert check["viewers_not_on_db_total"] == 0 and check["ok"], report
    flood = flooded["flood"]
    refused = flood["refused_by_code"]
    for code in ("already_voted", "bad_json", "too_large", "unknown_type"):
        assert refused.get(code, 0) > 0, (code, report)
    assert flood["pongs"] > 0, report
    assert set(refused) <= {"already_voted", "bad_json", "too_large", "unknown_type"}, report
    assert 0 < flood["answered"] <= flood["written_total"], report
    assert flood["connections_ended"] == {}, report
    vs = flood["vs_baseline"]
    assert vs["baseline"]["ack_ms"]["n"] == vs["flood"]["ack_ms"]["n"] == 20, report
    assert run.returncode == 0, report
