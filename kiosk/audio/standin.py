"""The stand-in prompt pack, spoken by espeak-ng, so the whole audio path runs anywhere.

English is espeak-ng's ``en``; Thai is its ``th`` voice, marked ``stand_in`` in the
manifest: it has no tones and no word segmentation and is not fit for citizens, only for
testing the path until a voice artist records the pack (``python -m kiosk prompts
script``). A rebuild keeps clips whose text did not change.

`EspeakVoice` also speaks free text no clip can hold (a name, an address) straight to
memory, never to disk (personal data).
"""

from __future__ import annotations

import array
import io
import shutil
import subprocess
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kiosk.audio.inventory import LOCALES, Lexicon
from kiosk.audio.pack import (
    MANIFEST,
    ClipInfo,
    PackError,
    PromptPack,
    read_wav,
    text_sha256,
    write_manifest,
    write_wav,
)
from kiosk.session.view import LanguageCode

ESPEAK_VOICES: dict[LanguageCode, str] = {"th": "th", "en": "en"}
RATE = 22050
"""espeak-ng's own output rate."""


class EspeakVoice:
    """Free text through espeak-ng (stdout, in memory)."""

    def __init__(self, voice: str, *, speed: int = 150, timeout_s: float = 10.0) -> None:
        self.voice, self.speed, self.timeout_s = voice, speed, timeout_s
        self.binary = shutil.which("espeak-ng")
        if self.binary is None:
            raise PackError("espeak-ng is not installed (apt-get install espeak-ng)")

    def wav(self, text: str) -> bytes:
        assert self.binary is not None
        proc = subprocess.run([self.binary, "-v", self.voice, "-s", str(self.speed),
                               "--stdout", "--", text], capture_output=True,
                              timeout=self.timeout_s, check=False)
        if proc.returncode != 0:
            raise PackError(f"espeak-ng failed: {proc.stderr.decode(errors='replace')[:200]}")
        return proc.stdout

    def frames(self, text: str) -> tuple[int, bytes]:
        with wave.open(io.BytesIO(_fix_stream_header(self.wav(text))), "rb") as w:
            return w.getframerate(), w.readframes(w.getnframes())


def _fix_stream_header(data: bytes) -> bytes:
    """espeak-ng on a pipe cannot seek back: its RIFF and data sizes say 0x7ffff..; set them."""
    if len(data) < 44 or data[:4] != b"RIFF":
        raise PackError("espeak-ng wrote no WAV")
    body = len(data) - 44
    return (data[:4] + (body + 36).to_bytes(4, "little") + data[8:40]
            + body.to_bytes(4, "little") + data[44:])


def trim_silence(frames: bytes, rate: int, *, threshold: int = 200, margin_ms: int = 15
                 ) -> bytes:
    """Cut espeak-ng's leading and trailing silence (spliced digits would otherwise sit
    half a second apart), keeping `margin_ms` on each side."""
    samples = array.array("h", frames)
    first = next((i for i, v in enumerate(samples) if abs(v) > threshold), None)
    if first is None:
        return frames
    last = next(i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) > threshold)
    margin = rate * margin_ms // 1000
    return samples[max(0, first - margin):last + margin + 1].tobytes()


def build_standin(root: Path, lexicon: Lexicon, *, speed: int = 150,
                  workers: int = 2) -> PromptPack:
    """Build (or bring up to date) the stand-in pack in `root`; returns it loaded."""
    root.mkdir(parents=True, exist_ok=True)
    old = None
    if (root / MANIFEST).exists():
        try:
            old = PromptPack.load(root)
        except PackError:
            old = None
    voices = {loc: EspeakVoice(ESPEAK_VOICES[loc], speed=speed) for loc in LOCALES}
    jobs: list[tuple[LanguageCode, str, str]] = []
    clips: dict[LanguageCode, dict[str, ClipInfo]] = {loc: {} for loc in LOCALES}
    for loc in LOCALES:
        for key in lexicon.keys(loc):
            text = lexicon.entries[(loc, key)].text
            kept = old.clips[loc].get(key) if old is not None else None
            if (kept is not None and kept.text_sha256 == text_sha256(text)
                    and (root / kept.file).exists()):
                clips[loc][key] = kept
            else:
                jobs.append((loc, key, text))

    def make(job: tuple[LanguageCode, str, str]) -> tuple[LanguageCode, str, ClipInfo]:
        loc, key, text = job
        rel = f"{loc}/{key}.wav"
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_fix_stream_header(voices[loc].wav(text)))
        rate, frames = read_wav(path)
        if rate != RATE:
            raise PackError(f"espeak-ng wrote {rate} Hz, expected {RATE}")
        frames = trim_silence(frames, rate)
        write_wav(path, rate, frames)
        return loc, key, ClipInfo(rel, text, text_sha256(text), len(frames) * 500 // rate)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for loc, key, info in pool.map(make, jobs):
            clips[loc][key] = info
    write_manifest(root, RATE, {loc: (loc == "th", f"espeak-ng {ESPEAK_VOICES[loc]}"
                                      + (" (stand-in: no tones)" if loc == "th" else ""),
                                      clips[loc]) for loc in LOCALES})
    return PromptPack.load(root)
