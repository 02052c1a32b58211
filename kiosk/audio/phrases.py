"""The spoken guidance's own message keys (``speech.*``), in Thai and English.

What the screens do not print but a citizen who cannot see them needs: how to move and
choose, where the headphone jack is, "2 of 5", what the receipt says. They are clips of
the prompt pack like every screen key (`kiosk.audio.inventory`).
"""

from __future__ import annotations

from kiosk.session.view import Text

PHRASES: dict[str, Text] = {
    "speech.how_to_move": Text(
        "กดเลข 2 หรือ 8 เพื่อเลื่อน กดปุ่มวงกลมเพื่อเลือก กดปุ่มกากบาทเพื่อย้อนกลับ "
        "กดปุ่มช่วยเหลือเพื่อฟังอีกครั้ง",
        "Press 2 or 8 to move, Enter to choose, Cancel to go back, Help to hear this again."),
    "speech.plug_headphones": Text(
        "ข้อมูลส่วนตัวจะอ่านให้ฟังทางหูฟังเท่านั้น กรุณาเสียบหูฟังที่ช่องใต้แป้นตัวเลข",
        "Personal details are spoken only through headphones. Plug headphones into the "
        "jack below the keypad."),
    "speech.audio_on": Text("เปิดเสียงนำทางแล้ว", "Spoken guidance is on."),
    "speech.headphones_removed": Text(
        "ถอดหูฟังแล้ว หยุดอ่านข้อมูลส่วนตัว", "Headphones removed; personal details stopped."),
    "speech.of": Text("จาก", "of"),
    "speech.item": Text("รายการที่", "item"),
    "speech.masked": Text("ซ่อน", "hidden"),
    "speech.on_screen": Text("แสดงบนจอ", "shown on the screen"),
    "speech.none": Text("ไม่มี", "none"),
    "speech.entered": Text("ป้อนแล้ว", "entered"),
    "speech.volume": Text("ระดับเสียง", "Volume"),
    "speech.seconds": Text("วินาที", "seconds"),
    "speech.any_key": Text("กดปุ่มใดก็ได้เพื่อขอเวลาเพิ่ม", "Press any key for more time."),
    "speech.receipt_says": Text("ใบรับของท่านมีข้อความว่า", "Your receipt says:"),
    "speech.next_step": Text("ขั้นต่อไป", "Next step:"),
    "speech.holder_code": Text(
        "หากมองไม่เห็นคิวอาร์โค้ด ให้เปิดแอป ThaID แล้วป้อนรหัสนี้",
        "If you cannot see the QR code, open the ThaID app and enter this code:"),
    "speech.unavailable": Text("ใช้ไม่ได้ขณะนี้", "unavailable now"),
    "speech.ticket": Text("หมายเลขคิวของท่านคือ", "Your queue number is"),
}
