"""Two server processes (daphne and uvicorn) sharing a private PostgreSQL and Redis.

- One is SIGKILLed: viewers on the other keep getting every update; the killed one's
  viewers reconnect to the survivor (as a load balancer sends them) and see the rows' tally.
- A logout handled by one process closes the user's socket held by the other (4401)."""

import asyncio
import json
import signal
import urllib.parse
import urllib.request

import pytest
import websockets

from tests.e2e.conftest import HttpSession
from tests.e2e.frames import next_frame

from .voters import LiveViewer, Voter, connect_all, until, ws_url

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

VOTERS = 40


async def test_viewers_on_the_surviving_server_keep_getting_updates(fault_stack):
    stack = fault_stack()
    prepared = stack.prepare_voters(VOTERS)
    debate_id = prepared["debate_id"]
    path = f"/ws/a/{prepared['agency_slug']}/debates/{debate_id}/"
    options = [o["id"] for o in prepared["options"] if o["kind"] in ("for", "against")]
    survivor, victim = stack.start_server("daphne"), stack.start_server("uvicorn")
    survivor_process, victim_process = stack.processes

    on_survivor = [LiveViewer(survivor, path).start() for _ in range(5)]
    on_victim = [LiveViewer(victim, path).start() for _ in range(5)]
    viewers = on_survivor + on_victim
    voters = [Voter(i, key, options[i % 2]) for i, key in enumerate(prepared["sessions"])]
    await connect_all(voters[:10], victim, path)
    await connect_all(voters[10:], survivor, path)
    await until(lambda: all(v.total == 0 for v in viewers), timeout=30, what="the first snapshots")

    async def vote(group):
        for voter in group:
            await voter.vote()
        async with asyncio.timeout(60):
            await asyncio.gather(*(v.answered.wait() for v in group))

    await vote(voters[:10])  # through the victim
    await until(lambda: all(v.total == 10 for v in viewers), timeout=15, what="10 on both servers")

    victim_process.send_signal(signal.SIGKILL)
    victim_process.wait()
    for viewer in on_victim:  # the load balancer sends them to the survivor
        viewer.base = survivor
    updates = 0
    for n in range(11, VOTERS + 1, 5):  # through the survivor, five at a time
        await vote(voters[n - 1:n + 4])
        expected = min(n + 4, VOTERS)
        await until(lambda: all(v.total == expected for v in on_survivor), timeout=15,
                    what=f"{expected} on the survivor's viewers")
        updates += 1
    stored = stack.sql("SELECT id FROM debates_ballot WHERE debate_id = %s", [debate_id])
    await until(lambda: all(v.total == len(stored) for v in on_victim), timeout=30,
                what="the killed server's viewers back on the survivor")
    acked = [v.ack_ballot for v in voters if v.ack_ballot is not None]
    assert len(acked) == VOTERS and {r[0] for r in stored} == set(acked)
    assert survivor_process.poll() is None
    for viewer in viewers:
        await viewer.stop()
    for voter in voters:
        await voter.close()
    print(f"\nFIGURES two-servers-one-killed: viewers_on_survivor={len(on_survivor)} updates_after_kill={updates} "
          f"moved_viewers={len(on_victim)} ballots_acked={len(acked)} stored={len(stored)} lost=0")


def log_out(session: HttpSession) -> int:
    html = session.opener.open(session.base + "/").read().decode()
    token = next(c.value for c in session.jar if c.name == "csrftoken")
    assert html
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(session.base + "/accounts/logout/", data=data,
                                     headers={"Referer": session.base + "/"})
    with session.opener.open(request) as response:
        return response.status


async def test_a_logout_on_one_server_closes_the_users_socket_on_the_other(fault_stack):
    stack = fault_stack()
    a, b = stack.start_server("daphne"), stack.start_server("uvicorn")
    citizen = HttpSession(a).login("citizen")
    bystander = HttpSession(a).login("citizen2")
    cookie = {c.name: c.value for c in citizen.jar}
    path = "/ws/a/sisul/debates/1/"

    def headers(session):
        return {"Cookie": f"sessionid={next(c.value for c in session.jar if c.name == 'sessionid')}"}

    async with websockets.connect(ws_url(b, path), origin=b, additional_headers=headers(citizen)) as mine, \
            websockets.connect(ws_url(b, path), origin=b, additional_headers=headers(bystander)) as theirs:
        await next_frame(mine, lambda f: f["type"] == "tally", timeout=30)
        await next_frame(theirs, lambda f: f["type"] == "tally", timeout=30)
        assert await asyncio.to_thread(log_out, citizen) == 200
        frame = await next_frame(mine, lambda f: f["type"] == "error", timeout=15)
        assert frame["code"] == "signed_out"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            async with asyncio.timeout(15):
                while True:
                    await mine.recv()
        assert closed.value.rcvd.code == 4401 and closed.value.rcvd.reason == "signed out"
        await theirs.send(json.dumps({"type": "ping", "echo": 1}))
        assert (await next_frame(theirs, lambda f: f["type"] == "pong", timeout=15))["echo"] == 1

    # The old session is gone: a new socket with the same cookie is anonymous and cannot vote.
    async with websockets.connect(ws_url(b, path), origin=b,
                                  additional_headers={"Cookie": f"sessionid={cookie['sessionid']}"}) as again:
        snapshot = await next_frame(again, lambda f: f["type"] == "tally", timeout=30)
        await again.send(json.dumps({"type": "vote", "ref": 1, "option": snapshot["options"][0]["id"]}))
        assert (await next_frame(again, lambda f: f.get("ref") == 1, timeout=15))["code"] == "not_authenticated"
    print("\nFIGURES logout-across-processes: sockets_closed=1 (4401 'signed out' on the other server), "
          "bystander_sockets_closed=0")
