"""Restart Redis during a live debate, with two real server processes (daphne and uvicorn)
on a private PostgreSQL and a private Redis: ballots acknowledged during the outage are
stored, the servers stay up and log the outage and the recovery, and every viewer (applying
the page's seq rules, frontend/static/frontend/live.js) converges on the tally of the rows
within seconds of Redis coming back."""

import asyncio
import signal
import time

import pytest

from .voters import LiveViewer, Voter, connect_all, fresh_tally, until

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

VOTERS = 60
VIEWERS_PER_SERVER = 5
CONVERGE_WITHIN_SECONDS = 15


async def test_viewers_converge_and_no_acknowledged_ballot_is_lost_across_a_redis_restart(fault_stack, private_redis_server):
    stack = fault_stack()
    prepared = stack.prepare_voters(VOTERS)
    debate_id = prepared["debate_id"]
    path = f"/ws/a/{prepared['agency_slug']}/debates/{debate_id}/"
    options = [o["id"] for o in prepared["options"] if o["kind"] in ("for", "against")]
    servers = [stack.start_server("daphne"), stack.start_server("uvicorn")]
    processes = list(stack.processes)

    def rows():
        return stack.sql("SELECT id FROM debates_ballot WHERE debate_id = %s", [debate_id])

    viewers = [LiveViewer(base, path).start() for base in servers for _ in range(VIEWERS_PER_SERVER)]
    voters = [Voter(i, key, options[i % 2]) for i, key in enumerate(prepared["sessions"])]
    thirds = [voters[:20], voters[20:40], voters[40:]]
    for i, group in enumerate(thirds):
        await connect_all(group[:10], servers[0], path)
        await connect_all(group[10:], servers[1], path)
    await until(lambda: all(v.total == 0 for v in viewers), timeout=30, what="the first snapshots")

    async def vote(group):
        for voter in group:
            await voter.vote()
        async with asyncio.timeout(60):
            await asyncio.gather(*(v.answered.wait() for v in group))

    # Before: live, one ballot at a time, so the pages have seen 20 frames (seq >= 20).
    for n, voter in enumerate(thirds[0], start=1):
        await vote([voter])
        await until(lambda: all(v.total == n for v in viewers), timeout=CONVERGE_WITHIN_SECONDS, what=f"{n} before")
    seq_before = min(v.last_seq for v in viewers)

    # Redis goes away (SIGKILL: no persistence, every key and subscription is gone).
    private_redis_server.process.send_signal(signal.SIGKILL)
    private_redis_server.process.wait()
    await vote(thirds[1])
    during = [v for v in thirds[1] if v.ack_ballot is not None]
    await asyncio.sleep(2)
    assert all(p.poll() is None for p in processes), "a server died while Redis was away"

    # Back on the same port, empty.
    private_redis_server.start()
    back_at = time.monotonic()
    await vote(thirds[2])
    stored = {r[0] for r in rows()}
    expected = len(stored)
    converged_in = await until(lambda: all(v.total == expected for v in viewers),
                               timeout=CONVERGE_WITHIN_SECONDS,
                               what=f"every viewer at {expected} (now {[v.total for v in viewers]})")
    converged_in = time.monotonic() - back_at

    acked = [v.ack_ballot for v in voters if v.ack_ballot is not None]
    assert all(ballot in stored for ballot in acked), "an acknowledged ballot is missing"
    assert len(stored) == len(acked), "a stored ballot was never acknowledged (or the reverse)"
    for base in servers:  # a viewer that connects now sees the rows too
        shown = await fresh_tally(base, path)
        assert shown["snapshot"]["total"] == shown["from_rows"]["total"] == expected
    logs = "".join(stack.log_of(base) for base in servers)
    assert "Redis pub/sub connection lost" in logs and "Redis pub/sub connection back" in logs
    assert all(p.poll() is None for p in processes)
    for viewer in viewers:
        await viewer.stop()
    for voter in voters:
        await voter.close()
    print(f"\nFIGURES redis-restart: servers=2 viewers={len(viewers)} ballots_acked={len(acked)} "
          f"(during outage {len(during)}/{len(thirds[1])}) stored={len(stored)} lost=0 "
          f"converged_in={converged_in:.1f}s after Redis was back, stale_frames_dropped="
          f"{sum(v.dropped_stale for v in viewers)} seq_before={seq_before} seq_after={min(v.last_seq for v in viewers)}")
