"""Values that cross the outbox's boundaries: item kinds and states, receipts, delivery
results, and the `Deliverer` port the sender hands items to."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kiosk.outbox.ledger import LossCount


class ItemKind(enum.StrEnum):
    SUBMISSION = "submission"
    """A citizen's service request: the citizen holds a receipt with its reference."""
    AUDIT = "audit"
    """An audit event of the kiosk (who used which service when), batched to the server."""


class ItemState(enum.StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DELIVERED = "delivered"
    """Only a non-personal receipt record remains; the payload is purged."""
    DEAD = "dead"
    """Given up (permanent error, too many attempts, too old); kept for a technician."""


@dataclass(frozen=True, slots=True)
class EnqueueReceipt:
    """What `enqueue` returns once the item is durably stored."""

    item_id: str
    reference: str
    """The number printed on the citizen's receipt."""
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class OutgoingItem:
    """A claimed item, decrypted, on its way to the server."""

    item_id: str
    reference: str
    idempotency_key: str
    kind: ItemKind
    payload: bytes
    created_at: float
    attempts: int
    """Including the current one."""
    age_from: float
    """Start of the item's life for ``max_age_hours`` (created, or retried by a technician)."""


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    """Temporary: network down, timeout, 5xx, 429, 409 (still processing)."""
    PERMANENT = "permanent"
    """The server will never accept this item as it is (4xx such as 422 validation)."""


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    outcome: Outcome
    confirmation: str = ""
    """Server's confirmation for a delivered item (non-personal, e.g. its request id)."""
    reason: str = ""
    """Why a delivery failed: short, technical, without personal data."""
    retry_after_s: float | None = None
    """The server's Retry-After, when it sent one."""
    reached_server: bool = True
    """False when no HTTP answer came back (connection refused, DNS, timeout)."""

    @classmethod
    def delivered(cls, confirmation: str) -> DeliveryResult:
        return cls(Outcome.DELIVERED, confirmation=confirmation)

    @classmethod
    def retry(
        cls, reason: str, *, retry_after_s: float | None = None, reached_server: bool = True
    ) -> DeliveryResult:
        return cls(
            Outcome.RETRY, reason=reason, retry_after_s=retry_after_s,
            reached_server=reached_server,
        )

    @classmethod
    def permanent(cls, reason: str) -> DeliveryResult:
        return cls(Outcome.PERMANENT, reason=reason)


class Deliverer(Protocol):
    """Where the sender hands claimed items: the one point where the outbox meets the network.

    ``deliver`` yields (or returns) one result per item, in order, as soon as each is known
    (the sender records them as they come), and must not raise for network or server
    trouble (it reports a RETRY instead). ``probe`` is a cheap reachability check.
    """

    def deliver(self, items: Sequence[OutgoingItem]) -> Iterable[DeliveryResult]: ...

    def probe(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class DeadItem:
    item_id: str
    reference: str
    kind: ItemKind
    attempts: int
    created_at: float
    dead_at: float | None
    reason: str


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """Counts and the dead list: nothing personal, safe to print on the maintenance menu."""

    counts: dict[ItemState, int]
    oldest_pending_at: float | None
    next_attempt_at: float | None
    dead: tuple[DeadItem, ...] = field(default=())
    connectivity: str = "unknown"
    schema_version: int = 0
    loss: LossCount | None = None
    """Accepted items the store no longer has and never delivered (`kiosk.outbox.ledger`)."""
    receipts_purged: int = 0
    """Receipts deleted past ``receipt_retention_days`` (so DELIVERED counts the kept ones)."""
