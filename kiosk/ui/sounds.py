"""Sound cues: card in / out, error, timeout warning and the loud "take your card".

The cues are synthesised with the standard `wave` module into the state dir at first use
(tiny, deterministic, no binary files in git). Playback goes through Kivy's SoundLoader;
a kiosk without an audio device (Xvfb in CI, a unit with the speaker unplugged) keeps
working silently, with one log line saying so.
"""

from __future__ import annotations

import logging
import math
import struct
import wave
from enum import StrEnum
from pathlib import Path

from kiosk.session.view import Alert, Screen, SessionView

log = logging.getLogger(__name__)

RATE = 22050


class Cue(StrEnum):
    CARD_IN = "card_in"
    CARD_OUT = "card_out"
    ERROR = "error"
    TIMEOUT = "timeout"
    TAKE_CARD = "take_card"


# (frequency Hz, duration s) notes; 0 Hz is a rest. Rising = good, falling/low = attention.
_TUNES: dict[Cue, tuple[tuple[float, float], ...]] = {
    Cue.CARD_IN: ((660, 0.08), (990, 0.12)),
    Cue.CARD_OUT: ((990, 0.08), (660, 0.12)),
    Cue.ERROR: ((330, 0.18), (0, 0.06), (262, 0.28)),
    Cue.TIMEOUT: ((880, 0.1), (0, 0.1), (880, 0.1), (0, 0.1), (880, 0.1)),
    Cue.TAKE_CARD: ((1175, 0.15), (0, 0.05), (1175, 0.15), (0, 0.05), (1568, 0.3)),
}


def synthesise(notes: tuple[tuple[float, float], ...], volume: float = 0.6) -> bytes:
    """16-bit mono PCM with 5 ms fades so notes do not click."""
    frames = bytearray()
    fade = int(RATE * 0.005)
    for freq, seconds in notes:
        count = int(RATE * seconds)
        for i in range(count):
            envelope = min(1.0, i / fade, (count - 1 - i) / fade) if fade else 1.0
            sample = volume * envelope * math.sin(2 * math.pi * freq * i / RATE) if freq else 0.0
            frames += struct.pack("<h", int(sample * 32767))
    return bytes(frames)


def ensure_cue_files(directory: Path) -> dict[Cue, Path]:
    """Write any missing cue WAV into ``directory``; return every cue's path."""
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[Cue, Path] = {}
    for cue, notes in _TUNES.items():
        path = directory / f"{cue.value}.wav"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            with wave.open(str(tmp), "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(RATE)
                out.writeframes(synthesise(notes))
            tmp.replace(path)
        paths[cue] = path
    return paths


class SoundPlayer:
    """Plays cues if sound is enabled and an audio device exists; otherwise only records.

    ``played`` lists every cue asked for, so tests can check the UI asked for the right
    sound even where no audio device exists.
    """

    def __init__(self, directory: Path, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.played: list[Cue] = []
        self._sounds: dict[Cue, object] = {}
        self._paths = ensure_cue_files(directory) if enabled else {}
        self._warned = False

    def preload(self) -> None:
        """Load every cue now (start-up): reading a WAV file and opening the audio device
        are disk and device work that must not happen on the UI thread mid-session, in
        the frame the first card goes in."""
        if self.enabled:
            for cue in self._paths:
                self._load(cue)

    def _load(self, cue: Cue) -> object | None:
        if cue in self._sounds:
            return self._sounds[cue]
        if self._warned:
            return None  # no audio device: do not retry (and re-log) for every cue
        try:
            from kivy.core.audio import SoundLoader

            sound = SoundLoader.load(str(self._paths[cue]))
        except Exception as exc:  # any audio backend failure must not stop the kiosk
            log.debug("ui: audio backend error %s", exc)
            sound = None
        if sound is None and not self._warned:
            self._warned = True
            log.warning("ui: no audio device; sound cues are silent (screens still show them)")
        self._sounds[cue] = sound
        return sound

    def play(self, cue: Cue) -> None:
        self.played.append(cue)
        if not self.enabled:
            return
        sound = self._load(cue)
        if sound is not None:
            try:
                sound.stop()  # type: ignore[attr-defined]
                sound.play()  # type: ignore[attr-defined]
            except Exception as exc:
                log.warning("ui: cannot play sound cue %s: %s", cue.value, exc)


_ALERT_CUES = {Alert.TAKE_CARD: Cue.TAKE_CARD, Alert.TIMEOUT: Cue.TIMEOUT, Alert.ERROR: Cue.ERROR}
_WAITING = (Screen.IDLE, Screen.OUT_OF_SERVICE)


class CueJudge:
    """Which cues a newly drawn view calls for: card in / out by the screens passed
    between, an alert once per raised alert (its id), an error on entering the error
    screen. Pure: the app plays what it returns."""

    def __init__(self) -> None:
        self._last_alert_id = 0

    def reset(self) -> None:
        """Another engine drives the window: its alert ids start again."""
        self._last_alert_id = 0

    def cues(self, previous: SessionView | None, view: SessionView) -> list[Cue]:
        # Judged by screens, not by each view: a burst may merge READING into IDENTITY.
        cues: list[Cue] = []
        before = previous.screen if previous is not None else Screen.IDLE
        if before in _WAITING and view.screen not in _WAITING:
            cues.append(Cue.CARD_IN)
        elif before not in _WAITING and view.screen is Screen.IDLE:
            cues.append(Cue.CARD_OUT)
        if view.alert_id != self._last_alert_id:
            self._last_alert_id = view.alert_id
            cue = _ALERT_CUES.get(view.alert)
            if cue is not None:
                cues.append(cue)
        elif view.screen is Screen.ERROR and before is not Screen.ERROR \
                and view.alert is not Alert.ERROR:
            cues.append(Cue.ERROR)
        return cues
