"""Hypothesis: whatever bytes a card (or a broken reader) answers, the driver raises only its
own CardError types - never IndexError, UnicodeDecodeError, ValueError from a parser."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.card import apdu, cplc, thai_id, transport
from drivers.card.protocol import CardDataInvalid, CardError
from simulators.seeds import load_seeds
from simulators.vcard.card import ThaiIdCardEmulator
from simulators.vcard.profile import CardProfile

PLANS: list[Callable[[thai_id.CardSession], Any]] = [
    thai_id.read_identity,
    thai_id.read_photo,
    thai_id.read_nhso,
    thai_id.read_laser_id,
    thai_id.read_chip_no,
]


class ScriptedChannel:
    """Answers each command with the next scripted response (cycling)."""

    def __init__(self, atr: bytes, responses: list[bytes]) -> None:
        self.atr = atr
        self._responses = responses
        self.count = 0

    def transmit(self, command: bytes) -> bytes:
        answer = self._responses[self.count % len(self._responses)]
        self.count += 1
        return answer


def run_plan(channel: Any, plan: Callable[[thai_id.CardSession], Any]) -> None:
    try:
        plan(thai_id.CardSession(channel))
    except CardError as exc:
        assert exc.message_key and exc.reason


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_parse_response_only_raises_card_errors(raw: bytes) -> None:
    try:
        resp = apdu.parse_response(raw)
    except CardError:
        assert len(raw) < 2 or len(raw) > 258
        return
    assert resp.data + bytes([resp.sw1, resp.sw2]) == raw
    for check in (
        lambda: apdu.expect_selected(resp, required=True),
    ):
        with contextlib.suppress(CardError):
            check()
    for expected in (255, len(resp.data) or 1, 13):
        state, _ = transport.start(apdu.read_binary(0, expected), get_response_p2=0)
        _, action = transport.step(state, resp)
        assert isinstance(action, transport.Send | transport.Done | transport.Fail)
        if isinstance(action, transport.Done):
            assert len(action.data) <= expected


status_words = st.sampled_from(
    [b"\x90\x00", b"\x61\xff", b"\x61\x0d", b"\x6a\x82", b"\x6c\x10", b"\x6c\x2d", b"\x61\x2d"]
)
responses = st.one_of(
    st.binary(max_size=260),
    st.builds(lambda data, sw: data + sw, st.binary(max_size=256), status_words),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    atr=st.one_of(st.just(bytes.fromhex("3B6700007320006C689000")), st.binary(max_size=33)),
    script=st.lists(responses, min_size=1, max_size=12),
    plan=st.sampled_from(PLANS),
)
def test_arbitrary_card_answers_give_card_errors(
    atr: bytes, script: list[bytes], plan: Callable[[thai_id.CardSession], Any]
) -> None:
    run_plan(ScriptedChannel(atr, script), plan)


class MutatingChannel:
    """A real (emulated) card whose answers get bytes overwritten: deep into field parsing."""

    def __init__(self, card: ThaiIdCardEmulator, edits: list[tuple[int, int, int]]) -> None:
        self.card = card
        self.atr = card.atr
        self.edits = edits
        self.count = 0

    def transmit(self, command: bytes) -> bytes:
        answer = bytearray(self.card.process(command))
        for exchange, position, value in self.edits:
            if exchange == self.count and len(answer) > 2:
                answer[position % (len(answer) - 2)] = value
        self.count += 1
        return bytes(answer)


_CITIZEN = load_seeds().citizens[0]
_PROFILE = CardProfile.from_seed(_CITIZEN)


@settings(max_examples=300, deadline=None)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, 8), st.integers(0, 255), st.integers(0, 255)), max_size=6
    ),
    plan=st.sampled_from(PLANS),
)
def test_corrupted_field_bytes_give_card_errors(
    edits: list[tuple[int, int, int]], plan: Callable[[thai_id.CardSession], Any]
) -> None:
    run_plan(MutatingChannel(ThaiIdCardEmulator(_PROFILE), edits), plan)


@settings(max_examples=400, deadline=None)
@given(st.one_of(
    st.binary(max_size=80),
    st.builds(lambda body: b"\x9f\x7f\x2a" + body, st.binary(min_size=42, max_size=42)),
))
def test_cplc_parser_returns_a_chip_number_or_card_data_invalid(data: bytes) -> None:
    try:
        chip = cplc.chip_no_from_cplc(data)
    except CardDataInvalid as exc:
        assert exc.field == "chip_no" and exc.reason == "chip_no.malformed"
        return
    # Only a well-formed CPLC gets here, and the number is exactly its three chip fields.
    assert len(data) == 45 and data[:3] == b"\x9f\x7f\x2a"
    assert chip == (data[3:7] + data[15:19]).hex().upper()
