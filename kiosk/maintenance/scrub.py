"""Blunt removal of anything that could be personal from free text leaving the kiosk.

- any 13-digit run → masked (``mask_cid``);
- any run of Thai script → ``[thai]`` (names and addresses on the card are Thai; log and
  error messages are English, so nothing a technician needs is lost);
- the value after a personal key (``name=``, ``"address": …``) → ``[redacted]``.
"""

from __future__ import annotations

import re

from kiosk.domain.citizen_id import mask_cid

_THAI_RUN = re.compile(r"[\u0E00-\u0E7F][\u0E00-\u0E7F\s.]*")
_PERSONAL_KEYS = (
    r"(?:first_?name|last_?name|middle_?name|full_?name|name_(?:th|en)|name|surname|prefix"
    r"|title|address|addr|birth(?:_?date)?|dob|date_of_birth|cid|citizen_?id|id_?number"
    r"|phone|email|photo|religion|gender|sex)"
)
# key=value (value up to a comma, semicolon or end) and "key": "value" (JSON).
_KEY_VALUE = re.compile(rf"(?i)\b({_PERSONAL_KEYS})(\s*=\s*)([^,;\n]*)")
_JSON_VALUE = re.compile(rf'(?i)("{_PERSONAL_KEYS}"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}}\]\n]+)')


def scrub(text: str) -> str:
    """Remove anything that could be personal from one line of free text."""
    text = mask_cid(text)
    text = _JSON_VALUE.sub(r'\1"[redacted]"', text)
    text = _KEY_VALUE.sub(r"\1\2[redacted]", text)
    return _THAI_RUN.sub("[thai] ", text).rstrip() if _THAI_RUN.search(text) else text
