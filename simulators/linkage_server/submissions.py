"""Agency submissions (``POST /api/agency/submissions``): idempotent by ``Idempotency-Key``.

Stripe-style: the first answer to a key, even an error, is stored (`store.Store`) and is
what every repeat with the same payload gets back (``Idempotency-Replayed: true``); the
same key with another payload is refused (422), and a repeat while the first is still being
processed is told to retry (409). A key is retryable again if nothing was decided.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.domain import mask_cid
from kiosk.linkage import errors as E
from kiosk.linkage import models as M
from simulators.linkage_server.api import (
    ApiError,
    ServerPolicy,
    Wrap,
    error_response,
    invalid_body,
    json_response,
)
from simulators.linkage_server.data import SeedIndex
from simulators.linkage_server.limits import (
    MAX_REQUEST_BYTES,
    citizen_id_problem,
    consent_time_problem,
)
from simulators.linkage_server.store import (
    InFlight,
    KeyReused,
    Proceed,
    Replay,
    Store,
    StoredResponse,
    payload_hash,
)

SUBMISSIONS_PATH = "/api/agency/submissions"


def _is_canonical_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def submission_routes(store: Store, seeds: SeedIndex, policy: ServerPolicy, *, wrap: Wrap
                      ) -> list[Route]:
    """The submission route, wrapped like every other kiosk call (certificate + bearer)."""

    async def submit(request: Request, kiosk_id: str) -> Response:
        key = request.headers.get(M.IDEMPOTENCY_HEADER)
        if not key:
            raise ApiError(E.IdempotencyKeyMissing, "Idempotency-Key header required")
        if not _is_canonical_uuid(key):  # as docs/linkage-api.yaml says
            raise ApiError(E.InvalidRequest, "Idempotency-Key must be a lower-case UUID")
        raw = await request.body()
        if len(raw) > MAX_REQUEST_BYTES:
            raise ApiError(E.RequestTooLarge, "request larger than 64 KB")
        outcome = store.begin_submission(kiosk_id, key, payload_hash(raw))
        if isinstance(outcome, Replay):
            return Response(outcome.response.body, status_code=outcome.response.status,
                            media_type="application/json",
                            headers={"Idempotency-Replayed": "true"})
        if isinstance(outcome, InFlight):
            raise ApiError(E.SubmissionInProgress,
                           "a request with this Idempotency-Key is in progress", retry_after_s=1)
        if isinstance(outcome, KeyReused):
            raise ApiError(E.IdempotencyKeyReused,
                           "Idempotency-Key already used with a different payload")
        assert isinstance(outcome, Proceed)
        try:
            response = await process(raw)
        except ApiError as err:
            response = error_response(err)
        except BaseException:
            # Nothing decided: leave the key retryable rather than stuck in flight.
            store.finish_submission(kiosk_id, key, StoredResponse(500, b"{}"))
            raise
        # Stripe-style: the first answer, even an error, is what a repeat gets back.
        store.finish_submission(kiosk_id, key, StoredResponse(response.status_code,
                                                              bytes(response.body)))
        return response

    async def process(raw: bytes) -> Response:
        try:
            body = M.SubmissionRequest.model_validate_json(raw)
        except ValidationError as exc:
            raise invalid_body(exc) from None
        now = dt.datetime.now(dt.UTC)
        problem = (citizen_id_problem(body.personalID)
                   or consent_time_problem(body.consentedAt, now))
        if problem:
            raise ApiError(E.InvalidRequest, f"invalid request: {problem}")
        if seeds.citizen(body.personalID) is None:
            raise ApiError(E.NotFound, "personalID is not in the population registry")
        if policy.submission_processing_s:
            await asyncio.sleep(policy.submission_processing_s)
        receipt = M.SubmissionReceipt(
            submissionID=str(uuid.uuid4()), kind=body.kind, status="accepted",
            receivedAt=dt.datetime.now(dt.UTC), maskedID=mask_cid(body.personalID))
        return json_response(receipt, 201)

    return [Route(SUBMISSIONS_PATH, wrap(submit), methods=["POST"])]
