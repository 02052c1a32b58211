"""Citizen-facing text for every Linkage message key, in Thai and English.

One dict keyed by message key so the UI's gettext extraction can take it over later.
Texts say what happened and what the citizen can do, never an internal error number.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["th", "en"]

MESSAGES: dict[str, dict[Language, str]] = {
    "linkage.outside_hours": {
        "th": "ขณะนี้อยู่นอกเวลาให้บริการ ให้บริการเวลา 08:30–16:30 น. กรุณากลับมาใหม่ในเวลาทำการ",
        "en": "The service is closed now. Service hours are 08:30–16:30. Please come back then.",
    },
    "linkage.quota_exceeded": {
        "th": "วันนี้ตู้บริการนี้ใช้งานครบจำนวนที่กำหนดแล้ว กรุณาติดต่อเจ้าหน้าที่ที่เคาน์เตอร์",
        "en": "This kiosk has reached today's limit. Please ask an officer at the counter.",
    },
    "linkage.not_found": {
        "th": "ไม่พบข้อมูลที่ขอในระบบทะเบียน กรุณาติดต่อเจ้าหน้าที่",
        "en": "The requested record was not found. Please ask an officer.",
    },
    "linkage.consent_required": {
        "th": "ต้องได้รับความยินยอมจากท่านก่อน กรุณาเสียบบัตรและกดยินยอมอีกครั้ง",
        "en": "Your consent is needed first. Please insert your card and confirm consent again.",
    },
    "linkage.card_not_latest": {
        "th": "บัตรนี้ไม่ใช่บัตรใบล่าสุดของท่าน กรุณาใช้บัตรใบล่าสุด หรือติดต่อเจ้าหน้าที่",
        "en": "This is not your latest ID card. Please use your newest card or ask an officer.",
    },
    "linkage.invalid_card": {
        "th": "ไม่สามารถใช้บัตรนี้ได้ กรุณาติดต่อเจ้าหน้าที่",
        "en": "This card cannot be used. Please ask an officer.",
    },
    "linkage.card_not_found": {
        "th": "ไม่พบข้อมูลบัตรนี้ในระบบ กรุณาติดต่อเจ้าหน้าที่",
        "en": "This card was not found in the registry. Please ask an officer.",
    },
    "linkage.no_photo": {
        "th": "ไม่พบรูปถ่ายในระบบ กรุณาติดต่อเจ้าหน้าที่",
        "en": "No photo is on record. Please ask an officer.",
    },
    "linkage.wrong_pin": {
        "th": "รหัส PIN ไม่ถูกต้อง กรุณาลองใหม่",
        "en": "The PIN is wrong. Please try again.",
    },
    "linkage.timeout": {
        "th": "ระบบใช้เวลานานเกินไป กรุณาลองใหม่อีกครั้งในภายหลัง",
        "en": "The system took too long to answer. Please try again in a moment.",
    },
    "linkage.unavailable": {
        "th": "ขณะนี้ไม่สามารถเชื่อมต่อระบบได้ กรุณาลองใหม่ภายหลัง หรือติดต่อเจ้าหน้าที่",
        "en": "The service cannot be reached right now. Please try later or ask an officer.",
    },
    "linkage.protocol_error": {
        "th": "ระบบตอบกลับไม่ถูกต้อง กรุณาลองใหม่ หรือติดต่อเจ้าหน้าที่",
        "en": "The service sent an unexpected answer. Please try again or ask an officer.",
    },
    "linkage.not_logged_in": {
        "th": "ตู้บริการยังเชื่อมต่อระบบไม่สำเร็จ กรุณาติดต่อเจ้าหน้าที่",
        "en": "The kiosk could not sign in to the service. Please ask an officer.",
    },
    "linkage.not_permitted": {
        "th": "ตู้บริการนี้ไม่ได้รับสิทธิ์ให้บริการรายการนี้ กรุณาติดต่อเจ้าหน้าที่",
        "en": "This kiosk is not allowed to offer this service. Please ask an officer.",
    },
    "linkage.service_not_found": {
        "th": "ไม่มีบริการที่เลือกในขณะนี้ กรุณาเลือกบริการอื่น",
        "en": "The chosen service is not available. Please choose another service.",
    },
    "linkage.request_too_large": {
        "th": "คำขอมีขนาดใหญ่เกินไป กรุณาติดต่อเจ้าหน้าที่",
        "en": "The request is too large. Please ask an officer.",
    },
    "linkage.invalid_request": {
        "th": "ข้อมูลคำขอไม่ถูกต้อง กรุณาลองใหม่ หรือติดต่อเจ้าหน้าที่",
        "en": "The request was not valid. Please try again or ask an officer.",
    },
    "linkage.in_progress": {
        "th": "คำขอของท่านกำลังดำเนินการ กรุณารอสักครู่",
        "en": "Your request is still being processed. Please wait a moment.",
    },
    "linkage.duplicate_request": {
        "th": "คำขอนี้ซ้ำกับคำขอก่อนหน้าแต่ข้อมูลต่างกัน กรุณาเริ่มใหม่",
        "en": "This request clashes with an earlier one. Please start again.",
    },
    "linkage.provider_error": {
        "th": "หน่วยงานเจ้าของข้อมูลขัดข้องชั่วคราว กรุณาลองใหม่ภายหลัง",
        "en": "The agency that holds this data has a problem. Please try again later.",
    },
}


def message_text(key: str, language: Language = "th") -> str:
    """The citizen text for ``key``; an unknown key falls back to the generic error."""
    entry = MESSAGES.get(key) or MESSAGES["linkage.protocol_error"]
    return entry[language]
