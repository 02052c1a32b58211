"""What ALSA actually played, read back from the WAV its ``file`` plugin wrote."""

from __future__ import annotations

import time
from pathlib import Path

from drivers.audio.alsa import AlsaPlayer
from kiosk.audio.inventory import Lexicon
from kiosk.audio.utterance import Clip
from kiosk.session.view import IdentitySummary, Screen, SessionView, Text

from .audio_rig import make_rig

IDENT = IdentitySummary(
    cid_display="3-1005-01234-56-7", cid_masked="3-1005-xxxxx-xx-7", name_th="นางสาวมาลี ศรีสุข",
    name_en="Miss Malee Srisuk", birth_date=Text("2 ก.พ. 2520", "2 Feb 1977"),
    address="12 ถนนพระราม 4 แขวงวังใหม่ เขตปทุมวัน กรุงเทพมหานคร",
    card_expiry=Text("1 ก.พ. 2574", "1 Feb 2031"), card_expired=False)


def identity(seq: int = 1, language: str = "th") -> SessionView:
    return SessionView(seq=seq, session_id="s1", screen=Screen.IDENTITY, identity=IDENT,
                       language=language)  # type: ignore[arg-type]


def test_wav_holds_exactly_the_clips_of_the_screen(pack_dir: Path, lexicon: Lexicon,
                                                   tmp_path: Path) -> None:
    rig = make_rig(pack_dir, lexicon, tmp_path / "out.wav", headphones=True)
    rig.speech.view_shown(identity(language="en"))
    rig.settle()
    rig.speech.focus_moved("identity.continue", "Continue", 1, 3)
    rig.settle()
    (_, first, _), (_, second, _) = rig.speech.spoken
    played = rig.close()
    assert played == rig.expected(first) + rig.expected(second)
    assert "digit.3" in first.clip_keys() and first.language == "en"


def test_pulling_headphones_mid_sentence_stops_within_200_ms(pack_dir: Path, lexicon: Lexicon,
                                                            tmp_path: Path) -> None:
    rig = make_rig(pack_dir, lexicon, tmp_path / "out.wav", headphones=True, lead_s=0.06)
    rate = rig.player.rate
    rig.speech.view_shown(identity())
    assert rig.player.wait_played(rate * 3 // 2, timeout=30)  # 1.5 s into the identity
    at_pull = rig.player.frames_played
    pulled = time.monotonic()
    rig.jack.unplug()
    assert rig.player.wait_idle(5)
    stopped_after = time.monotonic() - pulled
    extra_ms = (rig.player.frames_played - at_pull) * 1000 / rate
    (_, utterance, to_headphones), = rig.speech.spoken
    rig.speech.view_shown(identity(seq=2, language="en"))  # a new screen, no headphones now
    rig.settle()
    assert len(rig.speech.spoken) == 1  # audio mode ended with the headphones
    rig.player.lead_s = None  # the rest need not play in real time
    rig.speech.start_audio_mode()  # Help: speech on the loudspeaker
    rig.settle()
    played = rig.close()
    full = rig.expected(utterance)
    assert to_headphones and utterance.personal
    assert extra_ms <= 200, f"{extra_ms:.0f} ms of audio after the pull"
    assert stopped_after < 1.0
    said_after = rig.expected(rig.speech.spoken[-1][1])
    assert played.endswith(said_after)
    cut = played[:len(played) - len(said_after)]  # what played of the identity
    assert full.startswith(cut) and len(cut) < len(full) // 2
    assert at_pull * 2 <= len(cut) <= (at_pull + rate // 5) * 2
    # Nothing personal after the pull: the next screen went to the loudspeaker without it.
    (_, after, to_hp) = rig.speech.spoken[-1]
    assert not to_hp and not after.personal
    assert after.clip_keys()[-1] == "speech.plug_headphones"


def test_loudspeaker_plays_no_personal_clip(pack_dir: Path, lexicon: Lexicon,
                                            tmp_path: Path) -> None:
    rig = make_rig(pack_dir, lexicon, tmp_path / "out.wav", headphones=False)
    rig.speech.view_shown(identity())
    rig.speech.start_audio_mode()
    rig.settle()
    (_, utterance, to_headphones), = rig.speech.spoken
    played = rig.close()
    assert not to_headphones and played == rig.expected(utterance)
    keys = utterance.clip_keys()
    assert not any(k.startswith("digit.") for k in keys) and "speech.plug_headphones" in keys
    assert all(not i.personal for i in utterance.items)
    assert Clip("identity.title") in utterance.items


def test_volume_step_scales_what_is_played(pack_dir: Path, lexicon: Lexicon,
                                           tmp_path: Path) -> None:
    import array

    rig = make_rig(pack_dir, lexicon, tmp_path / "out.wav", headphones=True)
    rig.speech.view_shown(SessionView(seq=1, session_id="s", screen=Screen.MENU))
    rig.settle()
    for _ in range(3):
        rig.speech.volume_step(-1)
        rig.settle()
    (_, menu, _), *_, (_, last, _) = rig.speech.spoken
    played = rig.close()
    tail = array.array("h", played[-len(rig.expected(last)):])
    clean = array.array("h", rig.expected(last))
    peak = max(abs(s) for s in clean)
    assert max(abs(s) for s in tail) <= peak * 7 / 10 + 1  # level 7 of 10 after 3 steps down
    assert max(abs(s) for s in tail) >= peak * 7 / 10 - 2
    assert last.clip_keys()[:2] == ("speech.volume", "digit.7")
    assert menu.clip_keys()[0] == "menu.title"


def test_a_missing_speaker_shows_as_not_ok(pack_dir: Path, lexicon: Lexicon) -> None:
    player = AlsaPlayer("hw:CARD=NoSuchCard,DEV=0")
    assert player.status().ok
    player.play(b"\0\0" * 441, tag=1)
    assert player.wait_idle(10)
    assert not player.status().ok and "cannot open" in player.status().detail
    player.close()
