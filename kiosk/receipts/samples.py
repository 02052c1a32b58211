"""Sample receipts with synthetic data: golden tests, the benchmark and the demo print.

The session engine builds the real four receipts; these show the shapes (and are the
"standard 12-line Thai record slip with a QR" the benchmark measures). The citizen ID is
synthetic and printed masked, as every slip must.
"""

from __future__ import annotations

from datetime import date

from kiosk.domain.citizen_id import mask_cid
from kiosk.domain.thai_date import ThaiDate
from kiosk.receipts.model import (
    Barcode,
    Cut,
    Document,
    Footer,
    Paragraph,
    Qr,
    Row,
    Separator,
    Title,
)

SAMPLE_CID = "1101700230705"  # synthetic (valid check digit), never a real person
SAMPLE_DATE = date(2026, 3, 12)


def record_slip() -> Document:
    """12 lines of Thai text and a verification QR: the benchmark's standard slip."""
    when = ThaiDate.from_date(SAMPLE_DATE).display("th")
    return Document(
        language="th",
        blocks=(
            Title(text="ใบบันทึกการขอข้อมูลทะเบียนราษฎร"),
            Paragraph(text="สำนักงานเขตบางรัก กรุงเทพมหานคร", align="center"),
            Separator(),
            Row(key="เลขที่อ้างอิง", value="LK-2569-0001234"),
            Row(key="วันที่", value=f"{when} เวลา 10:42 น."),
            Row(key="เลขประจำตัวประชาชน", value=mask_cid(SAMPLE_CID)),
            Row(key="ชื่อ-สกุล", value="นางสาวปิ่นมุก ทดสอบระบบ"),
            Row(key="บริการ", value="คัดสำเนาทะเบียนบ้าน"),
            Row(key="สถานะ", value="ยื่นคำขอเรียบร้อยแล้ว"),
            Row(key="ตู้บริการ", value="BKK-1017-01"),
            Separator(),
            Paragraph(
                text="กรุณาเก็บใบนี้ไว้เป็นหลักฐาน และแสดงต่อเจ้าหน้าที่เมื่อมาติดต่อรับเอกสาร"
            ),
            Qr(data="https://linkage.example.go.th/v/LK-2569-0001234?s=Zk3q9XbT"),
            Footer(text="ขอบคุณที่ใช้บริการ ตู้บริการอัตโนมัติ"),
            Cut(),
        ),
    )


def counter_ticket() -> Document:
    """Queue ticket: a number readable from across the room, and a barcode for the counter."""
    return Document(
        language="th",
        blocks=(
            Title(text="บัตรคิว งานทะเบียนราษฎร"),
            Paragraph(text="A017", align="center", size="huge"),
            Paragraph(text="รอเรียกที่ช่องบริการ 3", align="center", size="large"),
            Row(key="รอก่อนหน้า", value="4 คิว"),
            Barcode(data="A017-2569031210"),
            Footer(text="Please wait for your number to be called"),
            Cut(),
        ),
    )


def mark_stress() -> Document:
    """Words whose marks stack or sit on tall letters: BASIC layout gets these wrong."""
    return Document(
        blocks=(
            Paragraph(text="ปู่ ป่า ฝั่ง ฟื้น ญี่ปุ่น ผู้ใหญ่", size="large"),
            Paragraph(text="น้ำ ที่นี่ เกี่ยว ปั้น ฎีกา ฐานะ", size="large"),
        )
    )
