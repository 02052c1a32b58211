"""The catalogue's services on the real kiosk stack: Linkage client, outbox, receipts.

Each runner is blocking and runs on a session worker thread. It returns what the citizen
sees (`ResultView`) and the receipt to print, or raises `SessionPortError` with the
Linkage client's message key and its Thai/English text. Successful and failed Linkage
calls are also connectivity evidence for the outbox's tracker (the menu's offline state).
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol

from kiosk.domain.identity import CardIdentity
from kiosk.domain.thai_date import ThaiDate
from kiosk.linkage import errors as E
from kiosk.linkage import models as M
from kiosk.linkage.messages import message_text
from kiosk.outbox.health import OutboxUnavailable, StoreHealth
from kiosk.outbox.linkage_deliverer import encode_audit, encode_submission
from kiosk.outbox.model import ItemKind
from kiosk.services import receipts as R
from kiosk.services import vocabulary as V
from kiosk.services.slip import SlipSigner
from kiosk.session.ports import AuditEvent, ServiceOutcome, ServiceRequest, SessionPortError
from kiosk.session.view import ResultView, Text

log = logging.getLogger("kiosk.services")


class _Linkage(Protocol):
    def query(self, consent: M.Consent, service_ids: Sequence[int],
              personal_id: str | None = None) -> Any: ...

    def card_status(self, personal_id: str, request_no: str,
                    chip_no: str | None = None) -> M.CardStatusResponse: ...


class _Outbox(Protocol):
    def enqueue(self, kind: ItemKind, payload: bytes, idempotency_key: str | None = None
                ) -> Any: ...


class _Evidence(Protocol):
    def record_probe(self, reachable: bool) -> None: ...


def linkage_failure(exc: E.LinkageError) -> SessionPortError:
    key = exc.message_key
    return SessionPortError(str(exc), message_key=key,
                            text=Text(message_text(key, "th"), message_text(key, "en")))


def _be_date(text: str | None, lang: str) -> str:
    if not text:
        return "-"
    try:
        return ThaiDate.parse_be(text.replace("-", "")).display(lang)  # type: ignore[arg-type]
    except ValueError:
        return text


class TicketCounter:
    """Counter-ticket numbers, one sequence per day, kept across restarts (no personal data)."""

    def __init__(self, path: Path, prefix: str = "A") -> None:
        self._path = path
        self._prefix = prefix
        self._lock = threading.Lock()

    def next(self, today: dt.date) -> str:
        with self._lock:
            try:
                state = json.loads(self._path.read_text("utf-8"))
            except (FileNotFoundError, ValueError):
                state = {}
            number = int(state.get("last", 0)) + 1 if state.get("day") == today.isoformat() else 1
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"day": today.isoformat(), "last": number}), "utf-8")
            os.replace(tmp, self._path)
        return f"{self._prefix}{number:03d}"


class KioskServices:
    def __init__(self, *, linkage: _Linkage, outbox: _Outbox, signer: SlipSigner,
                 tickets: TicketCounter, kiosk_id: str, office_code: str,
                 evidence: _Evidence | None = None,
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self._linkage = linkage
        self._outbox = outbox
        self._signer = signer
        self._tickets = tickets
        self._kiosk_id = kiosk_id
        self._office = office_code
        self._evidence = evidence
        self._now = now

    def runners(self) -> dict[str, Callable[[ServiceRequest], ServiceOutcome]]:
        return {
            "registry_record": self.registry_record,
            "card_status": self.card_status,
            "welfare_rights": self.welfare_rights,
            "submit_request": self.submit_request,
            "counter_ticket": self.counter_ticket,
        }

    # -- helpers -----------------------------------------------------------------------------

    def _ctx(self, request: ServiceRequest) -> R.SlipContext:
        return R.SlipContext(self._kiosk_id, self._office, _lang(request), self._now(),
                             request.consent.cid_masked)

    def _call(self, work: Callable[[], Any]) -> Any:
        try:
            answer = work()
        except E.TransportError as exc:
            self._reachable(False)
            raise linkage_failure(exc) from None
        except E.LinkageError as exc:
            self._reachable(True)
            raise linkage_failure(exc) from None
        self._reachable(True)
        return answer

    def _reachable(self, reachable: bool) -> None:
        if self._evidence is not None:
            self._evidence.record_probe(reachable)

    def _consent(self, request: ServiceRequest) -> M.Consent:
        """Consent bound to the inserted card: its BP1 request number always, the chip
        serial when the reader could read it (the centre then checks it too)."""
        identity = _identity(request)
        return M.Consent(type="card", personalID=request.cid, requestNo=identity.request_no,
                         chipNo=identity.chip_no.upper() if identity.chip_no else None,
                         consentedAt=request.consent.given_at)

    def _query(self, request: ServiceRequest, services: Sequence[int]) -> Any:
        consent = self._consent(request)
        return self._call(lambda: self._linkage.query(consent, services))

    # -- 1. my registry record ---------------------------------------------------------------

    def registry_record(self, request: ServiceRequest) -> ServiceOutcome:
        lang = _lang(request)
        result = self._query(request, [M.ServiceId.PERSON, M.ServiceId.HOUSE_REGISTRATION])
        person_answer = result[M.ServiceId.PERSON]
        if person_answer.error is not None:
            raise linkage_failure(person_answer.error)
        person: M.PersonRecord = person_answer.data
        house_answer = result[M.ServiceId.HOUSE_REGISTRATION]
        house: M.HouseRegistration | None = house_answer.data
        name_th = " ".join(p for p in (person.titleTh, person.firstNameTh, person.middleNameTh,
                                       person.lastNameTh) if p)
        # The English name as the registry gives it, else as the card holds it.
        name_en = " ".join(p for p in (person.titleEn, person.firstNameEn, person.middleNameEn,
                                       person.lastNameEn) if p) or _card_name_en(request)
        sex = {"male": Text("ชาย", "Male"), "female": Text("หญิง", "Female")}.get(
            person.sex, Text("-", "-"))
        pairs: list[tuple[Text, str]] = R.name_pairs(name_th, name_en, lang)
        pairs += [
            (Text("วันเกิด", "Date of birth"), _be_date(person.birthDate, lang)),
            (Text("เพศ", "Sex"), sex.pick(lang)),
            (Text("สัญชาติ", "Nationality"), V.word("nationality", person.nationality, lang)),
        ]
        if house is not None:
            pairs += [
                (Text("รหัสประจำบ้าน", "House ID"), house.houseID),
                (R.in_thai(Text("ที่อยู่", "Address")), str(house.address.get("text", "")) or "-"),
            ]
            for i, member in enumerate(house.members, 1):
                relation = (f" ({V.word('relation', member.relation, lang)})"
                            if member.relation else "")
                pairs.append((R.in_thai(Text(f"ผู้อยู่อาศัย {i}", f"Resident {i}")),
                              f"{member.fullNameTh} {member.maskedID}{relation}"))
        title = Text("ข้อมูลทะเบียนราษฎร", "Civil registry record")
        # "partial" only when a Linkage service really failed, and the message says which.
        status = "ok" if house_answer.error is None else "partial"
        document, serial = R.registry_slip(title, pairs, self._ctx(request), self._signer)
        view = ResultView(
            service_id=request.service_id, title=title, rows=R.to_rows(pairs), status=status,
            message_key="result.partial.house" if house_answer.error else None,
            reference=serial)
        return ServiceOutcome(view, document)

    # -- 2. card status ------------------------------------------------------------------------

    def card_status(self, request: ServiceRequest) -> ServiceOutcome:
        lang = _lang(request)
        identity = _identity(request)
        answer: M.CardStatusResponse = self._call(lambda: self._linkage.card_status(
            request.cid, identity.request_no, identity.chip_no))
        expired_on_card = identity.is_expired(self._now().date())
        state = answer.cardState
        if state in ("active", "unknown") and expired_on_card:
            state = "expired"
        if answer.code == 4:
            state = "unknown"
        labels = {
            "active": Text("ใช้งานได้", "Valid"),
            "expired": Text("หมดอายุ", "Expired"),
            "revoked": Text("ถูกยกเลิก", "Revoked"),
            "replaced": Text("มีบัตรใบใหม่แทนแล้ว", "Replaced by a newer card"),
            "unknown": Text("ไม่พบข้อมูลบัตรนี้", "Card not found in the registry"),
        }
        latest = {True: Text("ใช่", "Yes"), False: Text("ไม่ใช่", "No"),
                  None: Text("-", "-")}[answer.isLatest]
        pairs = [
            (Text("สถานะบัตร", "Card status"), labels[state].pick(lang)),
            (Text("วันหมดอายุ", "Expires"), identity.expiry_date.display(lang)),
            (Text("เป็นบัตรใบล่าสุด", "Latest card"), latest.pick(lang)),
        ]
        title = Text("สถานะบัตรประชาชน", "ID card status")
        # The query succeeded whatever the card's state: a non-active card is an answer, not a
        # partial result; its message says what to do next.
        view = ResultView(service_id=request.service_id, title=title, rows=R.to_rows(pairs),
                          message_key=None if state == "active" else f"card_state.{state}")
        return ServiceOutcome(view, R.simple_slip(title, pairs, self._ctx(request)))

    # -- 3. welfare and health-insurance rights ------------------------------------------------

    def welfare_rights(self, request: ServiceRequest) -> ServiceOutcome:
        lang = _lang(request)
        result = self._query(request, [M.ServiceId.WELFARE, M.ServiceId.HEALTH_RIGHTS])
        welfare, health = result[M.ServiceId.WELFARE], result[M.ServiceId.HEALTH_RIGHTS]
        if welfare.error is not None and health.error is not None:
            raise linkage_failure(welfare.error)
        pairs: list[tuple[Text, str]] = []
        if health.data is not None:
            h: M.HealthRights = health.data
            pairs += [
                (Text("สิทธิรักษาพยาบาล", "Health scheme"),
                 (h.schemeNameTh if lang == "th" and h.schemeNameTh
                  else V.word("health", h.scheme, lang))),
                (R.in_thai(Text("โรงพยาบาลหลัก", "Main hospital")), h.mainHospital or "-"),
                (Text("ใช้ได้ถึง", "Valid until"),
                 Text("ไม่มีกำหนด", "No end").pick(lang) if h.validUntil == "99999999"
                 else _be_date(h.validUntil, lang)),
            ]
        if welfare.data is not None:
            rights: M.WelfareRights = welfare.data
            for right in rights.rights:
                extra = getattr(right, "nameTh" if lang == "th" else "nameEn", None)
                amount = (f" {V.amount_per_month(right.monthlyBaht, lang)}"
                          if right.monthlyBaht else "")
                pairs.append((Text("สวัสดิการ", "Welfare"),
                              f"{extra or V.word('program', right.scheme, lang)}: "
                              f"{V.word('welfare', right.status, lang)}{amount}"))
            if not rights.rights:
                pairs.append((Text("สวัสดิการ", "Welfare"),
                              Text("ไม่มีสิทธิ", "None").pick(lang)))
        title = Text("สิทธิสวัสดิการและการรักษาพยาบาล", "Welfare and health rights")
        failed = "welfare" if welfare.error else "health" if health.error else None
        view = ResultView(service_id=request.service_id, title=title, rows=R.to_rows(pairs),
                          status="partial" if failed else "ok",
                          message_key=f"result.partial.{failed}" if failed else None)
        return ServiceOutcome(view, R.simple_slip(title, pairs, self._ctx(request)))

    # -- 4. submit a request (queueable) ---------------------------------------------------------

    def submit_request(self, request: ServiceRequest) -> ServiceOutcome:
        submission = M.SubmissionRequest(
            kind="certified-copy", serviceID=int(M.ServiceId.HOUSE_REGISTRATION),
            personalID=request.cid, consentedAt=request.consent.given_at,
            payload={"document": "house_registration", "copies": 1,
                     "pickupOffice": self._office, "kioskID": self._kiosk_id})
        try:
            receipt = self._outbox.enqueue(ItemKind.SUBMISSION, encode_submission(submission),
                                           str(uuid.uuid4()))
        except OutboxUnavailable as exc:
            # The citizen needs one plain answer; the technician alert names the cause.
            raise SessionPortError(f"outbox unavailable ({exc.message_key})",
                                   message_key="service.unavailable_storage") from None
        title = Text("คำขอสำเนาทะเบียนบ้านฉบับรับรอง", "Certified house-registration copy")
        pairs = [
            (Text("รับเอกสารที่", "Pick up at"), V.office_name(self._office, _lang(request))),
        ]
        note = Text("เก็บใบนี้ไว้เพื่อรับเอกสาร คำขอจะถูกส่งอัตโนมัติ แม้ขณะนี้เครือข่ายขัดข้อง",
                    "Keep this receipt for pickup. The request is sent automatically, "
                    "even if the network is down now.")
        view = ResultView(service_id=request.service_id, title=title, rows=R.to_rows(pairs),
                          status="queued", message_key="service.queued",
                          reference=receipt.reference)
        return ServiceOutcome(view, R.request_receipt(title, receipt.reference, pairs,
                                                      self._ctx(request), note))

    # -- 5. counter ticket ---------------------------------------------------------------------

    def counter_ticket(self, request: ServiceRequest) -> ServiceOutcome:
        ctx = self._ctx(request)
        number = self._tickets.next(ctx.issued.astimezone(R.BANGKOK).date())
        title = Text("บัตรคิวเคาน์เตอร์", "Counter ticket")
        view = ResultView(service_id=request.service_id, title=title,
                          rows=R.to_rows([(Text("หมายเลขคิว", "Ticket"), number)]),
                          message_key="ticket.wait", reference=number)
        return ServiceOutcome(view, R.counter_ticket(number, ctx))


def _identity(request: ServiceRequest) -> CardIdentity:
    identity = request.identity
    if not isinstance(identity, CardIdentity):
        raise TypeError("the session's identity is not a CardIdentity")
    return identity


def _card_name_en(request: ServiceRequest) -> str:
    identity = request.identity
    return identity.name_en.display() if isinstance(identity, CardIdentity) else ""


def _lang(request: ServiceRequest) -> R.LanguageCode:
    return "en" if request.language == "en" else "th"


AUDIT_HOLD_EVENTS = 1000
"""Audit events kept in memory while the outbox cannot write (about 300 KB at most)."""


class OutboxAudit:
    """The session's audit events into the outbox (masked ID only), batched to the centre.

    When the outbox cannot write (disk full, read-only, corrupt), events are held in memory
    in order, up to `AUDIT_HOLD_EVENTS`, and written before the next event once it can: the
    consent is still recorded, so online services keep working; only the services that need
    the outbox leave the menu (``queue_accepting``). A full hold refuses (the query that
    waits on the consent then does not run). Held events are lost if the kiosk stops first:
    `held` says how many (health and metrics).
    """

    TYPES: ClassVar[dict[str, str]] = {"consent": "session.consent", "service": "session.service",
             "print": "session.print", "session_end": "session.end",
             "holder_verification": "session.holder_verification",
             "ui_fault": "session.ui_fault"}

    def __init__(self, outbox: _Outbox, kiosk_id: str) -> None:
        self._outbox = outbox
        self._kiosk_id = kiosk_id
        self._held: collections.deque[bytes] = collections.deque()
        self._lock = threading.Lock()

    @property
    def held(self) -> int:
        """Audit events waiting in memory for the outbox to write again."""
        with self._lock:
            return len(self._held)

    def _flush_held(self) -> None:
        while self._held:
            try:
                self._outbox.enqueue(ItemKind.AUDIT, self._held[0])
            except OutboxUnavailable:
                return
            self._held.popleft()
            if not self._held:
                log.warning("audit events held in memory are in the outbox again")

    def record(self, event: AuditEvent) -> None:
        services = [int(s) for s in event.details.get("linkage_services", "").split(",") if s]
        outcome = event.details.get("status") or event.details.get("reason") or \
            event.details.get("outcome") or event.details.get("ref") or \
            event.details.get("service")
        wire = M.AuditEvent(
            eventID=str(uuid.uuid4()), occurredAt=event.at, type=self.TYPES[event.kind],
            kioskID=self._kiosk_id, maskedID=event.cid_masked or None,
            services=services[:M.MAX_SERVICES_PER_QUERY],
            outcome=(outcome or None) and outcome[:64])
        payload = encode_audit(wire)
        with self._lock:
            self._flush_held()
            if not self._held:
                try:
                    self._outbox.enqueue(ItemKind.AUDIT, payload)
                    return
                except OutboxUnavailable as exc:
                    cause: Exception = exc
            else:
                cause = OutboxUnavailable(StoreHealth.UNAVAILABLE, "earlier events still held")
            if len(self._held) >= AUDIT_HOLD_EVENTS:
                raise cause
            self._held.append(payload)
            log.warning("audit event held in memory (%d held) while the outbox cannot write: %s",
                        len(self._held), cause)
