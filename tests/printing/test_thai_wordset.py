"""The compact word list gives the same words and the same segmentation as pythainlp's trie."""

from __future__ import annotations

import random

from pythainlp.corpus import thai_words
from pythainlp.tokenize import word_dict_trie, word_tokenize

from kiosk.receipts.thai_text import WordSet, break_points, word_set


def _sample_texts() -> list[str]:
    words = sorted(thai_words())
    rnd = random.Random(8)
    texts = ["ที่อยู่ตามทะเบียนบ้าน 99/1 หมู่ 4 ตำบลบางรักพัฒนา อำเภอบางบัวทอง",
             "ข้าพเจ้ายินยอมให้ตรวจสอบข้อมูลบัตรประจำตัวประชาชน", "ก", "กา", "ๆ"]
    texts += ["".join(rnd.choice(words) for _ in range(rnd.randint(1, 6))) for _ in range(300)]
    # Fragments that are not whole words: beginnings and ends cut off.
    texts += ["".join(rnd.choice(words)[rnd.randint(0, 2):] for _ in range(4))
              for _ in range(200)]
    return texts


def test_prefixes_match_pythainlp_trie() -> None:
    trie, words = word_dict_trie(), WordSet(thai_words())
    for text in _sample_texts():
        for start in range(len(text)):
            assert words.prefixes(text, start) == trie.prefixes(text, start), (text, start)


def test_segmentation_matches_pythainlp_default() -> None:
    words = WordSet(thai_words())
    for text in _sample_texts():
        default = word_tokenize(text, engine="newmm", keep_whitespace=True)
        assert word_tokenize(text, engine="newmm", custom_dict=words,  # type: ignore[arg-type]
                             keep_whitespace=True) == default


def test_break_points_use_the_word_list() -> None:
    assert word_set() is not None
    assert break_points("ภาษาไทยง่ายนิดเดียว") == ["ภาษาไทย", "ง่าย", "นิดเดียว"]
    assert len(word_set()) == len(thai_words())  # type: ignore[arg-type]
    assert "ภาษาไทย" in word_set()  # type: ignore[operator]
