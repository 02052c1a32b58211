"""Hypothesis drives random enqueue / claim / deliver / fail / crash sequences against the
real store (a SQLite file) and a plain-Python model of what must be true.

A "crash" drops a sender's lease the way a SIGKILL would (the flock goes, the lock file and
its in-flight items stay) and reopens the database as a restarted process does; reclaiming
must then put exactly that sender's items back, and its late settle must change nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    precondition,
    rule,
)

from kiosk.outbox.crypto import load_outbox_cipher
from kiosk.outbox.leases import SenderLease, lease_is_alive
from kiosk.outbox.model import ItemKind, ItemState
from kiosk.outbox.store import OutboxStore, Settlement

from .conftest import KIOSK_ID, FakeClock, make_settings

MAX_ATTEMPTS = 2
MAX_AGE_S = 2000.0
SENDERS = ("a", "b")


def ukey(name: str) -> str:
    """A fixed lowercase UUID per name: the only key form the outbox takes."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


@dataclass
class ModelItem:
    key: str
    kind: ItemKind
    payload: bytes
    reference: str
    state: ItemState = ItemState.PENDING
    owner: str | None = None  # lease id while in flight
    attempts: int = 0
    due: float = 0.0
    age_from: float = 0.0


class OutboxMachine(RuleBasedStateMachine):
    crashed_leases = Bundle("crashed_leases")

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="outbox-stateful-"))
        self.settings = make_settings(self.dir)
        self.clock = FakeClock()
        self.store = self._open()
        self.leases = {name: SenderLease(self.settings.database, self.clock.now)
                       for name in SENDERS}
        self.items: dict[str, ModelItem] = {}
        self.keys_used = 0

    def _open(self) -> OutboxStore:
        return OutboxStore(self.settings.database, load_outbox_cipher(self.settings),
                           KIOSK_ID, clock=self.clock)

    def teardown(self) -> None:
        self.store.close()
        for lease in self.leases.values():
            lease.release()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- helpers -----------------------------------------------------------------------------
    def _in_flight(self, sender: str) -> list[str]:
        lease = self.leases[sender].lease_id
        return sorted(i for i, m in self.items.items()
                      if m.state is ItemState.IN_FLIGHT and m.owner == lease)

    def _dead(self) -> list[str]:
        return sorted(i for i, m in self.items.items() if m.state is ItemState.DEAD)

    # -- rules ------------------------------------------------------------------------------
    @rule(kind=st.sampled_from(ItemKind), payload=st.binary(max_size=64),
          repeat_last=st.booleans())
    def enqueue(self, kind: ItemKind, payload: bytes, repeat_last: bool) -> None:
        if repeat_last and self.items:
            # Repeating an enqueue with the same key must give the same item back.
            item_id, model = max(self.items.items())
            again = self.store.enqueue(model.kind, model.payload, model.key)
            assert (again.item_id, again.reference) == (item_id, model.reference)
            return
        self.keys_used += 1
        key = ukey(f"key-{self.keys_used}")
        receipt = self.store.enqueue(kind, payload, key)
        assert receipt.item_id not in self.items
        assert receipt.reference not in {m.reference for m in self.items.values()}
        self.items[receipt.item_id] = ModelItem(
            key, kind, payload, receipt.reference, due=self.clock.now, age_from=self.clock.now)

    @rule(sender=st.sampled_from(SENDERS), limit=st.integers(1, 4))
    def claim(self, sender: str, limit: int) -> None:
        now = self.clock.now
        for m in self.items.values():
            if m.state is ItemState.PENDING and m.age_from < now - MAX_AGE_S:
                m.state = ItemState.DEAD
        due = sorted((m.due, i) for i, m in self.items.items()
                     if m.state is ItemState.PENDING and m.due <= now)
        expected = [i for _, i in due[:limit]]
        lease = self.leases[sender].lease_id
        got = self.store.claim(lease, limit, max_age_s=MAX_AGE_S)
        assert [g.item_id for g in got] == sorted(expected)
        for g in got:
            m = self.items[g.item_id]
            m.state, m.owner, m.attempts = ItemState.IN_FLIGHT, lease, m.attempts + 1
            assert (g.payload, g.idempotency_key, g.kind, g.attempts) == (
                m.payload, m.key, m.kind, m.attempts)

    @precondition(lambda self: any(self._in_flight(s) for s in SENDERS))
    @rule(data=st.data(), outcome=st.sampled_from(
        [ItemState.DELIVERED, ItemState.PENDING, ItemState.DEAD]),
        delay=st.floats(0, 100))
    def settle(self, data: st.DataObject, outcome: ItemState, delay: float) -> None:
        sender = data.draw(st.sampled_from([s for s in SENDERS if self._in_flight(s)]))
        item_id = data.draw(st.sampled_from(self._in_flight(sender)))
        lease = self.leases[sender].lease_id
        settlement = Settlement(item_id, outcome, confirmation="ok", error="boom",
                                next_attempt_at=self.clock.now + delay)
        assert self.store.settle(lease, [settlement]) == 1
        m = self.items[item_id]
        m.state, m.owner = outcome, None
        if outcome is ItemState.PENDING:
            m.due = self.clock.now + delay

    @rule(target=crashed_leases, sender=st.sampled_from(SENDERS))
    def crash(self, sender: str) -> str:
        """SIGKILL-like: the flock goes, nothing is settled; the process comes back."""
        old = self.leases[sender]
        os.close(old._fd)  # the kernel drops a dead process's flock; its file stays behind
        old._fd = None
        self.store.close()
        self.store = self._open()
        self.leases[sender] = SenderLease(self.settings.database, self.clock.now)
        return old.lease_id

    @rule()
    def reclaim(self) -> None:
        live = {lease.lease_id for lease in self.leases.values()}
        stale = [lease for lease in self.store.in_flight_leases()
                 if not lease_is_alive(self.settings.database, lease)]
        assert not set(stale) & live, "a live sender's items must never be reclaimed"
        count = self.store.reclaim(stale, max_attempts=MAX_ATTEMPTS)
        moved = 0
        for m in self.items.values():
            if m.state is ItemState.IN_FLIGHT and m.owner not in live:
                moved += 1
                m.owner = None
                if m.attempts >= MAX_ATTEMPTS:
                    m.state = ItemState.DEAD
                else:
                    m.state, m.due = ItemState.PENDING, self.clock.now
        assert count == moved

    @rule(lease=consumes(crashed_leases), data=st.data())
    def late_settle_of_crashed_sender(self, lease: str, data: st.DataObject) -> None:
        """Once its items were reclaimed, a crashed sender's late answer changes nothing."""
        self.reclaim()
        if not self.items:
            return
        item_id = data.draw(st.sampled_from(sorted(self.items)))
        assert self.store.settle(lease, [Settlement(item_id, ItemState.DELIVERED)]) == 0

    @rule(seconds=st.floats(0, 700))
    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @precondition(lambda self: bool(self._dead()))
    @rule(data=st.data(), discard=st.booleans())
    def technician(self, data: st.DataObject, discard: bool) -> None:
        item_id = data.draw(st.sampled_from(self._dead()))
        m = self.items[item_id]
        if discard:
            self.store.discard_dead(item_id)
            del self.items[item_id]
        else:
            self.store.retry_dead(item_id)
            m.state, m.attempts, m.due, m.age_from = (
                ItemState.PENDING, 0, self.clock.now, self.clock.now)

    # -- what must always hold ---------------------------------------------------------------
    @invariant()
    def store_matches_model(self) -> None:
        rows = {r["id"]: r for r in self.store._db.query(
            "SELECT id, state, claimed_by, attempts, idempotency_key FROM items")}
        expected = {i: m for i, m in self.items.items() if m.state is not ItemState.DELIVERED}
        assert set(rows) == set(expected)
        for item_id, m in expected.items():
            row = rows[item_id]
            assert (row["state"], row["claimed_by"], row["attempts"], row["idempotency_key"]) \
                == (m.state.value, m.owner, m.attempts, m.key)

    @invariant()
    def delivered_exactly_once_without_payload(self) -> None:
        receipts = [r for r in self.store.receipts() if r["outcome"] == "delivered"]
        keys = [r["idempotency_key"] for r in receipts]
        assert len(keys) == len(set(keys))
        assert set(keys) == {m.key for m in self.items.values()
                             if m.state is ItemState.DELIVERED}
        assert all("payload" not in r for r in receipts)

    @invariant()
    def counts_match(self) -> None:
        counts = self.store.status().counts
        for state in (ItemState.PENDING, ItemState.IN_FLIGHT, ItemState.DEAD,
                      ItemState.DELIVERED):
            assert counts[state] == sum(m.state is state for m in self.items.values())


    @invariant()
    def ledger_counts_nothing_lost(self) -> None:
        """Crashes of senders and late settles never look like loss (issue 29)."""
        loss = self.store.loss()
        assert (loss.lost, loss.resurrected) == (0, 0)
        waiting = sum(m.state is not ItemState.DELIVERED for m in self.items.values())
        assert loss.waiting == waiting and loss.accepted == loss.closed + loss.waiting


OutboxMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=50, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestOutboxStateMachine = OutboxMachine.TestCase
