"""Session metrics from the real session engine: the kiosk built by `build_kiosk` (the
in-process card reader running the real APDU read plan, the reference Linkage server over
mutual TLS, the outbox, the virtual printer), one citizen per outcome, read back from the
metrics endpoint. Time is a `ManualClock`, so the inactivity timeout needs no waiting."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.appliance.metrics import KioskMetrics
from kiosk.appliance.session_metrics import SessionMetrics, record_health
from kiosk.maintenance.health import HealthItem, HealthReport, Status
from kiosk.session.outcome import SessionOutcome
from kiosk.session.view import Screen, SessionView
from simulators.seeds import load_seeds
from simulators.session_ports import ManualClock
from tests.appliance.scrape import scrape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from session.stack import Stack, active_index, real_stack

S = Screen
SEEDS = load_seeds()


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[tuple[Stack, ManualClock, KioskMetrics]]:
    clock = ManualClock(start=dt.datetime.now(dt.UTC))  # consent times the server accepts
    metrics = KioskMetrics()
    with real_stack(tmp_path / "kiosk", clock=clock, start_sender=False) as stack:
        clock.settle = stack.kiosk.engine.sync
        SessionMetrics(metrics).attach(stack.kiosk.engine)
        yield stack, clock, metrics


def wait(stack: Stack, *screens: Screen) -> SessionView:
    return stack.kiosk.engine.wait_for(lambda v: v.screen in screens, 30)


def insert(stack: Stack, index: int) -> None:
    stack.devices.insert(index)
    view = wait(stack, S.IDENTITY, S.ERROR)
    assert view.screen is S.IDENTITY, view.error_key


def to_result(stack: Stack, index: int, service: str) -> None:
    e = stack.kiosk.engine
    insert(stack, index)
    e.proceed()
    wait(stack, S.CONSENT)
    e.give_consent()
    wait(stack, S.MENU)
    e.choose_service(service)
    view = wait(stack, S.RESULT, S.ERROR)
    assert view.screen is S.RESULT, view.error_key


def take_card(stack: Stack) -> None:
    stack.devices.remove()
    wait(stack, S.IDLE)


def test_each_session_is_counted_as_what_it_was(
    kiosk: tuple[Stack, ManualClock, KioskMetrics],
) -> None:
    stack, clock, metrics = kiosk
    e, index = stack.kiosk.engine, active_index()
    ends: list[SessionOutcome] = []
    e.subscribe_ends(ends.append)

    to_result(stack, index, "card_status")  # printed
    e.print_result()
    view = wait(stack, S.FINISHED, S.ERROR)
    assert view.print_status.value == "printed", view.error_key
    take_card(stack)

    insert(stack, index)  # declined
    e.proceed()
    wait(stack, S.CONSENT)
    e.decline()
    wait(stack, S.FINISHED)
    take_card(stack)

    to_result(stack, index, "card_status")  # finished without printing
    e.finish()
    wait(stack, S.FINISHED)
    take_card(stack)

    insert(stack, index)  # timed out: nobody answers the warning
    ui = stack.kiosk.settings.ui
    clock.advance(ui.inactivity_timeout_s)
    wait(stack, S.TIMEOUT_WARNING)
    clock.advance(ui.timeout_warning_s)
    wait(stack, S.FINISHED)
    take_card(stack)

    insert(stack, index)  # the card pulled in the middle
    take_card(stack)

    e.sync()
    assert ends == [SessionOutcome.PRINTED, SessionOutcome.DECLINED, SessionOutcome.FINISHED,
                    SessionOutcome.TIMED_OUT, SessionOutcome.CARD_PULLED]
    text = scrape(metrics)
    for outcome in ("printed", "declined", "finished", "timed_out", "card_pulled"):
        assert f'kiosk_sessions_total{{outcome="{outcome}"}} 1.0' in text, outcome
    counted = [line for line in text.splitlines()
               if line.startswith("kiosk_sessions_total{")]
    assert len(counted) == 5, counted  # nothing else, in particular no "abandoned"
    assert 'kiosk_card_read_seconds_count{outcome="ok"} 5.0' in text
    assert 'kiosk_service_outcomes_total{outcome="ok",service="card_status"} 2.0' in text
    assert 'kiosk_linkage_query_seconds_count{outcome="ok",service="card_status"} 2.0' in text
    assert 'kiosk_prints_total{outcome="printed"} 1.0' in text
    citizen = SEEDS.citizens[index]
    for personal in (citizen.cid, citizen.identity().citizen_id.masked()):
        assert personal not in text


def test_health_report_sets_gauges() -> None:
    m = KioskMetrics()
    report = HealthReport((
        HealthItem("outbox", Status.WARN, "2 dead", {"waiting": 5, "dead": 2,
                                                     "oldest_waiting_s": 90}),
        HealthItem("printer", Status.FAIL, "paper out", {"state": "paper_out"}),
        HealthItem("vpcd", Status.FAIL, "configured"),
        HealthItem("disk", Status.OK, "fine"),
    ), 0.0)
    record_health(m, report)
    text = scrape(m)
    assert "kiosk_outbox_depth 5.0" in text and "kiosk_outbox_dead 2.0" in text
    assert "kiosk_outbox_oldest_age_seconds 90.0" in text
    assert 'kiosk_printer_state{state="paper_out"} 1.0' in text
    assert "kiosk_vpcd_reader_configured 1.0" in text
    assert 'kiosk_health_status{item="printer"} 2.0' in text
    assert 'kiosk_health_status{item="disk"} 0.0' in text
