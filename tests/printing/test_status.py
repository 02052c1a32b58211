"""DLE EOT 1-4 status bytes: parsing, the states they mean, noise rejection."""

from __future__ import annotations

import itertools

import pytest

from drivers.printer.protocol import (
    CoverOpen,
    PaperOut,
    PrinterFault,
    PrinterOffline,
    PrinterState,
    raise_for_status,
    state_of,
)
from drivers.printer.status import (
    PaperLevel,
    PrinterStatus,
    StatusNoise,
    encode_status,
    query,
)


def status(**condition) -> PrinterStatus:
    b = encode_status(**condition)
    return PrinterStatus.parse(b[1], b[2], b[3], b[4])


def test_ready_printer() -> None:
    s = status()
    assert s.raw == b"\x12\x12\x12\x12"
    assert s.ready and state_of(s) is PrinterState.READY


def test_epson_documented_bytes() -> None:
    # Paper end: DLE EOT 4 answers 0x72 (bits 5-6 plus near-end bits 2-3); cover open:
    # DLE EOT 2 bit 2; offline: DLE EOT 1 bit 3.
    s = PrinterStatus.parse(0x1A, 0x36, 0x12, 0x7E)
    assert not s.online and s.cover_open and s.paper is PaperLevel.OUT
    assert PrinterStatus.parse(0x12, 0x12, 0x12, 0x1E).paper is PaperLevel.NEAR_END


@pytest.mark.parametrize(
    ("condition", "state", "error"),
    [
        ({"paper": PaperLevel.OUT}, PrinterState.PAPER_OUT, PaperOut),
        ({"cover_open": True}, PrinterState.COVER_OPEN, CoverOpen),
        ({"cutter_error": True}, PrinterState.ERROR, PrinterFault),
        ({"recoverable_error": True}, PrinterState.ERROR, PrinterFault),
        ({"online": False}, PrinterState.OFFLINE, PrinterOffline),
    ],
)
def test_fault_states_raise_typed_errors(condition, state, error) -> None:
    s = status(**condition)
    assert state_of(s) is state
    with pytest.raises(error) as caught:
        raise_for_status(s, when="test")
    assert caught.value.message_key.startswith("printer.")
    assert caught.value.state is state


def test_near_end_still_prints() -> None:
    s = status(paper=PaperLevel.NEAR_END)
    assert raise_for_status(s, when="test") is PrinterState.PAPER_NEAR_END


def test_roundtrip_of_every_condition() -> None:
    for online, cover, paper, cutter in itertools.product(
        (True, False), (True, False), list(PaperLevel), (True, False)
    ):
        s = status(online=online, cover_open=cover, paper=paper, cutter_error=cutter)
        assert s.cover_open == cover and s.paper == paper and s.cutter_error == cutter
        assert s.ready == (online and not cover and paper is not PaperLevel.OUT and not cutter)


@pytest.mark.parametrize("noise", [0x00, 0xFF, 0x3F, 0x13, 0x92])
def test_noise_is_not_a_status(noise: int) -> None:
    with pytest.raises(StatusNoise):
        PrinterStatus.parse(noise, 0x12, 0x12, 0x12)


def test_query_bytes() -> None:
    assert query(2) == b"\x10\x04\x02"
    with pytest.raises(ValueError):
        query(5)


def test_every_error_has_citizen_and_technician_texts() -> None:
    from drivers.printer import protocol
    from kiosk.printing import messages

    errors = [c for c in vars(protocol).values()
              if isinstance(c, type) and issubclass(c, protocol.PrinterError)]
    assert len(errors) >= 7
    for error in errors:
        key = error.default_message_key
        assert key in messages.known_keys(), key
        assert messages.citizen(key, "th") != messages.citizen(key, "en")
        assert messages.technician(key)
