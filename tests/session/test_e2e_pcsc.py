"""A whole session with the virtual card through the real pcscd + vpcd (pyscard driver),
the reference Linkage server over mutual TLS, the outbox on SQLite and the virtual printer.

pcscd is machine-wide: the shared `pcsc_stack` fixture (tests/conftest.py) takes the flock,
so parallel test runs of other helpers wait instead of colliding.
"""

from __future__ import annotations

import pytest

from kiosk.session.view import Screen, SessionView

from .stack import Stack, active_index, print_and_finish, run_service, to_menu
from .test_e2e import citizen

pytestmark = pytest.mark.pcsc
S = Screen


def test_session_over_pcscd_card_status_and_request_printed(pcsc_kiosk: Stack) -> None:
    e = pcsc_kiosk.kiosk.engine
    views: list[SessionView] = []
    e.subscribe(views.append)
    index = active_index()
    for service in ("card_status", "submit_request"):
        v = to_menu(pcsc_kiosk, index)
        assert v.identity is not None
        assert v.identity.cid_masked == citizen(index).identity().citizen_id.masked()
        v = run_service(pcsc_kiosk, service)
        assert v.screen is S.RESULT, v.error_key
        print_and_finish(pcsc_kiosk, len(pcsc_kiosk.printer.receipts))
        pcsc_kiosk.devices.remove()
        e.wait_for(lambda v: v.screen is S.IDLE, 15)
    assert len(pcsc_kiosk.printer.wait_for_receipts(2, timeout_s=15)) == 2
    sessions = {v.session_id for v in views if v.session_id}
    assert len(sessions) == 2


def test_card_pulled_mid_session_over_pcscd_wipes_at_once(pcsc_kiosk: Stack) -> None:
    e = pcsc_kiosk.kiosk.engine
    pcsc_kiosk.devices.insert(1)
    e.wait_for(lambda v: v.screen is S.IDENTITY, 30)
    e.proceed()
    e.wait_for(lambda v: v.screen is S.CONSENT, 10)
    pcsc_kiosk.devices.remove()
    v = e.wait_for(lambda v: v.screen is S.IDLE, 15)
    assert v.identity is None and v.session_id is None
