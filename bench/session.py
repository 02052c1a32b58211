"""Session benchmark: scripted citizen sessions through the real stack.

Per session (seed citizen with an active card):

* ``insert_to_menu``: card inserted → the service menu is on screen. The citizen's own
  taps (continue, consent) are sent the instant their screen appears, so this is the
  kiosk's time: card detection, the identity read, three screens through the engine thread.
  With pcscd it includes pcscd's ~400 ms presence poll of vpcd, so also
* ``event_to_menu``: the driver's CardInserted (the session's first view, READING) → menu.
* ``menu_to_printed``: "my registry record" chosen on the menu → the printer confirmed the
  slip: a Linkage query (person + house registration) over mutual TLS, the result screen,
  the Ed25519-signed QR, rendering the Thai slip, ESC/POS to the virtual printer over TCP
  and its status answer.

Baselines, measured in the same run on the same stack, are the bare parts without the
session (no engine thread, no views, no audit, no receipts model building):

* ``event_to_identity_driver``: the card driver's CardInserted → `read_identity` returned
  (engine stopped; a separate block after the sessions);
* ``service_and_print_direct``: the same service runner called directly (query, slip,
  signature) then `PrintService.print_receipt`, interleaved with the sessions.

The ratio session / baseline is the session's own cost. Median and p95 in ms.

    .venv/bin/python bench/session.py [--sessions 30] [--card pcsc|simulated]

Prints a table, then ONE JSON object of the figures as the last line.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.session.view import Screen, SessionView
from tests.session.stack import Stack, real_stack

S = Screen
SERVICE = "registry_record"
"""The kiosk's main service: person + house registration queried, a signed slip printed."""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def summary(values: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(values), 2),
            "p95_ms": round(pct(values, 0.95), 2),
            "min_ms": round(min(values), 2), "n": len(values)}


class Autopilot:
    """Answers each screen the instant it appears, recording when it appeared."""

    def __init__(self, stack: Stack) -> None:
        self.engine = stack.kiosk.engine
        self.times: dict[Screen, float] = {}
        self.lock = threading.Lock()
        self.engine.subscribe(self._on_view)

    def reset(self) -> None:
        with self.lock:
            self.times = {}

    def _on_view(self, view: SessionView) -> None:
        now = time.perf_counter()
        with self.lock:
            self.times.setdefault(view.screen, now)
        if view.screen is S.IDENTITY:
            self.engine.proceed()
        elif view.screen is S.CONSENT:
            self.engine.give_consent()


@contextlib.contextmanager
def stack_for(card: str, root: Path) -> Iterator[Stack]:
    if card == "pcsc":
        from simulators.vcard.pcsc_stack import PcscStack

        with PcscStack(root / "pcscd") as pcsc:
            slot = pcsc.slot(0)
            with real_stack(root / "kiosk", vpcd_port=slot.port,
                            reader_filter=slot.reader) as stack:
                yield stack
    else:
        with real_stack(root / "kiosk") as stack:
            yield stack


def active_index(stack: Stack) -> int:
    from simulators.seeds import load_seeds

    for i, c in enumerate(load_seeds().citizens):
        if c.status.card_state == "active" and not c.identity().is_expired(dt.date.today()):
            return i
    raise SystemExit("no active card in the seeds")


def direct_service_and_print(stack: Stack, index: int, service: str) -> float:
    """Baseline: the same service runner called directly, then the print; no session."""
    from kiosk.session.ports import ConsentRecord, ServiceRequest
    from simulators.seeds import load_seeds

    kiosk = stack.kiosk
    identity = load_seeds().citizens[index].identity()
    consent = ConsentRecord("baseline", dt.datetime.now(dt.UTC), (service,), (1, 10),
                            identity.citizen_id.masked())
    request = ServiceRequest("baseline", service, identity.citizen_id.digits, identity,
                             consent, "th", True)
    runner = kiosk.services.runners()[service]
    t1 = time.perf_counter()
    outcome = runner(request)
    printed = kiosk.printing.service.print_receipt("baseline", outcome.receipt)
    if not printed.printed:
        raise SystemExit(f"baseline print: {printed.message_key}")
    return (time.perf_counter() - t1) * 1000


def settle_outbox(stack: Stack, limit_s: float = 5.0) -> None:
    from kiosk.outbox.model import ItemState

    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        status = stack.kiosk.outbox.status_async().result(10)
        if not status.counts.get(ItemState.PENDING) and not status.counts.get(
                ItemState.IN_FLIGHT):
            return
        time.sleep(0.01)


def settle_printer(stack: Stack, expected: int) -> None:
    """The virtual printer saves each receipt as a PNG after answering the job: wait for
    it, so its image work does not land inside the next measurement."""
    stack.printer.wait_for_receipts(expected, timeout_s=10)


def run_sessions(stack: Stack, n: int, index: int) -> dict[str, list[float]]:
    e = stack.kiosk.engine
    pilot = Autopilot(stack)
    to_menu, event_to_menu, to_printed, direct = [], [], [], []
    jobs = len(stack.printer.receipts)
    for i in range(n):
        pilot.reset()
        t0 = time.perf_counter()
        stack.devices.insert(index)
        e.wait_for(lambda v: v.screen is S.MENU, 30)
        t_menu = pilot.times[S.MENU]
        settle_outbox(stack)  # the consent's audit event is out: the same start as direct
        settle_printer(stack, jobs)
        t1 = time.perf_counter()
        e.choose_service(SERVICE)
        e.sync()
        v = e.wait_for(lambda v: v.screen in (S.RESULT, S.ERROR), 30)
        if v.screen is S.ERROR:
            raise SystemExit(f"session {i}: {v.error_key}")
        e.print_result()
        e.sync()
        v = e.wait_for(lambda v: v.screen in (S.FINISHED, S.ERROR), 30)
        if v.print_status.value != "printed":
            raise SystemExit(f"session {i}: print {v.print_status} {v.error_key}")
        t_done = pilot.times[S.FINISHED]
        to_menu.append((t_menu - t0) * 1000)
        event_to_menu.append((t_menu - pilot.times[S.READING]) * 1000)
        to_printed.append((t_done - t1) * 1000)
        stack.devices.remove()
        e.wait_for(lambda v: v.screen is S.IDLE, 15)
        # Interleaved with the sessions, so drift (journal size, other load) hits both;
        # after the outbox sender has sent this session's audit events, so it runs alone.
        jobs += 1
        settle_outbox(stack)
        settle_printer(stack, jobs)
        direct.append(direct_service_and_print(stack, index, SERVICE))
        jobs += 1
        settle_outbox(stack)
        settle_printer(stack, jobs)
    return {"insert_to_menu": to_menu, "event_to_menu": event_to_menu,
            "menu_to_printed": to_printed, "service_and_print_direct": direct}


def run_card_baseline(stack: Stack, n: int, index: int) -> dict[str, list[float]]:
    """The card driver alone (engine stopped): CardInserted event -> identity read."""
    from drivers.card.protocol import CardInserted, CardRemoved

    kiosk = stack.kiosk
    kiosk.engine.stop()  # the driver is now ours alone
    reader = kiosk.card_reader
    events: list[tuple[object, float]] = []
    changed = threading.Condition()

    def listener(event: Any) -> None:
        with changed:
            events.append((event, time.perf_counter()))
            changed.notify_all()

    def wait_event(kind: type) -> tuple[Any, float]:
        with changed:
            if not changed.wait_for(lambda: events and isinstance(events[-1][0], kind), 30):
                raise SystemExit(f"baseline: no {kind.__name__}")
            return events[-1]

    reader.start(listener)
    to_identity = []
    try:
        for _ in range(n):
            stack.devices.insert(index)
            event, t_event = wait_event(CardInserted)
            reader.read_identity(event.reader)
            to_identity.append((time.perf_counter() - t_event) * 1000)
            stack.devices.remove()
            wait_event(CardRemoved)
    finally:
        reader.stop()
    return {"event_to_identity_driver": to_identity}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--card", choices=["pcsc", "simulated"], default="pcsc")
    from check import quick  # bench/check.py: BENCH_QUICK=1 is the short setting
    parser.set_defaults(**quick(sessions=8, card="simulated"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-session-") as tmp, \
            stack_for(args.card, Path(tmp)) as stack:
        index = active_index(stack)
        run_sessions(stack, 2, index)  # warm-up: TLS session, fonts, first render
        sessions = run_sessions(stack, args.sessions, index)
        baseline = run_card_baseline(stack, args.sessions, index)
    figures: dict[str, Any] = {"card": args.card, "sessions": args.sessions}
    for name, values in {**sessions, **baseline}.items():
        figures[name] = summary(values)
    figures["ratio_menu_vs_driver_identity"] = round(
        figures["event_to_menu"]["median_ms"]
        / figures["event_to_identity_driver"]["median_ms"], 3)
    figures["ratio_printed_vs_direct"] = round(
        figures["menu_to_printed"]["median_ms"]
        / figures["service_and_print_direct"]["median_ms"], 3)
    print(f"{'measure':<32} {'median ms':>10} {'p95 ms':>10}")
    for name in ("insert_to_menu", "event_to_menu", "event_to_identity_driver",
                 "menu_to_printed", "service_and_print_direct"):
        f = figures[name]
        print(f"{name:<32} {f['median_ms']:>10.1f} {f['p95_ms']:>10.1f}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
