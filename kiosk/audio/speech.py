"""`AudioSpeech`: the `SpeechPort` the UI calls, playing prompt clips through an AudioPort.

The UI's calls return at once: each becomes a planner event on the speech thread, which
steps the pure planner (`kiosk.audio.planner`), renders the clips of a `Speak` and hands
the frames to the AudioPort (its own player thread). Two things do not wait in that queue:
the citizen's action stops the output at once (5.1.3.4), and pulling the headphones stops
it at once from the jack's thread, so personal speech ends within one audio period
(5.1.3.9). A `Speak` meant for headphones is dropped if they are gone by the time it plays.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping
from typing import Protocol

from drivers.audio.protocol import AudioPort, DeviceStatus, HeadphoneJack
from kiosk.audio import planner
from kiosk.audio.inventory import Lexicon
from kiosk.audio.pack import PackError, PromptPack
from kiosk.audio.utterance import Clip, Pause, Say, Utterance
from kiosk.session.view import LanguageCode, SessionView

log = logging.getLogger(__name__)
GAP_MS = 40
"""Silence between two clips (spliced digits stay apart)."""


class FreeTextVoice(Protocol):
    def frames(self, text: str) -> tuple[int, bytes]: ...


def render(pack: PromptPack, utterance: Utterance,
           voices: Mapping[LanguageCode, FreeTextVoice] | None = None) -> bytes:
    """The utterance's frames: each clip, a `GAP_MS` gap after it, pauses as silence; free
    text through the locale's voice, else the ``speech.on_screen`` clip."""
    lang = utterance.language
    gap = pack.silence(GAP_MS)
    out: list[bytes] = []
    for item in utterance.items:
        if isinstance(item, Pause):
            out.append(pack.silence(item.ms))
            continue
        key = item.key if isinstance(item, Clip) else "speech.on_screen"
        if isinstance(item, Say) and voices and lang in voices:
            try:
                rate, frames = voices[lang].frames(item.text)
                if rate == pack.rate:
                    out += [frames, gap]
                    continue
            except (PackError, OSError) as exc:
                log.warning("free-text voice failed: %s", type(exc).__name__)
        try:
            out += [pack.frames(lang, key), gap]
        except PackError as exc:
            log.error("prompt pack: %s", exc)
    return b"".join(out)


class AudioSpeech:
    def __init__(self, pack: PromptPack, lexicon: Lexicon, output: AudioPort,
                 jack: HeadphoneJack | None = None, *, config: planner.Config | None = None,
                 voices: Mapping[LanguageCode, FreeTextVoice] | None = None,
                 report: Callable[[str, bool], None] | None = None) -> None:
        self.pack, self.lexicon, self.output, self.jack = pack, lexicon, output, jack
        config = config or planner.Config()
        self.config, self.voices, self.report = config, voices, report
        self._headphones = jack.inserted() if jack is not None else False
        self._state = planner.initial(config, headphones=self._headphones)
        self._play_lock = threading.Lock()
        self._events: queue.Queue[planner.Event | None] = queue.Queue()
        self._tag = 0
        self.spoken: list[tuple[int, Utterance, bool]] = []
        """(tag, utterance, to_headphones) of everything handed to the output, in order."""
        self._idle = threading.Condition()
        self._pending = 0
        output.set_gain(config.default_volume / config.max_volume)
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()
        if jack is not None:
            jack.subscribe(self._on_jack)

    # --- SpeechPort ------------------------------------------------------------------------
    def view_shown(self, view: SessionView) -> None:
        self._post(planner.ViewShown(view))

    def focus_moved(self, item_key: str, label: str, position: int, total: int) -> None:
        self.output.stop()
        self._post(planner.FocusMoved(item_key, label, position, total))

    def digit_entered(self, *, secret: bool) -> None:
        self.output.stop()
        self._post(planner.DigitEntered(secret))

    def citizen_acted(self) -> None:
        self.output.stop()
        self._post(planner.Acted())

    def repeat(self) -> None:
        self._post(planner.Repeat())

    def volume_step(self, delta: int) -> None:
        self._post(planner.VolumeStep(delta))

    def start_audio_mode(self) -> None:
        self._post(planner.StartAudio())

    # --- devices ---------------------------------------------------------------------------
    def _on_jack(self, inserted: bool) -> None:
        with self._play_lock:
            self._headphones = inserted
            if not inserted:
                self.output.stop()  # now, not after the queue: personal speech ends here
        self._post(planner.Headphones(inserted))

    def status(self) -> dict[str, DeviceStatus]:
        out = {"output": self.output.status()}
        if self.jack is not None:
            out["jack"] = self.jack.status()
        return out

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Tests and benches: True once every posted event has been handled."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def wait_spoken(self, predicate: Callable[[Utterance], bool],
                    timeout: float = 10.0) -> Utterance | None:
        """Tests and benches: the last utterance handed to the output once it satisfies
        `predicate`, or None after `timeout`."""
        def last() -> Utterance | None:
            return self.spoken[-1][1] if self.spoken else None

        with self._idle:
            ok = self._idle.wait_for(lambda: (u := last()) is not None and predicate(u),
                                     timeout)
            return last() if ok else None

    def close(self) -> None:
        """Stop the speech thread, then the output and the jack (this object owns them)."""
        self._events.put(None)
        self._thread.join(timeout=5)
        self.output.close()
        if self.jack is not None:
            self.jack.close()

    # --- the speech thread -----------------------------------------------------------------
    def _post(self, event: planner.Event) -> None:
        with self._idle:
            self._pending += 1
        self._events.put(event)

    def _run(self) -> None:
        while (event := self._events.get()) is not None:
            try:
                self._state, effects = planner.step(self._state, event, self.lexicon,
                                                    self.config)
                for effect in effects:
                    self._apply(effect)
            except Exception:
                log.exception("spoken guidance failed on %s", type(event).__name__)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _apply(self, effect: planner.Effect) -> None:
        if isinstance(effect, planner.Stop):
            self.output.stop()
        elif isinstance(effect, planner.SetVolume):
            self.output.set_gain(effect.level / self.config.max_volume)
        else:
            frames = render(self.pack, effect.utterance, self.voices)
            with self._play_lock:
                if effect.utterance.personal and not self._headphones:
                    return  # the headphones went while it was being prepared
                self._tag += 1
                self.output.play(frames, tag=self._tag)
                with self._idle:
                    self.spoken.append((self._tag, effect.utterance, effect.to_headphones))
                    self._idle.notify_all()
        if self.report is not None:
            for device, status in self.status().items():
                self.report(device, status.ok)
