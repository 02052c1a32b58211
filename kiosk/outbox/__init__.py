"""Durable offline outbox: what a citizen submits is stored first, delivered exactly once.

- `store.OutboxStore`: the SQLite file (one owner thread per process).
- `service.Outbox`: the thread-safe face the kiosk uses (futures; health; connectivity).
- `sender.Sender`: claims due items and hands them to a `model.Deliverer`.
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
from kiosk.outbox.store import KeyMismatch, OutboxStore, SchemaTooNew, StoreError

__all__ = [
    "ConnectivityState",
    "ConnectivityTracker",
    "Deliverer",
    "DeliveryResult",
    "EnqueueReceipt",
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
