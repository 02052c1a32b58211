"""Every key the kiosk can say, per locale, with its text: the prompt pack's table of contents.

Sources, all keyed by the same message ids as the screens:
- the screens' catalogue (``kiosk/ui/locale/*/LC_MESSAGES/kiosk.po``, read by the
  composition root and passed in as dicts); a text with ``{placeholders}`` is recorded in
  pieces ``key#0``, ``key#1``… and the value is spliced between them;
- the session's, the Linkage client's and the printer's message tables;
- the spoken guidance's own phrases (`kiosk.audio.phrases`) and the splice sets
  (`kiosk.audio.splice`);
- the service catalogue (``catalogue.consent``, ``catalogue.<id>.name`` / ``.help``);
- fixed result labels and values the service runners write as ``Text("…", "…")``
  literals (``text.<hash>``), found in their source.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.audio.phrases import PHRASES
from kiosk.audio.splice import SPLICE_TEXTS
from kiosk.session.view import LanguageCode, Screen, Text

LOCALES: tuple[LanguageCode, ...] = ("th", "en")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SCREEN_OF_PREFIX = {
    "idle": Screen.IDLE, "reading": Screen.READING, "identity": Screen.IDENTITY,
    "consent": Screen.CONSENT, "menu": Screen.MENU, "holder": Screen.VERIFY_HOLDER,
    "running": Screen.RUNNING, "result": Screen.RESULT, "ticket": Screen.RESULT,
    "card_state": Screen.RESULT, "printing": Screen.PRINTING, "finished": Screen.FINISHED,
    "timeout": Screen.TIMEOUT_WARNING, "error": Screen.ERROR, "take_card": Screen.TAKE_CARD,
    "out_of_service": Screen.OUT_OF_SERVICE, "card": Screen.ERROR, "reader": Screen.ERROR,
    "printer": Screen.ERROR, "linkage": Screen.ERROR, "service": Screen.ERROR,
    "catalogue": Screen.MENU, "text": Screen.RESULT,
}
NOT_SPOKEN_PREFIXES = ("demo.", "toolbar.", "step.")
"""Keys of the demo panel, the toolbar's toggles (spoken through the focus label) and the
step bar (the screen title already says where the citizen is)."""


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    locale: LanguageCode
    text: str
    where: str
    """Where a citizen hears it (for the voice artist's script)."""
    screenshot: str | None = None


def text_key(text: Text) -> str:
    """The clip id of a fixed Thai/English pair that has no message key."""
    return "text." + hashlib.sha256(f"{text.th}\x00{text.en}".encode()).hexdigest()[:10]


def where_heard(key: str) -> tuple[str, str | None]:
    prefix = key.split(".", 1)[0]
    if prefix in ("digit", "num", "month", "letter", "time"):
        return "spliced into IDs, dates, times, numbers and queue numbers", None
    if prefix == "speech":
        return "spoken guidance on every screen (audio mode)", None
    screen = _SCREEN_OF_PREFIX.get(prefix)
    if screen is None:
        return "every screen", None
    return f"{screen.value} screen", f"{screen.value}-typical-{{locale}}-normal-standard.png"


@dataclass
class Lexicon:
    entries: dict[tuple[LanguageCode, str], Entry] = field(default_factory=dict)
    templates: dict[tuple[LanguageCode, str], tuple[str, ...]] = field(default_factory=dict)
    """Keys with placeholders: piece keys and ``{name}`` markers, in order."""
    by_text: dict[tuple[LanguageCode, str], str] = field(default_factory=dict)

    def add(self, locale: LanguageCode, key: str, text: str) -> None:
        where, shot = where_heard(key)
        self.entries[(locale, key)] = Entry(
            key, locale, text, where, shot.format(locale=locale) if shot else None)
        self.by_text.setdefault((locale, " ".join(text.split())), key)

    def add_text(self, key: str, text: Text) -> None:
        for locale in LOCALES:
            self.add(locale, key, text.pick(locale))

    def add_template(self, locale: LanguageCode, key: str, text: str) -> None:
        parts: list[str] = []
        pieces = _PLACEHOLDER.split(text)
        for i, piece in enumerate(pieces):
            if i % 2:
                parts.append("{" + piece + "}")
            elif piece.strip():
                piece_key = f"{key}#{len([p for p in parts if not p.startswith('{')])}"
                self.add(locale, piece_key, piece.strip())
                parts.append(piece_key)
        self.templates[(locale, key)] = tuple(parts)

    def has(self, locale: LanguageCode, key: str) -> bool:
        return (locale, key) in self.entries

    def key_for(self, locale: LanguageCode, text: str) -> str | None:
        return self.by_text.get((locale, " ".join(text.split())))

    def keys(self, locale: LanguageCode) -> list[str]:
        return sorted(k for (loc, k) in self.entries if loc == locale)


def build_lexicon(po: Mapping[LanguageCode, Mapping[str, str]], *,
                  tables: Iterable[Mapping[str, Text]] = (),
                  catalogue: Iterable[tuple[str, Text]] = (),
                  literals: Iterable[Text] = ()) -> Lexicon:
    """The lexicon from the screens' catalogue `po`, message `tables`, the service
    `catalogue` texts (key, text) and fixed runner `literals`."""
    lex = Lexicon()
    for locale in LOCALES:
        for key, text in SPLICE_TEXTS[locale].items():
            lex.add(locale, key, text)
    for key, pair in PHRASES.items():
        lex.add_text(key, pair)
    for table in tables:
        for key, pair in table.items():
            lex.add_text(key, pair)
    for key, pair in catalogue:
        lex.add_text(key, pair)
    for pair in literals:
        if pair.th.strip("- ") and pair.en.strip("- "):
            lex.add_text(text_key(pair), pair)
    for locale in LOCALES:
        for key, text in po.get(locale, {}).items():
            if not key or key.startswith(NOT_SPOKEN_PREFIXES) or not text.strip():
                continue
            if _PLACEHOLDER.search(text):
                lex.add_template(locale, key, text)
            else:
                lex.add(locale, key, text)
    return lex


def text_literals(paths: Iterable[Path]) -> list[Text]:
    """Every ``Text("…", "…")`` call with two plain string literals in these sources."""
    found: list[Text] = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "Text" and len(node.args) == 2
                    and all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                            for a in node.args)):
                found.append(Text(node.args[0].value, node.args[1].value))  # type: ignore[attr-defined]
    return found
