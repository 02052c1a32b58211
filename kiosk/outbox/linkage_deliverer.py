"""The real `Deliverer`: outbox items to the Linkage Center through `LinkageClient`.

Payloads in the outbox are the wire JSON of the Linkage contract: a submission item holds a
`SubmissionRequest`, an audit item an `AuditEvent` (use `encode_submission` /
`encode_audit` when enqueuing). Submissions go one by one with the item's Idempotency-Key;
audit events go in batches (the server deduplicates them by event ID).

Submissions go up to ``concurrency`` at a time (`OutboxSettings.delivery_concurrency`),
each on a pooled HTTP/1.1 connection of its own (the client's pool holds that many), while
results are still yielded in item order: the sender records each as it would one at a
time, so leases, idempotency keys and the ledger work as before. An item whose answer
never came back (crash, kill) is still in flight under the lease and is sent again with
the same key later; the centre deduplicates it.

The client is built with a single attempt per call: retry timing belongs to the outbox
(its backoff survives restarts), not to an in-memory loop. A 401 still gets the client's
one re-login. After the first "cannot reach the server" in a batch, no further item of the
batch is started (each would wait for its own connect timeout): those share that result.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from pydantic import ValidationError

from kiosk.config.settings import Settings
from kiosk.linkage import errors as E
from kiosk.linkage import models as M
from kiosk.linkage.client import LinkageClient
from kiosk.linkage.retry import RetryPolicy as ClientRetryPolicy
from kiosk.outbox.model import DeliveryResult, ItemKind, OutgoingItem

log = logging.getLogger(__name__)

AUDIT_BATCH_MAX = 500  # the contract's limit per call

# Conditions of the kiosk or the centre, not of the item: retry later, never dead-letter.
_KIOSK_WIDE: tuple[type[E.LinkageError], ...] = (
    E.NotLoggedIn, E.OutsideServiceHours, E.QuotaExceeded, E.NoLinkageRights, E.NoJobRights,
    E.NoServiceRights, E.ProtocolError, E.ProviderError,
)


def encode_submission(request: M.SubmissionRequest) -> bytes:
    return request.model_dump_json().encode()


def encode_audit(event: M.AuditEvent) -> bytes:
    return event.model_dump_json().encode()


def result_for(error: E.LinkageError) -> DeliveryResult:
    """How an item whose call failed with ``error`` continues."""
    reason = f"{type(error).__name__}: {error}"[:300]
    if isinstance(error, E.TransportError):
        reached = error.status_code is not None  # an HTTP answer came (5xx after retries)
        return DeliveryResult.retry(
            reason, retry_after_s=error.retry_after_s, reached_server=reached)
    status = error.status_code or error.http_status
    if error.retryable or isinstance(error, _KIOSK_WIDE) or status >= 500:
        return DeliveryResult.retry(reason, retry_after_s=error.retry_after_s)
    return DeliveryResult.permanent(reason)  # this item will never be accepted as it is


class LinkageDeliverer:
    def __init__(self, client: LinkageClient, *, concurrency: int = 1) -> None:
        if not 1 <= concurrency <= client.max_connections:
            raise ValueError(f"concurrency must be 1-{client.max_connections} (the client's "
                             f"pooled connections), not {concurrency}")
        self.client = client
        self.concurrency = concurrency
        self._pool: ThreadPoolExecutor | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **client_overrides: Any) -> LinkageDeliverer:
        link = settings.linkage
        single_try = ClientRetryPolicy(max_attempts=1, total_s=link.total_timeout_s)
        concurrency = settings.outbox.delivery_concurrency
        client_overrides.setdefault("max_connections", concurrency)
        return cls(LinkageClient.from_settings(settings, retry=single_try, **client_overrides),
                   concurrency=concurrency)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self.client.close()

    def deliver(self, items: Sequence[OutgoingItem]) -> Iterator[DeliveryResult]:
        """Results in item order, each as soon as it is known (the sender records them)."""
        unreachable: DeliveryResult | None = None
        audit_results: dict[int, DeliveryResult] = {}
        started: dict[int, Future[DeliveryResult]] = {}
        next_start = 0

        def start_more() -> None:
            """Keep up to ``concurrency`` submissions in flight, in item order."""
            nonlocal next_start
            while (self.concurrency > 1 and unreachable is None and next_start < len(items)
                   and len(started) < self.concurrency):
                if items[next_start].kind is not ItemKind.AUDIT:
                    started[next_start] = self._executor().submit(
                        self._submit, items[next_start])
                next_start += 1

        try:
            for index, item in enumerate(items):
                start_more()
                if item.kind is ItemKind.AUDIT:
                    if index not in audit_results:
                        # Send this and every later audit item of the batch together.
                        audit_results.update(self._send_audits(items, index, unreachable))
                    result = audit_results[index]
                elif index in started:
                    result = started.pop(index).result()
                elif unreachable is not None:
                    result = unreachable
                else:
                    result = self._submit(item)
                if not result.reached_server:
                    unreachable = result  # the rest would only wait for their own timeouts
                yield result
        finally:
            # Abandoned early: let what is on the wire finish (its item stays in flight
            # under the lease and is sent again with the same key, deduplicated).
            for future in started.values():
                future.cancel()

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.concurrency,
                                            thread_name_prefix="outbox-deliver")
        return self._pool

    def _send_audits(
        self, items: Sequence[OutgoingItem], first: int, unreachable: DeliveryResult | None
    ) -> dict[int, DeliveryResult]:
        results: dict[int, DeliveryResult] = {}
        events: list[tuple[int, M.AuditEvent]] = []
        for index in range(first, len(items)):
            if items[index].kind is not ItemKind.AUDIT:
                continue
            try:
                events.append((index, M.AuditEvent.model_validate_json(items[index].payload)))
            except ValidationError as exc:
                results[index] = _unreadable(exc)
        for start in range(0, len(events), AUDIT_BATCH_MAX):
            chunk = events[start : start + AUDIT_BATCH_MAX]
            outcome = unreachable or self._send_audit([event for _, event in chunk])
            if not outcome.reached_server:
                unreachable = outcome
            results.update((index, outcome) for index, _ in chunk)
        return results

    def _submit(self, item: OutgoingItem) -> DeliveryResult:
        try:
            request = M.SubmissionRequest.model_validate_json(item.payload)
        except ValidationError as exc:
            return _unreadable(exc)
        try:
            submitted = self.client.submit(request, item.idempotency_key)
        except E.LinkageError as exc:
            return result_for(exc)
        receipt = submitted.receipt
        replay = " (replayed)" if submitted.replayed else ""
        return DeliveryResult.delivered(f"submission {receipt.submissionID}{replay}")

    def _send_audit(self, events: list[M.AuditEvent]) -> DeliveryResult:
        try:
            ack = self.client.send_audit_events(events)
        except E.LinkageError as exc:
            return result_for(exc)
        return DeliveryResult.delivered(
            f"audit batch: {ack.accepted} accepted, {ack.duplicates} duplicates")

    def probe(self) -> bool:
        """Cheap: one authenticated GET. Any HTTP answer means the centre is reachable."""
        try:
            self.client.services()
        except E.TransportError as exc:
            return exc.status_code is not None
        except E.LinkageError:
            return True
        return True


def _unreadable(exc: ValidationError) -> DeliveryResult:
    return DeliveryResult.permanent(
        f"payload does not match the Linkage contract ({exc.error_count()} problems)")
