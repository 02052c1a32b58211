"""What the citizen is told (Thai, English) and what the technician is told, per message key.

The driver raises `PrinterError`s carrying a ``message_key``; the UI shows ``citizen(key,
lang)`` and the maintenance menu / log shows ``technician(key)``. Citizen texts never
blame the citizen and say what happens next; technician texts say what to check.
"""

from __future__ import annotations

from typing import Literal

_MESSAGES: dict[str, tuple[str, str, str]] = {
    "printer.printed": (
        "พิมพ์เรียบร้อย กรุณารับใบรับที่ช่องด้านล่าง",
        "Printed. Please take your slip from the slot below.",
        "Job printed and confirmed by the printer.",
    ),
    "printer.paper_near_end": (
        "พิมพ์เรียบร้อย กรุณารับใบรับที่ช่องด้านล่าง",
        "Printed. Please take your slip from the slot below.",
        "Paper roll near end: replace it soon.",
    ),
    "printer.offline": (
        "เครื่องพิมพ์ไม่พร้อมใช้งาน กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์",
        "The printer is not available. Please ask staff at the counter.",
        "Printer unreachable or offline: check power, cable and the transport settings.",
    ),
    "printer.paper_out": (
        "กระดาษหมด ยังไม่ได้พิมพ์ใบรับ กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์",
        "The printer is out of paper, so your slip was not printed. Please ask staff at the"
        " counter.",
        "Paper out: load a new roll, then reprint the failed job from the maintenance menu.",
    ),
    "printer.cover_open": (
        "ฝาเครื่องพิมพ์เปิดอยู่ กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์",
        "The printer cover is open. Please ask staff at the counter.",
        "Printer cover open: close it, then reprint the failed job.",
    ),
    "printer.timeout": (
        "เครื่องพิมพ์ไม่ตอบสนอง กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์",
        "The printer is not responding. Please ask staff at the counter.",
        "No answer from the printer: check power, cable, baud rate and flow control.",
    ),
    "printer.interrupted": (
        "การพิมพ์ถูกขัดจังหวะ กรุณาให้เจ้าหน้าที่พิมพ์ใบรับให้อีกครั้ง"
        " หรือกด \"พิมพ์อีกครั้ง\" ใบรับจะมีเลขอ้างอิงเดิม",
        "Printing was interrupted. Ask staff to print it again, or press \"Print again\":"
        " the slip keeps the same reference.",
        "The job started but the printer did not confirm its end (link broke, printer reset,"
        " paper out or an error mid-job, status withheld): the slip is incomplete; reprint"
        " the job (same reference and QR).",
    ),
    "printer.disconnected": (
        "การพิมพ์ไม่สมบูรณ์ กรุณาติดต่อเจ้าหน้าที่เพื่อพิมพ์ใบรับอีกครั้ง",
        "Printing was interrupted. Please ask staff to print your slip again.",
        "Connection lost during the job: the slip is incomplete; reprint it.",
    ),
    "printer.error": (
        "เครื่องพิมพ์ขัดข้อง กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์",
        "The printer has a fault. Please ask staff at the counter.",
        "Printer reports an error (cutter jam, head temperature): clear it and reprint.",
    ),
    "printer.unconfirmed": (
        "ส่งใบรับไปพิมพ์แล้ว แต่เครื่องพิมพ์ยืนยันผลไม่ได้ กรุณาตรวจดูว่าใบรับออกมาครบ"
        " มีรหัส QR ท้ายใบ หากไม่ครบ กรุณาให้เจ้าหน้าที่ที่เคาน์เตอร์พิมพ์ให้อีกครั้ง",
        "Your slip was sent, but this printer cannot confirm it printed. Please check it came"
        " out whole, with the QR code at the end. If not, ask staff at the counter to print"
        " it again.",
        "Job sent but not confirmed (status mode none: write-only link or status off; file /"
        " CUPS transport; or the status after the job never settled): check the slip before"
        " any reprint.",
    ),
    "printer.status_unknown": (
        "เครื่องพิมพ์ยังไม่พร้อม กรุณาลองพิมพ์อีกครั้ง หากยังพิมพ์ไม่ได้ กรุณาติดต่อเจ้าหน้าที่",
        "The printer is not ready yet. Please try printing again, or ask staff at the counter.",
        "Printer status answers could not be matched to the queries (line noise, baud rate,"
        " another device on the line): check cable and settings. Nothing was printed.",
    ),
    "printer.journal_unreadable": (
        "ไม่สามารถพิมพ์ซ้ำได้ กรุณาติดต่อเจ้าหน้าที่",
        "This slip cannot be printed again. Please ask staff.",
        "Journal entry does not decrypt (key replaced or data damaged).",
    ),
}


def citizen(key: str, language: Literal["th", "en"] = "th") -> str:
    th, en, _ = _MESSAGES.get(key, _MESSAGES["printer.error"])
    return th if language == "th" else en


def technician(key: str) -> str:
    return _MESSAGES.get(key, _MESSAGES["printer.error"])[2]


def known_keys() -> frozenset[str]:
    return frozenset(_MESSAGES)
