"""Every receipt the kiosk prints, for every synthetic citizen, in both languages.

The slips are built by the kiosk's own service runners (`kiosk.services.runners`), fed
from the seed dataset through the reference server's seed view (`SeedIndex`) in-process,
without TLS: what is exercised is the receipt content, for the line-breaking, scanning,
localisation tests and the receipt benchmark. Fixed clock, fixed slip key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.linkage import models as M
from kiosk.linkage.answers import QueryResult, ServiceAnswer
from kiosk.receipts.model import Document
from kiosk.services.runners import KioskServices, TicketCounter
from kiosk.services.slip import SlipSigner
from kiosk.session.ports import ConsentRecord, ServiceRequest
from simulators.linkage_server.data import SeedIndex
from simulators.seeds import load_seeds

ISSUED = dt.datetime(2026, 11, 30, 16, 58, tzinfo=dt.UTC)  # 23:58 in Bangkok
SLIP_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KINDS = ("registry_record", "card_status", "welfare_rights", "submit_request",
         "counter_ticket")


@dataclass(frozen=True)
class SeedSlip:
    cid: str
    kind: str
    language: str
    document: Document


class _SeedLinkage:
    """The Linkage client's two calls, answered from the seed view (no network)."""

    def __init__(self, index: SeedIndex) -> None:
        self._index = index

    def query(self, consent: M.Consent, service_ids: Sequence[int],
              personal_id: str | None = None) -> QueryResult:
        pid = personal_id or consent.personalID
        answers = {}
        for sid in service_ids:
            data = self._index.service_data(pid, M.ServiceId(sid))
            model = M.SERVICE_MODELS[int(sid)]
            parsed = model.model_validate(data) if data is not None else None
            answers[int(sid)] = ServiceAnswer(int(sid), parsed, None, 1.0, ISSUED)
        return QueryResult("seed", answers, 1.0, ISSUED)

    def card_status(self, personal_id: str, request_no: str,
                    chip_no: str | None = None) -> M.CardStatusResponse:
        card = self._index.card(personal_id)
        if card is None:
            return M.CardStatusResponse(code=4, desc="not found", isError=False,
                                        cardState="unknown", isLatest=None)
        state = "expired" if card.state == "active" and card.expired else card.state
        return M.CardStatusResponse(code=0, desc="ok", isError=False, cardState=state,
                                    isLatest=card.is_latest, expiresOn=card.expiry)


class _Outbox:
    def __init__(self) -> None:
        self.count = 0

    def enqueue(self, kind: Any, payload: bytes, idempotency_key: str | None = None) -> Any:
        self.count += 1

        @dataclass(frozen=True)
        class Receipt:
            reference: str

        return Receipt(f"KIOSK-20261130-{862500 + self.count:06d}")


def seed_slips(kinds: Sequence[str] = KINDS, languages: Sequence[str] = ("th", "en"),
               state_dir: Path | None = None, limit: int | None = None
               ) -> Iterator[SeedSlip]:
    """Every slip kind for every seed citizen (household heads first), per language."""
    import tempfile

    seeds = load_seeds()
    index = SeedIndex.from_seeds(seeds)
    tmp = Path(state_dir or tempfile.mkdtemp(prefix="seed-slips-"))
    services = KioskServices(
        linkage=_SeedLinkage(index), outbox=_Outbox(),
        signer=SlipSigner(SLIP_KEY, "BKK-1017-01"),
        tickets=TicketCounter(tmp / "tickets.json"), kiosk_id="BKK-1017-01",
        office_code="1017", now=lambda: ISSUED)
    runners = services.runners()
    for n, citizen in enumerate(seeds.citizens):
        if limit is not None and n >= limit:
            return
        identity = citizen.identity()
        for kind in kinds:
            for language in languages:
                consent = ConsentRecord("seed", ISSUED, (kind,), (1, 10),
                                        identity.citizen_id.masked())
                request = ServiceRequest("seed", kind, identity.citizen_id.digits, identity,
                                         consent, language, True)
                outcome = runners[kind](request)
                if isinstance(outcome.receipt, Document):
                    yield SeedSlip(citizen.cid, kind, language, outcome.receipt)


def largest_registry_slip(language: str = "th") -> SeedSlip:
    """The registry slip of the seed citizen with the most household members."""
    seeds = load_seeds()
    sizes = {str(m["cid"]): len(h.get("members", ())) for h in seeds.households
             for m in h.get("members", ())}
    biggest = max(seeds.citizens, key=lambda c: (sizes.get(c.cid, 0), c.cid))
    for slip in seed_slips(("registry_record",), (language,)):
        if slip.cid == biggest.cid:
            return slip
    raise LookupError("no registry slip for the largest household")
