"""Salvage: every readable row of a damaged outbox file copied into the store, safe to
run again (`kiosk.outbox.salvage` reads the file). A part of
`kiosk.outbox.store.OutboxStore`."""

from __future__ import annotations

from pathlib import Path

from kiosk.outbox.health import StoreHealth, TechnicianAlert
from kiosk.outbox.ledger import LossCount
from kiosk.outbox.salvage import SalvageResult, read_damaged_outbox
from kiosk.outbox.store_core import StoreCore, log


class StoreSalvage(StoreCore):
    def loss(self) -> LossCount:  # `StoreOpening.loss`
        raise NotImplementedError

    def _salvage_at_start(self, damaged: Path) -> None:
        """Copy every readable row of the file just set aside into this fresh store."""
        try:
            result = self.salvage_file(damaged)
            outcome = (f"{result.summary()} (copied into a fresh database; the damaged "
                       f"file is kept for inspection); counted by the ledger: "
                       f"{self.loss().summary()}")
        except Exception as exc:  # never let salvage stop the kiosk from starting
            log.exception("outbox salvage of %s failed", damaged)
            outcome = (f"salvage failed ({exc}); run `python -m kiosk outbox salvage "
                       f"{damaged}` after fixing the cause")
        self._alerts(
            TechnicianAlert(
                "outbox",
                StoreHealth.CORRUPT,
                f"outbox database failed its integrity check ({self._problem}); moved to "
                f"{damaged}; {outcome}",
            )
        )

    def salvage_file(self, damaged: Path) -> SalvageResult:
        """Import every readable item of a damaged outbox file; safe to run again.

        Items already here (by id or key), or already delivered from here, are skipped, so
        a second run over the same file delivers nothing twice. In-flight items come back
        as pending (the server deduplicates by idempotency key if one had reached it).
        """
        result = read_damaged_outbox(damaged, self._sealer)
        now = self._clock()
        assert self._ledger is not None
        with self._write():
            seq_last = self._seq_last()
            known = max(seq_last, self._ledger.accepted())
            back: list[int] = []
            for item in result.items:
                taken = self._conn.execute(
                    "SELECT 1 FROM items WHERE id = ? OR idempotency_key = ? UNION ALL "
                    "SELECT 1 FROM receipts WHERE item_id = ? OR idempotency_key = ?",
                    (item.item_id, item.idempotency_key, item.item_id, item.idempotency_key),
                ).fetchone()
                if taken is not None:
                    continue
                state = "dead" if item.state == "dead" else "pending"
                reference = self._salvaged_reference(item.reference, now)
                seq = item.seq
                if seq is None or seq > known or self._conn.execute(
                        "SELECT 1 FROM items WHERE seq = ?", (seq,)).fetchone():
                    # Not of this ledger's lineage (another file, or before v2): a new
                    # number, accepted and waiting at once, so it changes no loss count.
                    seq_last = seq = max(seq_last, known) + 1
                    known = seq
                else:
                    back.append(seq)
                self._conn.execute(
                    "INSERT INTO items (id, reference, idempotency_key, kind, payload, "
                    "created_at, age_from, attempts, next_attempt_at, last_error, state, "
                    "dead_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (item.item_id, reference, item.idempotency_key, item.kind,
                     item.payload, item.created_at, item.age_from, item.attempts,
                     now if state == "pending" else item.next_attempt_at, item.last_error,
                     state, item.dead_at if state == "dead" else None, seq),
                )
                result.imported += 1
            self._set_meta("seq_last", seq_last)
            self._set_meta("last_salvage", f"{damaged}: {result.summary()}")
            self._ledger.raise_accepted(seq_last)
            closed_before = self._ledger.closed_among(back)
            if closed_before:  # delivered once, its receipt lost with the file: sent again
                self._ledger.mark_resurrected(closed_before)
        self.salvage = result
        log.warning("outbox salvage of %s: %s (%d imported, %d already delivered)",
                    damaged, result.summary(), result.imported, result.already_delivered)
        return result

    def _salvaged_reference(self, reference: str, now: float) -> str:
        """Keep a salvaged item's reference (the citizen holds it) and move the day's
        counter past it, so no new item is ever given the same number."""
        prefix, _, rest = reference.rpartition("-")
        day = prefix.rpartition("-")[2]
        if rest.isdigit() and len(day) == 8 and day.isdigit():
            row = self._conn.execute(
                "SELECT last FROM reference_counters WHERE day = ?", (day,)).fetchone()
            if row is not None:
                last = int(row[0])
            elif self._get_meta("created_day") == day:
                last = int(self._get_meta("created_floor") or 0)  # type: ignore[call-overload]
            else:
                last = 0
            self._conn.execute(
                "INSERT INTO reference_counters (day, last) VALUES (?, ?) "
                "ON CONFLICT (day) DO UPDATE SET last = excluded.last",
                (day, max(last, int(rest))),
            )
        taken = self._conn.execute(
            "SELECT 1 FROM items WHERE reference = ? UNION ALL "
            "SELECT 1 FROM receipts WHERE reference = ?", (reference, reference)).fetchone()
        if taken is None:
            return reference
        fresh = self._next_reference(now)  # a clash with an item made after the damage
        log.warning("salvaged reference %s was already in use: now %s", reference, fresh)
        return fresh

