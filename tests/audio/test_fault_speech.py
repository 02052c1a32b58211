"""The fault screen speaks (`kiosk.audio.screens`): what happened, the next step and the
reference for staff, in the screen's language, through the real player into a WAV made
of the stand-in pack's clips; nothing of it is personal (it names the fault, not the
citizen), so the loudspeaker may say all of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.audio.inventory import Lexicon
from kiosk.audio.screens import screen_items
from kiosk.audio.utterance import Clip
from kiosk.session.faults import FAULT_KEY, OUT_OF_SERVICE_KEY
from kiosk.session.view import Screen, SessionView

from .audio_rig import make_rig

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "audio"
REF = "F-0a1b2c3d"


def fault_view(language: str, *, out_of_service: bool = False) -> SessionView:
    return SessionView(seq=1, session_id=None, language=language,  # type: ignore[arg-type]
                       screen=Screen.OUT_OF_SERVICE if out_of_service else Screen.FINISHED,
                       progress_key=OUT_OF_SERVICE_KEY if out_of_service else FAULT_KEY,
                       fault_ref=REF)


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("out_of_service", [False, True], ids=["fault", "out_of_service"])
def test_the_fault_screen_says_its_message_and_reference(lexicon: Lexicon, language: str,
                                                         out_of_service: bool) -> None:
    items = screen_items(lexicon, fault_view(language, out_of_service=out_of_service))
    keys = [i.key for i in items if isinstance(i, Clip)]
    message = OUT_OF_SERVICE_KEY if out_of_service else FAULT_KEY
    assert keys[:2] == ["fault.title", message]
    assert keys[2:] == ["fault.ref#0", "letter.F", "digit.0", "letter.A", "digit.1",
                        "letter.B", "digit.2", "letter.C", "digit.3", "letter.D"]
    assert all(lexicon.has(language, k) for k in keys)  # a clip for each (prompts check)
    assert not any(i.personal for i in items)


@pytest.mark.parametrize("language", ["th", "en"])
def test_the_fault_screen_is_heard_from_the_pack(pack_dir: Path, lexicon: Lexicon,
                                                 tmp_path: Path, language: str) -> None:
    rig = make_rig(pack_dir, lexicon, tmp_path / "fault.wav", headphones=False)
    rig.speech.start_audio_mode()  # Help on the loudspeaker: no headphones needed
    rig.settle()
    rig.speech.view_shown(fault_view(language))
    rig.settle()
    _, said, to_headphones = rig.speech.spoken[-1]
    assert not to_headphones and "session.fault" in said.clip_keys()
    assert "digit.3" in said.clip_keys()  # the reference reaches the loudspeaker too
    played = rig.close()
    assert played.endswith(rig.expected(said))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy2(rig.wav, ARTIFACTS / f"fault-screen-{language}.wav")  # to listen to
