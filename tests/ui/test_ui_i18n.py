"""The gettext catalogues: complete in both languages, compiled exactly like msgfmt."""

from __future__ import annotations

import gettext
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.session.messages import MESSAGES
from kiosk.ui.i18n import (
    LANGUAGES,
    PoSyntaxError,
    Translator,
    catalogue,
    compile_mo,
    keys,
    parse_po,
    po_path,
)

UI_SOURCES = Path(__file__).resolve().parents[2] / "kiosk" / "ui"
NAMESPACES = "|".join(sorted({key.split(".")[0] for key in keys("en")}))
KEY_LITERAL = re.compile(rf"""["']((?:{NAMESPACES})\.[a-z_]+(?:\.[a-z_]+)?)["']""")


def test_both_languages_have_the_same_keys_and_no_empty_text() -> None:
    assert keys("th") == keys("en")
    for language in LANGUAGES:
        entries = parse_po(po_path(language).read_text("utf-8"))
        empty = [k for k, v in entries.items() if k and not v.strip()]
        assert not empty, (language, empty)


def test_every_key_the_screens_use_is_in_the_catalogues() -> None:
    used: set[str] = set()
    for source in UI_SOURCES.rglob("*.py"):
        for match in KEY_LITERAL.finditer(source.read_text("utf-8")):
            used.add(match.group(1))
    assert "idle.title" in used and "consent.agree" in used  # the scan itself works
    for language in LANGUAGES:
        assert used - keys(language) == set(), language


def test_dynamic_keys_are_covered() -> None:
    for status in ("ok", "partial", "queued", "failed"):
        assert f"result.status.{status}" in keys("en")
    for status in ("printed", "paper_out", "failed", "unconfirmed"):
        assert f"finished.print.{status}" in keys("th")


def test_thai_catalogue_is_thai() -> None:
    thai = re.compile("[\u0e00-\u0e7f]")
    entries = parse_po(po_path("th").read_text("utf-8"))
    not_thai = [k for k, v in entries.items() if k and not thai.search(v)
                and k != "toolbar.language"]
    assert not not_thai


def test_compiled_catalogue_reads_like_gnu_msgfmt_output(tmp_path: Path) -> None:
    assert shutil.which("msgfmt"), "GNU gettext (scripts/system-packages-dev.txt) is not installed"
    for language in LANGUAGES:
        gnu = tmp_path / f"{language}.mo"
        subprocess.run(["msgfmt", "-o", str(gnu), str(po_path(language))], check=True)
        theirs = gettext.GNUTranslations(gnu.open("rb"))
        ours = catalogue(language)
        for key in keys(language):
            assert ours.gettext(key) == theirs.gettext(key)


def test_po_parser_handles_continuations_and_escapes() -> None:
    text = ('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            'msgid "a.b"\nmsgstr ""\n"line one\\n"\n"ไทย \\"q\\""\n')
    entries = parse_po(text)
    assert entries["a.b"] == 'line one\nไทย "q"'
    translations = gettext.GNUTranslations(io.BytesIO(compile_mo(entries)))
    assert translations.gettext("a.b") == 'line one\nไทย "q"'


@pytest.mark.parametrize("bad", ['msgstr "x"\n', 'msgid "a"\nmsgstr x\n',
                                 'msgid "a"\nmsgstr "1"\nmsgid "a"\nmsgstr "2"\n'])
def test_po_parser_rejects_broken_files(bad: str) -> None:
    with pytest.raises(PoSyntaxError):
        parse_po(bad)


def test_translator_falls_back_to_session_messages_then_generic() -> None:
    tr = Translator("en")
    key, text = next(iter(MESSAGES.items()))
    assert tr(key) == text.en
    tr.language = "th"
    assert tr(key) == text.th
    assert tr("no.such.key") == catalogue("th").gettext("error.generic")
    assert tr("timeout.countdown", seconds=12) == "การใช้งานจะสิ้นสุดใน 12 วินาที"
