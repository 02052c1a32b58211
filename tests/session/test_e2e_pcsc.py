"""A whole session with the virtual card through the real pcscd + vpcd (pyscard driver),
the reference Linkage server over mutual TLS, the outbox on SQLite and the virtual printer.

pcscd is machine-wide: the shared `pcsc_stack` fixture (tests/conftest.py) takes the flock,
so parallel test runs of other helpers wait instead of colliding.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.session.view import Screen, SessionView
from simulators.vcard.pcsc_stack import PcscStack

from .stack import Stack, real_stack
from .test_e2e import _active_index, citizen

pytestmark = pytest.mark.pcsc
S = Screen


@pytest.fixture
def stack(pcsc_stack: PcscStack, tmp_path: Path) -> Iterator[Stack]:
    # The second slot: a shared stack's first slot belongs to the card tests' rig.
    slot = pcsc_stack.slot(1) if len(pcsc_stack.slots) > 1 else pcsc_stack.slot(0)
    with real_stack(tmp_path / "kiosk", vpcd_port=slot.port, reader_filter=slot.reader) as s:
        yield s


def test_session_over_pcscd_card_status_and_request_printed(stack: Stack) -> None:
    e = stack.kiosk.engine
    views: list[SessionView] = []
    e.subscribe(views.append)
    index = _active_index()
    for service in ("card_status", "submit_request"):
        stack.devices.insert(index)
        v = e.wait_for(lambda v: v.screen is S.IDENTITY, 30)
        assert v.identity is not None
        assert v.identity.cid_masked == citizen(index).identity().citizen_id.masked()
        e.proceed()
        e.wait_for(lambda v: v.screen is S.CONSENT, 10)
        e.give_consent()
        e.wait_for(lambda v: v.screen is S.MENU, 10)
        e.choose_service(service)
        e.sync()
        v = e.wait_for(lambda v: v.screen in (S.RESULT, S.ERROR), 30)
        assert v.screen is S.RESULT, v.error_key
        e.print_result()
        e.sync()
        v = e.wait_for(lambda v: v.screen in (S.FINISHED, S.ERROR), 30)
        assert v.screen is S.FINISHED and v.print_status.value == "printed"
        stack.devices.remove()
        e.wait_for(lambda v: v.screen is S.IDLE, 15)
    assert len(stack.printer.wait_for_receipts(2, timeout_s=15)) == 2
    sessions = {v.session_id for v in views if v.session_id}
    assert len(sessions) == 2


def test_card_pulled_mid_session_over_pcscd_wipes_at_once(stack: Stack) -> None:
    e = stack.kiosk.engine
    stack.devices.insert(1)
    e.wait_for(lambda v: v.screen is S.IDENTITY, 30)
    e.proceed()
    e.wait_for(lambda v: v.screen is S.CONSENT, 10)
    stack.devices.remove()
    v = e.wait_for(lambda v: v.screen is S.IDLE, 15)
    assert v.identity is None and v.session_id is None
