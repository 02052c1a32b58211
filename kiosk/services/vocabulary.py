"""The words of the registry's data, in Thai and English: states, rights, relations,
nationality and office names, keyed like every message catalogue of the kiosk.

Linkage answers carry codes (``active``, ``UCS``, ``1017``) or Thai words (``เจ้าบ้าน``,
``ไทย``). A slip or a screen never shows a code, nor a Thai word on an English slip: each
value goes through `word` (unknown values pass through unchanged, and are logged once so
the catalogue can grow). Names and addresses are not translated.
"""

from __future__ import annotations

import functools
import logging

from kiosk.session.view import LanguageCode, Text

log = logging.getLogger(__name__)

WORDS: dict[str, Text] = {
    # welfare right states (Linkage ``status``)
    "welfare.active": Text("ได้รับสิทธิ", "Active"),
    "welfare.terminated": Text("สิ้นสุดสิทธิ", "Ended"),
    "welfare.suspended": Text("ระงับสิทธิชั่วคราว", "Suspended"),
    "welfare.pending": Text("รอพิจารณา", "Pending"),
    # welfare programmes, when the answer has no name of its own
    "program.elderly_allowance": Text("เบี้ยยังชีพผู้สูงอายุ", "Elderly allowance"),
    "program.state_welfare_card": Text("บัตรสวัสดิการแห่งรัฐ", "State welfare card"),
    "program.disability_allowance": Text("เบี้ยความพิการ", "Disability allowance"),
    "program.child_support_grant": Text("เงินอุดหนุนเพื่อการเลี้ยงดูเด็กแรกเกิด",
                                        "Child support grant"),
    # health-insurance schemes (NHSO codes)
    "health.UCS": Text("สิทธิหลักประกันสุขภาพแห่งชาติ", "Universal Coverage Scheme"),
    "health.SSS": Text("สิทธิประกันสังคม", "Social Security Scheme"),
    "health.OFC": Text("สิทธิสวัสดิการข้าราชการ", "Civil Servant Medical Benefit"),
    "health.LGO": Text("สิทธิสวัสดิการพนักงานส่วนท้องถิ่น",
                       "Local Government Employee Scheme"),
    # relation to the head of the household (house registration)
    "relation.เจ้าบ้าน": Text("เจ้าบ้าน", "head of household"),
    "relation.คู่สมรส": Text("คู่สมรส", "spouse"),
    "relation.บุตร": Text("บุตร", "child"),
    "relation.บิดา": Text("บิดา", "father"),
    "relation.มารดา": Text("มารดา", "mother"),
    "relation.ผู้อาศัย": Text("ผู้อาศัย", "resident"),
    # nationality
    "nationality.ไทย": Text("ไทย", "Thai"),
    "nationality.Thai": Text("ไทย", "Thai"),
    "nationality.THA": Text("ไทย", "Thai"),
}

# DOPA registry office codes of the Bangkok district offices (สำนักงานเขต).
_BANGKOK_DISTRICTS = {
    "1001": ("พระนคร", "Phra Nakhon"), "1002": ("ดุสิต", "Dusit"),
    "1003": ("หนองจอก", "Nong Chok"), "1004": ("บางรัก", "Bang Rak"),
    "1005": ("บางเขน", "Bang Khen"), "1006": ("บางกะปิ", "Bang Kapi"),
    "1007": ("ปทุมวัน", "Pathum Wan"), "1008": ("ป้อมปราบศัตรูพ่าย", "Pom Prap Sattru Phai"),
    "1009": ("พระโขนง", "Phra Khanong"), "1010": ("มีนบุรี", "Min Buri"),
    "1011": ("ลาดกระบัง", "Lat Krabang"), "1012": ("ยานนาวา", "Yan Nawa"),
    "1013": ("สัมพันธวงศ์", "Samphanthawong"), "1014": ("พญาไท", "Phaya Thai"),
    "1015": ("ธนบุรี", "Thon Buri"), "1016": ("บางกอกใหญ่", "Bangkok Yai"),
    "1017": ("ห้วยขวาง", "Huai Khwang"), "1018": ("คลองสาน", "Khlong San"),
    "1019": ("ตลิ่งชัน", "Taling Chan"), "1020": ("บางกอกน้อย", "Bangkok Noi"),
    "1021": ("บางขุนเทียน", "Bang Khun Thian"), "1022": ("ภาษีเจริญ", "Phasi Charoen"),
    "1023": ("หนองแขม", "Nong Khaem"), "1024": ("ราษฎร์บูรณะ", "Rat Burana"),
    "1025": ("บางพลัด", "Bang Phlat"), "1026": ("ดินแดง", "Din Daeng"),
    "1027": ("บึงกุ่ม", "Bueng Kum"), "1028": ("สาทร", "Sathon"),
    "1029": ("บางซื่อ", "Bang Sue"), "1030": ("จตุจักร", "Chatuchak"),
    "1031": ("บางคอแหลม", "Bang Kho Laem"), "1032": ("ประเวศ", "Prawet"),
    "1033": ("คลองเตย", "Khlong Toei"), "1034": ("สวนหลวง", "Suan Luang"),
    "1035": ("จอมทอง", "Chom Thong"), "1036": ("ดอนเมือง", "Don Mueang"),
    "1037": ("ราชเทวี", "Ratchathewi"), "1038": ("ลาดพร้าว", "Lat Phrao"),
    "1039": ("วัฒนา", "Watthana"), "1040": ("บางแค", "Bang Khae"),
    "1041": ("หลักสี่", "Lak Si"), "1042": ("สายไหม", "Sai Mai"),
    "1043": ("คันนายาว", "Khan Na Yao"), "1044": ("สะพานสูง", "Saphan Sung"),
    "1045": ("วังทองหลาง", "Wang Thonglang"), "1046": ("คลองสามวา", "Khlong Sam Wa"),
    "1047": ("บางนา", "Bang Na"), "1048": ("ทวีวัฒนา", "Thawi Watthana"),
    "1049": ("ทุ่งครุ", "Thung Khru"), "1050": ("บางบอน", "Bang Bon"),
}
for _code, (_th, _en) in _BANGKOK_DISTRICTS.items():
    WORDS[f"office.{_code}"] = Text(f"สำนักงานเขต{_th}", f"{_en} District Office")


def word(kind: str, value: str | None, language: LanguageCode) -> str:
    """``value`` (a code or a Thai word of kind ``kind``) in ``language``; unknown values
    come back unchanged."""
    if not value:
        return "-"
    text = WORDS.get(f"{kind}.{value}")
    if text is None:
        _unknown(kind, value)
        return value
    return text.pick(language)


def office_name(code: str, language: LanguageCode) -> str:
    text = WORDS.get(f"office.{code}")
    if text is None:
        _unknown("office", code)
        return Text(f"สำนักทะเบียน {code}", f"Registry office {code}").pick(language)
    return text.pick(language)


def amount_per_month(baht: int, language: LanguageCode) -> str:
    return Text(f"{baht:,} บาท/เดือน", f"{baht:,} baht/month").pick(language)


@functools.lru_cache(maxsize=256)
def _unknown(kind: str, value: str) -> None:
    log.warning("no %s word for %r in the vocabulary; shown as received", kind, value)
