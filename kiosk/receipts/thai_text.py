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

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator

# Characters that must stay with the character before them: above/below vowels, tone
# marks, thanthakhat, nikhahit (all Mn), plus SARA A / SARA AA / SARA AM / LAKKHANGYAO,
# which are spacing but cannot start a line or a syllable.
_FOLLOWERS = frozenset("\u0e30\u0e32\u0e33\u0e45")
# Leading vowels (เ แ โ ใ ไ) are written before the consonant they belong to.
_LEADERS = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44")


def is_combining(ch: str) -> bool:
    """True for a mark drawn on the previous letter (takes no cell of its own)."""
    return unicodedata.category(ch) in ("Mn", "Me")


def _attaches_to_previous(ch: str) -> bool:
    return is_combining(ch) or ch in _FOLLOWERS


def clusters(text: str) -> list[str]:
    """Split into clusters that must never be separated by a line break."""
    out: list[str] = []
    pending_leader = ""
    for ch in text:
        if out and not pending_leader and _attaches_to_previous(ch):
            out[-1] += ch
        elif ch in _LEADERS:
            if pending_leader:  # two leading vowels in a row: the first stands alone
                out.append(pending_leader)
            pending_leader = ch
        else:
            out.append(pending_leader + ch)
            pending_leader = ""
    if pending_leader:
        out.append(pending_leader)
    return out


def display_cells(text: str) -> int:
    """Character cells on a monospaced printer: marks sit on their base letter."""
    return sum(1 for ch in text if not is_combining(ch))


class WordSet:
    """pythainlp's default Thai word list in the shape its ``newmm`` segmenter asks for.

    Same words, same answers as pythainlp's default ``Trie`` (``prefixes`` lists the words
    starting at a position, shortest first), but kept as the word list's own frozenset plus
    a small index of three-letter beginnings. pythainlp's trie of the 62 k words is a Python
    object per letter node: ~65 MB and ~0.9 s to build; this is ~2 MB over the word list
    (which the trie needs too) and builds in ~0.05 s. See docs/benchmarks.md, Touch UI.
    """

    def __init__(self, words: frozenset[str]) -> None:
        self._words = words
        # Longest word per three-letter beginning: bounds the probes at each position.
        longest: dict[str, int] = {}
        for word in words:
            if len(word) >= 3:
                head = word[:3]
                longest[head] = max(longest.get(head, 0), len(word))
        self._longest = longest

    def prefixes(self, text: str, start: int = 0) -> list[str]:
        # One- and two-letter words are always probed; longer ones only as far as the
        # longest word with this beginning (none: stop at two).
        limit = max(2, self._longest.get(text[start:start + 3], 0))
        stop = min(len(text), start + limit)
        return [text[start:end] for end in range(start + 1, stop + 1)
                if text[start:end] in self._words]

    def __contains__(self, word: object) -> bool:
        return word in self._words

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __len__(self) -> int:
        return len(self._words)


@functools.lru_cache(maxsize=1)
def word_set() -> WordSet | None:
    """The Thai word list (loaded on first use), or None without pythainlp."""
    try:
        from pythainlp.corpus import thai_words
    except ImportError:  # pragma: no cover - pythainlp is a dependency; keep working without
        return None
    return WordSet(thai_words())


@functools.lru_cache(maxsize=1)
def name_word_set() -> WordSet | None:
    """The word list for the parts of a person's name: pythainlp's default words plus the
    Thai family names and given names it ships (``family_names_th.txt``,
    ``person_names_*_th.txt``, in the wheel: nothing is downloaded), so a surname made of
    several names (``สุวรรณ`` ``กุล`` ``แก้ว``) is cut between them, not inside ``มีสุข``."""
    try:
        from pythainlp.corpus import (
            thai_family_names,
            thai_female_names,
            thai_male_names,
            thai_words,
        )
    except ImportError:  # pragma: no cover - see word_set
        return None
    return WordSet(frozenset(thai_words() | thai_family_names() | thai_male_names()
                             | thai_female_names()))


@functools.lru_cache(maxsize=4096)
def _segment(text: str, names: bool = False) -> tuple[str, ...]:
    words = name_word_set() if names else word_set()
    if words is None:  # pragma: no cover - see word_set
        return tuple(_fallback_words(text))
    from pythainlp.tokenize import word_tokenize

    return tuple(word_tokenize(text, engine="newmm", custom_dict=words,  # type: ignore[arg-type]
                               keep_whitespace=True))


def _name_words(part: str) -> tuple[str, ...]:
    """The word parts of one name part, for a name part wider than a line (``()``: none
    known, split by clusters). Thai: the fewest words of `name_word_set` that spell it
    (the longer first word on a tie: ``มีสุข|รัตน์``, not ``มี|สุขรัตน์``); letters no
    word covers stay with the word before them (a surname padded to the card's 100 bytes
    ends ``ชัยย``). Latin: one word (its parts are not known)."""
    if not any("\u0e00" <= ch <= "\u0e7f" for ch in part):
        return ()
    words = name_word_set()
    if words is None:  # pragma: no cover - see word_set
        return ()
    return _fewest_words(part, words)


@functools.lru_cache(maxsize=1024)
def _fewest_words(part: str, words: WordSet) -> tuple[str, ...]:
    n = len(part)
    starts = {0}  # cluster starts: where a letter no word covers may be cut off
    for cl in clusters(part):
        starts.add(max(starts) + len(cl))
    # best[i]: (letters not in a word, words, -length of the first word) for part[i:]
    best: list[tuple[int, int, int]] = [(0, 0, 0)] * (n + 1)
    step = [n] * (n + 1)
    for i in range(n - 1, -1, -1):
        if i not in starts:
            best[i] = (n + 1, n + 1, 0)
            continue
        options = [(best[i + len(w)][0], best[i + len(w)][1] + 1, -len(w), i + len(w))
                   for w in words.prefixes(part, i)]
        nxt = min(j for j in starts if j > i)
        options.append((best[nxt][0] + nxt - i, best[nxt][1] + 1, i - nxt, nxt))
        cost = min(options)
        best[i], step[i] = cost[:3], cost[3]
    pieces: list[tuple[str, bool]] = []
    i = 0
    while i < n:
        j = step[i]
        known = part[i:j] in words
        if pieces and not known:
            pieces[-1] = (pieces[-1][0] + part[i:j], pieces[-1][1])
        else:
            pieces.append((part[i:j], known))
        i = j
    return tuple(p for p, _ in pieces) if len(pieces) > 1 else ()


def _fallback_words(text: str) -> list[str]:
    """Without a dictionary: break at spaces, and between Thai clusters."""
    pieces: list[str] = []
    for cl in clusters(text):
        thai = any("\u0e00" <= c <= "\u0e7f" for c in cl)
        if pieces and not thai and not cl.isspace() and not pieces[-1][-1:].isspace() and \
                not any("\u0e00" <= c <= "\u0e7f" for c in pieces[-1]):
            pieces[-1] += cl
        else:
            pieces.append(cl)
    return pieces


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
            # Each part is an atom of its own; the title stays with the first name.
            title_first = re.match(rf"(?:{_TITLES})\s?{_NAME_WORD}", atom)
            assert title_first is not None
            head = title_first.group(0)
            title_parts = _space_parts(head)
            if len(title_parts) == 2:  # "นาย " + first name: the first name by its words
                title_parts = (title_parts[0], *(_name_words(title_parts[1])
                                                 or title_parts[1:]))
            out.append((head, title_parts))
            rest = atom[len(head):]
            for word in re.split(r"( )", rest):
                if word:
                    out.append((word, _name_words(word)))
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


def _wrap_paragraph(text: str, fits: Callable[[str], bool]) -> list[str]:
    if fits(text):  # the common case on a slip: one measurement, no segmentation
        return [text.rstrip()]
    lines: list[str] = []
    current = ""
    for piece, fallback in _pieces(text):
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
    # One word wider than the line: break it between clusters.
    for cl in clusters(piece):
        if current and not fits(current + cl):
            lines.append(current)
            current = ""
        current += cl
    return current
