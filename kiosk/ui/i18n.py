"""Gettext catalogues for the screens, compiled from ``locale/*/LC_MESSAGES/kiosk.po``.

Message ids are stable keys (``idle.title``), not English sentences: both Thai and English
are translations. Keys the screens do not know come from the session's own message table
(`kiosk.session.messages`, Thai/English pairs), the printer's and the Linkage client's, then
fall back to a generic "tell the staff".
The .po files are compiled in memory at start-up by `compile_mo` (the subset of msgfmt
the catalogues use: msgctxt-free singular entries, escapes, multi-line strings), so
no build step or ``babel`` dependency is needed and no .mo can go stale.
"""

from __future__ import annotations

import ast
import gettext
import io
import logging
import struct
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "kiosk"
LANGUAGES = ("th", "en")

log = logging.getLogger(__name__)


class PoSyntaxError(ValueError):
    pass


def parse_po(text: str, *, source: str = "<po>") -> dict[str, str]:
    """Entries of a .po file as ``{msgid: msgstr}`` (the header has msgid "")."""
    entries: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    current: list[str] | None = None

    def flush() -> None:
        if msgid is not None and msgstr is not None:
            key = "".join(msgid)
            if key in entries:
                raise PoSyntaxError(f"{source}: duplicate msgid {key!r}")
            entries[key] = "".join(msgstr)

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("msgid "):
            flush()
            msgid, msgstr = [], None
            current = msgid
            line = line[len("msgid "):]
        elif line.startswith("msgstr "):
            if msgid is None:
                raise PoSyntaxError(f"{source}:{number}: msgstr without msgid")
            msgstr = []
            current = msgstr
            line = line[len("msgstr "):]
        elif not line.startswith('"') or current is None:
            raise PoSyntaxError(f"{source}:{number}: unsupported line {line[:40]!r}")
        if not (line.startswith('"') and line.endswith('"') and len(line) >= 2):
            raise PoSyntaxError(f"{source}:{number}: expected a quoted string")
        current.append(ast.literal_eval(line))
    flush()
    return entries


def compile_mo(entries: dict[str, str]) -> bytes:
    """GNU .mo bytes (little-endian, no hash table) for ``entries``."""
    keys = sorted(entries)
    ids = [k.encode("utf-8") for k in keys]
    strs = [entries[k].encode("utf-8") for k in keys]
    header_size = 7 * 4
    table_size = len(keys) * 8
    ids_start = header_size + 2 * table_size
    id_table, str_table, blob = [], [], bytearray()
    offset = ids_start
    for data in ids:
        id_table.append((len(data), offset))
        blob += data + b"\0"
        offset += len(data) + 1
    for data in strs:
        str_table.append((len(data), offset))
        blob += data + b"\0"
        offset += len(data) + 1
    out = struct.pack(
        "<7I", 0x950412DE, 0, len(keys), header_size, header_size + table_size, 0, 0
    )
    for length, off in id_table + str_table:
        out += struct.pack("<2I", length, off)
    return out + bytes(blob)


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(language: str) -> gettext.GNUTranslations:
    path = po_path(language)
    entries = parse_po(path.read_text("utf-8"), source=str(path))
    return gettext.GNUTranslations(io.BytesIO(compile_mo(entries)))


def keys(language: str) -> set[str]:
    path = po_path(language)
    return {k for k in parse_po(path.read_text("utf-8"), source=str(path)) if k}


class Translator:
    """``tr(key, **fields)`` in the current language; unknown keys fall back, logged once."""

    FALLBACK_KEY = "error.generic"

    def __init__(self, language: str = "th") -> None:
        self.language = language
        self._missing: set[tuple[str, str]] = set()

    def __call__(self, key: str, **fields: object) -> str:
        text = catalogue(self.language).gettext(key)
        if text == key:
            text = _session_message(key, self.language) or key
        if text == key:
            if (self.language, key) not in self._missing:
                self._missing.add((self.language, key))
                log.warning("ui: no %s text for message key %r", self.language, key)
            text = catalogue(self.language).gettext(self.FALLBACK_KEY)
        return text.format(**fields) if fields else text

    def has(self, key: str) -> bool:
        return catalogue(self.language).gettext(key) != key or \
            _session_message(key, self.language) is not None


def _session_message(key: str, language: str) -> str | None:
    """The session's own message keys carry their Thai/English texts with them, and so do
    the printer's and the Linkage client's (their own tables, one place each)."""
    from kiosk.linkage import messages as linkage_messages
    from kiosk.printing import messages as printing_messages
    from kiosk.session.messages import MESSAGES

    text = MESSAGES.get(key)
    if text is not None:
        return text.th if language == "th" else text.en
    lang = "th" if language == "th" else "en"
    if key in printing_messages.known_keys():
        return printing_messages.citizen(key, lang)
    if key in linkage_messages.MESSAGES:
        return linkage_messages.MESSAGES[key].get(lang)
    return None


def missing_keys(wanted: Iterable[str]) -> dict[str, set[str]]:
    """Per language, which of ``wanted`` the catalogue lacks (for tests and check-config)."""
    return {lang: set(wanted) - keys(lang) for lang in LANGUAGES}
