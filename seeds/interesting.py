"""The "interesting" citizens that come first in the dataset, one of each kind, in the
order `seeds/README.md` lists them (index 0 is the demo citizen)."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.domain.thai_date import ThaiDate, age_on
from seeds.pools import DEMO_CID, REFERENCE


def _is_plain_active(c: dict) -> bool:
    return (c["status"]["card_state"] == "active" and c["status"]["alive"]
            and c["card"]["expiry"] != "99999999"
            and ThaiDate.parse_be(c["card"]["expiry"]).to_date() > REFERENCE)  # fmt: skip


def _card_age(c: dict) -> int:
    return age_on(ThaiDate.parse_be(c["card"]["birth"]),
                  ThaiDate.parse_be(c["card"]["issue"]).to_date())  # fmt: skip


INTERESTING: list[tuple[str, Callable[[dict], bool]]] = [
    ("demo: plain adult in Bangkok, active card", lambda c: c["cid"] == DEMO_CID),
    ("expired card", lambda c: c["status"]["alive"] and c["status"]["card_state"] == "active"
        and c["card"]["expiry"] != "99999999"
        and ThaiDate.parse_be(c["card"]["expiry"]).to_date() < REFERENCE),
    ("lifelong card (99999999)", lambda c: c["card"]["expiry"] == "99999999"
        and c["status"]["card_state"] == "active" and c["status"]["alive"]),
    ("revoked card (alive)", lambda c: c["status"]["alive"]
        and c["status"]["card_state"] == "revoked"),
    ("replaced card (a newer card exists)", lambda c: c["status"]["card_state"] == "replaced"),
    ("deceased", lambda c: not c["status"]["alive"]),
    ("year-only birth date (YYYY0000)", lambda c: c["card"]["birth"].endswith("0000")),
    ("month-only birth date (YYYYMM00)", lambda c: c["card"]["birth"].endswith("00")
        and not c["card"]["birth"].endswith("0000")),
    ("3B 67 ATR, no laser ID, still valid", lambda c: c["card"]["atr"].startswith("3B 67")
        and c["card"]["expiry"] == "99999999" and c["status"]["alive"]
        and c["status"]["card_state"] == "active"),
    ("3B 68 ATR, active", lambda c: c["card"]["atr"].startswith("3B 68") and _is_plain_active(c)),
    ("boy ด.ช., active", lambda c: c["card"]["th_name"].startswith("ด.ช.#")
        and _is_plain_active(c)),
    ("girl ด.ญ., active", lambda c: c["card"]["th_name"].startswith("ด.ญ.#")
        and _is_plain_active(c)),
    ("married woman นาง with a marriage name change", lambda c: any(
        h["reason"] == "marriage" for h in c["name_history"]) and _is_plain_active(c)),
    ("นางสาว, active", lambda c: c["card"]["th_name"].startswith("นางสาว#")
        and _is_plain_active(c)),
    ("first-name change", lambda c: any(h["reason"] == "name_change" for h in c["name_history"])),
    ("province with หมู่ที่, no soi", lambda c: c["card"]["address"].split("#")[1] != ""
        and c["card"]["address"].split("#")[2] == "" and _is_plain_active(c)),
    ("province with ซอย", lambda c: "จังหวัด" in c["card"]["address"]
        and c["card"]["address"].split("#")[2].startswith("ซอย")),
    ("Bangkok without soi or road", lambda c: c["card"]["address"].endswith("กรุงเทพมหานคร")
        and c["card"]["address"].split("#")[2] == "" and c["card"]["address"].split("#")[3] == ""),
    ("middle name (category 8)", lambda c: c["card"]["th_name"].split("#")[2] != ""),
    ("no NHSO rights on file", lambda c: c["nhso"] is None),
    ("elderly allowance", lambda c: any(
        w["program"] == "elderly_allowance" for w in c["welfare"])),
    ("social security (SSS)", lambda c: (c["nhso"] or {}).get("main_rights") == "SSS"),
]  # fmt: skip


def order_interesting(citizens: list[dict]) -> list[tuple[int, str]]:
    """Move one example of each interesting kind to the front, in INTERESTING order."""
    chosen: list[dict] = []
    for label, wanted in INTERESTING:
        match = next((c for c in citizens if c not in chosen and wanted(c)), None)
        if match is None:
            raise RuntimeError(f"dataset has no citizen for: {label}")
        chosen.append(match)
    rest = [c for c in citizens if all(c is not x for x in chosen)]
    citizens[:] = chosen + rest
    return [(i, label) for i, (label, _) in enumerate(INTERESTING)]
