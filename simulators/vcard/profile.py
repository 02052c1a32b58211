"""What one virtual Thai ID card is: its printed and stored data (:class:`CardProfile`),
its chip generation (:data:`ATR_VARIANTS`) and the ways it can go wrong (:class:`Faults`).
:class:`simulators.vcard.card.ThaiIdCardEmulator` answers APDUs from them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AtrVariant:
    name: str
    atr: bytes
    select_sw: bytes
    """What a successful SELECT answers: ``61 0A`` on most cards, ``90 00`` on some."""
    thai_id: bool = True


ATR_VARIANTS: dict[str, AtrVariant] = {
    v.name: v
    for v in (
        # The recent card from the reference (historical bytes "TH NID 17").
        AtrVariant("nid17", bytes.fromhex("3B799600005448204E4944203137"), b"\x61\x0a"),
        # An older generation whose GET RESPONSE needs P2 = 01 (synthetic bytes after 3B 67).
        AtrVariant("3b67", bytes.fromhex("3B6700007320006C689000"), b"\x61\x0a"),
        # A generation that answers SELECT with a plain 90 00 (synthetic ATR).
        AtrVariant("3b68", bytes.fromhex("3B6800000073C84012009000"), b"\x90\x00"),
        # Not a Thai ID card at all (a bank-card style ATR); its SELECT of MOI fails.
        AtrVariant(
            "other", bytes.fromhex("3B6E000080318066B0840C016E0183009000"), b"\x6a\x82", False
        ),
        # A contactless-only card on a dual reader's RF side: the PC/SC part 3 ATR of a
        # storage card (MIFARE Classic 1K); the reader answers the SELECT 6A 82.
        AtrVariant(
            "contactless", bytes.fromhex("3B8F8001804F0CA000000306030001000000006A"),
            b"\x6a\x82", False,
        ),
    )
}


@dataclass(frozen=True)
class Faults:
    """Ways a card goes wrong; combine freely. CLI syntax in :meth:`parse`."""

    remove_after: int | None = None
    """Answer this many exchanges, then the card is pulled out of the reader."""
    wrong_sw: bool = False
    """READ answers ``6F 00`` (no precise diagnosis) instead of ``61 Le``."""
    truncated: bool = False
    """GET RESPONSE gives 10 bytes fewer than asked, still with ``90 00``."""
    bad_check_digit: bool = False
    """The citizen ID's 13th digit is off by one."""
    undecodable: bool = False
    """The Thai name holds bytes that are not TIS-620 text (0xFC 0xFD 0xFE)."""
    latency_ms: float = 0.0
    """Added to every exchange: a slow card / reader (a real one costs ms to tens of ms)."""
    not_thai: bool = False
    """A card of another kind: other ATR, the MOI SELECT fails."""
    no_chip_data: bool = False
    """GET DATA of the CPLC answers ``6A 88`` (referenced data not found)."""

    NAMES = (
        "remove-after=N", "wrong-sw", "truncated", "bad-check-digit",
        "undecodable", "latency=MS", "not-thai", "no-chip-data",
    )  # fmt: skip
    _FLAGS = ("wrong_sw", "truncated", "bad_check_digit", "undecodable", "not_thai",
              "no_chip_data")  # fmt: skip

    @classmethod
    def parse(cls, specs: Iterable[str]) -> Faults:
        """``["remove-after=5", "latency=15", "wrong-sw"]`` -> Faults."""
        values: dict[str, Any] = {}
        for spec in specs:
            key, _, arg = spec.partition("=")
            key = key.strip().replace("-", "_")
            if key == "remove_after":
                values[key] = int(arg)
            elif key in ("latency", "latency_ms"):
                values["latency_ms"] = float(arg)
            elif key in cls._FLAGS:
                if arg:
                    raise ValueError(f"fault {spec!r} takes no value")
                values[key] = True
            else:
                raise ValueError(f"unknown fault {spec!r}; known: {', '.join(cls.NAMES)}")
        return cls(**values)

    def to_specs(self) -> list[str]:
        out: list[str] = []
        if self.remove_after is not None:
            out.append(f"remove-after={self.remove_after}")
        if self.latency_ms:
            out.append(f"latency={self.latency_ms:g}")
        for flag in self._FLAGS:
            if getattr(self, flag):
                out.append(flag.replace("_", "-"))
        return out


@dataclass(frozen=True, repr=False)
class CardProfile:
    """What is printed and stored on one card (text as the card holds it)."""

    cid: str
    th_name: str
    en_name: str
    birth: str
    gender: str
    request_no: str
    issuer: str
    issuer_code: str
    issue: str
    expiry: str
    address: str
    photo: bytes
    version: str = "0003"
    photo_ref: str = ""
    laser_id: str | None = None
    chip_no: str | None = None
    """16 hex digits (8 bytes) = CPLC IC fabricator + IC type + IC serial number."""
    atr_variant: str = "nid17"
    nhso: Mapping[str, str] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    version_bytes: bytes | None = None
    """Binary version bytes (``00 03 00 00``) instead of the ASCII ``version``."""
    padding: bytes = b" "
    """The byte text fields are padded with: 0x20, 0x00 or 0xFF by generation and batch."""

    def __repr__(self) -> str:  # personal data: never in logs
        return f"CardProfile(atr_variant={self.atr_variant!r}, <redacted>)"

    @classmethod
    def from_seed(cls, citizen: Any) -> CardProfile:
        """From a :class:`simulators.seeds.SeedCitizen` (``cid``, ``card``, ``photo_bytes()``)."""
        card = _get(citizen, "card")
        atr = str(_get(card, "atr") or "nid17")
        variant = atr if atr in ATR_VARIANTS else _variant_for_atr(atr)
        nhso = _get(citizen, "nhso", None)
        return cls(
            cid=str(_get(citizen, "cid")),
            th_name=_get(card, "th_name"),
            en_name=_get(card, "en_name"),
            birth=_get(card, "birth"),
            gender=str(_get(card, "gender")),
            request_no=_get(card, "request_no"),
            issuer=_get(card, "issuer"),
            issuer_code=_get(card, "issuer_code"),
            issue=_get(card, "issue"),
            expiry=_get(card, "expiry"),
            address=_get(card, "address"),
            photo=citizen.photo_bytes(),
            version=_get(card, "version"),
            photo_ref=_get(card, "photo_ref", "") or "",
            laser_id=_get(card, "laser_id", None),
            chip_no=_get(card, "chip_no", None),
            atr_variant=variant,
            nhso=dict(nhso) if nhso else None,
            version_bytes=_hex_or_none(_get(card, "version_bytes", None)),
            padding=bytes.fromhex(_get(card, "padding", None) or "20"),
        )


def _hex_or_none(value: str | None) -> bytes | None:
    return None if value is None else bytes.fromhex(value)


def _get(obj: Any, name: str, *default: Any) -> Any:
    if isinstance(obj, Mapping):
        return obj[name] if not default else obj.get(name, default[0])
    return getattr(obj, name, *default)


def _variant_for_atr(atr_hex: str) -> str:
    try:
        atr = bytes.fromhex(atr_hex.replace(" ", ""))
    except ValueError:
        raise ValueError(f"unknown ATR variant {atr_hex!r}") from None
    for v in ATR_VARIANTS.values():
        if v.atr == atr:
            return v.name
    return "3b67" if atr[:2] == b"\x3b\x67" else "nid17"
