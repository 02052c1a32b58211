"""Thai line breaking: by words, never between a letter and its marks.

Thai is written without spaces between words, so a layout that breaks only at spaces
(Kivy, a naive receipt) either overflows or splits anywhere, even between a consonant and
its tone mark. Here lines break at word boundaries found by pythainlp's dictionary
segmenter (``newmm``); a word longer than a whole line is split between clusters (a base
letter with all its marks, a leading vowel with its consonant), never inside one.

API (also used by the UI to wrap Kivy labels):

* `break_points(text)` -> the pieces a line may break between (words, spaces, atoms);
  joined they give back ``text`` exactly.
* `wrap_thai(text, fits)` -> lines, where ``fits(line)`` says whether a line fits the
  width (measure however the caller draws: Pillow, Kivy, printer columns).
* `wrap_name(text, fits)` -> lines of a text that is one person's name (the UI's name and
  ID fields): the same name rule as `wrap_thai` applies inside a sentence.
* `display_cells(text)` -> how many character cells a monospaced Thai printer uses.
* `word_set()` -> the word list `newmm` segments with (`WordSet`: pythainlp's default
  words at a fraction of its trie's memory, same segmentation).

Unbreakable units (atoms): a masked ID or reference number (``3-1401-xxxxx-xx-0``,
``KIOSK-20261130-862572``), a date with its time and "น.", a time with "น.", a number with
its unit (``1,000 บาท/เดือน``), a parenthesised phrase of one or two words, each part
of a person's name after a title (title + first name, middle name, surname) and each part
of an address with its prefix (``ตำบลรัษฎา``, ``อำเภอเมืองภูเก็ต``, ``เขต คลองเตย``) are
never broken. A closing mark (``)`` ``,`` ``ๆ`` ...) never starts a line and an opening one never
ends a line. Only an atom wider than a whole line is split: a compound atom (date and
time, title and first name) first at its own spaces, a name part wider than a line between
its word parts (``…สุวรรณ | กุลแก้ว…``, `name_word_set`), and only a word that alone is
wider than the line by clusters, never inside one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kiosk.domain.thai_words import LEADERS as _LEADERS
from kiosk.domain.thai_words import (
    WordSet,
    clusters,
    display_cells,
    is_combining,
    name_word_set,
    word_set,
)
from kiosk.domain.thai_words import attaches_to_previous as _attaches_to_previous
from kiosk.domain.thai_words import name_words as _name_words
from kiosk.domain.thai_words import segment as _segment

__all__ = ["WordSet", "break_points", "clusters", "display_cells", "fits_unbroken",
           "is_combining", "name_word_set", "word_set", "wrap_name", "wrap_thai"]


# -- atoms ----------------------------------------------------------------------------------

_MONTHS = ("มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|ตุลาคม|"
           "พฤศจิกายน|ธันวาคม|ม\\.ค\\.|ก\\.พ\\.|มี\\.ค\\.|เม\\.ย\\.|พ\\.ค\\.|มิ\\.ย\\.|ก\\.ค\\.|"
           "ส\\.ค\\.|ก\\.ย\\.|ต\\.ค\\.|พ\\.ย\\.|ธ\\.ค\\.|January|February|March|April|May|June|"
           "July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|"
           "Oct|Nov|Dec")
_TIME = r"\d{1,2}[:.]\d{2}(?:\s?น\.)?"
_DATE = rf"(?:\d{{1,2}}/\d{{1,2}}/\d{{4}}|\d{{1,2}}\s(?:{_MONTHS})\s\d{{4}})"
_UNITS = ("บาท/เดือน|บาท/ปี|บาท|คิว|คน|วัน|เดือน|ปี|ฉบับ|ชุด|ราย|ครั้ง|นาที|ชั่วโมง|"
          "baht/month|baht/year|baht|THB|copies|copy|people|persons|days|day|months|month|"
          "years|year|minutes|min")
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_TITLES = ("นางสาว|นาง|นาย|เด็กชาย|เด็กหญิง|ด\\.ช\\.|ด\\.ญ\\.|Mrs\\.|Mr\\.|Ms\\.|Miss|Master")
_NAME_WORD = r"(?:[\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e4e]+|[A-Z][A-Za-z'\-]*)"
# The parts of a registry address as the card writes them: each prefix with its name.
_PLACES = "กิ่งอำเภอ|อำเภอ|จังหวัด|ตำบล|แขวง|เขต|ถนน|ซอย|ตรอก|หมู่บ้าน"

_ATOM = re.compile("|".join((
    rf"(?P<datetime>{_DATE}(?:\s(?:เวลา\s)?{_TIME})?)",
    rf"(?P<time>{_TIME})",
    rf"(?P<amount>{_NUMBER}\s?(?:{_UNITS})(?![A-Za-z\u0e01-\u0e2e]))",
    rf"(?P<numbered>(?:หมู่ที่|ซอย|ช่องบริการ|ช่อง|ชั้น|ห้อง|No\.)\s?{_NUMBER})",
    r"(?P<code>[A-Za-z0-9]+(?:[-_/.:][A-Za-z0-9]+)+|\d{1,3}(?:,\d{3})+(?:\.\d+)?)",
    rf"(?P<place>(?<!\S)(?:{_PLACES})\s?[\u0e01-\u0e4e]+(?:\s\d+(?:/\d+)?(?!\S)){{0,2}})",
    r"(?P<paren>\([^()\s]{1,30}(?:\s[^()\s]{1,30})?\))",
    rf"(?P<name>(?<!\S)(?:{_TITLES})\s?{_NAME_WORD}(?:\s{_NAME_WORD}){{0,2}}(?![\w\u0e01-\u0e4e]))",
)))

# A line never starts with these (they belong to the word before) ...
_CLOSERS = frozenset(")]}»”’,.;:!?%ๆฯ")
# ... and never ends with these (they belong to the word after).
_OPENERS = frozenset("([{«“‘")


def _atoms_and_text(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """``text`` as (piece, fallback) pairs: atoms carry the parts they may be split into
    when wider than a line (``()``: clusters only); free text is marked ``("*",)``, for
    the segmenter."""
    out: list[tuple[str, tuple[str, ...]]] = []
    at = 0
    for match in _ATOM.finditer(text):
        if match.start() > at:
            out.append((text[at:match.start()], ("*",)))
        atom = match.group(0)
        if match.lastgroup == "name":
            out.extend(_name_pieces(atom))
        elif match.lastgroup == "place":
            # Wider than a line (a long province on 58 mm): break between its words.
            words = _segment(atom)
            out.append((atom, words if len(words) > 1 else ()))
        else:
            out.append((atom, _space_parts(atom)))
        at = match.end()
    if at < len(text):
        out.append((text[at:], ("*",)))
    return out


def _name_pieces(name: str) -> list[tuple[str, tuple[str, ...]]]:
    """A person's name as (part, fallback) pairs: each part is kept whole, the title stays
    with the first name, and a part wider than a line may only be cut between its own
    words (`_name_words`). The one rule for a name, on a slip (inside `wrap_thai`) and on
    screen (`wrap_name`)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    rest = name
    title_first = re.match(rf"(?:{_TITLES})\s?{_NAME_WORD}", name)
    if title_first is not None:
        head = title_first.group(0)
        # Wider than a line: the title, then the first name whole on its own line if it
        # fits one (`_place` cuts it between its words only if it does not).
        out.append((head, _space_parts(head)))
        rest = name[len(head):]
    for word in re.split(r"( )", rest):
        if word:
            out.append((word, () if word.isspace() else _name_words(word)))
    return out


def _space_parts(atom: str) -> tuple[str, ...]:
    """A compound atom's parts, split after its spaces (a time keeps its "น.")."""
    parts = re.findall(rf"(?:เวลา\s)?{_TIME}|\S+\s?|\s", atom)
    return tuple(parts) if len(parts) > 1 else ()


def _pieces(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Breakable pieces of ``text`` with, per piece, its fallback parts (``()``: split by
    clusters if it is wider than a line)."""
    raw: list[tuple[str, tuple[str, ...]]] = []
    for chunk, fallback in _atoms_and_text(text):
        if fallback == ("*",):
            raw.extend((word, ()) for word in _segment(chunk))
        else:
            raw.append((chunk, fallback))
    pieces: list[tuple[str, tuple[str, ...]]] = []
    for piece, fallback in raw:
        if pieces and _glues_to_previous(pieces[-1][0], piece):
            prev, prev_fallback = pieces[-1]
            pieces[-1] = (prev + piece, _joined(prev_fallback, prev, fallback, piece))
        else:
            pieces.append((piece, fallback))
    return pieces


def _glues_to_previous(previous: str, piece: str) -> bool:
    """A break between ``previous`` and ``piece`` would orphan a mark, start a line with a
    closing mark, or end one with an opening mark / leading vowel."""
    if piece[0] in _CLOSERS or _attaches_to_previous(piece[0]):
        return True
    tail = previous.rstrip()[-1:]
    if tail in _LEADERS:  # (before a space too: malformed text)
        return True
    return previous[-1:] in _OPENERS and not piece[0].isspace()


def _joined(fa: tuple[str, ...], a: str, fb: tuple[str, ...], b: str) -> tuple[str, ...]:
    if not fa and not fb:
        return ()
    return (*(fa or (a,)), *(fb or (b,)))


def break_points(text: str) -> list[str]:
    """Words, spaces and atoms of ``text`` (joined they are ``text``), safe to break
    between."""
    if not text:
        return []
    return [piece for piece, _ in _pieces(text)]


def fits_unbroken(text: str, fits: Callable[[str], bool]) -> bool:
    """Whether ``text`` wraps at ``fits`` without splitting any word or atom (a compound
    atom may still break at its own spaces)."""
    for paragraph in text.split("\n"):
        if fits(paragraph):
            continue
        for piece, fallback in _pieces(paragraph):
            if piece.isspace() or fits(piece.rstrip()):
                continue
            if not fallback or not all(fits(part.rstrip()) for part in fallback):
                return False
    return True


def wrap_thai(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Greedy word wrap. Explicit newlines are kept; spaces at a break are dropped."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, fits))
    return lines


def wrap_name(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Greedy wrap of a text known to be a person's name (or an ID): lines break only
    between its parts, a part wider than a line only between its words (`_name_pieces`),
    whatever the title or the number of parts."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, fits, _name_pieces))
    return lines


def _wrap_paragraph(text: str, fits: Callable[[str], bool],
                    pieces: Callable[[str], list[tuple[str, tuple[str, ...]]]] | None = None
                    ) -> list[str]:
    if fits(text):  # the common case on a slip: one measurement, no segmentation
        return [text.rstrip()]
    lines: list[str] = []
    current = ""
    for piece, fallback in (pieces or _pieces)(text):
        current = _place(piece, fallback, current, lines, fits)
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def _place(piece: str, fallback: tuple[str, ...], current: str, lines: list[str],
           fits: Callable[[str], bool]) -> str:
    """Add ``piece`` to the line being filled (``current``); return the new line."""
    if fits(current + piece):
        return current + piece
    if piece.isspace():  # a space at the break point goes away
        lines.append(current.rstrip())
        return ""
    if current.strip():
        lines.append(current.rstrip())
        current = ""
    if fits(piece.rstrip()):
        return piece
    if fallback:  # a compound atom wider than a line: its parts, each kept whole
        for part in fallback:
            current = _place(part, (), current, lines, fits)
        return current
    # One word wider than the line: between the words it is made of (a listed surname
    # made of names), and only failing those between clusters.
    core = piece.rstrip()
    words = _name_words(core, whole=False)
    if words:
        for word in (*words[:-1], words[-1] + piece[len(core):]):
            current = _place(word, (), current, lines, fits)
        return current
    for cl in clusters(piece):
        if current and not fits(current + cl):
            lines.append(current)
            current = ""
        current += cl
    return current
