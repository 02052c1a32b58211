"""Playback through ALSA (pyalsaaudio) on the player's own thread.

One PCM stays open (mono, S16_LE, the pack's rate, 20 ms periods). Sounds are written one
period at a time; between periods the thread looks at its stop generation, so `stop()`
silences the output within one period plus what the device buffers (4 periods), and
``drop()`` discards that buffer on real hardware. Writes are also paced to the wall clock
(at most `lead_s` ahead; None: as fast as the PCM takes them): a real device blocks by
itself; a PCM that never blocks (ALSA's ``file`` plugin onto ``null`` in tests) then still
plays in real time, so stopping mid-sentence is measurable in the file.

A device that cannot be opened or fails a write marks the port not ok (`status`), which
``maintenance health`` and the ``kiosk_audio_output_ok`` metric show.
"""

from __future__ import annotations

import array
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import alsaaudio

from drivers.audio.protocol import DeviceStatus, FirstFrame

log = logging.getLogger(__name__)
PERIOD_MS = 20


class AlsaPlayer:
    def __init__(self, device: str = "default", *, rate: int = 22050,
                 lead_s: float | None = 0.06,
                 on_first_frame: FirstFrame | None = None,
                 on_status: Callable[[DeviceStatus], None] | None = None) -> None:
        self.device, self.rate, self.lead_s = device, rate, lead_s
        self.period = rate * PERIOD_MS // 1000
        self.on_first_frame = on_first_frame
        self.on_status = on_status
        self._gain = 1.0
        self._gen = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._queue: queue.Queue[tuple[int, int, bytes] | None] = queue.Queue()
        self._status = DeviceStatus(True, f"ALSA {device}: not opened yet")
        self._pcm: Any = None
        self.frames_played = 0
        self._progress = threading.Condition()
        self._busy = 0
        self._thread = threading.Thread(target=self._run, name="audio-player", daemon=True)
        self._thread.start()

    # --- AudioPort -------------------------------------------------------------------------
    def play(self, frames: bytes, *, tag: int) -> None:
        with self._lock:
            gen = self._gen
        with self._progress:
            self._busy += 1
        self._queue.put((gen, tag, frames))

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """True once everything queued has played or been stopped (tests, benches)."""
        with self._progress:
            return self._progress.wait_for(lambda: self._busy == 0, timeout)

    def wait_played(self, frames: int, timeout: float = 30.0) -> bool:
        """True once at least `frames` frames have been written in total."""
        with self._progress:
            return self._progress.wait_for(lambda: self.frames_played >= frames, timeout)

    def stop(self) -> None:
        with self._lock:
            self._gen += 1
        self._wake.set()

    def set_gain(self, gain: float) -> None:
        self._gain = min(1.0, max(0.0, gain))

    def status(self) -> DeviceStatus:
        return self._status

    def close(self) -> None:
        self.stop()
        self._queue.put(None)
        self._thread.join(timeout=5)
        if self._pcm is not None:
            self._pcm.close()
            self._pcm = None

    # --- the player thread ----------------------------------------------------------------
    def _set_status(self, status: DeviceStatus) -> None:
        if status != self._status:
            self._status = status
            (log.info if status.ok else log.error)("audio output: %s", status.detail)
            if self.on_status is not None:
                self.on_status(status)

    def _open(self) -> Any:
        if self._pcm is None:
            try:
                self._pcm = alsaaudio.PCM(
                    type=alsaaudio.PCM_PLAYBACK, mode=alsaaudio.PCM_NORMAL, device=self.device,
                    channels=1, rate=self.rate, format=alsaaudio.PCM_FORMAT_S16_LE,
                    periodsize=self.period, periods=4)
            except alsaaudio.ALSAAudioError as exc:
                self._set_status(DeviceStatus(False, f"ALSA {self.device}: cannot open ({exc});"
                                              " check the speaker/headphone output"))
                return None
            self._set_status(DeviceStatus(True, f"ALSA {self.device}: playing"))
        return self._pcm

    def _current(self, gen: int) -> bool:
        with self._lock:
            return gen == self._gen

    def _scaled(self, chunk: bytes) -> bytes:
        gain = self._gain
        if gain >= 0.999:
            return chunk
        samples = array.array("h", chunk)
        for i, s in enumerate(samples):
            samples[i] = int(s * gain)
        return samples.tobytes()

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            gen, tag, frames = job
            try:
                if self._current(gen):
                    self._play(gen, tag, frames)
            finally:
                with self._progress:
                    self._busy -= 1
                    self._progress.notify_all()

    def _play(self, gen: int, tag: int, frames: bytes) -> None:
        pcm = self._open()
        if pcm is None:
            return
        step = self.period * 2
        start = None
        written = 0
        for offset in range(0, len(frames), step):
            if not self._current(gen):
                with contextlib.suppress(alsaaudio.ALSAAudioError):
                    pcm.drop()  # discard what the device still buffers
                return
            chunk = frames[offset:offset + step]
            if len(chunk) < step:
                chunk += b"\x00" * (step - len(chunk))
            try:
                pcm.write(self._scaled(chunk))
            except alsaaudio.ALSAAudioError as exc:
                self._pcm = None
                self._set_status(DeviceStatus(
                    False, f"ALSA {self.device}: write failed ({exc})"))
                return
            written += self.period
            with self._progress:
                self.frames_played += self.period
                self._progress.notify_all()
            now = time.monotonic()
            if start is None:
                start = now
                if self.on_first_frame is not None:
                    self.on_first_frame(tag, now)
            if self.lead_s is None:
                continue
            ahead = written / self.rate - (now - start) - self.lead_s
            if ahead > 0:
                self._wake.wait(ahead)
                self._wake.clear()
