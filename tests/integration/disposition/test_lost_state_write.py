"""A SIGKILL after a step's events are acknowledged and its offset committed, but before its
table write reached the changelog (the fault hook `lose-state-write` makes that moment
deterministic): after the restart the owner's state follows its own event log, and the next
step is accepted (issue: the Head of Office could not close a forwarded case)."""

from __future__ import annotations

import httpx

from contracts.topics import DISPOSITION
from tests.support.kafka import read_events
from tests.support.waiting import eventually

from .conftest import start_worker
from .support import headers, new_case_id, produce, request_events

DISPOSE = {"division": "rehsos", "instructions": "Mohon ditindaklanjuti", "priority": "segera"}


async def test_a_step_whose_state_write_was_lost_is_recovered_from_the_event_log(stack_env):
    case_id = new_case_id("lost")
    faulty = start_worker(stack_env, AUDIENSI_FAULT="lose-state-write:disposition")
    await produce(stack_env.bootstrap, request_events(case_id))
    try:
        async with httpx.AsyncClient(base_url=faulty.url, timeout=30) as http:
            r = await eventually(
                lambda: http.post(f"/cases/{case_id}/disposition", json=DISPOSE,
                                  headers=headers("kadis", **{"Idempotency-Key": case_id})),
                lambda r: r.status_code != 404, timeout=15)
            assert r.status_code == 200, r.text
            assert r.json()["status"] == "disposed"
        # the hook SIGKILLs the worker once the command's offset is committed
        assert faulty.proc.wait(timeout=60) == -9
    finally:
        faulty.stop()
    events = await read_events(stack_env.bootstrap, DISPOSITION, case_id)
    assert [e.type for e in events] == ["CaseDisposed"]

    worker = start_worker(stack_env)
    try:
        async with httpx.AsyncClient(base_url=worker.url, timeout=30) as http:
            got = await http.get(f"/cases/{case_id}", headers=headers("kadis"))
            assert got.status_code == 200, got.text
            assert got.json()["status"] == "disposed"
            assert got.json()["sequence"] == 1
            received = await http.post(f"/cases/{case_id}/receipt",
                                       headers=headers("kabid-rehsos"))
            assert received.status_code == 200, received.text
            assert received.json()["status"] == "received"
    finally:
        worker.stop()
    events = await read_events(stack_env.bootstrap, DISPOSITION, case_id)
    assert [(e.type, e.sequence) for e in events] == [("CaseDisposed", 1),
                                                     ("DispositionReceived", 2)]
