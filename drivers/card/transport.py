"""ISO/IEC 7816-3/-4 response handling as a pure step machine (sans I/O).

One *transfer* is one command the read plan wants answered (a READ, a laser-ID command, a
GET DATA) plus every exchange the card's framing asks for on the way:

* ``61 XX`` (7816-4 §5.3.4, response chaining; 7816-3 §12.2): XX more bytes wait
  (``61 00`` = 256). Send GET RESPONSE with Le = XX; keep the data of each answer, repeat
  while the answer ends in ``61 YY``, join the pieces. A card may offer fewer bytes per
  GET RESPONSE than the READ asked for.
* ``6C XX`` (7816-3 §12.2.2/§12.2.4, "wrong length"; 7816-4 table 6): send the very same
  command again with Le = XX - the last byte of every command that goes through here (the
  MOI READ carries its length in the last data byte ``80 B0 P1 P2 02 00 Le``). Once per
  command: a second ``6C`` to the resend is a card that cannot make up its mind.
* ``90 00``: done; the data may come with it (T=1, or CCID readers exchanging whole APDUs).
* ``62 XX`` / ``63 XX`` (7816-4 table 6, warnings): done, the data carried is kept; a short
  answer with ``62 82`` ("end of file reached before reading Le bytes") is a short read.
* anything else: a :class:`TransportError` naming the status word.
* Never assume the answer holds the bytes asked for: more than asked is an error, fewer is
  returned as it is (the read plan decides what a short read means).
* Bounded: at most ``2 * expected + 8`` exchanges per transfer (1-byte chunks with a ``6C``
  on every one still fit) and never more data than expected; a card that chains forever
  ends in ``TransportError(reason="chain_too_long")`` - it never hangs.

``start(command, ...) -> (state, Send)`` then ``step(state, response) -> (state, Send |
Done | Fail)`` until a ``Done`` or ``Fail``. The I/O shell (:meth:`drivers.card.thai_id.
CardSession.transfer`) only sends what it is told and feeds the answers back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from drivers.card.apdu import Response
from drivers.card.errors import CardCommunicationError

GET_RESPONSE_INS = 0xC0
MAX_DATA = 256


class TransportError(CardCommunicationError):
    """The card's framing broke a 7816 rule or ended in an error status word. ``sw`` is the
    last status word seen (None when the error is about length or count)."""

    def __init__(self, message: str, *, reason: str, sw: int | None = None) -> None:
        super().__init__(message, reason=reason)
        self.sw = sw


@dataclass(frozen=True)
class Send:
    command: bytes


@dataclass(frozen=True)
class Done:
    data: bytes
    sw: int
    """``90 00`` or the warning (``62 XX``/``63 XX``) the transfer ended with."""


@dataclass(frozen=True)
class Fail:
    error: TransportError


Action = Send | Done | Fail


@dataclass(frozen=True)
class Transfer:
    """Where one transfer stands. Immutable: every step returns a new one."""

    command: bytes
    """The command the plan asked for."""
    expected: int
    """The most data the answer may hold (the Le asked, or what a 6C named)."""
    get_response_p2: int
    last: bytes
    """The command sent last (what a 6C asks to resend)."""
    data: bytes = b""
    exchanges: int = 1
    resent: bool = False
    """The last command already is a 6C resend."""

    @property
    def limit(self) -> int:
        return 2 * self.expected + 8


def _le(value: int) -> int:
    return 0x00 if value == MAX_DATA else value


def _length(le_byte: int) -> int:
    return MAX_DATA if le_byte == 0 else le_byte


def get_response(length: int, p2: int) -> bytes:
    """GET RESPONSE ``00 C0 00 P2 Le`` (Le = 00 asks for 256)."""
    if not 1 <= length <= MAX_DATA:
        raise ValueError("length must be 1..256")
    return bytes([0x00, GET_RESPONSE_INS, 0x00, p2, _le(length)])


def start(command: bytes, *, get_response_p2: int, expected: int | None = None
          ) -> tuple[Transfer, Send]:  # fmt: skip
    """Begin a transfer. ``expected``: the data length asked (default: the last byte)."""
    if len(command) < 5:
        raise ValueError("a transfer needs a command with a length byte")
    want = _length(command[-1]) if expected is None else expected
    state = Transfer(command=command, expected=want, get_response_p2=get_response_p2,
                     last=command)  # fmt: skip
    return state, Send(command)


def _fail(reason: str, message: str, sw: int | None = None) -> Fail:
    return Fail(TransportError(message, reason=reason, sw=sw))


def step(state: Transfer, resp: Response) -> tuple[Transfer, Action]:
    """The card answered ``resp`` to ``state.last``: what next."""
    data = state.data + resp.data
    if len(data) > state.expected:
        return state, _fail("too_much_data", f"card gave {len(data)} bytes, "
                            f"{state.expected} at most were asked", resp.sw)  # fmt: skip
    if resp.sw == 0x9000 or resp.sw1 in (0x62, 0x63):
        return replace(state, data=data), Done(data, resp.sw)
    if state.exchanges >= state.limit:
        return state, _fail("chain_too_long",
                            f"no final status word after {state.exchanges} exchanges", resp.sw)
    if resp.sw1 == 0x61:
        offered = _length(resp.sw2)
        room = state.expected - len(data)
        if room <= 0:
            return state, _fail("too_much_data", f"card offers {offered} more bytes after "
                                f"the {state.expected} asked", resp.sw)  # fmt: skip
        command = get_response(min(offered, room), state.get_response_p2)
        nxt = replace(state, data=data, last=command, exchanges=state.exchanges + 1,
                      resent=False)  # fmt: skip
        return nxt, Send(command)
    if resp.sw1 == 0x6C:
        if state.resent or resp.data:
            return state, _fail("wrong_length", f"card answered {resp.sw_text()} to a resend "
                                "with the length it named", resp.sw)  # fmt: skip
        length = _length(resp.sw2)
        expected = state.expected
        if state.last == state.command:
            expected = length  # the card names the length of the whole answer
        elif len(state.data) + length > expected:
            return state, _fail("too_much_data", f"card names {length} bytes after "
                                f"{len(state.data)}, {expected} at most", resp.sw)  # fmt: skip
        command = state.last[:-1] + bytes([_le(length)])
        nxt = replace(state, expected=expected, last=command, exchanges=state.exchanges + 1,
                      resent=True)  # fmt: skip
        return nxt, Send(command)
    what = "GET RESPONSE" if state.last[1:2] == bytes([GET_RESPONSE_INS]) else "command"
    return state, _fail("status_word", f"{what} answered {resp.sw_text()}", resp.sw)


__all__ = ["Action", "Done", "Fail", "Send", "Transfer", "TransportError", "get_response",
           "start", "step"]  # fmt: skip
