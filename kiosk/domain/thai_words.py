"""Thai letters and words: the clusters a line never breaks inside, and the word lists.

Pure (no Kivy, no printer): the one source of what a Thai word and a name's word is, for
the line breaking of slips and of the screen (`kiosk.receipts.thai_text`, which the UI's
labels wrap with too). A name part is cut only between the words of `name_word_set`
(`name_words`), a word only between `clusters`.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator

# Characters that must stay with the character before them: above/below vowels, tone
# marks, thanthakhat, nikhahit (all Mn), plus SARA A / SARA AA / SARA AM / LAKKHANGYAO,
# which are spacing but cannot start a line or a syllable.
FOLLOWERS = frozenset("\u0e30\u0e32\u0e33\u0e45")
# Leading vowels (เ แ โ ใ ไ) are written before the consonant they belong to.
LEADERS = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44")


def has_thai(text: str) -> bool:
    """True when ``text`` holds a letter or mark of the Thai block (U+0E00-U+0E7F)."""
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


def is_combining(ch: str) -> bool:
    """True for a mark drawn on the previous letter (takes no cell of its own)."""
    return unicodedata.category(ch) in ("Mn", "Me")


def attaches_to_previous(ch: str) -> bool:
    return is_combining(ch) or ch in FOLLOWERS


def clusters(text: str) -> list[str]:
    """Split into clusters that must never be separated by a line break."""
    out: list[str] = []
    pending_leader = ""
    for ch in text:
        if out and not pending_leader and attaches_to_previous(ch):
            out[-1] += ch
        elif ch in LEADERS:
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
def segment(text: str, names: bool = False) -> tuple[str, ...]:
    words = name_word_set() if names else word_set()
    if words is None:  # pragma: no cover - see word_set
        return tuple(fallback_words(text))
    from pythainlp.tokenize import word_tokenize

    return tuple(word_tokenize(text, engine="newmm", custom_dict=words,  # type: ignore[arg-type]
                               keep_whitespace=True))


def name_words(part: str, whole: bool = True) -> tuple[str, ...]:
    """The word parts of one name part, for a name part wider than a line (``()``: none
    known, split by clusters). Thai: the fewest words of `name_word_set` that spell it
    (the longer first word on a tie: ``มีสุข|รัตน์``, not ``มี|สุขรัตน์``); letters no
    word covers stay with the word before them (a surname padded to the card's 100 bytes
    ends ``ชัยย``). Latin: one word (its parts are not known). ``whole=False``: never the
    part itself as one word (``แก้วสุวรรณ`` is a listed name, yet ``แก้ว|สุวรรณ`` is where
    it may break when it alone is wider than a line)."""
    if not has_thai(part):
        return ()
    words = name_word_set()
    if words is None:  # pragma: no cover - see word_set
        return ()
    return _fewest_words(part, words, whole)


@functools.lru_cache(maxsize=1024)
def _fewest_words(part: str, words: WordSet, whole: bool = True) -> tuple[str, ...]:
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
                   for w in words.prefixes(part, i) if whole or len(w) < n]
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


def fallback_words(text: str) -> list[str]:
    """Without a dictionary: break at spaces, and between Thai clusters."""
    pieces: list[str] = []
    for cl in clusters(text):
        thai = has_thai(cl)
        if pieces and not thai and not cl.isspace() and not pieces[-1][-1:].isspace() and \
                not has_thai(pieces[-1]):
            pieces[-1] += cl
        else:
            pieces.append(cl)
    return pieces
