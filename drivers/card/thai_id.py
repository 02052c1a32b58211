"""The Thai ID read plan: which APDUs, in which order, and how their bytes become values.

Transport-agnostic: it runs over any :class:`ApduChannel` (pcscd, or the in-process
emulator), so the PC/SC driver and the simulated driver read cards the same way.

Exchange budget (one exchange = one command and its response):

* identity: SELECT + 3 combined reads (READ + GET RESPONSE each) = **7**.
  Bytes 0-254 and 255-374 cover version .. expiry (375 contiguous bytes); one read of 174
  bytes at 5497 gets the full 160-byte address and the 14-byte number under the photo.
* photo: 20 chunks of 255 bytes = **40** (plus a SELECT only if another applet was
  selected since); never trimmed - 0x20 is a valid JPEG byte.
* NHSO rights: SELECT + 2 reads = 5. Laser ID: SELECT + command + GET RESPONSE = 3.
* chip number: GET DATA of the CPLC = **1** (card-level data: no SELECT, and the selected
  applet stays selected). Kept out of the identity plan; the session asks for it once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Protocol, TypeVar

from drivers.card import apdu, cplc, transport
from drivers.card.errors import CardCommunicationError, CardDataInvalid, CardError
from drivers.card.nhso import NHSO_LAYOUT, NhsoRights, nhso_from_fields
from drivers.card.photo import validated_photo
from drivers.card.protocol import PhotoProgress
from kiosk.domain.errors import DomainError
from kiosk.domain.identity import CardIdentity
from kiosk.domain.text import decode_card_text

# Field name -> (offset, length) in the MOI file.
MOI_LAYOUT: dict[str, tuple[int, int]] = {
    "version": (0, 4),
    "cid": (4, 13),
    "th_name": (17, 100),
    "en_name": (117, 100),
    "birth": (217, 8),
    "gender": (225, 1),
    "request_no": (226, 20),
    "issuer": (246, 100),
    "issuer_code": (346, 13),
    "issue": (359, 8),
    "expiry": (367, 8),
    "address": (5497, 160),
    "photo_ref": (5657, 14),
}
PHOTO_OFFSET = 379
PHOTO_CHUNK = 255
PHOTO_CHUNKS = 20
PHOTO_SIZE = PHOTO_CHUNK * PHOTO_CHUNKS
MOI_FILE_SIZE = 5657 + 14

SW_END_OF_FILE = 0x6282
"""ISO 7816-4 table 6: end of file reached before reading Le bytes (a warning with data)."""
SW_WRONG_OFFSET = 0x6B00
"""ISO 7816-4 table 6: wrong parameters P1-P2 (offset outside the file)."""



def spans(layout: Mapping[str, tuple[int, int]]) -> list[tuple[int, int]]:
    """The fewest reads of at most 255 bytes that cover every field.

    Fields that touch or nearly touch (gap < 8 bytes) are merged into one run, then each
    run is cut into 255-byte reads: fewer exchanges beat a few wasted bytes.
    """
    runs: list[list[int]] = []
    for offset, length in sorted(layout.values()):
        end = offset + length
        if runs and offset - runs[-1][1] < 8:
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([offset, end])
    reads: list[tuple[int, int]] = []
    for start, end in runs:
        for chunk in range(start, end, apdu.MAX_LE):
            reads.append((chunk, min(apdu.MAX_LE, end - chunk)))
    return reads


MOI_SPANS = spans(MOI_LAYOUT)
NHSO_SPANS = spans(NHSO_LAYOUT)


class ApduChannel(Protocol):
    """One connected card: its ATR and a raw exchange. Transport failures raise CardError."""

    @property
    def atr(self) -> bytes: ...

    def transmit(self, command: bytes) -> bytes: ...


class CardSession:
    """APDU-level conversation with one inserted card; remembers the selected applet."""

    def __init__(self, channel: ApduChannel) -> None:
        self.channel = channel
        self.get_response_p2 = apdu.get_response_p2(channel.atr)
        self.selected: bytes | None = None
        self.exchanges = 0
        self.cid: bytes | None = None
        """The raw citizen-ID bytes, once a read covered them (never logged)."""

    def exchange(self, command: bytes) -> apdu.Response:
        self.exchanges += 1
        return apdu.parse_response(self.channel.transmit(command))

    def select(self, aid: bytes, *, required: bool) -> bool:
        if self.selected == aid:
            return True
        self.selected = None
        ok = apdu.expect_selected(self.exchange(apdu.select(aid)), required=required)
        if ok:
            self.selected = aid
        return ok

    def transfer(self, command: bytes, *, expected: int | None = None) -> transport.Done:
        """One command and every exchange its answer's framing asks for (61 XX chains,
        6C XX resends): the I/O shell of :mod:`drivers.card.transport`."""
        state, action = transport.start(
            command, get_response_p2=self.get_response_p2, expected=expected
        )
        while isinstance(action, transport.Send):
            state, action = transport.step(state, self.exchange(action.command))
        if isinstance(action, transport.Fail):
            raise action.error
        return action

    def read(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes of the selected file from ``offset``.

        In one piece (READ ``61 Le`` + GET RESPONSE: 2 exchanges) or in as many as the card
        frames it (:mod:`drivers.card.transport`). A READ may give fewer bytes than asked:
        the next READ goes on from where it ended, until ``length`` bytes, an answer without
        data, ``62 82`` (end of file reached) or ``6B 00`` to a READ past the end. Fewer
        bytes come back only where the file ends (a short READ at the end of file).
        """
        data = b""
        while len(data) < length:
            want = length - len(data)
            try:
                done = self.transfer(apdu.read_binary(offset + len(data), want), expected=want)
            except transport.TransportError as exc:
                if data and exc.sw == SW_WRONG_OFFSET:
                    break  # the previous answer ended exactly at the end of the file
                raise
            data += done.data
            if not done.data or done.sw == SW_END_OF_FILE:
                break
        start, size = MOI_LAYOUT["cid"]
        if self.selected == apdu.MOI_AID and offset <= start and offset + len(data) >= start + size:
            # Remembered so a reader can tell this card from one swapped in mid-read.
            self.cid = data[start - offset : start - offset + size]
        return data

    def read_layout(self, layout: Mapping[str, tuple[int, int]]) -> dict[str, bytes]:
        """Each field of ``layout``; fields past the end of a short file are left out."""
        data: dict[int, bytes] = {}
        asked = spans(layout)
        for offset, length in asked:
            data[offset] = self.read(offset, length)
        ended = [o for o, n in asked if len(data[o]) < n]
        if ended and any(data[o] for o, _ in asked if o > ended[0]):
            # A short read followed by data further on is a hole, not the end of the file.
            raise CardCommunicationError(
                "card answered a short read inside the file", reason="truncated"
            )
        fields = {name: _slice(data, offset, length) for name, (offset, length) in layout.items()}
        return {name: value for name, value in fields.items() if value is not None}


def _slice(reads: Mapping[int, bytes], offset: int, length: int) -> bytes | None:
    """The field's bytes; shorter where the file ended inside it, None where it ended
    before the field (a short READ at the end of file: the domain core says whether the
    field may be missing)."""
    out = bytearray()
    pos = offset
    while pos < offset + length:
        start = max(s for s in reads if s <= pos)
        take = reads[start][pos - start : offset + length - start]
        if not take:  # the read that covers pos stopped short: the file ends here
            break
        out += take
        pos += len(take)
    return bytes(out) if out else None


# ----------------------------------------------------------------------------- identity


def read_identity_fields(session: CardSession) -> dict[str, bytes]:
    session.select(apdu.MOI_AID, required=True)
    return session.read_layout(MOI_LAYOUT)


def identity_from_fields(fields: Mapping[str, bytes]) -> CardIdentity:
    try:
        return CardIdentity.from_card_fields(fields)
    except DomainError as exc:
        raise CardDataInvalid(
            exc.message, field=exc.field, message_key=exc.message_key, reason=exc.reason
        ) from None


def read_identity(session: CardSession) -> CardIdentity:
    return identity_from_fields(read_identity_fields(session))


def read_cid(session: CardSession) -> bytes | None:
    """The raw citizen-ID bytes (3 exchanges), or None for a card without the MOI applet:
    how a reader checks, after reconnecting, that the card is still the same one."""
    if not session.select(apdu.MOI_AID, required=False):
        return None
    offset, length = MOI_LAYOUT["cid"]
    return session.read(offset, length)


# ----------------------------------------------------------------------------- photo

def read_photo(session: CardSession, progress: PhotoProgress | None = None) -> bytes:
    """All 5 100 bytes of the photo area, untrimmed, once :func:`drivers.card.photo.
    validated_photo` found a whole JPEG in it. A card whose file ends inside the area (a
    short READ) gives a shorter area, which then holds no whole JPEG."""
    session.select(apdu.MOI_AID, required=True)
    photo = bytearray()
    for index in range(PHOTO_CHUNKS):
        chunk = session.read(PHOTO_OFFSET + index * PHOTO_CHUNK, PHOTO_CHUNK)
        photo += chunk
        if progress is not None:
            progress(len(photo), PHOTO_SIZE)
        if len(chunk) < PHOTO_CHUNK:
            break  # the file ends here
    return validated_photo(bytes(photo))


# ----------------------------------------------------------------------------- NHSO


def read_nhso(session: CardSession) -> NhsoRights | None:
    if not session.select(apdu.NHSO_AID, required=False):
        return None
    return nhso_from_fields(session.read_layout(NHSO_LAYOUT))


# ----------------------------------------------------------------------------- laser ID


def read_laser_id(session: CardSession) -> str | None:
    """The laser number on the back, or None where the card has no such applet or refuses
    (cards from before about 2015). Implementations disagree on the length byte, so we ask
    with the common ``07`` and then fetch exactly what the card offers in ``61 xx``."""
    if not session.select(apdu.CARD_AID, required=False):
        return None
    try:
        raw = session.transfer(apdu.LASER_ID_COMMAND, expected=transport.MAX_DATA).data
    except transport.TransportError as exc:
        if exc.sw is None:
            raise
        return None  # the card refuses the command: an old card without a laser ID
    if not raw:
        return None
    try:
        text = decode_card_text(raw)
    except DomainError as exc:
        raise CardDataInvalid(exc.message, field="laser_id", reason=exc.reason) from None
    laser = text.strip().replace("-", "")
    if not (laser.isascii() and laser.isalnum() and 8 <= len(laser) <= 16):
        raise CardDataInvalid("laser ID is malformed", field="laser_id", reason="laser_id")
    return laser


# ----------------------------------------------------------------------------- chip number


def read_chip_no(session: CardSession) -> str | None:
    """The chip number (see :mod:`drivers.card.cplc`), or None where the card has no CPLC
    for us (the old ``3B 67`` generation answers ``6D 00``; others ``6A 88``)."""
    try:
        done = session.transfer(cplc.GET_CPLC)
    except transport.TransportError as exc:
        if exc.sw in cplc.NOT_SUPPORTED_SW:
            return None
        raise
    if done.sw != apdu.SW_OK:
        raise CardCommunicationError(f"GET DATA answered {done.sw:04X}", reason="status_word")
    if len(done.data) < cplc.GET_CPLC[4]:
        raise CardCommunicationError("GET DATA answer is short", reason="truncated")
    return cplc.chip_no_from_cplc(done.data)


__all__ = [
    "MOI_LAYOUT",
    "PHOTO_SIZE",
    "ApduChannel",
    "CardCommunicationError",
    "CardError",
    "CardSession",
    "NhsoRights",
    "ReadPlans",
    "identity_from_fields",
    "read_chip_no",
    "read_identity",
    "read_identity_fields",
    "read_laser_id",
    "read_nhso",
    "read_photo",
]


T = TypeVar("T")


class ReadPlans(ABC):
    """The Thai-ID reads, for any reader that can run a plan on one card in one go.

    The PC/SC and the simulated reader differ only in `run` (a PC/SC transaction with
    bounded recovery, or the in-process emulator); the plans themselves are shared.
    """

    @abstractmethod
    def run(self, reader: str, plan: Callable[[CardSession], T]) -> T: ...

    def read_identity(self, reader: str) -> CardIdentity:
        return self.run(reader, read_identity)

    def read_photo(self, reader: str, progress: PhotoProgress | None = None) -> bytes:
        return self.run(reader, lambda session: read_photo(session, progress))

    def read_nhso(self, reader: str) -> NhsoRights | None:
        return self.run(reader, read_nhso)

    def read_laser_id(self, reader: str) -> str | None:
        return self.run(reader, read_laser_id)

    def read_chip_no(self, reader: str) -> str | None:
        return self.run(reader, read_chip_no)
