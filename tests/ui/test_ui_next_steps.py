"""Every ending and every failure tells the citizen why, and what to do next."""

from __future__ import annotations

import pytest
from uikit_driver import UiDriver, texts, walk
from uikit_feeder import ViewFeeder
from uikit_samples import MENU

from kiosk.session.view import PrintStatus, ResultRow, ResultView, Screen, Text
from kiosk.ui.i18n import catalogue
from kiosk.ui.widgets import KLabel


def tr(key: str, lang: str = "th", **fields: object) -> str:
    return catalogue(lang).gettext(key).format(**fields)


def test_finished_says_why_and_points_to_the_card_slot(ui: UiDriver, feeder: ViewFeeder) -> None:
    feeder.show(screen=Screen.FINISHED, progress_key="session.declined",
                print_status=PrintStatus.NONE)
    ui.wait_screen(Screen.FINISHED)
    shown = texts(ui.current).replace("\n", "")
    assert "ไม่ได้ให้ความยินยอม" in shown  # session.declined, from the session's messages
    assert tr("finished.card_slot") in shown


def test_out_of_service_asks_to_take_the_card(ui: UiDriver, feeder: ViewFeeder) -> None:
    feeder.show(screen=Screen.OUT_OF_SERVICE, session_id=None, error_key="session.no_reader")
    ui.wait_screen(Screen.OUT_OF_SERVICE)
    assert tr("out_of_service.take_card") in texts(ui.current).replace("\n", "")


def test_a_print_error_offers_print_again_and_the_menu(ui: UiDriver, feeder: ViewFeeder) -> None:
    feeder.show(screen=Screen.ERROR, error_key="printer.paper_out",
                previous_screen=Screen.RESULT)
    ui.wait_screen(Screen.ERROR)
    ui.tap(ui.button("error.print_again"))
    feeder.wait_command("print_result")
    assert [c for c, _ in feeder.commands if c != "touch"] == ["back", "print_result"]
    feeder.commands.clear()
    ui.tap(ui.button("common.back_to_menu"))
    ui.wait_until(lambda: [c for c, _ in feeder.commands if c != "touch"] == ["back", "back"],
                  what="two steps back: error -> result -> menu")


def test_other_errors_offer_no_print_again(ui: UiDriver, feeder: ViewFeeder) -> None:
    feeder.show(screen=Screen.ERROR, error_key="service.failed", previous_screen=Screen.MENU)
    ui.wait_screen(Screen.ERROR)
    with pytest.raises(AssertionError):
        ui.button("error.print_again")


def test_the_queue_number_is_the_largest_thing_on_its_screen(ui: UiDriver,
                                                              feeder: ViewFeeder) -> None:
    ticket = ResultView("counter_ticket", Text("บัตรคิวเคาน์เตอร์", "Counter ticket"),
                        rows=(ResultRow(Text("หมายเลขคิว", "Ticket"), "A-042"),),
                        message_key="ticket.wait", reference="A-042")
    feeder.show(screen=Screen.RESULT, result=ticket)
    ui.wait_screen(Screen.RESULT)
    labels = [w for w in walk(ui.app.root) if isinstance(w, KLabel) and w.text.strip()
              and w.opacity > 0]
    biggest = max(labels, key=lambda w: w.font_size)
    assert "A-042" in biggest.text
    assert all(w.font_size < biggest.font_size for w in labels if w is not biggest)
    assert tr("ticket.wait") in texts(ui.current).replace("\n", "")


def test_offline_menu_names_the_services_that_still_work(ui: UiDriver,
                                                         feeder: ViewFeeder) -> None:
    feeder.show(screen=Screen.MENU, menu=MENU, offline=True)
    ui.wait_screen(Screen.MENU)
    working = ", ".join(e.name.th for e in MENU if e.available)
    # The banner (its own row, not a note pushing services below the fold) names them.
    banner = ui.app.offline_banner
    ui.wait_until(lambda: banner.text.replace("\n", "") == tr("menu.offline_working",
                                                              services=working),
                  what="banner naming the working services")
    assert tr("menu.offline_none") not in texts(ui.current).replace("\n", "")
    # None works: the menu itself gives the next step (ask at the counter).
    from dataclasses import replace

    feeder.show(screen=Screen.MENU, menu=tuple(replace(e, available=False) for e in MENU),
                offline=True)
    ui.wait_until(lambda: tr("menu.offline_none") in texts(ui.current).replace("\n", ""),
                  what="the none-works note")
    assert banner.text.replace("\n", "") == tr("banner.offline")


def test_consent_names_the_services_in_words(ui: UiDriver, feeder: ViewFeeder) -> None:
    feeder.show(screen=Screen.CONSENT, consent_services=("registry_record", "card_status"),
                consent_names=(Text("ข้อมูลทะเบียนราษฎรของฉัน", "My registry record"),
                               Text("สถานะบัตรประชาชน", "ID card status")))
    ui.wait_screen(Screen.CONSENT)
    shown = texts(ui.current).replace("\n", "")
    assert "สถานะบัตรประชาชน" in shown and "card_status" not in shown
    ui.tap(ui.button("consent.read_more"))
    ui.wait_until(lambda: len(texts(ui.current)) > len(shown) + 50, what="full notice")
