"""The speech planner: a pure state machine ``step(state, event) -> (state, effects)``.

It decides what is said, when, and whether it may be said aloud:

- audio mode starts when headphones are plugged in, or with Help / hold 5 (`StartAudio`);
- a new screen is spoken (title, purpose, content, how to move); focus moves say the item
  and its position; the citizen's next action stops speech (5.1.3.4); Help repeats the
  screen (5.1.3.5);
- personal items go only to headphones (5.1.3.9): on the loudspeaker they are dropped and
  the citizen is told how to plug headphones in; pulling the headphones stops speech;
- a secret digit (the PIN) is never spoken, only "entered" (5.1.3.8);
- volume moves in steps and returns to the default for each new citizen (5.1.3.13).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kiosk.audio.inventory import Lexicon
from kiosk.audio.screens import focus_items, screen_items
from kiosk.audio.splice import number
from kiosk.audio.utterance import Clip, Item, Pause, Utterance
from kiosk.session.view import LanguageCode, ResultView, Screen, SessionView


@dataclass(frozen=True, slots=True)
class ViewShown:
    view: SessionView


@dataclass(frozen=True, slots=True)
class FocusMoved:
    item_key: str
    label: str
    position: int
    total: int


@dataclass(frozen=True, slots=True)
class DigitEntered:
    secret: bool


@dataclass(frozen=True, slots=True)
class Acted:
    pass


@dataclass(frozen=True, slots=True)
class Repeat:
    pass


@dataclass(frozen=True, slots=True)
class VolumeStep:
    delta: int


@dataclass(frozen=True, slots=True)
class StartAudio:
    pass


@dataclass(frozen=True, slots=True)
class Headphones:
    inserted: bool


Event = ViewShown | FocusMoved | DigitEntered | Acted | Repeat | VolumeStep | StartAudio \
    | Headphones


@dataclass(frozen=True, slots=True)
class Speak:
    utterance: Utterance
    to_headphones: bool


@dataclass(frozen=True, slots=True)
class Stop:
    pass


@dataclass(frozen=True, slots=True)
class SetVolume:
    level: int


Effect = Speak | Stop | SetVolume


@dataclass(frozen=True, slots=True)
class Config:
    default_volume: int = 5
    max_volume: int = 10


@dataclass(frozen=True, slots=True)
class State:
    volume: int = 5
    headphones: bool = False
    asked: bool = False
    """The citizen started audio mode without headphones (Help / hold 5)."""
    view: SessionView | None = None
    session_id: str | None = None
    """The last citizen's session (the view's id goes None once the session is over)."""
    receipt: ResultView | None = None
    """The last result shown: what a printed receipt says."""
    last: Utterance | None = None

    @property
    def audio_mode(self) -> bool:
        return self.headphones or self.asked


def initial(config: Config = Config(), *, headphones: bool = False) -> State:
    return State(volume=config.default_volume, headphones=headphones)


def _language(state: State) -> LanguageCode:
    return state.view.language if state.view is not None else "th"


def _speak(state: State, items: tuple[Item, ...], *, remember: bool = True
           ) -> tuple[State, list[Effect]]:
    """Stop what is playing and say `items`, without personal ones on the loudspeaker."""
    lang = _language(state)
    if not state.headphones and any(i.personal for i in items):
        items = tuple(i for i in items if not i.personal)
        items += (Pause(), Clip("speech.plug_headphones"))
    utterance = Utterance(lang, items)
    state = replace(state, last=utterance) if remember else state
    return state, [Stop(), Speak(utterance, state.headphones)]


def _screen(state: State, lexicon: Lexicon) -> tuple[Item, ...]:
    assert state.view is not None
    return screen_items(lexicon, state.view, receipt=state.receipt)


def _view_shown(state: State, view: SessionView, lexicon: Lexicon, config: Config
                ) -> tuple[State, list[Effect]]:
    effects: list[Effect] = []
    old = state.view
    if old is not None and view.seq <= old.seq:
        return state, []
    if view.session_id is not None and view.session_id != state.session_id:
        # A new citizen: default volume (5.1.3.13), the last one's speech request ends.
        state = replace(state, session_id=view.session_id, receipt=None, asked=False,
                        volume=config.default_volume)
        effects.append(SetVolume(config.default_volume))
    if view.screen is Screen.IDLE and (state.receipt is not None or state.asked
                                       or state.volume != config.default_volume):
        # The card has left: forget the result, back to the default volume.
        state = replace(state, receipt=None, asked=False, volume=config.default_volume)
        effects.append(SetVolume(config.default_volume))
    if view.result is not None:
        state = replace(state, receipt=view.result)
    state = replace(state, view=view)
    if not state.audio_mode:
        return state, effects
    if old is not None and old.screen is view.screen and old.session_id == view.session_id:
        if view.screen is Screen.TIMEOUT_WARNING:
            return state, effects  # the countdown ticks: said once, on entry
        if screen_items(lexicon, old, receipt=state.receipt) == \
                _screen(state, lexicon) and old.language == view.language:
            return state, effects
    state, spoken = _speak(state, _screen(state, lexicon))
    return state, effects + spoken


def step(state: State, event: Event, lexicon: Lexicon, config: Config = Config()
         ) -> tuple[State, list[Effect]]:
    """The next state and what to do; never raises on an event out of place."""
    if isinstance(event, ViewShown):
        return _view_shown(state, event.view, lexicon, config)
    if isinstance(event, Headphones):
        if event.inserted == state.headphones:
            return state, []
        state = replace(state, headphones=event.inserted)
        if not event.inserted:
            state, effects = (state, [Stop()])
            if state.asked:
                state, spoken = _speak(state, (Clip("speech.headphones_removed"),),
                                       remember=False)
                effects += spoken[1:]
            return state, effects
        if state.view is None:
            return state, []
        return _speak(state, (Clip("speech.audio_on"), Pause(), *_screen(state, lexicon)))
    if isinstance(event, Acted):
        return state, [Stop()]
    if isinstance(event, StartAudio | Repeat):
        started = not state.audio_mode
        state = replace(state, asked=True) if started else state
        if state.view is None:
            return state, []
        lead = (Clip("speech.audio_on"), Pause()) if started else ()
        return _speak(state, lead + _screen(state, lexicon))
    if not state.audio_mode:
        return state, []
    lang = _language(state)
    if isinstance(event, FocusMoved):
        return _speak(state, focus_items(lexicon, lang, event.item_key, event.label,
                                         event.position, event.total), remember=False)
    if isinstance(event, DigitEntered):
        # Never the digit: a PIN stays unspoken (5.1.3.8), other fields are read back on
        # the field's own focus / result.
        return _speak(state, (Clip("speech.entered"),), remember=False)
    if isinstance(event, VolumeStep):
        level = min(config.max_volume, max(1, state.volume + (1 if event.delta > 0 else -1)))
        state = replace(state, volume=level)
        state, spoken = _speak(state, (Clip("speech.volume"), *number(level, lang)),
                               remember=False)
        return state, [SetVolume(level), *spoken]
    return state, []
