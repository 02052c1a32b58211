"""Citizen-facing texts for the session's message keys (Thai and English).

Keys from other packages (card driver, Linkage client, printer) keep their own texts; the UI
looks a key up here first and falls back to `SessionView.error_text` when given.
"""

from __future__ import annotations

from kiosk.session.view import LanguageCode, Text

MESSAGES: dict[str, Text] = {
    "session.insert_card": Text("กรุณาเสียบบัตรประชาชน", "Please insert your ID card"),
    "session.reading_card": Text("กำลังอ่านบัตร กรุณาอย่าดึงบัตรออก",
                                 "Reading your card, please do not remove it"),
    "session.reading_photo": Text("กำลังอ่านรูปถ่าย", "Reading the photo"),
    "session.running": Text("กำลังดำเนินการ กรุณารอสักครู่", "Working on it, please wait"),
    "session.printing": Text("กำลังพิมพ์", "Printing"),
    "session.take_card": Text("กรุณารับบัตรประชาชนคืน", "Please take your ID card"),
    "session.take_card_and_receipt": Text("กรุณารับบัตรประชาชนและใบรับคืน",
                                          "Please take your ID card and your receipt"),
    "session.timeout_warning": Text("ต้องการเวลาเพิ่มหรือไม่ แตะที่ใดก็ได้เพื่อใช้งานต่อ",
                                    "Do you need more time? Touch anywhere to continue"),
    "session.timed_out": Text("หมดเวลา ข้อมูลของท่านถูกลบแล้ว",
                              "Time is up; your data has been cleared"),
    "session.work_timeout": Text("ระบบใช้เวลานานเกินไป กรุณาลองใหม่",
                                 "This took too long; please try again"),
    "session.internal_error": Text("เกิดข้อผิดพลาด กรุณาติดต่อเจ้าหน้าที่",
                                   "Something went wrong; please ask a staff member"),
    "session.remove_card_retry": Text("กรุณาดึงบัตรออกแล้วเสียบใหม่",
                                      "Please remove your card and insert it again"),
    "session.declined": Text("ท่านไม่ได้ให้ความยินยอม ไม่มีการขอข้อมูลใด ๆ",
                             "You did not consent; no data was requested"),
    "session.fault": Text(
        "กรุณารับบัตรประชาชนคืน ข้อมูลของท่านถูกลบแล้ว กรุณาแจ้งเลขอ้างอิงด้านล่างกับเจ้าหน้าที่",
        "Please take your ID card. Your data has been cleared. Please tell a staff member"
        " the reference below."),
    "session.fault_no_card": Text(
        "เกิดข้อผิดพลาด เสียบบัตรประชาชนเพื่อเริ่มใหม่ได้ หากเกิดซ้ำ"
        " กรุณาแจ้งเลขอ้างอิงด้านล่างกับเจ้าหน้าที่",
        "Something went wrong. Insert your ID card to start again. If it happens again,"
        " tell a staff member the reference below."),
    "session.out_of_service_faults": Text(
        "ตู้นี้หยุดให้บริการชั่วคราว กรุณาใช้บริการที่เคาน์เตอร์ และแจ้งเลขอ้างอิงด้านล่างกับเจ้าหน้าที่",
        "This kiosk is out of service. Please go to the counter and tell a staff member the"
        " reference below."),
    "session.no_reader": Text("ตู้ไม่พร้อมให้บริการ กรุณาติดต่อเจ้าหน้าที่",
                              "Out of service; please ask a staff member"),
    "service.unavailable_offline": Text(
        "ใช้ไม่ได้ขณะเครือข่ายขัดข้อง", "Unavailable while the network is down"),
    "service.unavailable_printer": Text(
        "ใช้ไม่ได้ขณะเครื่องพิมพ์ขัดข้อง", "Unavailable while the printer is out of order"),
    "service.unavailable_storage": Text(
        "ขณะนี้ยื่นคำขอที่ตู้นี้ไม่ได้ชั่วคราว กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์",
        "Requests can't be taken at this kiosk right now. Please ask at the counter."),
    "service.queued": Text("รับคำขอแล้ว จะส่งให้อัตโนมัติเมื่อเครือข่ายกลับมา",
                           "Request accepted; it will be sent when the network is back"),
    "service.failed": Text("บริการนี้ใช้ไม่ได้ในขณะนี้ กรุณาลองใหม่ภายหลัง",
                           "This service is not available right now; please try later"),
    "printer.paper_out": Text("กระดาษหมด กรุณาติดต่อเจ้าหน้าที่",
                              "The printer is out of paper; please ask a staff member"),
    "printer.failed": Text("พิมพ์ไม่สำเร็จ กรุณาติดต่อเจ้าหน้าที่",
                           "Printing failed; please ask a staff member"),
    "printer.unconfirmed": Text(
        "กรุณาตรวจดูว่าใบรับออกมาครบ มีรหัส QR ท้ายใบ หากไม่ครบ"
        " กรุณาให้เจ้าหน้าที่ที่เคาน์เตอร์พิมพ์ให้อีกครั้ง",
        "Please check that your receipt came out whole, with the QR code at the end; if not,"
        " ask staff at the counter to print it again"),
    "printer.note_nothing_saved": Text(
        "บริการนี้ไม่ได้บันทึกข้อมูลใด ๆ กดพิมพ์อีกครั้ง หรือติดต่อเจ้าหน้าที่ที่เคาน์เตอร์",
        "This service saved nothing: press Print again, or ask at the counter."),
    "printer.note_request_recorded": Text(
        "คำขอของท่านได้รับการบันทึกแล้ว เลขอ้างอิงเดิมยังใช้ได้ กดพิมพ์อีกครั้ง"
        " หรือติดต่อเจ้าหน้าที่ที่เคาน์เตอร์",
        "Your request has been recorded and keeps its reference: press Print again, or ask"
        " at the counter."),
    "printer.note_ticket_kept": Text(
        "หมายเลขคิวของท่านยังคงเดิม กดพิมพ์อีกครั้งเพื่อพิมพ์บัตรคิวใบเดิม"
        " หรือแจ้งหมายเลขกับเจ้าหน้าที่",
        "Your queue number stays the same: press Print again for the same ticket, or tell"
        " staff your number."),
    "holder.title": Text("ยืนยันว่าท่านเป็นเจ้าของบัตร", "Confirm that this card is yours"),
    "holder.scan": Text("สแกนด้วยแอป ThaID บนโทรศัพท์ของท่าน",
                        "Scan with the ThaID app on your phone"),
    "holder.code": Text("ไม่ใช้กล้อง? ในแอป ThaID เลือกใส่รหัส แล้วพิมพ์รหัส {code}",
                        "No camera? In the ThaID app choose Enter code, then type {code}"),
    "holder.asks": Text("ต้องยืนยันตัวตนด้วยแอป ThaID บนโทรศัพท์",
                        "You will confirm with the ThaID app on your phone"),
    "holder.timeout": Text(
        "ยังไม่ได้รับการยืนยันจากแอป ThaID หากท่านไม่มีแอป ThaID กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์ "
        "บริการอื่นยังใช้ได้ตามปกติ",
        "No confirmation came from the ThaID app. If you do not have ThaID, please ask at "
        "the counter; the other services still work."),
    "holder.mismatch": Text(
        "บัญชี ThaID ที่ยืนยันไม่ใช่ของเจ้าของบัตรที่เสียบอยู่ บริการนี้ใช้ได้เฉพาะเจ้าของบัตร "
        "กรุณาให้เจ้าของบัตรยืนยันด้วยแอป ThaID ของตนเอง หรือติดต่อเจ้าหน้าที่ที่เคาน์เตอร์",
        "The ThaID account that confirmed is not the holder of this card. Only the card's "
        "holder can use this service: please confirm with the holder's own ThaID app, or "
        "ask at the counter."),
    "holder.provider_down": Text(
        "ขณะนี้ระบบ ThaID ไม่ตอบสนอง กรุณาลองใหม่ภายหลังหรือติดต่อเจ้าหน้าที่ที่เคาน์เตอร์ "
        "บริการอื่นยังใช้ได้ตามปกติ",
        "ThaID is not answering right now. Please try again later or ask at the counter; "
        "the other services still work."),
    "holder.refused": Text(
        "ไม่สามารถยืนยันตัวตนด้วย ThaID ได้ กรุณาลองใหม่อีกครั้งหรือติดต่อเจ้าหน้าที่ที่เคาน์เตอร์",
        "Your ThaID confirmation could not be checked. Please try again or ask at the counter."),
    "holder.unavailable": Text(
        "ตู้นี้ยืนยันตัวตนด้วย ThaID ไม่ได้ในขณะนี้ กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์",
        "This kiosk cannot confirm your identity with ThaID right now; please ask at the "
        "counter."),
    "offline.banner": Text("เครือข่ายขัดข้อง บางบริการใช้ไม่ได้ชั่วคราว",
                           "Network down: some services are temporarily unavailable"),
}


def message(key: str | None, language: LanguageCode, fallback: Text | None = None) -> str:
    """The text for `key`, else `fallback`, else the key itself (never raises)."""
    if key is not None and key in MESSAGES:
        return MESSAGES[key].pick(language)
    if fallback is not None:
        return fallback.pick(language)
    return key or ""
