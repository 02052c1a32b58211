"""``python -m kiosk contact-sheet --out DIR``: every session screen × content case ×
display variant drawn, checked by the layout checker, and kept as a contact sheet
(:mod:`kiosk.ui.contact_sheet` draws; this command picks the content). ``build_cases`` also
serves the UI tests and the access bench.

Screens come from the session engine's own `Screen` enum, so a state added there is
checked by default. Content comes from the synthetic seed population (seeds/): a typical
citizen, and the extremes the card and services allow — the longest name, a 160-byte
address (the card field's full length), an expired card, the offline and printer banners,
all five catalogue services (unavailable, with their reasons), the longest service result.
Built here, in the composition root, because it reads the simulators' seeds.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from kiosk.services.card import summarize
from kiosk.session.catalogue import load_catalogue
from kiosk.session.view import (
    Connectivity,
    IdentitySummary,
    PrintStatus,
    ResultRow,
    ResultView,
    Screen,
    Text,
)
from kiosk.session.view_builder import build_menu
from kiosk.ui.layout_cases import Case

REPO = Path(__file__).resolve().parents[2]
ADDRESS_BYTES = 160
"""The card's address field: 160 bytes of TIS-620 (one byte per Thai character)."""


def _tis620_len(text: str) -> int:
    return len(text.encode("cp874", errors="replace"))


def _summary(citizen: Any, today: Any) -> IdentitySummary:
    return summarize(citizen.identity(), today)


def _full_address(addresses: list[str]) -> str:
    """Real address parts from the seeds, joined up to the card's 160 bytes."""
    words: list[str] = []
    for address in addresses:
        for word in address.split():
            if word not in words:
                words.append(word)
    out = ""
    for word in words:
        candidate = f"{out} {word}".strip()
        if _tis620_len(candidate) > ADDRESS_BYTES:
            break
        out = candidate
    return out


def build_cases(seeds_file: Path | None = None, services_file: Path | None = None
                ) -> list[Case]:
    from simulators.seeds import load_seeds  # the demo's synthetic people

    seeds = load_seeds(seeds_file)
    today = seeds.reference_date
    catalogue = load_catalogue(services_file or REPO / "config" / "services.toml")
    people = list(seeds.citizens)
    typical = _summary(people[0], today)
    longest = max(people, key=lambda c: max(len(c.identity().name_th.display()),
                                            len(c.identity().name_en.display())))
    by_address = sorted(people, key=lambda c: -_tis620_len(_summary(c, today).address))
    extreme = dataclasses.replace(
        _summary(longest, today),
        address=_full_address([_summary(c, today).address for c in by_address[:6]]),
        card_expired=True, photo=people[0].photo_bytes())
    typical = dataclasses.replace(typical, photo=people[0].photo_bytes())
    biggest_house = max(seeds.households, key=lambda h: len(h.members))
    residents = [seeds.by_cid(m.cid).identity() for m in biggest_house.members]

    menu_online = build_menu(catalogue, connectivity=Connectivity.ONLINE,
                             queue_accepting=True, printer_ready=True)
    menu_offline = build_menu(catalogue, connectivity=Connectivity.OFFLINE,
                              queue_accepting=True, printer_ready=False)
    ids = tuple(s.id for s in catalogue.enabled)
    result_typical = ResultView(
        "card_status", Text("สถานะบัตรประชาชน", "ID card status"),
        rows=(ResultRow(Text("สถานะบัตร", "Card status"), "ใช้งานได้", True),
              ResultRow(Text("วันบัตรหมดอายุ", "Card expiry"), typical.card_expiry.th)))
    rows = [
        ResultRow(Text("ชื่อตัวและชื่อสกุล", "Name"), extreme.name_th, True),
        ResultRow(Text("เลขประจำตัวประชาชน", "ID number"), extreme.cid_masked),
        ResultRow(Text("วันเดือนปีเกิด", "Date of birth"), extreme.birth_date.th),
        ResultRow(Text("รหัสประจำบ้าน", "House ID"), biggest_house.house_id),
        ResultRow(Text("ที่อยู่ตามทะเบียนบ้าน", "Registered address"), extreme.address),
    ]
    rows += [ResultRow(Text(f"ผู้อยู่อาศัย {i}", f"Resident {i}"),
                       f"{p.name_th.display()} {p.citizen_id.masked()}")
             for i, p in enumerate(residents, 1)]
    result_extreme = ResultView(
        "registry_record", Text("ข้อมูลทะเบียนราษฎร", "Civil registry record"),
        rows=tuple(rows), status="partial", message_key="result.partial.house",
        reference="RR-2569-000123-4567")

    common: dict[str, Any] = dict(consent_services=ids, consent_text=catalogue.consent.text(),
                                  consent_names=tuple(s.name.text() for s in catalogue.enabled),
                                  progress=0.4, progress_key="session.running",
                                  countdown_s=23, extensions_left=9,
                                  holder_qr="https://thaid.example/api/v2/oauth2/auth/?"
                                            "response_type=code&client_id=linkage-kiosk&"
                                            "state=Qy3kz0Qm1u9nJ2v8D4cLwT6sRbXoHfPe",
                                  holder_short_code="482913")
    typical_fields = dict(common, identity=typical, menu=menu_online, result=result_typical,
                          error_key="service.failed", print_status=PrintStatus.PRINTED)
    extreme_fields = dict(common, identity=extreme, menu=menu_offline, result=result_extreme,
                          offline=True, connectivity=Connectivity.OFFLINE,
                          printer_ready=False, printer_reason_key="printer.paper_out",
                          error_key="printer.paper_out", print_status=PrintStatus.PAPER_OUT,
                          error_text=Text(
                              "ระบบทะเบียนราษฎรไม่ตอบสนองภายในเวลาที่กำหนด (รหัส 503) "
                              "กรุณาลองใหม่อีกครั้งภายหลัง หรือติดต่อเจ้าหน้าที่ที่เคาน์เตอร์",
                              "The civil registration system did not answer in time "
                              "(code 503). Please try again later or ask at the counter."))
    ticket = ResultView("counter_ticket", Text("บัตรคิวเคาน์เตอร์", "Counter ticket"),
                        rows=(ResultRow(Text("หมายเลขคิว", "Ticket"), "A-042"),),
                        message_key="ticket.wait", reference="A-042")
    cases: list[Case] = []
    for screen in Screen:
        cases.append(Case(screen, "typical", typical_fields))
        cases.append(Case(screen, "extreme", extreme_fields))
    cases.append(Case(Screen.RESULT, "ticket", dict(extreme_fields, result=ticket)))
    cases.append(Case(Screen.FINISHED, "declined",
                      dict(typical_fields, progress_key="session.declined",
                           print_status=PrintStatus.NONE)))
    cases.append(Case(Screen.ERROR, "print", dict(typical_fields, error_key="printer.paper_out",
                                                  previous_screen=Screen.RESULT)))
    return cases


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("contact-sheet", help="draw and check every screen x case x "
                                                  "variant (needs an X display)")
    parser.add_argument("--out", type=Path, required=True)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kiosk.config import load_settings
    from kiosk.ui.contact_sheet import draw_sheet

    settings = load_settings(args.config)
    cases = build_cases(settings.demo.seeds_file, settings.session.services_file)
    return draw_sheet(settings, args.out, cases)
