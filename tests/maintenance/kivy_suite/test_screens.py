"""Maintenance menu on the real Kivy app: PIN, lockout, live health with real faults, actions.

Tests run in order and share one app window and one set of services (module order is
the technician's visit: enter, look, fix, leave).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import socket
import tempfile
import threading
from collections.abc import Callable

import pytest
from uikit_driver import UiDriver, texts, walk

from drivers.printer.status import PaperLevel
from kiosk.appliance.watchdog import Watchdog
from kiosk.domain.citizen_id import mask_cid
from kiosk.maintenance.paths import audit_file
from kiosk.maintenance.pin import FIRST_DELAY_S, FREE_TRIES
from kiosk.outbox.model import ItemKind, ItemState
from kiosk.outbox.store import Settlement
from kiosk.ui.app import KioskApp
from kiosk.ui.maintenance import MaintenanceController, start_watchdog_pings
from kiosk.ui.widgets import KButton
from simulators.seeds import load_seeds
from simulators.vcard.card import ThaiIdCardEmulator
from simulators.vcard.profile import CardProfile

from .conftest import PIN, TECH_CARD, World


def wait(ui: UiDriver, predicate: Callable[[], bool], what: str = "condition",
         timeout: float = 30.0) -> None:
    """Generous deadlines: the build machine runs several test suites at once."""
    ui.wait_until(predicate, timeout, what)


def enter_pin(ui: UiDriver, controller: MaintenanceController, digits: str) -> None:
    for d in digits:
        ui.tap(controller.pin_screen.keys[d])
    ui.tap(controller.pin_screen.keys["OK"])


def health_text(controller: MaintenanceController, key: str) -> str:
    badge, text = controller.menu_screen.rows[key]
    return f"{badge.raw} {text.raw}"


def wait_health(ui: UiDriver, controller: MaintenanceController, key: str, want: str,
                timeout: float = 30) -> str:
    wait(ui, lambda: key in controller.menu_screen.rows
         and want in health_text(controller, key), what=f"health {key} showing {want!r}",
         timeout=timeout)
    return health_text(controller, key)


def button_for(controller: MaintenanceController, entry: str, text: str) -> KButton:
    """The button ``text`` in the row under the list entry whose label contains ``entry``."""
    box = controller.list_screen.items
    widgets = list(reversed(box.children))  # top to bottom
    for label, row in itertools.pairwise(widgets):
        if entry in getattr(label, "raw", "") and not isinstance(row, KButton):
            for b in walk(row):
                if isinstance(b, KButton) and b.raw == text:
                    return b
    raise AssertionError(f"no {text!r} button under an entry containing {entry!r}")


def audit_actions(world: World) -> list[str]:
    return [json.loads(x)["action"] for x in audit_file(world.settings).read_text().splitlines()]


def test_hidden_gesture_opens_pin_entry(ui: UiDriver, app: KioskApp,
                                        controller: MaintenanceController) -> None:
    assert app.manager.current == "idle"
    for _ in range(4):
        ui.tap(app.toolbar.title)
    assert app.manager.current == "idle"  # four taps are not the gesture
    ui.tap(app.toolbar.title)
    wait(ui, lambda: app.manager.current == "maint_pin", what="PIN screen")
    assert "Technician access" in texts(ui.current)
    from kiosk.ui.contact_sheet import chrome
    from kiosk.ui.layout_check import check_layout

    ui.screenshot("maintenance-pin")
    faults = check_layout(ui.current, chrome(app), app.manager)
    assert not faults, [str(f) for f in faults]  # title not under the toolbar, no boxes


def test_wrong_pins_lock_the_keypad(ui: UiDriver, controller: MaintenanceController,
                                    world: World) -> None:
    screen = controller.pin_screen
    enter_pin(ui, controller, "111222")
    wait(ui, lambda: "Wrong PIN (1 failed)" in screen.status.raw, what="wrong PIN")
    assert screen.entry.raw == "—"  # digits cleared, never shown
    for n in range(2, FREE_TRIES + 1):
        enter_pin(ui, controller, "111222")
        if n < FREE_TRIES:
            wait(ui, lambda n=n: f"Wrong PIN ({n} failed)" in screen.status.raw)
    wait(ui, lambda: "locked for" in screen.status.raw, what="lockout")
    assert f"locked for {int(FIRST_DELAY_S)} s" in screen.status.raw
    assert audit_actions(world).count("pin_refused") == FREE_TRIES
    assert not any(k.enabled for k in screen.keys.values())
    enter_pin(ui, controller, PIN)  # taps on a locked keypad do nothing
    ui.frames(5)
    assert ui.app.manager.current == "maint_pin" and screen.digits == ""
    # Leaving and coming back does not lift the lockout: the gate remembers it.
    ui.tap(screen.cancel)
    for _ in range(5):
        ui.tap(ui.app.toolbar.title)
    wait(ui, lambda: "locked for" in screen.status.raw, what="lockout after reopen")


def test_right_pin_after_the_wait_opens_the_menu(ui: UiDriver, controller: MaintenanceController,
                                                 world: World) -> None:
    world.clock.now += FIRST_DELAY_S + 1
    ui.tap(controller.pin_screen.cancel)
    for _ in range(5):
        ui.tap(ui.app.toolbar.title)
    wait(ui, lambda: all(k.enabled for k in controller.pin_screen.keys.values()),
                  what="keypad enabled again")
    enter_pin(ui, controller, PIN)
    wait(ui, lambda: ui.app.manager.current == "maint_menu", what="menu")
    assert audit_actions(world)[-1] == "enter"


def test_health_at_a_glance_all_green(ui: UiDriver, controller: MaintenanceController) -> None:
    for key in ("printer", "linkage", "outbox", "card_reader", "disk", "version", "uptime"):
        wait_health(ui, controller, key, "OK")
    assert "reachable" in health_text(controller, "linkage")
    assert "vpcd" in controller.menu_screen.rows  # the virtual-reader check is listed
    ui.screenshot("maintenance-menu")


def test_printer_paper_out_shows_live(ui: UiDriver, controller: MaintenanceController,
                                      world: World) -> None:
    world.printing.virtual_printer.set_paper(PaperLevel.OUT)
    assert "paper out" in wait_health(ui, controller, "printer", "FAIL")
    world.printing.virtual_printer.set_paper(PaperLevel.OK)
    wait_health(ui, controller, "printer", "OK")


def test_outbox_dead_items_show_and_are_fixed_from_the_list(
    ui: UiDriver, controller: MaintenanceController, world: World
) -> None:
    ids = []
    for reason in ("HTTP 422 validation failed", "too old"):
        r = world.outbox.enqueue(ItemKind.SUBMISSION, b"{}")
        world.outbox.call(lambda s: s.claim("ui-lease", 10), writes=True)
        world.outbox.call(lambda s, r=r, reason=reason: s.settle(
            "ui-lease", [Settlement(r.item_id, ItemState.DEAD, error=reason)]), writes=True)
        ids.append(r.item_id)
    assert "2 dead item(s)" in wait_health(ui, controller, "outbox", "WARN")

    ui.tap(controller.menu_screen.buttons["dead_items"])
    wait(ui, lambda: "reason: HTTP 422 validation failed" in texts(ui.current),
                  what="dead list")
    ui.tap(button_for(controller, "HTTP 422", "Retry"))
    wait(ui, lambda: "retry done" in controller.list_screen.result.raw, what="retried")
    wait(ui, lambda: "HTTP 422" not in texts(ui.current), what="list reloaded")
    assert "reason: too old" in texts(ui.current)
    ui.tap(button_for(controller, "too old", "Discard"))
    wait(ui, lambda: "No dead items." in texts(ui.current), what="list empty")
    status = world.outbox.status_async().result()
    assert status.counts[ItemState.DEAD] == 0
    ui.tap(controller.list_screen.back)
    wait_health(ui, controller, "outbox", "OK")
    assert {"outbox_retry", "outbox_discard"} <= set(audit_actions(world))


def test_test_print_then_reprint_a_failed_job(ui: UiDriver, controller: MaintenanceController,
                                              world: World) -> None:
    menu = controller.menu_screen
    ui.tap(menu.buttons["test_print"])
    wait(ui, lambda: menu.result.raw.startswith("printed"), what="test print")
    world.printing.virtual_printer.set_paper(PaperLevel.OUT)
    ui.tap(menu.buttons["test_print"])
    wait(ui, lambda: menu.result.raw.startswith("not printed"), what="failed print")
    world.printing.virtual_printer.set_paper(PaperLevel.OK)
    ui.tap(menu.buttons["print_jobs"])
    wait(ui, lambda: "test_print" in texts(ui.current), what="failed job listed")
    ui.tap(button_for(controller, "test_print", "Reprint"))
    wait(ui, lambda: "No failed print jobs." in texts(ui.current), what="reprinted")
    assert controller.list_screen.result.raw.startswith("printed")
    ui.tap(controller.list_screen.back)


def test_switch_printer_profile(ui: UiDriver, controller: MaintenanceController,
                                world: World) -> None:
    ui.tap(controller.menu_screen.buttons["profiles"])
    wait(ui, lambda: "(in use)" in texts(ui.current), what="profiles")
    current = world.printing.service.profile.name
    other = next(n for n in world.maintenance.printer_profiles() if n != current)
    ui.tap(button_for(controller, other, "Use"))
    wait(ui, lambda: world.printing.service.profile.name != current, what="switched")
    wait(ui, lambda: f"{world.printing.service.profile.name}  (in use)"
                  in texts(ui.current), what="list shows the new profile")
    ui.tap(controller.list_screen.back)


def test_test_card_read_shows_masked_id_only(ui: UiDriver, controller: MaintenanceController,
                                             world: World) -> None:
    citizen = load_seeds().citizens[1]
    world.reader.insert(ThaiIdCardEmulator(CardProfile.from_seed(citizen)))
    menu = controller.menu_screen
    try:
        ui.tap(menu.buttons["test_card_read"])
        wait(ui, lambda: "card read OK" in menu.result.raw, what="card read")
        assert mask_cid(citizen.cid) in menu.result.raw
        shown = texts(ui.current)
        assert citizen.cid not in shown
        assert citizen.card["th_name"].split()[-1] not in shown
        wait_health(ui, controller, "card_reader", "card present")
    finally:
        world.reader.remove()


def test_recent_log_and_export_diagnostics(ui: UiDriver, controller: MaintenanceController,
                                           world: World) -> None:
    logs = world.settings.kiosk.state_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    (logs / "kiosk.log").write_text(f"card {TECH_CARD} inserted\nprinter: ok\n")
    ui.tap(controller.menu_screen.buttons["log"])
    wait(ui, lambda: "printer: ok" in texts(ui.current), what="log shown")
    assert TECH_CARD not in texts(ui.current) and mask_cid(TECH_CARD) in texts(ui.current)
    ui.tap(controller.list_screen.back)
    menu = controller.menu_screen
    ui.tap(menu.buttons["diagnostics"])
    wait(ui, lambda: menu.result.raw.startswith("written"), what="bundle written")
    bundles = list((world.settings.kiosk.state_dir / "diagnostics").glob("*.zip"))
    assert len(bundles) == 1


def test_linkage_server_down_shows(ui: UiDriver, controller: MaintenanceController,
                                   world: World) -> None:
    world.server.stop()
    assert "not reachable" in wait_health(ui, controller, "linkage", "FAIL", timeout=30)


def test_restart_and_leave(ui: UiDriver, app: KioskApp, controller: MaintenanceController,
                          world: World) -> None:
    ui.tap(controller.menu_screen.buttons["restart"])
    wait(ui, lambda: world.restarts == ["restart"], what="restart called")
    ui.tap(controller.menu_screen.leave_button)
    wait(ui, lambda: app.manager.current == "idle", what="back to the session")
    assert app.overlay is None
    wait(ui, lambda: audit_actions(world)[-1:] == ["leave"], what="leave audited")


def test_technician_card_opens_the_menu(ui: UiDriver, app: KioskApp,
                                        controller: MaintenanceController) -> None:
    threading.Thread(target=controller.open_with_card, args=("1101700207031",)).start()
    ui.frames(10)
    assert app.manager.current == "idle"  # not a technician card
    threading.Thread(target=controller.open_with_card, args=(TECH_CARD,)).start()
    wait(ui, lambda: app.manager.current == "maint_menu", what="menu via card")
    ui.tap(controller.menu_screen.leave_button)
    wait(ui, lambda: app.manager.current == "idle")


def test_watchdog_pings_come_from_the_kivy_main_loop(ui: UiDriver) -> None:
    # Only frames() runs the Kivy main loop, and this thread calls it: every ping it sends
    # is in the socket when frames() returns, so the counts below depend on no timing.
    with tempfile.TemporaryDirectory(prefix="wd-") as d:
        path = os.path.join(d, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        wd = Watchdog({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"})  # ping each 0.1 s
        event = start_watchdog_pings(wd)

        def pings_sent() -> int:
            sock.setblocking(False)
            count = 0
            with contextlib.suppress(BlockingIOError):
                while True:
                    count += sock.recv(64) == b"WATCHDOG=1"
            return count

        got = 0

        def loop_until(count: int) -> bool:
            nonlocal got
            ui.frames(1)  # the main loop runs: Clock callbacks fire
            got += pings_sent()
            return got >= count

        try:
            wait(ui, lambda: loop_until(3), what="3 pings while the main loop runs")
            got += pings_sent()  # also those of the frames wait() ran after its predicate
            # The main loop is frozen (no frames): nothing for five ping intervals.
            sock.settimeout(0.5)
            with pytest.raises(TimeoutError):
                sock.recv(64)
            running = got
            wait(ui, lambda: loop_until(running + 1), what="pings resume with the loop")
        finally:
            event.cancel()
            sock.close()
            wd.close()


def test_pin_by_the_physical_keypad_is_never_spoken(ui: UiDriver, app: KioskApp,
                                                    controller: MaintenanceController,
                                                    world: World) -> None:
    """The keypad's digits type the PIN (the screen had on-screen digits only), Clear
    deletes, Enter checks, Cancel leaves; the spoken layer hears that a digit was typed,
    never which."""
    from uikit_speech import RecordingSpeech

    from kiosk.session.speech import NullSpeech

    world.clock.now += 10_000  # past any lockout an earlier test left
    if controller.active:
        controller.leave()
    controller.open_pin_entry()
    screen = controller.pin_screen
    wait(ui, lambda: app.manager.current == "maint_pin"
         and all(k.enabled for k in screen.keys.values()), what="PIN keypad ready")
    speech = RecordingSpeech()
    app.attach_speech(speech)
    try:
        ui.key("escape")  # Cancel leaves the PIN screen…
        wait(ui, lambda: app.manager.current != "maint_pin", what="left by Cancel")
        controller.open_pin_entry()
        wait(ui, lambda: app.manager.current == "maint_pin"
             and all(k.enabled for k in screen.keys.values()), what="PIN keypad again")
        for digit in PIN:
            ui.key(f"numpad{digit}")  # 2, 4, 5, 6 and 8 are digits here, not moves
        assert screen.digits == PIN
        assert all(ch in "● " for ch in screen.entry.raw)  # shown as dots only
        ui.key("backspace")
        assert screen.digits == PIN[:-1]
        ui.key(PIN[-1])  # the top-row digits too
        assert speech.of("digit_entered") == [True] * (len(PIN) + 1)
        spoken = " ".join(label for _k, label, _p, _t in speech.of("focus_moved"))
        assert PIN not in spoken
        ui.key("enter")
        wait(ui, lambda: app.manager.current == "maint_menu", what="menu by Enter")
        ui.key("escape")  # …and the menu's Cancel leaves maintenance
        wait(ui, lambda: not controller.active, what="left maintenance")
    finally:
        app.attach_speech(NullSpeech())
