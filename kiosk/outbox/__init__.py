"""Durable offline outbox: what a citizen submits is stored first, delivered exactly once.

- `store.OutboxStore`: the SQLite file (WAL, ``synchronous=FULL``, ``BEGIN IMMEDIATE`` for
  every write, versioned schema, ``integrity_check`` at open; one per process).
- `service.Outbox`: the thread-safe face the kiosk uses: one owner thread per process runs
  every SQLite call; callers get futures (the UI uses ``*_async`` only). Storage failures
  become `health.StoreHealth` + a technician alert + `OutboxUnavailable`, never a crash.
- `sender.Sender`: claims due items (atomically, under a flock lease), hands them to a
  `model.Deliverer` (`linkage_deliverer.LinkageDeliverer` in the kiosk), records outcomes,
  backs off with full jitter, reclaims items of crashed senders.
- `connectivity.ConnectivityTracker`: online / degraded / offline from real outcomes + probe.
- `ledger.Ledger`: what was accepted, counted beside the store (sequence numbers, closed
  ranges): "N items lost" whatever happened to the store file (`OutboxStore.loss`).

Item life: pending → in_flight → delivered (only a receipt record stays: reference, time,
server confirmation; the sealed payload is deleted with ``secure_delete``) or → dead (with
the reason; kept ``dead_retention_days``; ``python -m kiosk outbox retry-dead|discard-dead``).
Payloads are AES-256-GCM sealed with the item id and idempotency key as associated data.

Reference numbers (on the citizen's receipt): ``{kiosk id}-{YYYYMMDD}-{NNNNNN}``, e.g.
``BKK-1017-01-20261125-000123`` — Bangkok date, per-day counter; see `ids`.
"""

from kiosk.outbox.connectivity import ConnectivityState, ConnectivityTracker
from kiosk.outbox.crypto import ensure_outbox_key
from kiosk.outbox.health import OutboxUnavailable, StoreHealth, TechnicianAlert
from kiosk.outbox.model import (
    Deliverer,
    DeliveryResult,
    EnqueueReceipt,
    ItemKind,
    ItemState,
    OutboxStatus,
    Outcome,
    OutgoingItem,
)
from kiosk.outbox.sender import RetryPolicy, Sender
from kiosk.outbox.service import Outbox
from kiosk.outbox.store import (
    InvalidIdempotencyKey,
    KeyMismatch,
    OutboxStore,
    SchemaTooNew,
    StoreError,
)

__all__ = [
    "ConnectivityState",
    "ConnectivityTracker",
    "Deliverer",
    "DeliveryResult",
    "EnqueueReceipt",
    "InvalidIdempotencyKey",
    "ItemKind",
    "ItemState",
    "KeyMismatch",
    "Outbox",
    "OutboxStatus",
    "OutboxStore",
    "OutboxUnavailable",
    "Outcome",
    "OutgoingItem",
    "RetryPolicy",
    "SchemaTooNew",
    "Sender",
    "StoreError",
    "StoreHealth",
    "TechnicianAlert",
    "ensure_outbox_key",
]
