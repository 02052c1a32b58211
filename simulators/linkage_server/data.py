"""The seed dataset (``simulators.seeds.load_seeds()``) seen as Linkage services.

Turns one synthetic citizen into each service's ``responseData``. Names of the seed keys
are read in one place here, so a change of the seed format touches only this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.domain import mask_cid
from kiosk.linkage.models import ServiceId


@dataclass(frozen=True)
class CardRecord:
    request_no: str
    chip_no: str | None
    state: str
    """active | revoked | replaced"""
    is_latest: bool
    expiry: str | None
    expired: bool


def _first(mapping: Mapping[str, Any], *keys: str, default: Any = None) -> Any:
    for key in keys:
        if key in mapping and mapping[key] not in (None, ""):
            return mapping[key]
    return default


def _iso(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


ADDRESS_SLOTS = ("houseNo", "moo", "lane", "road", "unused", "subdistrict", "district",
                 "province")


def _be_date_passed(be_yyyymmdd: str | None, today: dt.date) -> bool:
    """A card date ``YYYYMMDD`` in the Buddhist Era; 99999999 means lifelong."""
    if not be_yyyymmdd or not be_yyyymmdd.isdigit() or be_yyyymmdd.startswith("9999"):
        return False
    try:
        day = dt.date(int(be_yyyymmdd[:4]) - 543, int(be_yyyymmdd[4:6]), int(be_yyyymmdd[6:8]))
    except ValueError:
        return False
    return day < today


class SeedIndex:
    def __init__(self, citizens: Iterable[Mapping[str, Any]],
                 households: Iterable[Mapping[str, Any]] = ()) -> None:
        self._citizens = {str(c["cid"]): c for c in citizens}
        self._households = {str(_first(h, "house_id", "id")): h for h in households}

    @classmethod
    def from_seeds(cls, seeds: Any) -> SeedIndex:
        if isinstance(seeds, Mapping):
            return cls(seeds.get("citizens", ()), seeds.get("households", ()))
        citizens = getattr(seeds, "citizens", seeds)
        households = getattr(seeds, "households", ())
        return cls(citizens, households)

    @classmethod
    def load_default(cls) -> SeedIndex:
        from simulators.seeds import load_seeds

        return cls.from_seeds(load_seeds())

    def __len__(self) -> int:
        return len(self._citizens)

    def citizen_ids(self) -> list[str]:
        return list(self._citizens)

    def citizen(self, cid: str) -> Mapping[str, Any] | None:
        return self._citizens.get(cid)

    def card(self, cid: str) -> CardRecord | None:
        person = self._citizens.get(cid)
        if person is None or not person.get("card"):
            return None
        card = person["card"]
        status = person.get("status") or {}
        request_no = str(_first(card, "request_no", "bp1_no"))
        latest = _first(status, "latest_request_no", default=request_no)
        state = str(_first(status, "card_state", default="active"))
        expiry = _iso(_first(card, "expiry"))
        expired = _be_date_passed(expiry, dt.date.today())
        return CardRecord(
            request_no=request_no,
            chip_no=_first(card, "chip_no", "chip_id", "chip"),
            state=state,
            is_latest=str(latest) == request_no and state != "replaced",
            expiry=expiry,
            expired=expired,
        )

    def service_data(self, cid: str, service: ServiceId) -> dict[str, Any] | None:
        person = self._citizens.get(cid)
        if person is None:
            return None
        builder = {
            ServiceId.PERSON: self._person,
            ServiceId.NAME_HISTORY: self._name_history,
            ServiceId.HOUSE_REGISTRATION: self._house,
            ServiceId.CARD_STATUS: self._cards,
            ServiceId.PERSON_STATUS: self._status,
            ServiceId.WELFARE: self._welfare,
            ServiceId.HEALTH_RIGHTS: self._health,
        }[service]
        return builder(person)

    # -- per service --------------------------------------------------------------------------
    @staticmethod
    def _names(person: Mapping[str, Any] | None, lang: str) -> dict[str, Any]:
        """The card's ``title#first#middle#last`` name as parts."""
        if person is None:
            return {}
        text = str((person.get("card") or {}).get(f"{lang}_name", ""))
        parts = [*text.split("#"), "", "", "", ""][:4]
        return dict(zip(("title", "first", "middle", "last"), parts, strict=True))

    def _person(self, p: Mapping[str, Any]) -> dict[str, Any]:
        th, en = self._names(p, "th"), self._names(p, "en")
        sex = str((p.get("card") or {}).get("gender", "unknown")).lower()
        sex = {"1": "male", "m": "male", "2": "female", "f": "female"}.get(sex, sex)
        if sex not in ("male", "female"):
            sex = "unknown"
        return {
            "personalID": str(p["cid"]),
            "titleTh": th.get("title") or "", "firstNameTh": th.get("first") or "",
            "middleNameTh": th.get("middle") or None, "lastNameTh": th.get("last") or "",
            "titleEn": en.get("title") or None, "firstNameEn": en.get("first") or None,
            "middleNameEn": en.get("middle") or None, "lastNameEn": en.get("last") or None,
            "sex": sex,
            "birthDate": str((p.get("card") or {}).get("birth", "")),
            "nationality": str(_first(p, "nationality", default="ไทย")),
            "houseID": _first(p, "house_id"),
        }

    def _house(self, p: Mapping[str, Any]) -> dict[str, Any] | None:
        house_id = _first(p, "house_id")
        household = self._households.get(str(house_id)) if house_id else None
        if household is None:
            return None
        members = []
        for member in household.get("members", ()):
            mid = str(member["cid"])
            names = self._names(self._citizens.get(mid), "th")
            full = " ".join(
                str(x) for x in (names.get("title"), names.get("first"), names.get("last")) if x
            )
            members.append({"maskedID": mask_cid(mid), "fullNameTh": full or "-",
                            "relation": member.get("relation")})
        slots = [*str(household.get("address", "")).split("#"), *[""] * 8][:8]
        address = dict(zip(ADDRESS_SLOTS, slots, strict=True))
        address["text"] = " ".join(part for part in slots if part)
        return {"houseID": str(house_id), "address": address, "members": members}

    def _status(self, p: Mapping[str, Any]) -> dict[str, Any]:
        status = p.get("status") or {}
        alive = bool(status.get("alive", True))
        return {
            "alive": alive, "deathDate": _iso(status.get("death_date")),
            "statusCode": "0" if alive else "1",
            "statusDesc": "มีชีวิต" if alive else "ถึงแก่กรรม",
        }

    def _name_history(self, p: Mapping[str, Any]) -> dict[str, Any]:
        changes = []
        for entry in p.get("name_history") or []:
            changes.append({
                "changedOn": str(_first(entry, "date", default="")),
                "field": str(_first(entry, "reason", default="name_change")),
                "oldName": str(_first(entry, "old", default="")).replace("#", " ").strip(),
                "newName": str(_first(entry, "new", default="")).replace("#", " ").strip(),
            })
        return {"changes": changes}

    def _cards(self, p: Mapping[str, Any]) -> dict[str, Any] | None:
        card = self.card(str(p["cid"]))
        if card is None:
            return None
        raw = p.get("card") or {}
        cards = [{
            "requestNo": card.request_no,
            "issuedOn": _iso(_first(raw, "issue")),
            "expiresOn": card.expiry,
            "state": "expired" if card.state == "active" and card.expired else card.state,
        }]
        return {"cards": cards}

    def _welfare(self, p: Mapping[str, Any]) -> dict[str, Any]:
        rights = [
            {
                "scheme": str(_first(w, "program", default="")),
                "nameTh": _first(w, "name_th"), "nameEn": _first(w, "name_en"),
                "status": str(_first(w, "status", default="active")),
                "monthlyBaht": _first(w, "monthly_baht"), "since": None,
            }
            for w in p.get("welfare") or []
        ]
        return {"rights": rights}

    def _health(self, p: Mapping[str, Any]) -> dict[str, Any] | None:
        nhso = p.get("nhso")
        if not nhso:
            return None
        return {
            "scheme": str(_first(nhso, "main_rights", default="")),
            "schemeNameTh": _first(nhso, "main_rights_name_th"),
            "mainHospital": _first(nhso, "main_hospital"),
            "subHospital": _first(nhso, "sub_hospital"),
            "validFrom": _first(nhso, "issue"),
            "validUntil": _first(nhso, "expiry"),
            "status": "active",
        }
