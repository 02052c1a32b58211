"""The 7816 step machine by tables: each row is a card's answers to one command, and what
the machine must send next, return or refuse. No I/O: `transport.step` is pure."""

from __future__ import annotations

import pytest

from drivers.card import apdu, thai_id, transport
from drivers.card.transport import Done, Fail, Send

READ_255 = apdu.read_binary(0x017B, 0xFF)


def gr(le: int, p2: int = 0) -> bytes:
    return bytes([0x00, 0xC0, 0x00, p2, le])


def run(command: bytes, answers: list[bytes], *, p2: int = 0, expected: int | None = None
        ) -> tuple[list[bytes], transport.Action]:  # fmt: skip
    """Feed ``answers`` one by one; return the commands sent and the final action."""
    state, action = transport.start(command, get_response_p2=p2, expected=expected)
    sent = []
    for answer in answers:
        assert isinstance(action, Send), f"machine stopped early with {action}"
        sent.append(action.command)
        state, action = transport.step(state, apdu.parse_response(answer))
    return sent, action


D = bytes(range(256)) * 2  # distinct data bytes, so a wrong join shows
OK = b"\x90\x00"

TABLE: list[tuple[str, bytes, list[bytes], list[bytes], bytes, int]] = [
    # name, command, card answers, commands expected, data returned, final SW
    ("one piece: 61 FF then GET RESPONSE", READ_255,
     [b"\x61\xff", D[:255] + OK], [READ_255, gr(0xFF)], D[:255], 0x9000),
    ("T=1 direct: data + 90 00", READ_255, [D[:255] + OK], [READ_255], D[:255], 0x9000),
    ("128-byte chain (61 80 ... 61 7F)", READ_255,
     [b"\x61\x80", D[:128] + b"\x61\x7f", D[128:255] + OK],
     [READ_255, gr(0x80), gr(0x7F)], D[:255], 0x9000),
    ("GET RESPONSE gives 64 and 61 XX for the rest", READ_255,
     [b"\x61\xff", D[:64] + b"\x61\xbf", D[64:128] + b"\x61\x7f", D[128:192] + b"\x61\x3f",
      D[192:255] + OK],
     [READ_255, gr(0xFF), gr(0xBF), gr(0x7F), gr(0x3F)], D[:255], 0x9000),
    ("6C on READ: resend once with Le = XX", READ_255,
     [b"\x6c\x80", b"\x61\x80", D[:128] + OK],
     [READ_255, READ_255[:-1] + b"\x80", gr(0x80)], D[:128], 0x9000),
    ("6C on GET RESPONSE: resend it with Le = XX", READ_255,
     [b"\x61\xff", b"\x6c\x40", D[:64] + b"\x61\xbf", D[64:255] + OK],
     [READ_255, gr(0xFF), gr(0x40), gr(0xBF)], D[:255], 0x9000),
    ("62 82 warning carries the data (end of file)", READ_255,
     [b"\x61\xa0", D[:160] + b"\x62\x82"], [READ_255, gr(0xA0)], D[:160], 0x6282),
    ("63 XX warning carries the data", READ_255,
     [D[:10] + b"\x63\x00"], [READ_255], D[:10], 0x6300),
    ("61 00 means 256", apdu.read_binary(0, 0xFF)[:-1] + b"\x00",
     [b"\x61\x00", D[:256] + OK], [apdu.read_binary(0, 0xFF)[:-1] + b"\x00", gr(0x00)],
     D[:256], 0x9000),
    ("3B 67 cards: GET RESPONSE with P2 = 01", READ_255,
     [b"\x61\xff", D[:255] + OK], [READ_255, gr(0xFF, p2=1)], D[:255], 0x9000),
    ("1-byte chain", apdu.read_binary(0, 4),
     [b"\x61\x01", D[:1] + b"\x61\x01", D[1:2] + b"\x61\x01", D[2:3] + b"\x61\x01", D[3:4] + OK],
     [apdu.read_binary(0, 4), gr(1), gr(1), gr(1), gr(1)], D[:4], 0x9000),
]  # fmt: skip


@pytest.mark.parametrize(("name", "command", "answers", "sent", "data", "sw"), TABLE,
                         ids=[row[0] for row in TABLE])  # fmt: skip
def test_card_framings(name: str, command: bytes, answers: list[bytes], sent: list[bytes],
                       data: bytes, sw: int) -> None:  # fmt: skip
    p2 = 1 if "P2 = 01" in name else 0
    got_sent, action = run(command, answers, p2=p2)
    assert got_sent == sent
    assert action == Done(data, sw)


FAILS: list[tuple[str, list[bytes], str, int | None]] = [
    ("second 6C to the resend", [b"\x6c\x80", b"\x6c\x40"], "wrong_length", 0x6C40),
    ("error status word", [b"\x6a\x82"], "status_word", 0x6A82),
    ("error after a chain", [b"\x61\x80", D[:128] + b"\x61\x7f", b"\x6f\x00"],
     "status_word", 0x6F00),
    ("more data than asked", [D[:256] + OK], "too_much_data", 0x9000),
    ("a chain offering more than asked", [b"\x61\xff", D[:255] + b"\x61\x10"],
     "too_much_data", 0x6110),
    ("6C naming more than is left of a chain", [b"\x61\xff", D[:200] + b"\x61\x37",
     b"\x6c\x40"], "too_much_data", 0x6C40),
]  # fmt: skip


@pytest.mark.parametrize(("name", "answers", "reason", "sw"), FAILS,
                         ids=[row[0] for row in FAILS])  # fmt: skip
def test_refused_framings(name: str, answers: list[bytes], reason: str, sw: int | None) -> None:
    _, action = run(READ_255, answers)
    assert isinstance(action, Fail)
    assert action.error.reason == reason and action.error.sw == sw
    assert action.error.message_key == "card.read_failed"


def test_a_card_chaining_without_end_is_refused_within_the_bound() -> None:
    state, action = transport.start(READ_255, get_response_p2=0)
    count = 0
    while isinstance(action, Send):
        count += 1
        assert count <= 2 * 255 + 8, "no refusal within the bound"
        state, action = transport.step(state, apdu.parse_response(b"\x61\xff"))  # no data, ever
    assert isinstance(action, Fail) and action.error.reason == "chain_too_long"
    assert count == 2 * 255 + 8


def test_a_card_giving_one_byte_forever_is_refused_by_the_data_bound() -> None:
    state, action = transport.start(apdu.read_binary(0, 13), get_response_p2=0)
    count = 0
    while isinstance(action, Send):
        count += 1
        state, action = transport.step(state, apdu.parse_response(b"\x41\x61\x01"))
    assert isinstance(action, Fail) and action.error.reason == "too_much_data"
    assert count == 13  # the 14th byte would be one more than asked


class Script:
    """A channel answering from a table keyed by command: the session's read loop."""

    def __init__(self, answers: dict[bytes, bytes]) -> None:
        self.answers = answers
        self.atr = bytes.fromhex("3B799600005448204E4944203137")
        self.sent: list[bytes] = []

    def transmit(self, command: bytes) -> bytes:
        self.sent.append(command)
        return self.answers[command]


def test_a_short_read_reads_on_from_where_it_ended() -> None:
    # A card serving at most 100 bytes a READ: the session asks again at offset + 100.
    script = Script({
        apdu.read_binary(0, 255): D[:100] + OK,
        apdu.read_binary(100, 155): D[100:200] + OK,
        apdu.read_binary(200, 55): D[200:255] + OK,
    })  # fmt: skip
    assert thai_id.CardSession(script).read(0, 255) == D[:255]
    assert len(script.sent) == 3


def test_a_short_read_at_the_end_of_the_file() -> None:
    for answers in (
        {apdu.read_binary(5497, 174): D[:160] + b"\x62\x82"},  # warning with the data
        {apdu.read_binary(5497, 174): b"\x6c\xa0",  # 6C: only 160 left
         apdu.read_binary(5497, 174)[:-1] + b"\xa0": D[:160] + OK,
         apdu.read_binary(5657, 14): b"\x6b\x00"},  # past the end: the file ended there
    ):
        session = thai_id.CardSession(Script(answers))
        assert session.read(5497, 174) == D[:160]


def test_framing_specs_for_the_cli_and_control_socket() -> None:
    from simulators.vcard.framing import Framing

    assert Framing.parse(["offer=64", "piece=64"]) == Framing(offer=64, piece=64)
    assert Framing.parse(["direct", "strict-le", "read-max=128", "eof=6c"]) == Framing(
        direct=True, strict_le=True, read_max=128, eof="6c")  # fmt: skip
    assert Framing.parse([]).one_piece
    for bad in (["offer=0"], ["offer=x"], ["chunky"], ["eof=9000"]):
        with pytest.raises(ValueError):
            Framing.parse(bad)
