"""A Thai national ID card in software: the APDU engine behind the virtual card.

It answers the way /work/shared/reference/thai-id-card.md describes a real card:
SELECT by AID (``61 xx`` or ``90 00`` depending on the card generation), reads
``80 B0 P1 P2 02 00 Le`` answered ``61 Le``, data fetched with GET RESPONSE whose P2 must
be ``01`` on cards whose ATR starts ``3B 67`` and ``00`` on all others (the emulator is
strict both ways so a driver that picks the wrong form fails here, not only on hardware),
space-padded TIS-620 text, a 5 100-byte photo area padded with spaces after the JPEG.
GET DATA ``80 CA 9F 7F 2D`` answers the chip's CPLC (45 bytes: tag, length, 42 bytes of
GlobalPlatform Card Production Life Cycle data) with ``90 00``, or ``6D 00`` on the old
``3B 67`` generation; ``6C 2D`` tells a reader that asked for another length the right one.

The layout table below is written from the reference on purpose and is not imported from
the driver: a driver bug in an offset must show up as a test failure, not cancel out.

Faults (:class:`Faults`) make the card misbehave in the ways real readers see.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from kiosk.domain.text import encode_card_text
from simulators.vcard.framing import Framer, Framing
from simulators.vcard.profile import ATR_VARIANTS, CardProfile, Faults

MOI_AID = bytes.fromhex("A000000054480001")
NHSO_AID = bytes.fromhex("A000000054480083")
CARD_AID = bytes.fromhex("A000000084060002")
GET_DATA_CPLC = bytes.fromhex("80CA9F7F")
CPLC_TAG = b"\x9f\x7f"
CPLC_BODY = 42
CPLC_SIZE = 2 + 1 + CPLC_BODY  # tag, length byte, body: what `Le = 2D` asks for
# GlobalPlatform CPLC fields in order (name, length). The seed's 8-byte chip number is
# IC fabricator + IC type + IC serial number: the serial is unique only per fabricator and
# chip type, so the three together name one chip (drivers/card/cplc.py reads it back).
# Written here from the GlobalPlatform layout, not imported from the driver, on purpose.
_CPLC_FIELDS = (
    ("ic_fabricator", 2), ("ic_type", 2), ("os_id", 2), ("os_release_date", 2),
    ("os_release_level", 2), ("ic_fabrication_date", 2), ("ic_serial", 4),
    ("ic_batch_id", 2), ("ic_module_fabricator", 2), ("ic_module_packaging_date", 2),
    ("icc_manufacturer", 2), ("ic_embedding_date", 2), ("ic_pre_personalizer", 2),
    ("ic_pre_perso_date", 2), ("ic_pre_perso_equipment", 4), ("ic_personalizer", 2),
    ("ic_personalization_date", 2), ("ic_personalization_equipment", 4),
)  # fmt: skip
# Synthetic but plausible values (dates are GlobalPlatform YDDD) for the fields the kiosk
# does not use.
_CPLC_FILLER = {
    "os_id": "4791", "os_release_date": "5023", "os_release_level": "0203",
    "ic_fabrication_date": "5042", "ic_batch_id": "0001", "ic_module_fabricator": "4855",
    "ic_module_packaging_date": "5061", "icc_manufacturer": "4856",
    "ic_embedding_date": "5075", "ic_pre_personalizer": "4857", "ic_pre_perso_date": "5090",
    "ic_pre_perso_equipment": "11223344", "ic_personalizer": "4858",
    "ic_personalization_date": "5120", "ic_personalization_equipment": "55667788",
}  # fmt: skip

# name -> (offset, length), from the reference's field table.
_MOI_FIELDS = {
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
_PHOTO = (379, 5100)
_MOI_SIZE = 5671
_NHSO_FIELDS = {
    "main_rights": (0x0004, 0x3C),
    "sub_rights": (0x0040, 0x64),
    "main_hospital": (0x00A4, 0x50),
    "sub_hospital": (0x00F4, 0x50),
    "paid_type": (0x0144, 1),
    "issue": (0x0145, 8),
    "expiry": (0x014D, 8),
    "update": (0x0155, 8),
}
_NHSO_CHANGE_COUNT = 0x015D
_NHSO_SIZE = 0x015E


class CardPulled(Exception):
    """The card left the reader (fault ``remove-after``); the transport must drop it."""


def _file_image(
    fields: Mapping[str, tuple[int, int]], values: Mapping[str, str], size: int,
    pad: bytes = b" ",
) -> bytearray:
    image = bytearray(pad * size)
    for name, (offset, length) in fields.items():
        text = values.get(name, "")
        used = len(text.encode("tis_620", "replace"))
        image[offset : offset + length] = encode_card_text(text, length)[:used].ljust(length, pad)
    return image


SW_OK = b"\x90\x00"
# The profile of a card built from a raw image: only its (absent) extras are ever looked at.
_IMAGE_PROFILE = CardProfile(
    cid="", th_name="", en_name="", birth="", gender="", request_no="", issuer="",
    issuer_code="", issue="", expiry="", address="", photo=b"",
)  # fmt: skip


class ThaiIdCardEmulator:
    """The card's side of the APDU conversation. Thread-safe; one per inserted card."""

    def __init__(
        self,
        profile: CardProfile,
        *,
        atr_variant: str | None = None,
        faults: Faults | None = None,
        framing: Framing | None = None,
    ) -> None:
        self.profile = profile
        self.faults = faults or Faults()
        name = "other" if self.faults.not_thai else (atr_variant or profile.atr_variant)
        if name not in ATR_VARIANTS:
            raise ValueError(f"unknown ATR variant {name!r}; known: {', '.join(ATR_VARIANTS)}")
        self.variant = ATR_VARIANTS[name]
        self.exchanges = 0
        self.commands: list[bytes] = []
        self._lock = threading.Lock()
        self.framing = framing or Framing()
        self._framer = Framer(self.framing)
        self._files = {MOI_AID: self._sized(self._moi_image()), **self._nhso_image()}
        self._selected: bytes | None = None

    @classmethod
    def from_image(
        cls, moi_image: bytes, *, atr_variant: str = "nid17", framing: Framing | None = None
    ) -> ThaiIdCardEmulator:
        """A card whose MOI file is exactly ``moi_image`` (5 671 bytes), byte for byte.

        For cards built elsewhere (the tests' generator of every layout the reference
        allows): no profile, no laser-ID/NHSO applets, no CPLC; only the APDU behaviour.
        """
        if len(moi_image) != _MOI_SIZE:
            raise ValueError(f"a MOI image is {_MOI_SIZE} bytes, not {len(moi_image)}")
        card = cls.__new__(cls)
        card.profile = _IMAGE_PROFILE
        card.faults = Faults()
        if atr_variant not in ATR_VARIANTS:
            raise ValueError(f"unknown ATR variant {atr_variant!r}")
        card.variant = ATR_VARIANTS[atr_variant]
        card.exchanges = 0
        card.commands = []
        card._lock = threading.Lock()
        card.framing = framing or Framing()
        card._framer = Framer(card.framing)
        card._files = {MOI_AID: card._sized(bytes(moi_image))}
        card._selected = None
        return card

    def _sized(self, image: bytes) -> bytes:
        """The MOI file as long as the framing says (a card whose file ends early)."""
        size = self.framing.file_size
        return image if size is None else image[:size]

    @property
    def atr(self) -> bytes:
        """Empty for a mute card: it gives no ATR at all."""
        return b"" if self.framing.mute else self.variant.atr

    # --- images ------------------------------------------------------------------------
    def _moi_image(self) -> bytes:
        p = self.profile
        cid = p.cid
        if self.faults.bad_check_digit:
            cid = cid[:12] + str((int(cid[12]) + 1) % 10)
        values = {name: getattr(p, name) for name in _MOI_FIELDS if name != "cid"}
        values["cid"] = cid
        image = _file_image(_MOI_FIELDS, values, _MOI_SIZE, p.padding)
        if p.version_bytes is not None:
            offset, length = _MOI_FIELDS["version"]
            image[offset : offset + length] = p.version_bytes.ljust(length, b"\x00")[:length]
        if self.faults.undecodable:
            image[17:20] = b"\xfc\xfd\xfe"
        offset, size = _PHOTO
        if len(p.photo) > size:
            raise ValueError(f"photo is {len(p.photo)} bytes; the card holds {size}")
        # The photo area's tail: 0x00 on NUL-padded cards, else 0x20 (never trimmed by readers).
        tail = b"\x00" if p.padding == b"\x00" else b" "
        image[offset : offset + size] = p.photo.ljust(size, tail)
        return bytes(image)

    def _nhso_image(self) -> dict[bytes, bytes]:
        nhso = self.profile.nhso
        if not nhso:
            return {}
        image = _file_image(_NHSO_FIELDS, {k: str(v or "") for k, v in nhso.items()}, _NHSO_SIZE)
        image[_NHSO_CHANGE_COUNT] = int(nhso.get("change_count") or 0) & 0xFF
        return {NHSO_AID: bytes(image)}

    # --- power -------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self._selected = None
            self._framer.clear()

    # --- APDUs -------------------------------------------------------------------------
    def process(self, command: bytes) -> bytes:
        with self._lock:
            faults = self.faults
            if faults.remove_after is not None and self.exchanges >= faults.remove_after:
                raise CardPulled
            self.exchanges += 1
            self.commands.append(bytes(command))
            if faults.latency_ms:
                time.sleep(faults.latency_ms / 1000)
            return self._answer(bytes(command))

    def _answer(self, c: bytes) -> bytes:
        if len(c) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = c[0], c[1], c[2], c[3]
        if cla == 0x00 and ins == 0xA4:
            return self._select(c)
        if cla == 0x00 and ins == 0xC0:
            return self._get_response(p1, p2, c[4:])
        if cla == 0x80 and ins == 0xB0:
            return self._read(p1 << 8 | p2, c[4:])
        if cla == 0x80 and ins == 0x00 and self._selected == CARD_AID:
            return self._laser()
        if c[:4] == GET_DATA_CPLC and self.variant.thai_id:
            return self._cplc(c[4:])
        if cla not in (0x00, 0x80):
            return b"\x6e\x00"
        return b"\x6d\x00"

    def _select(self, c: bytes) -> bytes:
        self._framer.clear()
        if c[2:4] != b"\x04\x00" or len(c) < 5 or len(c) < 5 + c[4]:
            return b"\x6a\x86"
        aid = c[5 : 5 + c[4]]
        known = {MOI_AID, CARD_AID, *self._files} if self.variant.thai_id else set()
        if aid == CARD_AID and not self.profile.laser_id:
            known.discard(CARD_AID)  # cards before ~2015 have no such applet
        if aid not in known:
            self._selected = None
            return b"\x6a\x82"
        self._selected = aid
        return self.variant.select_sw

    def _read(self, offset: int, body: bytes) -> bytes:
        self._framer.clear()
        image = self._files.get(self._selected or b"")
        if image is None:
            return b"\x69\x86"  # command not allowed: no file selected
        if len(body) != 3 or body[0] != 0x02 or body[1] != 0x00:
            return b"\x67\x00"
        if self.faults.wrong_sw:
            return b"\x6f\x00"
        return self._framer.read(image, offset, body[2])

    def _laser(self) -> bytes:
        laser = (self.profile.laser_id or "").encode("ascii")
        self._framer.pending, self._framer.final = laser, SW_OK
        return bytes([0x61, len(laser)])

    def cplc(self) -> bytes | None:
        """The 45-byte GET DATA answer, or None where the card has none to give."""
        chip = self.profile.chip_no
        if not chip or self.faults.no_chip_data:
            return None
        chip_bytes = bytes.fromhex(chip)
        if len(chip_bytes) != 8:
            raise ValueError("chip_no must be 16 hex digits")
        values = {name: bytes.fromhex(v) for name, v in _CPLC_FILLER.items()}
        values |= {
            "ic_fabricator": chip_bytes[0:2], "ic_type": chip_bytes[2:4],
            "ic_serial": chip_bytes[4:8],
        }  # fmt: skip
        body = b"".join(values[name] for name, _ in _CPLC_FIELDS)
        if len(body) != CPLC_BODY:  # the tables above disagree: a bug here, not a card fault
            raise AssertionError("CPLC layout does not add up to 42 bytes")
        return CPLC_TAG + bytes([CPLC_BODY]) + body

    def _cplc(self, body: bytes) -> bytes:
        """GET DATA is a case-2 command: the data comes back at once (T=0 style ``6C xx``
        names the right length when Le is wrong). The old ``3B 67`` chips do not know it."""
        self._framer.clear()
        if self.variant.atr[:2] == b"\x3b\x67":
            return b"\x6d\x00"
        if self.faults.wrong_sw:
            return b"\x6f\x00"
        data = self.cplc()
        if data is None:
            return b"\x6a\x88"
        if len(body) != 1:
            return b"\x67\x00"
        if body[0] != len(data):
            return bytes([0x6C, len(data)])
        if self.faults.truncated:
            data = data[:-10]
        return data + SW_OK

    def _get_response(self, p1: int, p2: int, body: bytes) -> bytes:
        wanted_p2 = 0x01 if self.variant.atr[:2] == b"\x3b\x67" else 0x00
        if p1 != 0 or p2 != wanted_p2:
            return b"\x6a\x86"
        if len(body) != 1:
            return b"\x67\x00"  # Le is mandatory
        answer = self._framer.get_response(body[0])
        if self.faults.truncated and len(answer) > 12:
            answer = answer[:-12] + answer[-2:]  # 10 data bytes short, the status word kept
        return answer
