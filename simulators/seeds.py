"""Typed, cached access to the synthetic citizen dataset (``seeds/citizens.json``).

Several simulator processes read the file, so :func:`load_seeds` parses it once per path
and process (``lru_cache``) and returns immutable objects (tuples, frozen dataclasses).

Each record type is also a read-only ``Mapping`` over its JSON object, so code written
against the raw JSON (``citizen["card"]["atr"]``) and typed code (``citizen.card.atr``)
both work. The dataset is synthetic: no real person's data (see ``seeds/README.md``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.appliance.data_files import seeds_file
from kiosk.domain.identity import CARD_FIELD_LENGTHS, CardIdentity
from kiosk.domain.text import encode_card_text

# The checkout's seeds/citizens.json, $LINKAGE_SEEDS_FILE, or the installed copy.
DEFAULT_PATH = seeds_file()
SUPPORTED_FORMAT = 1


class SeedFormatError(ValueError):
    """The seed file is missing, not JSON, or not the format this loader knows."""


@dataclass(frozen=True, eq=False)
class _JsonView(Mapping[str, Any]):
    """Read-only mapping access to the JSON object a record was built from."""

    raw: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


@dataclass(frozen=True, eq=False, repr=False)
class SeedCard(_JsonView):
    """The card's contents exactly as the MOI applet holds them (text, before TIS-620)."""

    version: str
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
    photo_file: str
    photo_ref: str
    laser_id: str | None
    chip_no: str
    atr: str
    version_bytes: str | None = None
    """Hex of the 4 version bytes where they are binary (``00030000``), not ASCII text."""
    padding: str = "20"
    """Hex of the byte the card pads its text fields with: ``20``, ``00`` or ``ff``."""

    def __repr__(self) -> str:
        return f"SeedCard(atr={self.atr!r}, <redacted>)"


@dataclass(frozen=True, eq=False)
class SeedStatus(_JsonView):
    alive: bool
    death_date: str | None
    card_state: str  # active | revoked | replaced
    latest_request_no: str | None


@dataclass(frozen=True, eq=False)
class SeedNhso(_JsonView):
    main_rights: str  # UCS | SSS | OFC | LGO
    main_rights_name_th: str
    main_hospital: str
    sub_hospital: str
    issue: str
    expiry: str


@dataclass(frozen=True, eq=False)
class SeedWelfare(_JsonView):
    program: str
    name_th: str
    name_en: str
    status: str
    monthly_baht: int


@dataclass(frozen=True, eq=False)
class SeedNameChange(_JsonView):
    date: str
    old: str
    new: str
    reason: str  # marriage | name_change


@dataclass(frozen=True, eq=False, repr=False)
class SeedCitizen(_JsonView):
    index: int
    cid: str
    card: SeedCard
    house_id: str
    status: SeedStatus
    nhso: SeedNhso | None
    welfare: tuple[SeedWelfare, ...]
    name_history: tuple[SeedNameChange, ...]
    seeds_dir: Path

    def photo_bytes(self) -> bytes:
        """The JPEG for the card's photo area (<= 5100 bytes, JFIF)."""
        return (self.seeds_dir / self.card.photo_file).read_bytes()

    def card_fields(self) -> dict[str, bytes]:
        """The MOI fields as the card stores them: TIS-620, padded to length with the card's
        pad byte; binary version bytes where the card has them."""
        text = dict(self.card.raw, cid=self.cid)
        pad = bytes.fromhex(self.card.padding)
        fields = {
            name: encode_card_text(text[name], n)[: len(text[name].encode("tis_620"))].ljust(n, pad)
            for name, n in CARD_FIELD_LENGTHS.items()
        }
        if self.card.version_bytes is not None:
            fields["version"] = bytes.fromhex(self.card.version_bytes)
        return fields

    def identity(self) -> CardIdentity:
        fields: dict[str, bytes | str] = dict(self.card_fields())
        if self.card.laser_id:
            fields["laser_id"] = self.card.laser_id
        fields["chip_no"] = self.card.chip_no
        return CardIdentity.from_card_fields(fields)

    def __repr__(self) -> str:  # personal (if synthetic) data stays out of logs
        return f"SeedCitizen(index={self.index}, <redacted>)"


@dataclass(frozen=True, eq=False)
class SeedMember(_JsonView):
    cid: str
    relation: str


@dataclass(frozen=True, eq=False, repr=False)
class SeedHousehold(_JsonView):
    house_id: str
    address: str
    head: str
    members: tuple[SeedMember, ...]

    def __repr__(self) -> str:
        return f"SeedHousehold(members={len(self.members)}, <redacted>)"


@dataclass(frozen=True, eq=False)
class SeedData:
    path: Path
    seed: int
    reference_date: date
    citizens: tuple[SeedCitizen, ...]
    households: tuple[SeedHousehold, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_cid", {c.cid: c for c in self.citizens})
        object.__setattr__(self, "_by_house", {h.house_id: h for h in self.households})

    def by_cid(self, cid: str) -> SeedCitizen:
        """The citizen with this 13-digit ID; ``KeyError`` if there is none."""
        return self._by_cid[cid]  # type: ignore[attr-defined,no-any-return]

    def get(self, cid: str) -> SeedCitizen | None:
        return self._by_cid.get(cid)  # type: ignore[attr-defined,no-any-return]

    def household(self, house_id: str) -> SeedHousehold:
        return self._by_house[house_id]  # type: ignore[attr-defined,no-any-return]


def load_seeds(path: Path | None = None) -> SeedData:
    """The dataset at ``path`` (default: the repository's ``seeds/citizens.json``)."""
    return _load(Path(path or DEFAULT_PATH).resolve())


@lru_cache(maxsize=4)
def _load(path: Path) -> SeedData:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SeedFormatError(f"cannot read seed file {path}: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != SUPPORTED_FORMAT:
        raise SeedFormatError(f"{path}: not a format-{SUPPORTED_FORMAT} seed file")
    try:
        citizens = tuple(
            _citizen(i, raw, path.parent) for i, raw in enumerate(document["citizens"])
        )
        households = tuple(_household(raw) for raw in document["households"])
        return SeedData(
            path=path,
            seed=int(document["seed"]),
            reference_date=date.fromisoformat(document["reference_date"]),
            citizens=citizens,
            households=households,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SeedFormatError(f"{path}: malformed seed record: {exc!r}") from exc


def _citizen(index: int, raw: Mapping[str, Any], seeds_dir: Path) -> SeedCitizen:
    card = raw["card"]
    status = raw["status"]
    nhso = raw.get("nhso")
    return SeedCitizen(
        raw=raw,
        index=index,
        cid=raw["cid"],
        card=SeedCard(raw=card, **{k: card[k] for k in _CARD_KEYS if k in card}),
        house_id=raw["house_id"],
        status=SeedStatus(
            raw=status,
            alive=bool(status["alive"]),
            death_date=status.get("death_date"),
            card_state=status["card_state"],
            latest_request_no=status.get("latest_request_no"),
        ),
        nhso=SeedNhso(raw=nhso, **{k: nhso[k] for k in _NHSO_KEYS}) if nhso else None,
        welfare=tuple(SeedWelfare(raw=w, **{k: w[k] for k in _WELFARE_KEYS})
                      for w in raw.get("welfare", ())),
        name_history=tuple(SeedNameChange(raw=h, **{k: h[k] for k in _HISTORY_KEYS})
                           for h in raw.get("name_history", ())),
        seeds_dir=seeds_dir,
    )


def _household(raw: Mapping[str, Any]) -> SeedHousehold:
    return SeedHousehold(
        raw=raw,
        house_id=raw["house_id"],
        address=raw["address"],
        head=raw["head"],
        members=tuple(SeedMember(raw=m, cid=m["cid"], relation=m["relation"])
                      for m in raw["members"]),
    )


def _keys(cls: type, *, skip: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(
        name for name in cls.__dataclass_fields__ if name != "raw" and name not in skip
    )


_CARD_KEYS = _keys(SeedCard)
_NHSO_KEYS = _keys(SeedNhso)
_WELFARE_KEYS = _keys(SeedWelfare)
_HISTORY_KEYS = _keys(SeedNameChange)
