"""Every message key the code can raise or return has its own Thai and English text.

The keys are collected by scanning the source (AST), not listed by hand: a new error class
or a new ``message_key=`` without text fails here, before a citizen reads the generic
"the kiosk has a problem". Places scanned: ``default_message_key``/``message_key`` class
attributes, ``message_key=`` keyword arguments, ``ErrorInfo(key, ...)``, ``_show_error(key,
...)``, ``_end_session(key)``, ``PrintResult(status, key)`` and message-key-shaped strings
returned by functions.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kiosk.ui.i18n import LANGUAGES, Translator, catalogue

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "kiosk", ROOT / "drivers"]
KEY = re.compile(r"[a-z_]+(\.[a-z_]+)+")
KEY_ATTRS = {"default_message_key", "message_key"}
KEY_CALLS = {"ErrorInfo": 0, "_show_error": 0, "_end_session": 0, "PrintResult": 1}
# Keys only a technician sees, with the English message of the error itself (maintenance
# PIN rules: the set-PIN command and the technician menu), never a citizen's screen.
TECHNICIAN_ONLY = ("pin.",)
RETURN_NAMESPACES = ("card.", "reader.", "printer.", "session.", "service.", "linkage.")


def _str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.fullmatch(
        node.value
    ):
        return node.value
    return None


def keys_in(tree: ast.AST) -> set[str]:
    found: set[str | None] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            names |= {t.attr for t in targets if isinstance(t, ast.Attribute)}
            if names & KEY_ATTRS:
                found.add(_str(node.value))
        elif isinstance(node, ast.Call):
            found |= {_str(k.value) for k in node.keywords if k.arg == "message_key"}
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in KEY_CALLS and len(node.args) > KEY_CALLS[name]:
                found.add(_str(node.args[KEY_CALLS[name]]))
        elif isinstance(node, ast.Return):
            key = _str(node.value)
            if key and key.startswith(RETURN_NAMESPACES):
                found.add(key)
    return {k for k in found if k}


def message_keys() -> set[str]:
    keys: set[str] = set()
    for folder in SOURCES:
        for path in folder.rglob("*.py"):
            keys |= keys_in(ast.parse(path.read_text("utf-8"), filename=str(path)))
    return {k for k in keys if not k.startswith(TECHNICIAN_ONLY)}


def test_the_scan_finds_keys_of_every_kind() -> None:
    keys = message_keys()
    # class defaults (card driver, domain, printer), keyword args, the engine's own calls
    for key in ("card.not_thai_id", "card.invalid_data", "card.removed_during_read",
                "card.read_failed", "reader.unavailable", "printer.timeout", "card.mute",
                "session.take_card", "service.unavailable_storage", "linkage.timeout"):
        assert key in keys, key
    assert keys_in(ast.parse('class E:\n    default_message_key = "x.y"\n')) == {"x.y"}
    assert keys_in(ast.parse('raise E("m", message_key="a.b")')) == {"a.b"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_has_its_own_text(language: str) -> None:
    tr = Translator(language)
    generic = catalogue(language).gettext(Translator.FALLBACK_KEY)
    missing = sorted(k for k in message_keys() if not tr.has(k) and k != Translator.FALLBACK_KEY)
    assert not missing, f"{language}: no text for {missing}"
    generic_for = sorted(k for k in message_keys()
                         if k != Translator.FALLBACK_KEY and tr(k) == generic)
    assert not generic_for, f"{language}: only the generic text for {generic_for}"


def test_thai_and_english_differ_and_thai_is_thai() -> None:
    th, en = Translator("th"), Translator("en")
    for key in message_keys():
        assert re.search("[\u0e00-\u0e7f]", th(key)), key
        assert not re.search("[\u0e00-\u0e7f]", en(key)), key


@pytest.mark.parametrize("key", ["card.not_thai_id", "card.read_failed", "card.mute",
                                 "card.invalid_data", "card.removed_during_read",
                                 "card.swapped", "reader.unavailable",
                                 "card.photo_unreadable"])
def test_card_problems_say_what_to_do_next(key: str) -> None:
    for language in LANGUAGES:
        text = catalogue(language).gettext(f"{key}.next")
        assert text != f"{key}.next" and text.strip(), (language, key)
    assert "chip" in Translator("en")("card.read_failed.next")
    assert "not a Thai ID card" in Translator("en")("card.not_thai_id")
    assert "counter" in Translator("en")("card.invalid_data.next")
    mute = catalogue("en").gettext("card.mute.next")
    assert "turn the card over" in mute and "chip first, face up" in mute
