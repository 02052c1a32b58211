"""The registered address as the card holds it: 8 ``#`` slots.

``house#moo#trok/soi#road#(unused)#tambon#amphur#province``. The values carry their own
prefixes: ``หมู่ที่ 2``, ``ตรอก…``/``ซอย…``, ``ถนน…``, ``ตำบล…`` (``แขวง…`` in Bangkok),
``อำเภอ…`` (``เขต…`` in Bangkok), ``จังหวัด…`` (Bangkok: plain ``กรุงเทพมหานคร``). Any slot
can be empty (no moo in Bangkok, no soi — both broke other readers), and so can all of
them: an empty address field is a valid card (:attr:`Address.is_empty`).

Sources disagree on slots 3-5: the reference layout (above) has trok/soi, road, unused;
some readers assume trok, soi, road. A ``ซอย`` value in the road slot is read the second way,
so both parse to the same :class:`Address`; ``to_card`` always writes the reference layout.

Fewer than 8 slots (a truncated 100-byte read, an odd card): the first slot is still the
house number and the others are placed by their prefixes; a value without a known prefix
keeps its position. A fifth-slot value is kept as ``unused`` so ``to_card`` round-trips.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from kiosk.domain._fields import clean_part, has_control_chars
from kiosk.domain.errors import InvalidAddress

_SLOTS = 8
BANGKOK = "กรุงเทพมหานคร"

# Slot index -> prefixes that identify a value belonging there (longest first).
_PREFIXES: dict[int, tuple[str, ...]] = {
    1: ("หมู่ที่", "หมู่", "ม."),
    2: ("ตรอก", "ซอย", "ซ."),
    3: ("ถนน", "ถ."),
    5: ("ตำบล", "แขวง", "ต."),
    6: ("อำเภอ", "เขต", "อ."),
    7: ("จังหวัด", "จ.", BANGKOK),
}


def _slot_for(value: str) -> int | None:
    for slot, prefixes in _PREFIXES.items():
        if value.startswith(prefixes):
            return slot
    return None


def _strip_prefix(value: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if value.startswith(prefix):
            return value[len(prefix) :].strip()
    return value


@dataclass(frozen=True, repr=False)
class Address:
    house_no: str = ""
    moo: str = ""
    trok: str = ""
    soi: str = ""
    road: str = ""
    unused: str = ""
    subdistrict: str = ""
    district: str = ""
    province: str = ""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, str):
                raise InvalidAddress("address parts must be text")
            if "#" in value or has_control_chars(value) or value != clean_part(value):
                raise InvalidAddress(
                    "an address part contains '#', a control character or stray spaces"
                )
        if self.trok and (not self.trok.startswith("ตรอก") or "ซอย" in self.trok):
            # Trok and soi share one card slot; only the ตรอก prefix tells them apart.
            raise InvalidAddress("a trok must start with ตรอก and not contain ซอย")

    @classmethod
    def parse(cls, text: str) -> Address:
        if not isinstance(text, str):
            raise InvalidAddress("an address must be text")
        if has_control_chars(text):
            raise InvalidAddress("an address contains a control character")
        slots = [clean_part(s) for s in text.split("#")]
        if len(slots) > _SLOTS:
            if any(slots[_SLOTS:]):
                raise InvalidAddress("an address has at most 8 '#' slots", reason="address.format")
            slots = slots[:_SLOTS]
        elif len(slots) < _SLOTS:
            slots = _place_by_prefix(slots)
        return cls._from_slots(slots)

    @classmethod
    def _from_slots(cls, slots: list[str]) -> Address:
        house, moo, lane, road, unused, subdistrict, district, province = slots
        if road.startswith(_PREFIXES[2][1:]) and not lane.startswith(_PREFIXES[2][1:]) and (
            not unused or unused.startswith(_PREFIXES[3])
        ):
            # The other layout some readers assume (trok#soi#road in slots 3-5): a soi in
            # the road slot. Read it either way; to_card writes the reference layout.
            lane, road, unused = " ".join(p for p in (lane, road) if p), unused, ""
        trok, soi = _split_lane(lane)
        return cls(house, moo, trok, soi, road, unused, subdistrict, district, province)

    def to_card(self) -> str:
        lane = " ".join(p for p in (self.trok, self.soi) if p)
        return "#".join(
            (
                self.house_no, self.moo, lane, self.road, self.unused,
                self.subdistrict, self.district, self.province,
            )
        )  # fmt: skip

    @property
    def is_empty(self) -> bool:
        """A card may hold no address at all (all slots empty, or only padding): that is a
        valid card, read as an empty address that displays as nothing."""
        return not any(getattr(self, f.name) for f in fields(self))

    @property
    def is_bangkok(self) -> bool:
        return (
            self.province_name == BANGKOK
            or self.district.startswith("เขต")
            or self.subdistrict.startswith("แขวง")
        )

    @property
    def subdistrict_name(self) -> str:
        """Tambon/khwaeng without its ``ตำบล``/``แขวง`` prefix."""
        return _strip_prefix(self.subdistrict, _PREFIXES[5])

    @property
    def district_name(self) -> str:
        """Amphoe/khet without its ``อำเภอ``/``เขต`` prefix."""
        return _strip_prefix(self.district, _PREFIXES[6])

    @property
    def province_name(self) -> str:
        """Province without ``จังหวัด`` (Bangkok stays ``กรุงเทพมหานคร``)."""
        return _strip_prefix(self.province, ("จังหวัด", "จ."))

    def display_lines(self) -> list[str]:
        """Up to three lines: street part, subdistrict + district, province."""
        street = [self.house_no, self.moo, self.trok, self.soi, self.road, self.unused]
        lines = [
            " ".join(p for p in street if p),
            " ".join(p for p in (self.subdistrict, self.district) if p),
            self.province,
        ]
        return [line for line in lines if line]

    def __repr__(self) -> str:
        # Addresses are personal data and reprs end up in logs and tracebacks.
        return "Address(<redacted>)"


def _split_lane(lane: str) -> tuple[str, str]:
    """Slot 3 holds ``ตรอก…``, ``ซอย…`` or both; an unprefixed value is taken as soi."""
    if not lane:
        return "", ""
    index = lane.find("ซอย")
    if lane.startswith("ตรอก"):
        if index > 0:
            return lane[:index].strip(), lane[index:].strip()
        return lane, ""
    return "", lane


def _place_by_prefix(slots: list[str]) -> list[str]:
    placed = [""] * _SLOTS
    placed[0] = slots[0]
    leftovers: list[tuple[int, str]] = []
    for position, value in enumerate(slots[1:], start=1):
        if not value:
            continue
        target = _slot_for(value)
        if target is not None and not placed[target]:
            placed[target] = value
        else:
            leftovers.append((position, value))
    for position, value in leftovers:
        if placed[position]:
            raise InvalidAddress("cannot place an address part", reason="address.format")
        placed[position] = value
    return placed
