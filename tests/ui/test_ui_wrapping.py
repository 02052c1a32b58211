"""Thai lines break between words, never inside a letter cluster, and fit their label."""

from __future__ import annotations

from uikit_driver import UiDriver

from kiosk.receipts.thai_text import break_points, clusters
from kiosk.ui import widgets
from kiosk.ui.widgets import KLabel

LONG = ("ตู้นี้จะใช้ข้อมูลจากบัตรของท่าน เพื่อขอข้อมูลจากกรมการปกครองเฉพาะบริการที่ท่านเลือก "
        "ข้อมูลจะไม่ถูกเก็บไว้ในตู้หลังจากท่านรับบัตรคืน")


def _word_boundaries(text: str) -> set[int]:
    cuts, at = set(), 0
    for piece in break_points(text):
        at += len(piece)
        cuts.add(at)
    return cuts


def _cluster_boundaries(text: str) -> set[int]:
    cuts, at = {0}, 0
    for cluster in clusters(text):
        at += len(cluster)
        cuts.add(at)
    return cuts


def _breaks(lines: list[str], text: str) -> list[int]:
    """Offsets in ``text`` where each line after the first starts."""
    offsets, at = [], 0
    for line in lines[1:]:
        at = text.index(line, at)
        offsets.append(at)
    return offsets


def test_label_breaks_thai_by_words_and_fits(ui: UiDriver) -> None:
    ui.wait_until(widgets._SEGMENTER_READY.is_set, 15, "word dictionary loaded")
    label = KLabel(raw=LONG, size_hint_x=None, width=420)
    label._apply()
    lines = label.text.split("\n")
    assert len(lines) >= 3
    assert "".join(line.replace(" ", "") for line in lines) == LONG.replace(" ", "")
    words = _word_boundaries(LONG)
    for offset in _breaks(lines, LONG):
        assert offset in words or LONG[offset - 1] == " ", (offset, LONG[offset - 5:offset + 5])
    measure = widgets._measurer(label.font_name, int(label.font_size))
    assert all(measure(line) <= 420 for line in lines)
    assert label not in widgets._provisional


def test_before_the_dictionary_loads_lines_break_between_clusters(ui: UiDriver) -> None:
    measure = widgets._measurer(str(widgets.FONT_REGULAR), 33)
    lines = widgets._wrap_clusters(LONG.replace(" ", ""), 300, measure)
    text = LONG.replace(" ", "")
    assert "".join(lines) == text
    cluster_cuts = _cluster_boundaries(text)
    for offset in _breaks(lines, text):
        assert offset in cluster_cuts  # a tone mark never starts a line


NAME = "นาย ณัฐพล มีสุขชัยประเสริฐชัยวงศ์ สุวรรณกุลแก้วชัยรัตน์"


def test_a_name_never_needs_the_word_list_on_the_ui_thread(ui: UiDriver) -> None:
    """A name that fits is left alone; before the word list is loaded a long name breaks
    only at its spaces and is marked provisional (re-wrapped once the list is ready)."""
    ui.wait_until(widgets._SEGMENTER_READY.is_set, 15, "word dictionary loaded")
    measure = widgets._measurer(str(widgets.FONT_REGULAR), 33)
    assert widgets.wrap_name_to_width(NAME, 10_000, measure) == (NAME, True)
    widgets._SEGMENTER_READY.clear()
    try:
        text, final = widgets.wrap_name_to_width(NAME, 300, measure)
    finally:
        widgets._SEGMENTER_READY.set()
    assert not final
    lines = text.split("\n")
    assert len(lines) > 1 and " ".join(lines) == NAME  # every break is one of its spaces
    text, final = widgets.wrap_name_to_width(NAME, 300, measure)
    assert final and "".join(text.split("\n")).replace(" ", "") == NAME.replace(" ", "")
