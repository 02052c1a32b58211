"""Example views for every screen (synthetic people: no real citizen's data)."""

from __future__ import annotations

import io
from typing import Any

from kiosk.session.view import (
    Alert,
    Connectivity,
    IdentitySummary,
    MenuEntry,
    PrintStatus,
    ResultRow,
    ResultView,
    Screen,
    Text,
)


def jpeg_photo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (297, 356), "#c8d3e0")
    draw = ImageDraw.Draw(image)
    draw.ellipse((88, 60, 208, 190), fill="#8a6d5a")
    draw.rectangle((60, 220, 236, 356), fill="#24406b")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


IDENTITY = IdentitySummary(
    cid_display="1-1017-00001-23-4", cid_masked="1-1017-xxxxx-xx-4",
    name_th="นางสาวกัญญ์ณัฏฐ์ ศรีสุขใจ", name_en="Miss Kanyanat Srisukjai",
    birth_date=Text("12 มีนาคม 2530", "12 March 1987"),
    address="99/1 หมู่ 4 ตำบลบางพลีใหญ่ อำเภอบางพลี จังหวัดสมุทรปราการ",
    card_expiry=Text("11 มีนาคม 2570", "11 March 2027"), card_expired=False,
)
MENU = (
    MenuEntry("household", Text("คัดสำเนาทะเบียนบ้าน", "Household registration copy"),
              Text("ตรวจสอบรายชื่อในทะเบียนบ้าน", "See who is registered in your house"), True,
              asks_holder=True),
    MenuEntry("address", Text("ตรวจสอบที่อยู่", "Check your address"), Text("", ""), False,
              reason_key="service.unavailable_offline"),
    MenuEntry("ticket", Text("บัตรคิว", "Queue ticket"),
              Text("รับบัตรคิวสำหรับเคาน์เตอร์", "Ticket for the counter"), True, queueable=True),
)
RESULT = ResultView(
    "household", Text("สำเนาทะเบียนบ้าน", "Household registration"),
    rows=(ResultRow(Text("เลขรหัสประจำบ้าน", "House ID"), "1017-012345-6", True),
          ResultRow(Text("ผู้อาศัย", "Residents"), "นายสมชาย ใจดี, นางสมหญิง ใจดี")),
    reference="Q-0042",
)

SCREEN_VIEWS: dict[Screen, dict[str, Any]] = {
    Screen.IDLE: dict(screen=Screen.IDLE, session_id=None),
    Screen.READING: dict(screen=Screen.READING, progress=0.4),
    Screen.IDENTITY: dict(screen=Screen.IDENTITY, identity=IDENTITY),
    Screen.CONSENT: dict(screen=Screen.CONSENT, menu=MENU,
                         consent_services=("household", "ticket")),
    Screen.MENU: dict(screen=Screen.MENU, menu=MENU, offline=True,
                      connectivity=Connectivity.OFFLINE),
    Screen.VERIFY_HOLDER: dict(
        screen=Screen.VERIFY_HOLDER, progress_key="holder.scan",
        holder_qr="https://thaid.example/api/v2/oauth2/auth/?response_type=code&client_id="
                  "linkage-kiosk-gateway&state=Qy3kz0Qm1u9nJ2v8D4cLwT6sRbXoHfPe&nonce="
                  "a8Xk2LmQ9vR3tY7uWc1ZpN5sJ0eHdGfB&code_challenge=g-k8RjgWDIec66KexDGn_4o"
                  "_1mClgFyvoDIfiGg0m9g&code_challenge_method=S256",
        holder_short_code="482913"),
    Screen.RUNNING: dict(screen=Screen.RUNNING, progress_key="session.running"),
    Screen.RESULT: dict(screen=Screen.RESULT, result=RESULT),
    Screen.PRINTING: dict(screen=Screen.PRINTING, progress=0.7),
    Screen.FINISHED: dict(screen=Screen.FINISHED, print_status=PrintStatus.PAPER_OUT),
    Screen.TIMEOUT_WARNING: dict(screen=Screen.TIMEOUT_WARNING, countdown_s=23,
                                 extensions_left=9, alert=Alert.TIMEOUT, alert_id=1),
    Screen.ERROR: dict(screen=Screen.ERROR, error_key="service.failed"),
    Screen.TAKE_CARD: dict(screen=Screen.TAKE_CARD, alert=Alert.TAKE_CARD, alert_id=2),
    Screen.OUT_OF_SERVICE: dict(screen=Screen.OUT_OF_SERVICE, session_id=None,
                                error_key="session.no_reader"),
}
