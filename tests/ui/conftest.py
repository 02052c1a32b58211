"""UI tests run the real Kivy app in one window per process (Kivy has one Window).

The display comes first (Kivy opens it at import), then Kivy is configured from
`UiSettings` exactly as the kiosk does, then the app is built once; each test attaches the
engine it needs (`KioskApp.attach_engine`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from uikit_display import ensure_display
from uikit_settings import UI

ensure_display()

_KIVY_HOME = Path(tempfile.mkdtemp(prefix="kiosk-ui-test-kivy-"))

from kiosk.ui.bootstrap import configure_kivy  # noqa: E402

configure_kivy(UI, kivy_home=_KIVY_HOME)

from uikit_app import running_app  # noqa: E402
from uikit_driver import UiDriver  # noqa: E402
from uikit_feeder import ViewFeeder  # noqa: E402
from uikit_speech import RecordingSpeech  # noqa: E402

from kiosk.audio.inventory import Lexicon  # noqa: E402
from kiosk.session.speech import NullSpeech  # noqa: E402
from kiosk.ui.app import KioskApp  # noqa: E402
from tests.audio.audio_rig import Rig, make_rig  # noqa: E402
from tests.audio.conftest import lexicon, pack_dir  # noqa: E402, F401  (the same pack fixtures)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.ui)


@pytest.fixture(scope="session")
def kiosk_app() -> Iterator[KioskApp]:
    with running_app(_KIVY_HOME) as app:
        yield app


@pytest.fixture
def feeder(kiosk_app: KioskApp) -> ViewFeeder:
    engine = ViewFeeder()
    kiosk_app.attach_engine(engine)
    return engine


@pytest.fixture
def ui(kiosk_app: KioskApp) -> UiDriver:
    driver = UiDriver(kiosk_app)
    driver.frames(2)
    return driver


@pytest.fixture
def speech(kiosk_app: KioskApp) -> Iterator[RecordingSpeech]:
    """What the UI tells the spoken layer, recorded (NullSpeech again afterwards)."""
    recorder = RecordingSpeech()
    kiosk_app.attach_speech(recorder)
    yield recorder
    kiosk_app.attach_speech(NullSpeech())


# --- the real spoken guidance: the espeak-ng stand-in pack (`lexicon`, `pack_dir` from
# tests/audio), ALSA's file plugin into a WAV

@pytest.fixture
def rig(pack_dir: Path, lexicon: Lexicon, tmp_path: Path) -> Iterator[Rig]:  # noqa: F811
    """`AudioSpeech` with headphones in, played through ALSA into ``tmp_path/speech.wav``."""
    rig = make_rig(pack_dir, lexicon, tmp_path / "speech.wav", headphones=True)
    yield rig
    rig.speech.close()
