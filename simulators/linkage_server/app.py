"""The reference Linkage Center: a Starlette app implementing docs/linkage-api.yaml.

Kiosk identity comes from the verified client certificate's CN (mutual TLS, enforced by
uvicorn with CERT_REQUIRED); the bearer token must belong to that same kiosk. Tokens and
login challenges live in memory (a restart logs every kiosk out, as a real centre would);
idempotency records, audit events and quotas live in SQLite (`store.py`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from kiosk.linkage import errors as E
from kiosk.linkage import models as M
from kiosk.linkage.pki import read_registry
from simulators.linkage_server.api import (
    ApiError,
    ModelT,
    ServerPolicy,
    error_response,
    invalid_body,
    json_response,
)
from simulators.linkage_server.contract import Contract, ContractMiddleware
from simulators.linkage_server.data import SeedIndex
from simulators.linkage_server.faults import FaultInjector, FaultKind, FaultMiddleware
from simulators.linkage_server.limits import (
    BODY_TIMEOUT_S,
    MAX_REQUEST_BYTES,
    REQUEST_ID_VALID,
    RequestIdMiddleware,
    RequestLimits,
    citizen_id_problem,
)
from simulators.linkage_server.store import Store
from simulators.linkage_server.submissions import submission_routes
from simulators.linkage_server.timing import ServerTiming, Timed
from simulators.linkage_server.tls import client_common_name

if TYPE_CHECKING:
    from simulators.linkage_server.holder import HolderGateway

BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")
CHALLENGE_TTL_S = 60.0
CLOCK_SKEW_S = 120.0

@dataclass
class _Token:
    kiosk_id: str
    expires_at: float
    personal_id: str | None = None
    """Login type 2 (ThaID): the token serves this person only."""


SERVICE_INFO = [
    M.ServiceInfo(serviceID=1, nameEn="Person record", nameTh="ข้อมูลทะเบียนบุคคล",
                  provider="DOPA"),
    M.ServiceInfo(serviceID=9, nameEn="Name-change history", nameTh="ประวัติการเปลี่ยนชื่อ",
                  provider="DOPA"),
    M.ServiceInfo(serviceID=10, nameEn="House registration (members)",
                  nameTh="ทะเบียนบ้าน (ผู้อาศัย)", provider="DOPA"),
    M.ServiceInfo(serviceID=32, nameEn="ID card issuance and status",
                  nameTh="ประวัติการทำบัตรและสถานะบัตร", provider="DOPA"),
    M.ServiceInfo(serviceID=144, nameEn="Person status", nameTh="สถานะบุคคล", provider="DOPA"),
    M.ServiceInfo(serviceID=901, nameEn="Welfare rights", nameTh="สิทธิสวัสดิการแห่งรัฐ",
                  provider="MSDHS"),
    M.ServiceInfo(serviceID=902, nameEn="Health-insurance rights", nameTh="สิทธิหลักประกันสุขภาพ",
                  provider="NHSO"),
]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LinkageServer:
    """Holds the state; `asgi_app` is what uvicorn serves."""

    def __init__(self, *, state_dir: Path, registry_file: Path, seeds: SeedIndex,
                 policy: ServerPolicy | None = None, faults: FaultInjector | None = None,
                 enable_admin: bool = True, holder: HolderGateway | None = None,
                 admin_token: str | None = None,
                 body_timeout_s: float = BODY_TIMEOUT_S) -> None:
        self.policy = policy or ServerPolicy()
        self.admin_token = admin_token or secrets.token_urlsafe(24)
        """``X-Admin-Token`` for ``/_admin/*`` (the CLI writes it to STATE_DIR/admin-token)."""
        self.faults = faults or FaultInjector()
        self.store = Store(Path(state_dir) / "linkage-server.sqlite3")
        self.registry_file = registry_file
        self.seeds = seeds
        self._tokens: dict[str, _Token] = {}
        self._challenges: dict[str, tuple[str, str, float]] = {}
        self._login_person: dict[str, str] = {}
        """Challenge id → the person a loginType 2 login is for."""
        routes = [
            Route("/api/center/login", self._wrap(self.login, auth=False), methods=["POST"]),
            Route("/api/center/login/confirm", self._wrap(self.login_confirm, auth=False),
                  methods=["POST"]),
            Route("/api/center/login/renew", self._wrap(self.renew), methods=["POST"]),
            Route("/api/center/services", self._wrap(self.services), methods=["GET"]),
            Route("/api/center/query", self._wrap(self.query), methods=["POST"]),
            Route("/api/center/card-status", self._wrap(self.card_status), methods=["POST"]),
            Route("/api/center/audit-events", self._wrap(self.audit_events), methods=["POST"]),
        ]
        routes += submission_routes(self.store, seeds, self.policy, wrap=self._wrap)
        from simulators.linkage_server.slip_verify import slip_routes  # officers' slip check

        routes += slip_routes(registry_file.parent)
        self.holder = holder
        if holder is not None:  # ThaID holder verification (holder.py, holder_routes.py)
            from simulators.linkage_server.holder_routes import kiosk_routes

            routes += kiosk_routes(holder, wrap=self._wrap, read_body=self._body)
        if enable_admin:
            from simulators.linkage_server.admin import admin_routes

            routes += admin_routes(self.faults, self.store, self.policy)
        starlette = Starlette(routes=routes)
        # Outermost the Server-Timing of everything the server does (`timing.py`); then
        # the request limits (nothing is buffered past them, not even by the contract
        # check); then every request and answer checked against docs/linkage-api.yaml.
        self.contract = Contract()
        app: ASGIApp = Timed(RequestIdMiddleware(FaultMiddleware(starlette, self.faults)),
                             "app")
        app = Timed(ContractMiddleware(app, self.contract), "contract")
        app = Timed(RequestLimits(app, admin_token=self.admin_token,
                                  body_timeout_s=body_timeout_s), "limits")
        self.asgi_app: ASGIApp = ServerTiming(app)

    # -- plumbing ---------------------------------------------------------------------------------
    def _wrap(self, handler: Callable[..., Awaitable[Response]], *, auth: bool = True
              ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                kiosk_id = client_common_name(request.scope)
                if kiosk_id is None:
                    raise ApiError(E.NoLinkageRights, "client certificate required")
                if auth:
                    self._authenticate(request, kiosk_id)
                if not request.scope.get(REQUEST_ID_VALID, False):
                    raise ApiError(E.InvalidRequest, "X-Request-ID header (UUID) required")
                return await handler(request, kiosk_id)
            except ApiError as err:
                return error_response(err)

        return endpoint

    def _authenticate(self, request: Request, kiosk_id: str) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ApiError(E.NotLoggedIn, "not logged in: bearer token required")
        entry = self._tokens.get(token)
        if entry is None or entry.kiosk_id != kiosk_id:
            raise ApiError(E.NotLoggedIn, "not logged in: unknown token")
        if entry.expires_at <= time.time() or self.faults.take(
            FaultKind.EXPIRED_TOKEN, request.url.path
        ):
            self._tokens.pop(token, None)
            raise ApiError(E.NotLoggedIn, "token expired")
        request.state.personal_id = entry.personal_id

    async def _body(self, request: Request, model: type[ModelT]) -> ModelT:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
            raise ApiError(E.RequestTooLarge, "request larger than 64 KB")
        raw = await request.body()
        if len(raw) > MAX_REQUEST_BYTES:
            raise ApiError(E.RequestTooLarge, "request larger than 64 KB")
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise ApiError(E.InvalidRequest, "content type must be application/json")
        try:
            return model.model_validate_json(raw)
        except ValidationError as exc:
            raise invalid_body(exc) from None

    @staticmethod
    def _check_person(request: Request, personal_id: str) -> None:
        """A loginType 2 token (ThaID) serves its own person only."""
        person = getattr(request.state, "personal_id", None)
        if person is not None and person != personal_id:
            raise ApiError(E.NoConsentRights, "this login serves another person")

    def _check_hours_and_quota(self, kiosk_id: str) -> None:
        now = dt.datetime.now(BANGKOK)
        hours = self.policy.service_hours
        if hours is not None and not (hours[0] <= now.time() < hours[1]):
            raise ApiError(
                E.OutsideServiceHours,
                f"outside permitted working hours "
                f"({hours[0]:%H:%M}-{hours[1]:%H:%M} Asia/Bangkok)",
            )
        if not self.store.take_quota(kiosk_id, now.date().isoformat(), self.policy.daily_quota):
            midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(),
                                           tzinfo=BANGKOK)
            raise ApiError(E.QuotaExceeded, "daily quota exceeded",
                           retry_after_s=(midnight - now).total_seconds())

    def _issue_token(self, kiosk_id: str, personal_id: str | None = None) -> M.TokenResponse:
        token = secrets.token_urlsafe(32)
        ttl = self.policy.token_ttl_s
        self._tokens[token] = _Token(kiosk_id, time.time() + ttl, personal_id)
        return M.TokenResponse(accessToken=token, tokenType="Bearer",
                               expiresAt=_utcnow() + dt.timedelta(seconds=ttl),
                               expiresIn=int(ttl))

    # -- login ------------------------------------------------------------------------------------
    async def login(self, request: Request, kiosk_id: str) -> Response:
        body = await self._body(request, M.LoginRequest)
        if body.kioskID != kiosk_id:
            raise ApiError(E.NoLinkageRights, "kioskID does not match the client certificate")
        if kiosk_id not in read_registry(self.registry_file):
            raise ApiError(E.NoLinkageRights, "kiosk not registered")
        person = None
        if body.loginType == 2:  # backed by ThaID: a decided, matching verification, once
            assert body.personalID is not None and body.verificationID is not None
            if self.holder is None or not self.holder.consume_for_login(
                    kiosk_id, body.verificationID, body.personalID):
                raise ApiError(E.CitizenNotLoggedIn, "no ThaID verification of this person")
            person = body.personalID
        now = time.time()
        self._challenges = {k: v for k, v in self._challenges.items() if v[2] > now}
        challenge_id = str(uuid.uuid4())
        challenge = base64.b64encode(secrets.token_bytes(32)).decode()
        self._challenges[challenge_id] = (kiosk_id, challenge, now + CHALLENGE_TTL_S)
        if person is not None:
            self._login_person[challenge_id] = person
        return json_response(M.LoginChallenge(
            challengeID=challenge_id, challenge=challenge,
            expiresAt=_utcnow() + dt.timedelta(seconds=CHALLENGE_TTL_S)))

    async def login_confirm(self, request: Request, kiosk_id: str) -> Response:
        body = await self._body(request, M.LoginConfirm)
        entry = self._challenges.pop(body.challengeID, None)  # one use only
        person = self._login_person.pop(body.challengeID, None)
        if entry is None or entry[0] != kiosk_id or body.kioskID != kiosk_id:
            raise ApiError(E.NotLoggedIn, "unknown or used challenge")
        _, challenge, expires = entry
        if expires < time.time():
            raise ApiError(E.NotLoggedIn, "challenge expired")
        public_b64 = read_registry(self.registry_file).get(kiosk_id)
        if public_b64 is None:
            raise ApiError(E.NoLinkageRights, "kiosk not registered")
        try:
            public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64))
            public.verify(base64.b64decode(body.signature, validate=True),
                          M.login_message(kiosk_id, challenge))
        except (InvalidSignature, ValueError, binascii.Error):
            raise ApiError(E.NotLoggedIn, "device signature invalid") from None
        return json_response(self._issue_token(kiosk_id, person))

    async def renew(self, request: Request, kiosk_id: str) -> Response:
        old = request.headers["authorization"].partition(" ")[2]
        entry = self._tokens.pop(old, None)
        return json_response(self._issue_token(kiosk_id, entry.personal_id if entry else None))

    async def services(self, request: Request, kiosk_id: str) -> Response:
        return json_response(M.ServiceList(services=SERVICE_INFO))

    # -- query ------------------------------------------------------------------------------------
    async def query(self, request: Request, kiosk_id: str) -> Response:
        started = time.perf_counter()
        body = await self._body(request, M.QueryRequest)
        allowed = self.policy.jobs.get(body.jobID)
        if allowed is None:
            raise ApiError(E.NoJobRights, "job not permitted for this kiosk")
        self._check_consent(body.consent)
        self._check_person(request, body.consent.personalID)
        self._check_hours_and_quota(kiosk_id)
        results = [self._one_service(item, body.consent, allowed) for item in body.data]
        return json_response(M.QueryResponse(
            data=results, executeTimeMs=(time.perf_counter() - started) * 1000,
            serverTime=_utcnow()))

    def _check_consent(self, consent: M.Consent) -> None:
        now = _utcnow()
        problem = citizen_id_problem(consent.personalID)
        if problem:
            raise ApiError(E.InvalidRequest, f"invalid request: {problem}")
        age = (now - consent.consentedAt).total_seconds()
        if consent.consentedAt.tzinfo is None or age > self.policy.consent_max_age_s:
            raise ApiError(E.CitizenNotLoggedIn, "consent missing or too old")
        if age < -CLOCK_SKEW_S:
            raise ApiError(E.CitizenNotLoggedIn, "consent time is in the future")
        card = self.seeds.card(consent.personalID)
        if card is None:
            raise ApiError(E.CardNotFound, "card not found")
        if (consent.chipNo is not None and card.chip_no is not None
                and card.chip_no.upper() != consent.chipNo.upper()):
            raise ApiError(E.InvalidSmartCard, "chip number does not match the card")
        if card.request_no != consent.requestNo:
            raise ApiError(E.InvalidSmartCard, "request number does not match the card")
        if card.state == "revoked":
            raise ApiError(E.InvalidSmartCard, "card revoked")
        if not card.is_latest:
            raise ApiError(E.CardNotLatest, "card is not the holder's latest card")

    def _one_service(self, item: M.ServiceRequest, consent: M.Consent,
                     allowed: frozenset[int]) -> M.ServiceResult:
        started = time.perf_counter()
        data: dict[str, Any] | None = None
        error: M.ErrorBody | None = None
        try:
            if item.serviceID not in {int(s) for s in M.ServiceId}:
                raise ApiError(E.ServiceNotFound, f"service {item.serviceID} not found")
            if item.serviceID not in allowed:
                raise ApiError(E.NoServiceRights, "no rights to this service")
            if item.query.personalID != consent.personalID:
                raise ApiError(E.NoConsentRights, "consent does not cover this person")
            found = self.seeds.service_data(item.query.personalID, M.ServiceId(item.serviceID))
            if found is None:
                raise ApiError(E.NotFound, "no record")
            data = found
        except ApiError as err:
            error = M.ErrorBody(errorNumber=err.error.error_number or 0, errorMessage=err.message)
        return M.ServiceResult(
            serviceID=item.serviceID, responseStatus="ok" if error is None else "error",
            responseData=data, responseError=error,
            responseTimeMs=(time.perf_counter() - started) * 1000, serverTime=_utcnow())

    # -- card status ------------------------------------------------------------------------------
    async def card_status(self, request: Request, kiosk_id: str) -> Response:
        body = await self._body(request, M.CardStatusRequest)
        self._check_person(request, body.personalID)
        self._check_hours_and_quota(kiosk_id)
        card = self.seeds.card(body.personalID)
        if card is None or card.request_no != body.requestNo or (
            body.chipNo is not None and card.chip_no is not None
            and body.chipNo.upper() != card.chip_no.upper()
        ):
            return json_response(M.CardStatusResponse(code=4, desc="not found or does not match",
                                              isError=False, cardState="unknown", isLatest=None))
        state = card.state
        if state == "active" and card.expired:
            state = "expired"
        return json_response(M.CardStatusResponse(
            code=0, desc="normal" if state == "active" else state, isError=False,
            cardState=state, isLatest=card.is_latest, expiresOn=card.expiry))

    # -- audit ------------------------------------------------------------------------------------
    async def audit_events(self, request: Request, kiosk_id: str) -> Response:
        body = await self._body(request, M.AuditBatch)
        if any(e.kioskID != kiosk_id for e in body.events):
            raise ApiError(E.NoLinkageRights, "events must be the calling kiosk's own")
        rows = [
            {
                "event_id": e.eventID, "kiosk_id": e.kioskID,
                "occurred_at": e.occurredAt.isoformat(), "type": e.type,
                "masked_id": e.maskedID or "", "services": json.dumps(e.services),
                "outcome": e.outcome or "",
            }
            for e in body.events
        ]
        accepted, duplicates = self.store.add_audit_events(rows)
        return json_response(M.AuditAck(accepted=accepted, duplicates=duplicates))
