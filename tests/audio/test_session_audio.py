"""Every service from card-in to receipt through the real stack (reference Linkage server
over mutual TLS, virtual ESC/POS printer, SQLite outbox), with the spoken guidance
subscribed to the engine's views here (no UI: in the kiosk it follows the views the UI
draws; `tests/ui/test_ui_keys_only.py` is that path), headphones in, Thai and English.
The WAV that ALSA wrote holds each screen's clips in order, sample for sample."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.audio.inventory import Lexicon
from kiosk.session.view import Screen as S
from simulators.seeds import load_seeds
from tests.session.stack import Stack, print_and_finish, real_stack, run_service

from .audio_rig import Rig, make_rig

SERVICES = ("registry_record", "card_status", "welfare_rights", "submit_request",
            "counter_ticket")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with real_stack(tmp_path / "kiosk") as s:
        yield s


def last_said(rig: Rig, first_key: str, language: str):  # type: ignore[no-untyped-def]
    """The screen's utterance once the speech has it (the view reaches the speech on the
    engine's thread, possibly after the test saw it), played to the end."""
    said = rig.speech.wait_spoken(
        lambda u: u.clip_keys()[:1] == (first_key,) and u.language == language, 30)
    assert said is not None, f"{first_key} never spoken; last: {rig.speech.spoken[-1:]}"
    rig.settle()
    assert rig.speech.spoken[-1][1] is said  # nothing interrupted it
    return said


@pytest.mark.parametrize("language", ["th", "en"])
def test_every_service_spoken_from_card_to_receipt(stack: Stack, pack_dir: Path,
                                                   lexicon: Lexicon, tmp_path: Path,
                                                   language: str) -> None:
    rig = make_rig(pack_dir, lexicon, tmp_path / "session.wav", headphones=True)
    e = stack.kiosk.engine
    unsubscribe = e.subscribe(rig.speech.view_shown)
    citizen = load_seeds().citizens[0]
    stable = []  # the utterances the test waited for, in order
    try:
        for service in SERVICES:
            stack.devices.insert(citizen.index)
            e.wait_for(lambda v: v.screen is S.IDENTITY, 20)
            e.set_language(language)  # type: ignore[arg-type]
            e.wait_for(lambda v: v.language == language and v.screen is S.IDENTITY, 10)
            said = last_said(rig, "identity.title", language)
            spoken_digits = "".join(k[6:] for k in said.clip_keys() if k.startswith("digit."))
            assert citizen.cid in spoken_digits  # the ID, digit by digit, in groups
            stable.append(said)
            e.proceed()
            e.wait_for(lambda v: v.screen is S.CONSENT, 10)
            stable.append(last_said(rig, "consent.title", language))
            assert stable[-1].clip_keys()[1] == "catalogue.consent"
            e.give_consent()
            e.wait_for(lambda v: v.screen is S.MENU, 10)
            v = run_service(stack, service)
            assert v.screen is S.RESULT, v.error_key
            status = f"result.status.{v.result.status}"
            said = rig.speech.wait_spoken(lambda u, s=status: s in u.clip_keys(), 30)
            assert said is not None and said.personal
            rig.settle()
            keys = said.clip_keys()
            if v.result.reference:
                chars = "".join(k.split(".")[1] for k in keys
                                if k.startswith(("digit.", "letter.")))
                wanted = "".join(c for c in v.result.reference.upper() if c.isalnum())
                assert wanted in chars  # the reference / queue number, character by character
            stable.append(said)
            print_and_finish(stack, len(stack.printer.receipts))
            said = rig.speech.wait_spoken(
                lambda u: "finished.print.printed" in u.clip_keys(), 30)
            assert said is not None
            rig.settle()
            keys = said.clip_keys()
            assert keys[:2] == ("finished.title", "finished.print.printed")
            assert "speech.receipt_says" in keys  # what the receipt says (5.1.3.16)
            stable.append(said)
            stack.devices.remove()
            e.wait_for(lambda v: v.screen is S.IDLE, 20)
    finally:
        unsubscribe()
    assert rig.speech.wait_idle(30) and rig.player.wait_idle(60)
    played = rig.close()
    at = 0
    for utterance in stable:
        found = played.find(rig.expected(utterance), at)
        assert found >= 0, utterance.clip_keys()[:3]
        at = found + 1
