"""The Japan lesson through the real stack: rapid card swaps while the reference Linkage
server answers with random latency; every view and every journalled print job is checked
against the citizen whose card opened the session."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.receipts.model import Row
from kiosk.session.view import Screen, SessionView
from simulators.seeds import load_seeds

from .stack import Stack, real_stack

S = Screen
SEEDS = load_seeds()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with real_stack(tmp_path / "k", read_photo=False) as s:
        yield s


def test_rapid_swaps_with_slow_centre_never_mix_citizens(stack: Stack) -> None:
    rng = random.Random(11)
    e = stack.kiosk.engine
    views: list[SessionView] = []
    e.subscribe(views.append)
    owners: dict[str, int] = {}
    citizens = list(range(6))
    for i in range(30):
        index = citizens[i % len(citizens)]
        stack.server.faults.set("latency", latency_ms=rng.uniform(0, 120))
        stack.devices.insert(index)
        v = e.wait_for(lambda v: v.session_id is not None and v.session_id not in owners, 20)
        assert v.session_id is not None
        owners[v.session_id] = index
        steps = [e.proceed, e.give_consent, lambda: e.choose_service("registry_record"),
                 e.print_result]
        for step in steps[:rng.randrange(len(steps) + 1)]:
            if rng.random() < 0.6:
                e.sync()
                e.wait_for(lambda v: v.screen not in (S.READING, S.RUNNING, S.PRINTING,
                                                    S.VERIFY_HOLDER), 30)
            step()
        stack.devices.remove()  # often while the centre is still answering
        e.wait_for(lambda v: v.screen is S.IDLE, 20)
    stack.server.faults.clear()
    e.sync()

    def owner_of_view(view: SessionView) -> set[str]:
        """Full IDs / first names the view shows as *the* citizen (not house members)."""
        found = set()
        if view.identity is not None:
            found.add(view.identity.cid_display.replace("-", ""))
        if view.result is not None and view.result.service_id == "registry_record":
            found.add(view.result.rows[0].value)  # the "name" row: the card holder
        return found

    def expected(index: int) -> set[str]:
        identity = SEEDS.citizens[index].identity()
        return {identity.citizen_id.digits, identity.name_th.display()}

    seen_sessions = 0
    for view in views:
        if view.session_id is None:
            assert view.identity is None and view.result is None
            continue
        shown = owner_of_view(view)
        if shown:
            seen_sessions += 1
        owner = SEEDS.citizens[owners[view.session_id]].identity()
        for value in shown:
            assert value in expected(owners[view.session_id]) or (
                owner.name_th.first in value), f"session {view.session_id[:8]}: {value!r}"
    assert seen_sessions, "sessions reached the screen"

    journal = stack.kiosk.printing.journal
    jobs = journal.jobs(limit=1000)
    assert jobs, "some slips were printed"
    for job in jobs:
        rows = {b.key: b.value for b in journal.document(job.job_id).blocks
                if isinstance(b, Row)}
        owner = SEEDS.citizens[owners[job.session_id]].identity()
        assert rows["เลขประจำตัวประชาชน"] == owner.citizen_id.masked()
        assert owner.name_th.first in rows["ชื่อ"]
