"""In-process devices for the session engine's unit tests.

The card, the services and the printer here are in-process simulators of the session's
ports (no pcscd, network or paper): the state machine, the timers and the stale-answer
rules are what these tests check. The end-to-end tests in this folder use the real stack.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.domain.citizen_id import generate
from kiosk.session.catalogue import Catalogue, load_catalogue
from kiosk.session.engine import SessionEngine, Timeouts
from kiosk.session.holder import HolderCheck, HolderOutcome, HolderStart
from kiosk.session.ports import (
    AuditEvent,
    CardEvent,
    CardEventKind,
    CardRead,
    PrintResult,
    ServiceOutcome,
    ServiceRequest,
    SessionPortError,
)
from kiosk.session.view import (
    IdentitySummary,
    PrintStatus,
    ResultRow,
    ResultView,
    Screen,
    SessionView,
    Text,
)
from simulators.session_ports import ManualClock, StaticConnectivity
from simulators.vcard.pcsc_stack import PcscStack

from .stack import Stack, kiosk_slot, real_stack

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "config" / "services.toml"


def citizen(n: int) -> CardRead:
    cid = generate(1, "1017", 10000 + n)
    summary = IdentitySummary(
        cid_display=cid.formatted(),
        cid_masked=cid.masked(),
        name_th=f"นาย ทดสอบ{n} ใจดี",
        name_en=f"Mr. Test{n} Jaidee",
        birth_date=Text("1 ม.ค. 2530", "1 Jan 1987"),
        address=f"{n} หมู่ 1 ตำบลทดสอบ",
        card_expiry=Text("1 ม.ค. 2575", "1 Jan 2032"),
        card_expired=False,
    )
    return CardRead(cid=cid.digits, summary=summary, identity={"n": n})


class SimCard:
    """A card slot: `insert(n)` / `remove()` raise driver-like events synchronously."""

    def __init__(self) -> None:
        self.listener: Callable[[CardEvent], None] | None = None
        self.card: CardRead | None = None
        self.read_delay: Callable[[], float] = lambda: 0.0
        self.fail_next: SessionPortError | None = None
        self.photo = b"\xff\xd8photo\xff\xd9"
        self._lock = threading.Lock()

    def start(self, listener: Callable[[CardEvent], None]) -> None:
        self.listener = listener
        listener(CardEvent(CardEventKind.READER_ATTACHED, "sim"))

    def stop(self) -> None:
        self.listener = None

    def _emit(self, kind: CardEventKind) -> None:
        assert self.listener is not None
        self.listener(CardEvent(kind, "sim"))

    def insert(self, n: int) -> CardRead:
        with self._lock:
            self.card = citizen(n)
        self._emit(CardEventKind.INSERTED)
        return self.card

    def remove(self) -> None:
        with self._lock:
            self.card = None
        self._emit(CardEventKind.REMOVED)

    def detach(self) -> None:
        self.card = None
        self._emit(CardEventKind.READER_DETACHED)

    def attach(self) -> None:
        self._emit(CardEventKind.READER_ATTACHED)

    def read_identity(self) -> CardRead:
        time.sleep(self.read_delay())
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            raise exc
        with self._lock:
            card = self.card
        if card is None:
            raise SessionPortError("gone", message_key="card.removed_during_read",
                                   recoverable=False)
        return card

    def read_photo(self, progress: Callable[[float], None]) -> bytes:
        for i in range(1, 5):
            progress(i / 4)
        return self.photo


@dataclass
class SimServices:
    """Runs every catalogue handler; each answer names the citizen it was asked about."""

    delay: Callable[[], float] = lambda: 0.0
    gate: threading.Event | None = None
    fail: SessionPortError | None = None
    calls: list[ServiceRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def runner(self, request: ServiceRequest) -> ServiceOutcome:
        with self.lock:
            self.calls.append(request)
        if self.gate is not None:
            assert self.gate.wait(30)
        time.sleep(self.delay())
        if self.fail is not None:
            raise self.fail
        return ServiceOutcome(
            result=ResultView(
                service_id=request.service_id,
                title=Text("ผล", "Result"),
                rows=(ResultRow(Text("เลขประจำตัว", "ID"), request.cid),),
            ),
            receipt={"cid": request.cid, "session": request.session_id},
        )

    def runners(self) -> dict[str, Callable[[ServiceRequest], ServiceOutcome]]:
        handlers = ("registry_record", "card_status", "welfare_rights", "submit_request",
                    "counter_ticket")
        return dict.fromkeys(handlers, self.runner)


@dataclass
class SimHolder:
    """The ThaID gateway as the session sees it: `mode` is what the phone does ("holder",
    "other", "none" = nobody confirms, "down", "refused"). The real gateway and provider
    are tested in tests/holder."""

    mode: str = "holder"
    starts: list[str] = field(default_factory=list)
    polls: int = 0

    def start(self, cid: str) -> HolderStart:
        self.starts.append(cid)
        if self.mode == "down":
            return HolderStart("", "", HolderOutcome.PROVIDER_DOWN)
        return HolderStart(f"v{len(self.starts)}", f"https://thaid.example/auth?n={len(self.starts)}")

    def poll(self, verification_id: str) -> HolderCheck:
        self.polls += 1
        outcome = {"holder": HolderOutcome.HOLDER, "other": HolderOutcome.MISMATCH,
                   "refused": HolderOutcome.REFUSED}.get(self.mode, HolderOutcome.PENDING)
        return HolderCheck(outcome, ial=2.3 if outcome is HolderOutcome.HOLDER else None)


@dataclass
class SimPrinter:
    delay: Callable[[], float] = lambda: 0.0
    status: PrintStatus = PrintStatus.PRINTED
    printed: list[tuple[str, object]] = field(default_factory=list)
    gate: threading.Event | None = None

    def print_receipt(self, session_id: str, document: object) -> PrintResult:
        if self.gate is not None:
            assert self.gate.wait(30)
        time.sleep(self.delay())
        if self.status is PrintStatus.PRINTED:
            self.printed.append((session_id, document))
            return PrintResult(PrintStatus.PRINTED)
        return PrintResult(self.status, "printer.paper_out")


@dataclass
class Audit:
    events: list[AuditEvent] = field(default_factory=list)

    def record(self, event: AuditEvent) -> None:
        self.events.append(event)


@dataclass
class Rig:
    engine: SessionEngine
    card: SimCard
    services: SimServices
    printer: SimPrinter
    audit: Audit
    clock: ManualClock
    net: StaticConnectivity
    views: list[SessionView]
    holder: SimHolder = field(default_factory=SimHolder)
    """The engine's holder port (rigs built without one leave it unused)."""

    def wait(self, screen: Screen, timeout: float = 10.0) -> SessionView:
        return self.engine.wait_for(lambda v: v.screen is screen, timeout)

    def to_menu(self, n: int = 1) -> SessionView:
        self.card.insert(n)
        self.wait(Screen.IDENTITY)
        self.engine.proceed()
        self.wait(Screen.CONSENT)
        self.engine.give_consent()
        return self.wait(Screen.MENU)

    def to_result(self, n: int = 1, service: str = "card_status") -> SessionView:
        self.to_menu(n)
        self.engine.choose_service(service)
        return self.wait(Screen.RESULT)


@pytest.fixture
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE)


@pytest.fixture
def rig(catalogue: Catalogue) -> Iterator[Rig]:
    card, services, printer, audit = SimCard(), SimServices(), SimPrinter(), Audit()
    clock, net, holder = ManualClock(), StaticConnectivity(), SimHolder()
    engine = SessionEngine(
        card=card, runners=services.runners(), printer=printer, connectivity=net,
        audit=audit, catalogue=catalogue, clock=clock, kiosk_id="TEST-0001",
        timeouts=Timeouts(holder_poll_s=0.01), holder=holder,
    )
    clock.settle = engine.sync
    views: list[SessionView] = []
    engine.subscribe(views.append)
    engine.start()
    engine.sync()
    try:
        yield Rig(engine, card, services, printer, audit, clock, net, views, holder)
    finally:
        if services.gate is not None:
            services.gate.set()
        if printer.gate is not None:
            printer.gate.set()
        engine.stop()


def random_delay(rng: random.Random, top: float) -> Callable[[], float]:
    lock = threading.Lock()

    def delay() -> float:
        with lock:
            return rng.uniform(0, top)

    return delay


def quiesce(engine: SessionEngine, timeout: float = 30.0) -> None:
    """Wait until the engine's worker pools have finished all work handed to them so far,
    then until the engine has handled what they posted. Each pool gets one barrier task per
    worker: when all of them run at once, every earlier task has ended."""
    for pool in (engine._card_pool, engine._net_pool, engine._print_pool, engine._audit_pool):
        workers = pool._max_workers
        barrier = threading.Barrier(workers + 1)
        for _ in range(workers):
            pool.submit(barrier.wait, timeout)
        barrier.wait(timeout)  # raises BrokenBarrierError: loud, not silent
    engine.sync(timeout)


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for work on another thread (not a timing assertion: the limit is generous)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.005)


class CheckablePrinter(SimPrinter):
    """A printer whose state can be asked (as `PrintServicePort.check_ready`)."""

    def check_ready(self) -> bool:
        return self.status is PrintStatus.PRINTED


@pytest.fixture
def pcsc_kiosk(pcsc_stack: PcscStack, tmp_path: Path) -> Iterator[Stack]:
    """The real stack with its card through the shared pcscd + vpcd (`kiosk_slot`)."""
    slot = kiosk_slot(pcsc_stack)
    with real_stack(tmp_path / "kiosk", vpcd_port=slot.port, reader_filter=slot.reader) as s:
        yield s
