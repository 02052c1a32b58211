"""The whole kiosk (build_kiosk, real config) with holder verification over real HTTPS:
kiosk → gateway over mutual TLS, phone → ThaID simulator → gateway redirect endpoint,
RS256 ID tokens validated at the gateway. The kiosk sees only the decision."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from session.stack import Stack, real_stack, to_menu

from kiosk.session.view import Screen, SessionView
from simulators.seeds import load_seeds
from simulators.thaid.provider import Fault

S = Screen
SEEDS = load_seeds()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with real_stack(tmp_path / "k", phone_auto=None) as s:
        yield s


def _to_qr(stack: Stack, index: int, views: list[SessionView]) -> SessionView:
    e = stack.kiosk.engine
    e.subscribe(views.append)
    menu = to_menu(stack, index)
    assert next(m for m in menu.menu if m.service_id == "registry_record").asks_holder
    e.choose_service("registry_record")
    return e.wait_for(lambda v: v.screen is S.VERIFY_HOLDER and v.holder_qr is not None, 20)


def test_holder_confirms_and_the_record_is_shown(stack: Stack) -> None:
    views: list[SessionView] = []
    qr = _to_qr(stack, 0, views).holder_qr
    assert qr is not None and qr.startswith(stack.holder.provider.issuer)
    stack.devices.phone("holder", qr)
    v = stack.kiosk.engine.wait_for(lambda v: v.screen in (S.RESULT, S.ERROR), 30)
    assert v.screen is S.RESULT, v.error_key
    assert v.result is not None and v.result.service_id == "registry_record"
    assert stack.holder.gateway.audit[-1].outcome == "holder_verified"


def test_someone_else_confirms_and_the_record_stays_closed(
        stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    tokens: list[str] = []
    gateway = stack.holder.gateway
    original = gateway._validate

    async def spy(id_token: str, nonce: str) -> dict[str, object]:
        tokens.append(id_token)
        return await original(id_token, nonce)

    gateway._validate = spy  # type: ignore[method-assign]
    views: list[SessionView] = []
    qr = _to_qr(stack, 0, views).holder_qr
    assert qr is not None
    stack.devices.phone("other", qr)
    v = stack.kiosk.engine.wait_for(lambda v: v.screen in (S.RESULT, S.ERROR), 30)
    assert v.screen is S.ERROR and v.error_key == "holder.mismatch"
    assert v.result is None
    assert gateway.audit[-1].outcome == "pid_mismatch"
    # Privacy: the kiosk's views and logs never held the ID token or the approver's pid.
    other_pid = SEEDS.citizens[1].cid
    assert tokens
    seen = repr(views)
    kiosk_logs = "\n".join(r.getMessage() for r in caplog.records
                           if r.name.startswith("kiosk"))
    for secret in (tokens[0], tokens[0].split(".")[1], other_pid):
        assert secret not in seen and secret not in kiosk_logs
    # Other services still work.
    stack.kiosk.engine.back()
    stack.kiosk.engine.wait_for(lambda v: v.screen is S.MENU, 10)
    stack.kiosk.engine.choose_service("card_status")
    v = stack.kiosk.engine.wait_for(lambda v: v.screen in (S.RESULT, S.ERROR), 30)
    assert v.screen is S.RESULT, v.error_key


def test_provider_down_says_so(stack: Stack) -> None:
    views: list[SessionView] = []
    qr = _to_qr(stack, 0, views).holder_qr
    assert qr is not None
    stack.holder.provider.set_fault(Fault.DOWN)
    with pytest.raises(httpx.HTTPStatusError):  # the phone sees the provider's 503
        stack.devices.phone("holder", qr)
    stack.holder.gateway._metadata = None  # the next start must ask the provider again
    e = stack.kiosk.engine
    e.back()
    e.wait_for(lambda v: v.screen is S.MENU, 10)
    e.choose_service("registry_record")
    v = e.wait_for(lambda v: v.screen is S.ERROR, 30)
    assert v.error_key == "holder.provider_down"


def test_demo_panel_phone_controls_answer_the_qr(stack: Stack) -> None:
    """The panel's "approve on phone as someone else / as this citizen" over the real
    stack (the buttons call `SimulatorControls.approve_on_phone`)."""
    from kiosk.commands.demo import SimulatorControls

    controls = SimulatorControls(stack.kiosk, stack.devices)
    controls.approve_on_phone("holder")  # no QR on screen: nothing happens
    assert stack.holder.gateway.audit == []
    e = stack.kiosk.engine
    _to_qr(stack, 0, [])
    controls.approve_on_phone("none")
    assert e.view.screen is S.VERIFY_HOLDER
    controls.approve_on_phone("other")
    assert e.wait_for(lambda v: v.screen is S.ERROR, 30).error_key == "holder.mismatch"
    e.back()
    e.wait_for(lambda v: v.screen is S.MENU, 10)
    e.choose_service("registry_record")
    e.wait_for(lambda v: v.holder_qr is not None and v.screen is S.VERIFY_HOLDER, 20)
    controls.approve_on_phone("holder")
    assert e.wait_for(lambda v: v.screen in (S.RESULT, S.ERROR), 30).screen is S.RESULT


def test_card_removed_during_a_parked_long_poll_frees_the_worker_within_the_wait(
        stack: Stack) -> None:
    gateway = stack.holder.gateway
    _to_qr(stack, 0, [])
    with gateway.waiting_changed:  # the kiosk's first poll went at once and is parked
        assert gateway.waiting_changed.wait_for(lambda: gateway.waiting == 1, 15)
    stack.devices.remove()
    stack.kiosk.engine.wait_for(lambda v: v.screen is S.IDLE, 15)
    # The next citizen at once, while the first one's poll may still be parked: its own
    # verification, query and print do not wait behind it (own connections).
    qr = _to_qr(stack, 0, []).holder_qr
    assert qr is not None
    stack.devices.phone("holder", qr)
    v = stack.kiosk.engine.wait_for(lambda v: v.screen in (S.RESULT, S.ERROR), 30)
    assert v.screen is S.RESULT, v.error_key
    wait_s = stack.kiosk.settings.linkage.holder_wait_s
    with gateway.waiting_changed:  # and the first one's poll ends within its wait
        assert gateway.waiting_changed.wait_for(lambda: gateway.waiting == 0, wait_s + 5)
