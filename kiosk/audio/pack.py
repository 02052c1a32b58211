"""The prompt pack: recorded clips keyed by message id and locale, with a manifest.

    PACK/manifest.json   {"rate": 22050, "locales": {"th": {"stand_in": true, "voice": "...",
                          "clips": {"idle.title": {"file": "th/idle.title.wav",
                          "text": "...", "text_sha256": "...", "duration_ms": 1234}}}}}
    PACK/th/idle.title.wav   mono, 16-bit, the pack's rate

A voice artist's recordings replace the stand-in files and their manifest entries (same
keys, same texts): no code changes. `check` finds clips missing for a key the kiosk can
say, clips whose text changed since they were recorded (out of date), and unreadable ones.
"""

from __future__ import annotations

import hashlib
import json
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kiosk.audio.inventory import LOCALES, Lexicon
from kiosk.session.view import LanguageCode

MANIFEST = "manifest.json"


class PackError(Exception):
    """The pack cannot be used (no manifest, bad manifest, a clip that does not decode)."""


def text_sha256(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def read_wav(path: Path) -> tuple[int, bytes]:
    """(rate, mono 16-bit frames) of a WAV file; PackError otherwise."""
    try:
        with wave.open(str(path), "rb") as w:
            if w.getnchannels() != 1 or w.getsampwidth() != 2:
                raise PackError(f"{path}: not mono 16-bit")
            return w.getframerate(), w.readframes(w.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise PackError(f"{path}: {exc}") from exc


def write_wav(path: Path, rate: int, frames: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    tmp.replace(path)


@dataclass(frozen=True, slots=True)
class ClipInfo:
    file: str
    text: str
    text_sha256: str
    duration_ms: int


@dataclass(frozen=True, slots=True)
class Problem:
    locale: LanguageCode
    key: str
    kind: Literal["missing", "out_of_date", "unreadable"]
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.locale}\t{self.key}\t{self.kind}\t{self.detail}".rstrip()


class PromptPack:
    """A loaded pack; clip audio is read on first use and kept in memory."""

    def __init__(self, root: Path, rate: int, clips: dict[LanguageCode, dict[str, ClipInfo]],
                 stand_in: dict[LanguageCode, bool],
                 voice: dict[LanguageCode, str] | None = None) -> None:
        self.root, self.rate, self.clips, self.stand_in = root, rate, clips, stand_in
        self.voice = voice or {}
        """Who speaks each locale (``espeak-ng en``, a voice artist's name)."""
        self._cache: dict[tuple[LanguageCode, str], bytes] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, root: Path) -> PromptPack:
        path = root / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            rate = int(data["rate"])
            clips: dict[LanguageCode, dict[str, ClipInfo]] = {}
            stand_in: dict[LanguageCode, bool] = {}
            voice: dict[LanguageCode, str] = {}
            for locale in LOCALES:
                loc = data["locales"].get(locale, {"clips": {}})
                stand_in[locale] = bool(loc.get("stand_in", False))
                voice[locale] = str(loc.get("voice", ""))
                clips[locale] = {k: ClipInfo(str(v["file"]), str(v["text"]),
                                             str(v["text_sha256"]), int(v["duration_ms"]))
                                 for k, v in loc["clips"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PackError(f"{path}: {exc}") from exc
        return cls(root, rate, clips, stand_in, voice)

    def has(self, locale: LanguageCode, key: str) -> bool:
        return key in self.clips.get(locale, {})

    def frames(self, locale: LanguageCode, key: str) -> bytes:
        """The clip's frames (PackError if it is missing or does not decode)."""
        with self._lock:
            cached = self._cache.get((locale, key))
        if cached is not None:
            return cached
        info = self.clips.get(locale, {}).get(key)
        if info is None:
            raise PackError(f"no clip {locale}/{key}")
        rate, frames = read_wav(self.root / info.file)
        if rate != self.rate:
            raise PackError(f"{info.file}: {rate} Hz, the pack is {self.rate} Hz")
        with self._lock:
            self._cache[(locale, key)] = frames
        return frames

    def silence(self, ms: int) -> bytes:
        return b"\x00\x00" * (self.rate * ms // 1000)


def check(pack: PromptPack | None, lexicon: Lexicon, *, decode: bool = True) -> list[Problem]:
    """Every key the kiosk can say with no clip, an out-of-date clip or an unreadable one."""
    problems: list[Problem] = []
    for locale in LOCALES:
        for key in lexicon.keys(locale):
            text = lexicon.entries[(locale, key)].text
            info = pack.clips[locale].get(key) if pack is not None else None
            if info is None:
                problems.append(Problem(locale, key, "missing", text))
            elif info.text_sha256 != text_sha256(text):
                problems.append(Problem(locale, key, "out_of_date",
                                        f"recorded {info.text!r}, now {text!r}"))
            elif decode and pack is not None:
                try:
                    pack.frames(locale, key)
                except PackError as exc:
                    problems.append(Problem(locale, key, "unreadable", str(exc)))
    return problems


def write_manifest(root: Path, rate: int,
                   locales: dict[LanguageCode, tuple[bool, str, dict[str, ClipInfo]]]) -> None:
    data = {"rate": rate, "locales": {
        loc: {"stand_in": stand_in, "voice": voice,
              "clips": {k: {"file": c.file, "text": c.text, "text_sha256": c.text_sha256,
                            "duration_ms": c.duration_ms} for k, c in sorted(clips.items())}}
        for loc, (stand_in, voice, clips) in locales.items()}}
    tmp = root / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(root / MANIFEST)
