"""The headphone jack: an evdev switch (``SW_HEADPHONE_INSERT``) or its simulator.

`EvdevJack` reads the jack's input device (the HDA/USB codec's "Headphone" jack device,
or any device that has the switch) on its own thread: the state at start from EVIOCGSW,
then every EV_SW event. A device that vanishes (unplugged codec, driver reset) marks the
jack "no longer reports". `SimulatedJack` is the same interface with `plug()`/`unplug()`
(and `fail()`), calling back on its own thread like the real one; it is what runs where no
/dev/uinput exists to create a real evdev device.
"""

from __future__ import annotations

import logging
import queue
import select
import threading
from pathlib import Path

from drivers.audio.protocol import DeviceStatus, JackCallback
from kiosk.observers import Subscribers

log = logging.getLogger(__name__)


class _Callbacks:
    def __init__(self) -> None:
        self._subscribers: Subscribers[bool] = Subscribers("headphone jack callback")

    def subscribe(self, callback: JackCallback) -> None:
        self._subscribers.subscribe(callback)

    def emit(self, inserted: bool) -> None:
        self._subscribers.notify(inserted)


def find_jack_device() -> str | None:
    """The first /dev/input/event* device that has SW_HEADPHONE_INSERT, if any."""
    from evdev import InputDevice, ecodes

    for path in sorted(Path("/dev/input").glob("event*")):
        try:
            dev = InputDevice(str(path))
        except OSError:
            continue
        try:
            if ecodes.SW_HEADPHONE_INSERT in dev.capabilities().get(ecodes.EV_SW, []):
                return str(path)
        finally:
            dev.close()
    return None


class EvdevJack(_Callbacks):
    def __init__(self, path: str) -> None:
        from evdev import InputDevice, ecodes

        super().__init__()
        self._ecodes = ecodes
        self.path = path
        self._dev = InputDevice(path)
        self._inserted = ecodes.SW_HEADPHONE_INSERT in _switches(self._dev)
        self._status = DeviceStatus(True, f"headphone jack {path} ({self._dev.name}) reports")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="headphone-jack", daemon=True)
        self._thread.start()

    def inserted(self) -> bool:
        return self._inserted

    def status(self) -> DeviceStatus:
        return self._status

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._dev.close()

    def _run(self) -> None:
        ec = self._ecodes
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._dev.fd], [], [], 0.2)
                if not ready:
                    continue
                for event in self._dev.read():
                    if event.type == ec.EV_SW and event.code == ec.SW_HEADPHONE_INSERT:
                        self._inserted = bool(event.value)
                        self.emit(self._inserted)
            except (OSError, ValueError) as exc:
                self._status = DeviceStatus(
                    False, f"headphone jack {self.path} stopped reporting ({exc}): check the "
                    "audio codec / USB sound card")
                log.error("%s", self._status.detail)
                if self._inserted:
                    self._inserted = False
                    self.emit(False)  # no jack: treat as unplugged (nothing personal aloud)
                return


def _switches(dev: object) -> set[int]:
    from evdev import _input, ecodes

    return set(_input.ioctl_EVIOCG_bits(dev.fd, ecodes.EV_SW))  # type: ignore[attr-defined]


class SimulatedJack(_Callbacks):
    """The jack for machines without one (demo, tests where /dev/uinput is missing)."""

    def __init__(self, *, inserted: bool = False) -> None:
        super().__init__()
        self._inserted = inserted
        self._ok = True
        self._events: queue.Queue[bool | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="headphone-jack-sim",
                                        daemon=True)
        self._thread.start()

    def plug(self) -> None:
        self._events.put(True)

    def unplug(self) -> None:
        self._events.put(False)

    def fail(self) -> None:
        """The jack stops reporting (as a vanished codec would)."""
        self._ok = False
        self.unplug()

    def inserted(self) -> bool:
        return self._inserted

    def status(self) -> DeviceStatus:
        if self._ok:
            return DeviceStatus(True, "headphone jack (simulated) reports")
        return DeviceStatus(False, "headphone jack (simulated) stopped reporting")

    def close(self) -> None:
        self._events.put(None)
        self._thread.join(timeout=2)

    def _run(self) -> None:
        while (inserted := self._events.get()) is not None:
            if inserted != self._inserted:
                self._inserted = inserted
                self.emit(inserted)
