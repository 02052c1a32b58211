"""Real ALSA output into a WAV file (ALSA's own ``file`` plugin) and what it should hold,
rebuilt from the pack's clip files with the standard library (not with our renderer)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from drivers.audio.alsa import PERIOD_MS, AlsaPlayer
from drivers.audio.jack import SimulatedJack
from kiosk.audio.inventory import Lexicon
from kiosk.audio.pack import PromptPack
from kiosk.audio.planner import Config
from kiosk.audio.speech import GAP_MS, AudioSpeech
from kiosk.audio.utterance import Clip, Pause, Say, Utterance

from .conftest import wav_frames


@dataclass
class Rig:
    speech: AudioSpeech
    player: AlsaPlayer
    jack: SimulatedJack
    wav: Path
    pack_dir: Path

    def settle(self) -> None:
        assert self.speech.wait_idle(30), "speech thread did not finish"
        assert self.player.wait_idle(120), "player did not finish"

    def close(self) -> bytes:
        """Close everything (ALSA finalises the WAV) and return the frames it holds."""
        self.speech.close()
        rate, frames = wav_frames(self.wav)
        assert rate == self.player.rate
        return frames

    def expected(self, utterance: Utterance) -> bytes:
        """The frames `utterance` must have played: each clip file's frames, 40 ms gap,
        pauses as silence, free text as "shown on screen"; padded to whole periods."""
        manifest = json.loads((self.pack_dir / "manifest.json").read_text(encoding="utf-8"))
        clips = manifest["locales"][utterance.language]["clips"]
        rate = manifest["rate"]
        out = b""
        for item in utterance.items:
            if isinstance(item, Pause):
                out += b"\0\0" * (rate * item.ms // 1000)
                continue
            key = item.key if isinstance(item, Clip) else "speech.on_screen"
            assert isinstance(item, Clip | Say)
            out += wav_frames(self.pack_dir / clips[key]["file"])[1]
            out += b"\0\0" * (rate * GAP_MS // 1000)
        period = rate * PERIOD_MS // 1000 * 2
        return out + b"\0" * (-len(out) % period)


def make_rig(pack_dir: Path, lexicon: Lexicon, wav: Path, *, headphones: bool,
             lead_s: float | None = None, volume: int = 10) -> Rig:
    """At `volume` 10 of 10 the gain is 1: the WAV must equal the clips sample for sample."""
    pack = PromptPack.load(pack_dir)
    player = AlsaPlayer(f"file:FILE={wav},FORMAT=wav", rate=pack.rate, lead_s=lead_s)
    jack = SimulatedJack(inserted=headphones)
    speech = AudioSpeech(pack, lexicon, player, jack,
                         config=Config(default_volume=volume, max_volume=10))
    return Rig(speech, player, jack, wav, pack_dir)
