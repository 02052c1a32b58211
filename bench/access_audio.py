"""Benchmark: key press -> first audio frame played (spoken guidance, issue 23).

A key press reaches the speech the way the UI sends it: ``citizen_acted()`` then
``focus_moved(...)`` on `kiosk.audio.speech.AudioSpeech`; the planner decides, the clips
are spliced from the prompt pack (the espeak-ng stand-in, built into a temp dir unless
``--pack``), and the ALSA player writes the first 20 ms period (ALSA's ``file`` plugin into a
WAV: no sound card here). Measured: the time from the key call to the player's callback
after that first ``pcm.write`` returned. Baseline in the same run: the same clips handed
straight to the player (``play()`` -> first frame), so the ratio is what the speech layer
adds. Each press interrupts the last one's speech, as a citizen moving quickly does.

    .venv/bin/python bench/access_audio.py [--runs 200] [--pack DIR]

Goal: median and p95 <= 150 ms. Prints a table, then ONE JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from drivers.audio.alsa import AlsaPlayer  # noqa: E402
from drivers.audio.jack import SimulatedJack  # noqa: E402
from kiosk.app import speech_lexicon  # noqa: E402
from kiosk.audio.pack import PromptPack  # noqa: E402
from kiosk.audio.speech import AudioSpeech, render  # noqa: E402
from kiosk.audio.standin import build_standin  # noqa: E402
from kiosk.audio.utterance import Clip, Utterance  # noqa: E402
from kiosk.config import load_settings  # noqa: E402
from kiosk.session.view import Screen, SessionView  # noqa: E402

ITEMS = [("catalogue.registry_record.name", "My registry record"),
         ("catalogue.card_status.name", "ID card status"),
         ("catalogue.welfare_rights.name", "Health and welfare rights"),
         ("catalogue.submit_request.name", "Certified house registration copy"),
         ("catalogue.counter_ticket.name", "Counter ticket")]


class FirstFrames:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.times: dict[int, float] = {}

    def __call__(self, tag: int, at: float) -> None:
        with self.cond:
            self.times[tag] = at
            self.cond.notify_all()

    def wait_for(self, tag: int, timeout: float = 10.0) -> float:
        with self.cond:
            if not self.cond.wait_for(lambda: tag in self.times, timeout):
                raise TimeoutError(f"no first frame for sound {tag}")
            return self.times[tag]


def figures(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {"median_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
            "max_ms": round(ordered[-1], 2), "runs": len(ordered)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--pack", type=Path)
    args = parser.parse_args()
    settings = load_settings(REPO / "config" / "kiosk.toml")
    lexicon = speech_lexicon(settings)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.pack or Path(tmp) / "prompts"
        pack = build_standin(root, lexicon)
        frames = FirstFrames()
        player = AlsaPlayer(f"file:FILE={tmp}/bench.wav,FORMAT=wav", rate=pack.rate,
                            on_first_frame=frames)
        speech = AudioSpeech(PromptPack.load(root), lexicon, player,
                             SimulatedJack(inserted=True))
        speech.view_shown(SessionView(seq=1, session_id="bench", screen=Screen.MENU,
                                      language="th"))
        assert speech.wait_idle(30)
        key_ms: list[float] = []
        for i in range(args.runs):
            key, label = ITEMS[i % len(ITEMS)]
            tag = len(speech.spoken) + 1
            t0 = time.monotonic()
            speech.citizen_acted()
            speech.focus_moved(key, label, i % len(ITEMS) + 1, len(ITEMS))
            key_ms.append((frames.wait_for(tag) - t0) * 1000)
        speech.citizen_acted()
        assert speech.wait_idle(30)
        # Baseline: the same kind of sound straight into the player.
        base_ms: list[float] = []
        for i in range(args.runs):
            key = ITEMS[i % len(ITEMS)][0]
            pcm = render(speech.pack, Utterance("th", (Clip(key), Clip("digit.2"))))
            tag = 1_000_000 + i
            player.stop()
            t0 = time.monotonic()
            player.play(pcm, tag=tag)
            base_ms.append((frames.wait_for(tag) - t0) * 1000)
        player.stop()
        speech.close()
    result = {"bench": "access_audio", "key_to_first_audio_frame": figures(key_ms),
              "baseline_player_play_to_first_frame": figures(base_ms),
              "ratio_median": round(statistics.median(key_ms)
                                    / max(statistics.median(base_ms), 1e-6), 2),
              "goal_ms": 150, "output": "ALSA file plugin (no sound card)"}
    for name in ("key_to_first_audio_frame", "baseline_player_play_to_first_frame"):
        f = result[name]
        print(f"{name:<38} median {f['median_ms']:7.2f} ms  p95 {f['p95_ms']:7.2f} ms  "
              f"max {f['max_ms']:7.2f} ms  ({f['runs']} runs)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
