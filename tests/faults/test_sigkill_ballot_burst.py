"""SIGKILL the server in the middle of a ballot burst against PostgreSQL. After the restart
every acknowledged ballot is stored, no citizen has two, and the tally a fresh viewer gets
equals the rows (SELECT option_id, count(*) … GROUP BY option_id).

The server is uvicorn as in the Procfile (prebuilt-frame websocket protocol), on a private
PostgreSQL cluster and a private Redis. Voters send their one ballot each, paced through
the burst; the kill comes when a third have been acknowledged, so ballots are in every
state at that moment: acknowledged, committed but not yet acknowledged, sent but not
committed, not sent. Then the voters without an acknowledgement vote again on the restarted
server, as the page does: each gets an ack or `already_voted`, never a second row."""

import asyncio
import os
import signal
import time

import pytest

from .voters import Voter, connect_all, counts, fresh_tally

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

VOTERS = 400
PACE_SECONDS = 0.004  # one ballot every 4 ms: the burst lasts ~1.6 s
KILL_AFTER_ACKS = VOTERS // 3


def ballot_rows(stack, debate_id):
    return stack.sql("SELECT id, citizen_id, option_id FROM debates_ballot WHERE debate_id = %s", [debate_id])


async def test_sigkill_mid_burst_loses_no_acknowledged_ballot_and_stores_none_twice(fault_stack):
    stack = fault_stack()
    prepared = stack.prepare_voters(VOTERS)
    debate_id = prepared["debate_id"]
    path = f"/ws/a/{prepared['agency_slug']}/debates/{debate_id}/"
    options = [o["id"] for o in prepared["options"] if o["kind"] in ("for", "against")]
    base = stack.start_server("uvicorn")
    server = stack.processes[-1]

    voters = [Voter(i, key, options[i % 2]) for i, key in enumerate(prepared["sessions"])]
    await connect_all(voters, base, path)

    async def burst():
        start = time.monotonic()
        for i, voter in enumerate(voters):
            await asyncio.sleep(max(0.0, start + i * PACE_SECONDS - time.monotonic()))
            await voter.vote()

    sender = asyncio.get_running_loop().create_task(burst())
    deadline = time.monotonic() + 60
    while sum(v.ack_ballot is not None for v in voters) < KILL_AFTER_ACKS:
        assert time.monotonic() < deadline, "the burst never reached a third of its acks"
        assert not sender.done() or any(not v.answered.is_set() for v in voters), "burst over before the kill"
        await asyncio.sleep(0.001)
    os.kill(server.pid, signal.SIGKILL)
    killed_at_acks = sum(v.ack_ballot is not None for v in voters)
    await sender
    async with asyncio.timeout(60):
        await asyncio.gather(*(v.reader for v in voters))
    server.wait(timeout=10)
    assert server.returncode == -signal.SIGKILL

    sent = sum(v.sent for v in voters)
    acked = {v.index: v.ack_ballot for v in voters if v.ack_ballot is not None}
    in_flight = sum(v.lost for v in voters)
    assert 0 < len(acked) < sent, "the kill must land inside the burst"
    assert in_flight + (VOTERS - sent) > 0, "some ballots must be unanswered at the kill"

    # Restart: what the rows say, before any retry.
    base = stack.start_server("uvicorn")
    rows = ballot_rows(stack, debate_id)
    stored_ids = {r[0] for r in rows}
    lost = [ballot for ballot in acked.values() if ballot not in stored_ids]
    assert lost == [], f"acknowledged ballots missing after the kill: {lost}"
    assert len(rows) == len({r[1] for r in rows}), "a citizen has two ballots"
    committed_unacked = len(rows) - len(acked)

    # The voters with no ack vote again, on the restarted server.
    retry = [Voter(v.index, v.session_key, v.option) for v in voters if v.ack_ballot is None]
    await connect_all(retry, base, path)
    for voter in retry:
        await voter.vote()
    async with asyncio.timeout(60):
        await asyncio.gather(*(v.answered.wait() for v in retry))
    outcomes = {}
    for voter in retry:
        outcomes[voter.error or "ack"] = outcomes.get(voter.error or "ack", 0) + 1
    assert set(outcomes) <= {"ack", "already_voted"}, outcomes
    assert outcomes.get("already_voted", 0) == committed_unacked
    for voter in retry:
        await voter.close()
    for voter in voters:
        await voter.close()

    rows = ballot_rows(stack, debate_id)
    assert len(rows) == VOTERS == len({r[1] for r in rows}), "one ballot per citizen, every citizen"
    assert all(v.ack_ballot in {r[0] for r in rows} for v in retry if v.ack_ballot)
    by_option = dict(stack.sql("SELECT option_id, count(*) FROM debates_ballot WHERE debate_id = %s "
                               "GROUP BY option_id", [debate_id]))
    shown = await fresh_tally(base, path)
    for tally in shown.values():
        assert tally["total"] == len(rows)
        assert {k: v for k, v in counts(tally).items() if v} == by_option
    print(f"\nFIGURES sigkill: voters={VOTERS} sent_before_kill={sent} acked_before_kill={len(acked)} "
          f"(kill at {killed_at_acks} acks) unanswered_in_flight={in_flight} not_sent={VOTERS - sent} "
          f"stored_after_restart={len(rows) - outcomes.get('ack', 0)} committed_but_unacked={committed_unacked} "
          f"retried={len(retry)} retry_acks={outcomes.get('ack', 0)} retry_already_voted={outcomes.get('already_voted', 0)} "
          f"final_rows={len(rows)} lost=0 duplicates=0")
