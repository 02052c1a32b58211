"""The kiosk's receipt templates, built on the printing model (`kiosk.receipts.model`).

One function per ``receipt_template`` name of the service catalogue. Every slip prints the
citizen ID masked; the registry slip carries the signed verification QR (`slip`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kiosk.receipts.model import (
    Barcode,
    Block,
    Cut,
    Document,
    Footer,
    Paragraph,
    Qr,
    Row,
    Separator,
    Title,
)
from kiosk.services.slip import SlipSigner
from kiosk.session.view import LanguageCode, ResultRow, Text

BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")


@dataclass(frozen=True)
class SlipContext:
    kiosk_id: str
    office_code: str
    language: LanguageCode
    issued: dt.datetime
    cid_masked: str


def when_text(at: dt.datetime, language: LanguageCode) -> str:
    local = at.astimezone(BANGKOK)
    if language == "th":
        return f"{local.day:02d}/{local.month:02d}/{local.year + 543} {local:%H:%M} น."
    return f"{local:%d/%m/%Y %H:%M}"


def in_thai(label: Text) -> Text:
    """The label of a value that exists only in Thai (an address, a household member, a
    hospital): the English slip says so, "Address (in Thai)"."""
    return Text(label.th, f"{label.en} (in Thai)")


def name_pairs(name_th: str, name_en: str, language: LanguageCode) -> list[tuple[Text, str]]:
    """The holder's name rows: the slip's language first. The English slip prints the
    English name as "Name" and the Thai one labelled "in Thai"; without an English name,
    the Thai name is the "Name (in Thai)"."""
    if language == "en":
        if not name_en:
            return [(in_thai(Text("ชื่อ", "Name")), name_th)]
        return [(Text("ชื่อภาษาอังกฤษ", "Name"), name_en),
                (in_thai(Text("ชื่อ", "Name")), name_th)]
    return [(Text("ชื่อ", "Name"), name_th),
            (Text("ชื่อภาษาอังกฤษ", "Name (English)"), name_en or "-")]


def to_rows(pairs: Sequence[tuple[Text, str]]) -> tuple[ResultRow, ...]:
    return tuple(ResultRow(label, value) for label, value in pairs)


def _header(title: Text, ctx: SlipContext) -> list[Block]:
    lang = ctx.language
    return [
        Title(text=title.pick(lang)),
        Paragraph(text=Text("ตู้บริการศูนย์เชื่อมโยงข้อมูล", "Linkage Center kiosk").pick(lang)
                  + f" {ctx.kiosk_id}", align="center"),
        Separator(),
        Row(key=Text("เลขประจำตัวประชาชน", "Citizen ID").pick(lang), value=ctx.cid_masked),
        Row(key=Text("วันเวลา", "Date").pick(lang), value=when_text(ctx.issued, lang)),
    ]


def _footer(ctx: SlipContext) -> list[Block]:
    return [
        Separator(),
        Footer(text=Text("เอกสารนี้ออกโดยตู้บริการอัตโนมัติ ไม่ต้องลงนาม",
                         "Issued by a self-service kiosk; no signature needed").pick(
                             ctx.language)),
        Cut(),
    ]


def _data_rows(pairs: Sequence[tuple[Text, str]], lang: LanguageCode) -> list[Row]:
    return [Row(key=label.pick(lang), value=value or "-") for label, value in pairs]


def registry_slip(title: Text, pairs: Sequence[tuple[Text, str]], ctx: SlipContext,
                  signer: SlipSigner) -> tuple[Document, str]:
    """The record slip with its signed QR; returns the document and the slip serial."""
    rows = _data_rows(pairs, ctx.language)
    fields = [(r.key, r.value) for r in rows]
    stamp = signer.sign(fields, ctx.cid_masked, ctx.issued)
    lang = ctx.language
    blocks: list[Block] = [
        *_header(title, ctx),
        Row(key=Text("เลขที่ใบ", "Slip no.").pick(lang), value=stamp.serial),
        Separator(),
        *rows,
        Separator(),
        Qr(data=stamp.qr, caption=Text(
            "ตรวจสอบใบนี้ได้ที่หน่วยงาน (สแกนคิวอาร์)",
            "Officers: scan to verify this slip").pick(lang)),
        Paragraph(text=Text("ใช้ได้ถึง", "Valid until").pick(lang) + " "
                  + when_text(stamp.expires, lang), align="center"),
        *_footer(ctx),
    ]
    return Document(blocks=tuple(blocks), language=lang), stamp.serial


def simple_slip(title: Text, pairs: Sequence[tuple[Text, str]], ctx: SlipContext,
                note: Text | None = None) -> Document:
    lang = ctx.language
    blocks: list[Block] = [*_header(title, ctx), Separator(), *_data_rows(pairs, lang)]
    if note is not None:
        blocks += [Separator(), Paragraph(text=note.pick(lang))]
    return Document(blocks=(*blocks, *_footer(ctx)), language=lang)


def request_receipt(title: Text, reference: str, pairs: Sequence[tuple[Text, str]],
                    ctx: SlipContext, note: Text) -> Document:
    lang = ctx.language
    blocks: list[Block] = [
        *_header(title, ctx),
        Separator(),
        Row(key=Text("เลขที่คำขอ", "Reference").pick(lang), value=reference),
        *_data_rows(pairs, lang),
        Barcode(data=reference),
        Paragraph(text=note.pick(lang)),
        *_footer(ctx),
    ]
    return Document(blocks=tuple(blocks), language=lang)


def counter_ticket(number: str, ctx: SlipContext) -> Document:
    lang = ctx.language
    blocks: list[Block] = [
        Title(text=Text("บัตรคิว", "Queue ticket").pick(lang)),
        Paragraph(text=number, align="center", size="huge", bold=True),
        Paragraph(text=Text("ยืนยันตัวตนด้วยบัตรประชาชนแล้ว",
                            "Identity verified with the ID card").pick(lang), align="center"),
        Separator(),
        Row(key=Text("เลขประจำตัวประชาชน", "Citizen ID").pick(lang), value=ctx.cid_masked),
        Row(key=Text("วันเวลา", "Date").pick(lang), value=when_text(ctx.issued, lang)),
        Paragraph(text=Text("กรุณารอเรียกคิวที่เคาน์เตอร์",
                            "Please wait to be called at the counter").pick(lang),
                  align="center"),
        Cut(),
    ]
    return Document(blocks=tuple(blocks), language=lang)


TemplateBuilder = Callable[..., Document]
