"""The speech planner by tables: what each screen says, where, and when it stops."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from kiosk.audio import planner as p
from kiosk.audio.inventory import Lexicon
from kiosk.audio.utterance import Clip, Say
from kiosk.commands.contact_sheet import build_cases
from kiosk.session.view import (
    IdentitySummary,
    PrintStatus,
    ResultRow,
    ResultView,
    Screen,
    SessionView,
    Text,
)
from kiosk.ui.layout_cases import VARIANTS

CID = "1-1017-00012-34-5"
IDENTITY = IdentitySummary(
    cid_display=CID, cid_masked="1-1017-xxxxx-xx-5", name_th="นายสมชาย ใจดี",
    name_en="Mr. Somchai Jaidee", birth_date=Text("12 มี.ค. 2530", "12 Mar 1987"),
    address="99 หมู่ 1 ตำบลบางรัก", card_expiry=Text("11 มี.ค. 2575", "11 Mar 2032"),
    card_expired=False)
RESULT = ResultView("card_status", Text("สถานะบัตรประชาชน", "ID card status"),
                    rows=(ResultRow(Text("สถานะบัตร", "Card status"), "ใช้งานได้"),
                          ResultRow(Text("วันหมดอายุ", "Expires"), "11 มี.ค. 2575")))


def view(screen: Screen, seq: int = 1, session: str | None = "s1", **fields: object
         ) -> SessionView:
    return SessionView(seq=seq, session_id=session, screen=screen, **fields)  # type: ignore[arg-type]


def run(lexicon: Lexicon, events: list[p.Event], *, headphones: bool = False
        ) -> tuple[p.State, list[p.Effect]]:
    state = p.initial(headphones=headphones)
    effects: list[p.Effect] = []
    for event in events:
        state, out = p.step(state, event, lexicon)
        effects += out
    return state, effects


def spoken(effects: list[p.Effect]) -> list[p.Speak]:
    return [e for e in effects if isinstance(e, p.Speak)]


def digits(speak: p.Speak) -> str:
    return "".join(k.removeprefix("digit.") for k in speak.utterance.clip_keys()
                   if k.startswith("digit."))


def test_identity_through_headphones_says_every_field(lexicon: Lexicon) -> None:
    _, effects = run(lexicon, [p.ViewShown(view(Screen.IDENTITY, identity=IDENTITY))],
                     headphones=True)
    (speak,) = spoken(effects)
    keys = speak.utterance.clip_keys()
    assert speak.to_headphones and keys[0] == "identity.title"
    assert digits(speak).startswith(CID.replace("-", ""))
    for key in ("identity.cid", "identity.name", "identity.birth_date", "identity.address",
                "identity.card_expiry", "month.3", "speech.how_to_move"):
        assert key in keys
    says = [i.text for i in speak.utterance.items if isinstance(i, Say)]
    assert IDENTITY.name_th in says and IDENTITY.address in says


def test_loudspeaker_never_says_personal_data_and_tells_how_to_plug_in(lexicon: Lexicon
                                                                       ) -> None:
    _, effects = run(lexicon, [p.ViewShown(view(Screen.IDENTITY, identity=IDENTITY)),
                               p.StartAudio()])
    (speak,) = spoken(effects)
    assert not speak.to_headphones and not speak.utterance.personal
    assert digits(speak) == "" and not any(isinstance(i, Say)
                                           for i in speak.utterance.items)
    assert speak.utterance.clip_keys()[-1] == "speech.plug_headphones"


def test_no_audio_mode_no_speech(lexicon: Lexicon) -> None:
    _, effects = run(lexicon, [p.ViewShown(view(Screen.MENU)), p.FocusMoved("x", "X", 1, 2),
                               p.DigitEntered(secret=False)])
    assert spoken(effects) == []


@pytest.mark.parametrize("secret", [True, False])
def test_a_digit_is_never_spoken(lexicon: Lexicon, secret: bool) -> None:
    _, effects = run(lexicon, [p.ViewShown(view(Screen.IDLE, session=None)),
                               p.DigitEntered(secret=secret)], headphones=True)
    assert spoken(effects)[-1].utterance.clip_keys() == ("speech.entered",)


def test_focus_says_item_and_position(lexicon: Lexicon) -> None:
    _, effects = run(lexicon, [p.ViewShown(view(Screen.MENU)),
                               p.FocusMoved("card_status", "ID card status", 2, 5)],
                     headphones=True)
    keys = spoken(effects)[-1].utterance.clip_keys()
    assert keys == ("catalogue.card_status.name", "digit.2", "speech.of", "digit.5")


def test_action_stops_speech_and_help_repeats_it(lexicon: Lexicon) -> None:
    state, effects = run(lexicon, [p.ViewShown(view(Screen.MENU)), p.Acted()],
                         headphones=True)
    assert effects[-1] == p.Stop()
    state, again = p.step(state, p.Repeat(), lexicon)
    assert spoken(again)[0].utterance == spoken(effects)[0].utterance


def test_pulling_headphones_stops_first(lexicon: Lexicon) -> None:
    state, _ = run(lexicon, [p.ViewShown(view(Screen.IDENTITY, identity=IDENTITY))],
                   headphones=True)
    state, effects = p.step(state, p.Headphones(False), lexicon)
    assert effects == [p.Stop()] and not state.audio_mode


def test_volume_steps_clamp_and_reset_for_the_next_citizen(lexicon: Lexicon) -> None:
    cfg = p.Config(default_volume=5, max_volume=7)
    state = p.initial(cfg, headphones=True)
    state, _ = p.step(state, p.ViewShown(view(Screen.MENU, seq=1, session="a")), lexicon, cfg)
    levels = []
    for _ in range(4):
        state, effects = p.step(state, p.VolumeStep(+1), lexicon, cfg)
        levels += [e.level for e in effects if isinstance(e, p.SetVolume)]
    assert levels == [6, 7, 7, 7]
    state, effects = p.step(state, p.ViewShown(view(Screen.IDLE, seq=2, session=None)),
                            lexicon, cfg)
    assert p.SetVolume(5) in effects and state.volume == 5


def test_timeout_warning_said_once_with_its_countdown(lexicon: Lexicon) -> None:
    _, effects = run(lexicon, [
        p.ViewShown(view(Screen.MENU, seq=1)),
        p.ViewShown(view(Screen.TIMEOUT_WARNING, seq=2, countdown_s=30)),
        p.ViewShown(view(Screen.TIMEOUT_WARNING, seq=3, countdown_s=29))], headphones=True)
    warnings = spoken(effects)[1:]
    assert len(warnings) == 1
    keys = warnings[0].utterance.clip_keys()
    assert keys[:2] == ("timeout.title", "timeout.countdown#0")
    assert keys[2:5] == ("digit.3", "num.10", "timeout.countdown#1")  # สามสิบ (Thai)
    assert "speech.any_key" in keys


@pytest.mark.parametrize(("status", "key", "reads_receipt"), [
    (PrintStatus.PRINTED, "finished.print.printed", True),
    (PrintStatus.UNCONFIRMED, "finished.print.unconfirmed", False),  # claims no receipt
])
def test_receipt_is_read_only_once_printed(lexicon: Lexicon, status: PrintStatus, key: str,
                                           reads_receipt: bool) -> None:
    _, effects = run(lexicon, [
        p.ViewShown(view(Screen.RESULT, seq=1, result=RESULT)),
        p.ViewShown(view(Screen.FINISHED, seq=2, print_status=status))],
        headphones=True)
    keys = spoken(effects)[-1].utterance.clip_keys()
    assert key in keys
    assert ("speech.receipt_says" in keys) is reads_receipt
    if reads_receipt:
        said = keys[keys.index("speech.receipt_says"):]
        assert "month.3" in said and "finished.take_card" in said


def test_error_says_its_next_step(lexicon: Lexicon) -> None:
    _, effects = run(lexicon, [p.ViewShown(view(Screen.ERROR, error_key="card.mute"))],
                     headphones=True)
    keys = spoken(effects)[0].utterance.clip_keys()
    assert keys[:4] == ("error.title", "card.mute", "speech.next_step", "card.mute.next")


def test_holder_short_code_digit_by_digit_only_in_headphones(lexicon: Lexicon) -> None:
    @dataclass(frozen=True, slots=True)
    class WithCode(SessionView):
        holder_short_code: str | None = None

    v = WithCode(seq=1, session_id="s", screen=Screen.VERIFY_HOLDER, holder_short_code="4821")
    _, effects = run(lexicon, [p.ViewShown(v)], headphones=True)
    assert digits(spoken(effects)[0]).endswith("4821")
    _, effects = run(lexicon, [p.ViewShown(v), p.StartAudio()])
    assert digits(spoken(effects)[0]) == ""


def test_an_older_view_is_ignored(lexicon: Lexicon) -> None:
    _, effects = run(lexicon, [p.ViewShown(view(Screen.MENU, seq=5)),
                               p.ViewShown(view(Screen.IDENTITY, seq=4, identity=IDENTITY))],
                     headphones=True)
    assert len(spoken(effects)) == 1


@pytest.mark.parametrize("variant", [v for v in VARIANTS if not v.large_text
                                     and not v.high_contrast], ids=lambda v: v.language)
def test_every_screen_speaks_only_keys_the_lexicon_has(lexicon: Lexicon, variant) -> None:  # type: ignore[no-untyped-def]
    """Every layout case of every screen: a non-empty utterance whose clips all exist."""
    screens = set()
    for seq, case in enumerate(build_cases(), start=1):
        v = dataclasses.replace(case.view(seq, variant), seq=seq)
        _, effects = run(lexicon, [p.ViewShown(v)], headphones=True)
        (speak,) = spoken(effects)
        assert speak.utterance.items, case.label
        for item in speak.utterance.items:
            if isinstance(item, Clip):
                assert lexicon.has(variant.language, item.key), (case.label, item.key)
        screens.add(case.screen)
    assert screens == set(Screen)
