"""The audio tests' shared pieces: the kiosk's lexicon and the espeak-ng stand-in pack,
built once per test session into a tmp dir (as `make demo` builds it into the state dir)."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.app import speech_lexicon
from kiosk.audio.inventory import Lexicon
from kiosk.audio.pack import PromptPack
from kiosk.audio.standin import build_standin
from kiosk.config import load_settings

REPO = Path(__file__).resolve().parents[2]
DEMO_CONFIG = REPO / "config" / "kiosk.toml"


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return speech_lexicon(load_settings(DEMO_CONFIG))


@pytest.fixture(scope="session")
def pack_dir(tmp_path_factory: pytest.TempPathFactory, lexicon: Lexicon) -> Path:
    root = tmp_path_factory.mktemp("prompts")
    build_standin(root, lexicon)
    return root


@pytest.fixture
def pack(pack_dir: Path) -> Iterator[PromptPack]:
    yield PromptPack.load(pack_dir)


def wav_frames(path: Path) -> tuple[int, bytes]:
    """What a WAV file holds, read with the standard library only (not our pack code)."""
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return w.getframerate(), w.readframes(w.getnframes())
