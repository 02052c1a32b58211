"""Thai line breaking: by words, never between a letter and its marks.

Thai is written without spaces between words, so a layout that breaks only at spaces
(Kivy, a naive receipt) either overflows or splits anywhere, even between a consonant and
its tone mark. Here lines break at word boundaries found by pythainlp's dictionary
segmenter (``newmm``); a word longer than a whole line is split between clusters (a base
letter with all its marks, a leading vowel with its consonant), never inside one.

API (also used by the UI to wrap Kivy labels):

* `break_points(text)` -> the pieces a line may break between (words, spaces, clusters);
  joined they give back ``text`` exactly.
* `wrap_thai(text, fits)` -> lines, where ``fits(line)`` says whether a line fits the
  width (measure however the caller draws: Pillow, Kivy, printer columns).
* `display_cells(text)` -> how many character cells a monospaced Thai printer uses.
* `word_set()` -> the word list `newmm` segments with (`WordSet`: pythainlp's default
  words at a fraction of its trie's memory, same segmentation).
"""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=4096)
def _segment(text: str) -> tuple[str, ...]:
    words = word_set()
    if words is None:  # pragma: no cover - see word_set
        return tuple(_fallback_words(text))
    from pythainlp.tokenize import word_tokenize

    return tuple(word_tokenize(text, engine="newmm", custom_dict=words,  # type: ignore[arg-type]
                               keep_whitespace=True))


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


def break_points(text: str) -> list[str]:
    """Words and spaces of ``text`` (joined they are ``text``), safe to break between."""
    if not text:
        return []
    pieces: list[str] = []
    for piece in _segment(text):
        # A segmenter never should, but if a piece starts with a mark or ends with a
        # leading vowel, glue it on: a break there would orphan the mark. A leading vowel
        # before a space (malformed text) keeps the next piece too, or the break at that
        # space would end a line with the vowel.
        if pieces and (_attaches_to_previous(piece[0])
                       or pieces[-1].rstrip()[-1:] in _LEADERS):
            pieces[-1] += piece
        else:
            pieces.append(piece)
    return pieces


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
    for piece in break_points(text):
        if fits(current + piece):
            current += piece
            continue
        if piece.isspace():  # a space at the break point goes away
            lines.append(current.rstrip())
            current = ""
            continue
        if current.strip():
            lines.append(current.rstrip())
            current = ""
        if fits(piece):
            current = piece
            continue
        # One word wider than the line: break it between clusters.
        for cl in clusters(piece):
            if current and not fits(current + cl):
                lines.append(current)
                current = ""
            current += cl
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines
