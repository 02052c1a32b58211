"""Printer profiles file and the receipt document model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from kiosk.config import ConfigError
from kiosk.receipts.model import Barcode, Document, Paragraph, Row
from kiosk.receipts.profiles import load_profile, load_profiles
from kiosk.receipts.samples import counter_ticket, record_slip

from .conftest import PROFILES_FILE


def test_shipped_profiles_load() -> None:
    profiles = load_profiles(PROFILES_FILE)
    assert profiles["generic-80mm-raster"].text_columns == 48
    assert profiles["epson-tm-t82-thai"].thai_native
    assert not profiles["generic-58mm"].native_qr


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profiles.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[p]\ndots_per_line = 576\ndpi = 203\nthai_native = false\n"
                           "native_qr = true\ncutter = true\ndots_per_lnie = 3\n")
    with pytest.raises(ConfigError) as caught:
        load_profiles(path)
    assert str(path) in str(caught.value) and "p.dots_per_lnie" in str(caught.value)


@pytest.mark.parametrize(("line", "key"), [
    ("dots_per_line = 570", "p.dots_per_line"),  # not a multiple of 8
    ("dots_per_line = \"576\"", "p.dots_per_line"),  # strict: no strings
    ("dpi = 20", "p.dpi"),
    ("head_to_cutter_mm = 0.0", "p.head_to_cutter_mm"),  # the last line would be cut
    ("head_to_cutter_mm = 61", "p.head_to_cutter_mm"),
    ("head_to_cutter_mm = \"15\"", "p.head_to_cutter_mm"),
    ("partial_cut = 1", "p.partial_cut"),
])
def test_bad_values_are_named(tmp_path: Path, line: str, key: str) -> None:
    base = {"dots_per_line": "576", "dpi": "203", "thai_native": "false",
            "native_qr": "true", "cutter": "true"}
    name = line.split(" = ")[0]
    body = "\n".join(f"{k} = {v}" for k, v in base.items() if k != name)
    path = write(tmp_path, f"[p]\n{body}\n{line}\n")
    with pytest.raises(ConfigError, match=re.escape(key)):
        load_profiles(path)


def test_partial_cut_needs_a_cutter(tmp_path: Path) -> None:
    path = write(tmp_path, "[p]\ndots_per_line = 384\ndpi = 203\nthai_native = false\n"
                           "native_qr = false\ncutter = false\npartial_cut = true\n")
    with pytest.raises(ConfigError, match=r"partial_cut = true needs cutter = true") as caught:
        load_profiles(path)
    assert str(path) in str(caught.value)


def test_cutter_feed_in_dots() -> None:
    profiles = load_profiles(PROFILES_FILE)
    assert profiles["generic-80mm-raster"].cutter_feed_dots == 120  # 15 mm at 203 dpi
    assert profiles["epson-tm-t88-180dpi"].cutter_feed_dots == 96  # 13.5 mm at 180 dpi


def test_missing_key_and_unknown_profile(tmp_path: Path) -> None:
    path = write(tmp_path, "[p]\ndots_per_line = 576\n")
    with pytest.raises(ConfigError, match=r"p\.dpi"):
        load_profiles(path)
    with pytest.raises(ConfigError, match="no printer profile named 'nope'"):
        load_profile(PROFILES_FILE, "nope")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_profiles(write(tmp_path, "[p\n"))


def test_document_json_roundtrip() -> None:
    for doc in (record_slip(), counter_ticket()):
        assert Document.from_json(doc.to_json()) == doc


def test_document_validation() -> None:
    with pytest.raises(ValidationError):
        Barcode(data="ไทย")  # CODE128 carries ASCII only
    with pytest.raises(ValidationError):
        Document.from_json(b'{"blocks": [{"kind": "poem", "text": "x"}]}')
    doc = Document(blocks=(Row(key="a", value="b"), Paragraph(text="c")))
    assert doc.ensure_cut().blocks[-1].kind == "cut"
    assert doc.ensure_cut().ensure_cut() == doc.ensure_cut()
