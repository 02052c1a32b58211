"""The two audio devices of the kiosk: the output (`AudioPort`) and the headphone jack.

Both are used from several threads; every method returns at once. Each has a real
implementation (`drivers.audio.alsa`, `drivers.audio.jack.EvdevJack`) and a simulator of
equal standing where the hardware cannot run (`drivers.audio.jack.SimulatedJack`; the
ALSA player runs against any ALSA PCM, a WAV file through ALSA's ``file`` plugin in tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

FirstFrame = Callable[[int, float], None]
"""``(tag, monotonic time)`` when the first period of a played sound has been written."""


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    ok: bool
    detail: str
    """What works or what failed, in words a technician can act on."""


class AudioPort(Protocol):
    rate: int

    def play(self, frames: bytes, *, tag: int) -> None:
        """Play mono 16-bit `frames` at `rate` after what is playing (queued, returns at once)."""

    def stop(self) -> None:
        """Stop what plays and drop what is queued; silent within one period (≤ 200 ms)."""

    def set_gain(self, gain: float) -> None:
        """Output gain 0..1 from now on (the citizen's volume steps)."""

    def status(self) -> DeviceStatus: ...

    def close(self) -> None: ...


JackCallback = Callable[[bool], None]
"""``inserted`` — called on the jack's own thread on every change."""


class HeadphoneJack(Protocol):
    def inserted(self) -> bool: ...

    def subscribe(self, callback: JackCallback) -> None: ...

    def status(self) -> DeviceStatus:
        """ok while the jack's device reports; not ok once it vanished or went silent."""

    def close(self) -> None: ...
