"""Audio devices in `maintenance health` and the metric; the jack (evdev via uinput where
the kernel has it, the simulator elsewhere); the [audio] config section."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import ClassVar

import pytest

from drivers.audio.jack import EvdevJack, SimulatedJack
from kiosk.appliance import metrics
from kiosk.config import ConfigError, load_settings
from kiosk.config.settings import AudioSettings
from kiosk.maintenance.health import Status, audio_probe

from .conftest import DEMO_CONFIG


def settings_with(**audio: object):  # type: ignore[no-untyped-def]
    s = load_settings(DEMO_CONFIG)
    return s.model_copy(update={"audio": AudioSettings(**audio)})  # type: ignore[arg-type]


def gauge(device: str) -> float:
    return metrics.default.audio_device_ok.labels(device)._value.get()


def test_a_missing_speaker_fails_health_and_the_metric() -> None:
    item = audio_probe(settings_with(enabled=True, device="hw:CARD=NoSuchCard,DEV=0",
                                     jack="simulated"))()
    assert item.status is Status.FAIL and "cannot be opened" in item.summary
    assert gauge("output") == 0


def test_a_jack_that_no_longer_reports_fails_health(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    item = audio_probe(settings_with(enabled=True, record_file=tmp_path / "a.wav",
                                     jack="evdev", jack_device=str(tmp_path / "event99")))()
    assert item.status is Status.FAIL and "headphone jack no longer reports" in item.summary
    assert gauge("jack") == 0


def test_a_working_file_output_and_simulated_jack_is_a_warning(tmp_path: Path,
                                                               pack_dir: Path) -> None:
    item = audio_probe(settings_with(enabled=True, record_file=tmp_path / "a.wav",
                                     jack="simulated", pack_dir=pack_dir))()
    assert item.status is Status.WARN and "simulated" in item.summary
    assert gauge("output") == 1


def test_the_running_kiosks_own_status_is_used() -> None:
    jack = SimulatedJack()
    jack.fail()
    item = audio_probe(settings_with(enabled=True, jack="simulated"),
                       speech_status=lambda: {"jack": jack.status()})()
    jack.close()
    assert item.status is Status.FAIL and "stopped reporting" in item.summary


def test_simulated_jack_calls_back_on_change_only() -> None:
    jack = SimulatedJack()
    seen: list[bool] = []
    done = threading.Event()

    def callback(inserted: bool) -> None:
        seen.append(inserted)
        if len(seen) == 2:
            done.set()

    jack.subscribe(callback)
    jack.plug()
    jack.plug()
    jack.unplug()
    assert done.wait(5)
    jack.close()
    assert seen == [True, False] and not jack.inserted()


@pytest.mark.skipif(not os.path.exists("/dev/uinput"), reason="no /dev/uinput on this kernel")
def test_evdev_jack_reads_a_real_uinput_switch() -> None:  # pragma: no cover - needs uinput
    from evdev import UInput, ecodes

    ui = UInput({ecodes.EV_SW: [ecodes.SW_HEADPHONE_INSERT]}, name="kiosk-test-jack")
    try:
        jack = EvdevJack(ui.device.path)
        got = threading.Event()
        jack.subscribe(lambda inserted: got.set() if inserted else None)
        ui.write(ecodes.EV_SW, ecodes.SW_HEADPHONE_INSERT, 1)
        ui.syn()
        assert got.wait(5) and jack.inserted()
        jack.close()
    finally:
        ui.close()


def test_unknown_audio_key_names_key_and_file(tmp_path: Path) -> None:
    text = DEMO_CONFIG.read_text(encoding="utf-8").replace(
        "[audio]\n", "[audio]\nvolume = 3\n")
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    for name in ("printer-profiles.toml", "services.toml"):
        (tmp_path / name).write_text((DEMO_CONFIG.parent / name).read_text(encoding="utf-8"))
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert "audio.volume" in str(err.value) and str(path) in str(err.value)


def test_default_volume_within_the_steps() -> None:
    with pytest.raises(ValueError, match="default_volume"):
        AudioSettings(default_volume=12, volume_steps=10)


def test_health_names_missing_prompt_clips(tmp_path: Path) -> None:
    item = audio_probe(settings_with(enabled=True, record_file=tmp_path / "a.wav",
                                     jack="simulated", pack_dir=tmp_path / "nopack"))()
    assert item.status is Status.FAIL and "no prompt pack" in item.summary


def test_no_pack_and_no_stand_in_leaves_the_kiosk_serving_without_speech(tmp_path: Path
                                                                         ) -> None:
    from kiosk.app import attach_speech
    from kiosk.session.speech import NullSpeech

    class FakeKiosk:  # only what attach_speech touches
        settings = settings_with(enabled=True, record_file=tmp_path / "a.wav",
                                 jack="simulated", pack_dir=tmp_path / "nopack",
                                 build_stand_in=False)
        _closers: ClassVar[list] = []

    assert isinstance(attach_speech(FakeKiosk()), NullSpeech)  # type: ignore[arg-type]
    assert gauge("output") == 0
