"""The prompt pack: the espeak-ng stand-in builds, `prompts check` finds every shown key,
fails on a key with no clip or a changed text, and the recording script lists them all."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from kiosk.__main__ import main
from kiosk.audio import phrases
from kiosk.audio.inventory import Lexicon
from kiosk.audio.pack import PromptPack, text_sha256
from kiosk.session.view import Text

from .conftest import DEMO_CONFIG, wav_frames


def prompts(*args: str) -> int:
    return main(["--config", str(DEMO_CONFIG), "prompts", *args])


def test_the_stand_in_pack_is_complete(pack_dir: Path, lexicon: Lexicon,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert prompts("check", "--pack", str(pack_dir)) == 0
    assert "stand-in voice: th" in capsys.readouterr().out
    manifest = json.loads((pack_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["locales"]["th"]["stand_in"] is True
    for loc in ("th", "en"):
        assert set(manifest["locales"][loc]["clips"]) == set(lexicon.keys(loc))
    clip = manifest["locales"]["th"]["clips"]["identity.title"]
    rate, frames = wav_frames(pack_dir / clip["file"])
    assert clip["text"] == lexicon.entries[("th", "identity.title")].text
    assert clip["text_sha256"] == text_sha256(clip["text"])
    assert clip["duration_ms"] == len(frames) * 500 // rate > 200


def test_a_new_key_without_a_clip_fails_the_check(pack_dir: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(phrases.PHRASES, "speech.brand_new",
                        Text("ข้อความใหม่", "A new message"))
    assert prompts("check", "--pack", str(pack_dir)) == 1
    err = capsys.readouterr().err
    assert "th\tspeech.brand_new\tmissing" in err and "en\tspeech.brand_new\tmissing" in err


def test_a_changed_text_makes_its_clip_out_of_date(pack_dir: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    old = phrases.PHRASES["speech.of"]
    monkeypatch.setitem(phrases.PHRASES, "speech.of", Text(old.th, "out of"))
    assert prompts("check", "--pack", str(pack_dir)) == 1
    err = capsys.readouterr().err
    assert "en\tspeech.of\tout_of_date" in err and "th\tspeech.of" not in err


def test_no_pack_at_all_fails(tmp_path: Path) -> None:
    assert prompts("check", "--pack", str(tmp_path / "none")) == 1


def test_recording_script_lists_every_key_where_heard(pack_dir: Path, lexicon: Lexicon,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "script.csv"
    assert prompts("script", "--pack", str(pack_dir), "--out", str(out)) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == len(lexicon.keys("th")) + len(lexicon.keys("en"))
    row = next(r for r in rows if r["locale"] == "th" and r["key"] == "identity.title")
    assert row["where_heard"] == "identity screen"
    assert row["screenshot"] == "identity-typical-th-normal-standard.png"
    assert row["current_clip"].startswith("stand-in: espeak-ng th")
    assert row["file"] == "th/identity.title.wav"
    en = next(r for r in rows if r["locale"] == "en" and r["key"] == "digit.5")
    assert en["text"] == "five" and en["current_clip"] == "espeak-ng en"


def test_a_recorded_clip_drops_in_without_code(pack_dir: Path, tmp_path: Path,
                                               lexicon: Lexicon) -> None:
    """A voice artist's file replaces the stand-in's: same key, the manifest updated."""
    import shutil

    root = tmp_path / "pack"
    shutil.copytree(pack_dir, root)
    rate, _ = wav_frames(root / "th" / "digit.5.wav")
    recorded = b"\x10\x00" * rate  # one second, a stand-in for a studio take
    from kiosk.audio.pack import write_wav

    write_wav(root / "th" / "digit.5.wav", rate, recorded)
    pack = PromptPack.load(root)
    assert pack.frames("th", "digit.5") == recorded
