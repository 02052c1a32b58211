"""Every print error's words fit the service it interrupted (Thai and English): paper out
on a card-status check never says the citizen's data was saved; a request says it was
recorded; a counter ticket keeps its number. The service list is the shipped catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.printing import messages as printer_messages
from kiosk.session.catalogue import load_catalogue
from kiosk.session.print_words import failure_text, service_note_key
from kiosk.session.view import ResultView, Text

REPO = Path(__file__).resolve().parents[2]
SAVED = {"en": re.compile(r"saved|recorded", re.I), "th": re.compile("บันทึกแล้ว")}
PRINT_ERRORS = ("printer.paper_out", "printer.interrupted", "printer.cover_open",
                "printer.offline", "printer.timeout", "printer.error")


def _printer_text(key: str) -> Text:
    return Text(printer_messages.citizen(key, "th"), printer_messages.citizen(key, "en"))


@pytest.mark.parametrize("key", PRINT_ERRORS)
def test_the_printer_alone_never_claims_data_was_saved(key: str) -> None:
    for language in ("th", "en"):
        assert not SAVED[language].search(printer_messages.citizen(key, language)), key


@pytest.mark.parametrize("key", PRINT_ERRORS)
def test_each_service_gets_its_own_sentence(key: str) -> None:
    services = load_catalogue(REPO / "config" / "services.toml").services
    for service in services:
        result = ResultView(service.id, Text("t", "t"))
        text = failure_text(key, _printer_text(key), service.handler, result)
        assert text is not None
        said = {"th": text.th, "en": text.en}
        if service.handler == "submit_request":
            assert "recorded" in said["en"] and "บันทึกแล้ว" in said["th"], service.id
        elif service.handler == "counter_ticket":
            assert "queue number stays the same" in said["en"], service.id
            assert "หมายเลขคิวของท่านยังคงเดิม" in said["th"]
        else:  # a query: nothing was saved, and the words must not say otherwise
            assert "saved nothing" in said["en"] and "ไม่ได้บันทึกข้อมูลใด ๆ" in said["th"]
            assert not re.search(r"has been (saved|recorded)", said["en"])
            assert "บันทึกแล้ว" not in said["th"]
        for language in ("th", "en"):  # a next step in every text
            assert re.search("Print again|counter|staff|พิมพ์อีกครั้ง|เจ้าหน้าที่",
                             said[language]), (service.id, language)


def test_a_queued_result_is_a_recorded_request() -> None:
    queued = ResultView("card_status", Text("t", "t"), status="queued")
    assert service_note_key("registry_record", queued) == "printer.note_request_recorded"
    assert service_note_key("card_status", None) == "printer.note_nothing_saved"
