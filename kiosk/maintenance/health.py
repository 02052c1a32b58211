"""Health at a glance: a `HealthReport` of typed `HealthItem`s, each from a small probe.

A probe is a plain function returning one `HealthItem`. `gather()` runs all probes in
parallel on worker threads with a deadline, so a hung printer or an unreachable Linkage
server shows up as FAIL ("no answer in 3 s") instead of freezing the maintenance screen.
A probe that raises becomes a FAIL item too; the report is always complete.

Nothing here carries personal data: items say what a device or queue is doing, never
whose card or submission it is. Free text from exceptions goes through `scrub`.
"""

from __future__ import annotations

import enum
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.appliance.version import software_version
from kiosk.maintenance import vpcd
from kiosk.maintenance.scrub import scrub

log = logging.getLogger(__name__)

DetailValue = str | int | float | bool | None


class Status(enum.StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"

    @property
    def severity(self) -> int:
        return {Status.OK: 0, Status.WARN: 1, Status.FAIL: 2}[self]


@dataclass(frozen=True)
class HealthItem:
    key: str
    """Stable id: ``disk``, ``printer``, ``linkage``, ``outbox``, ``card_reader``, …"""
    status: Status
    summary: str
    """One line for the technician (English, technical)."""
    detail: Mapping[str, DetailValue] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"key": self.key, "status": self.status.value, "summary": self.summary,
                "detail": dict(self.detail)}


@dataclass(frozen=True)
class HealthReport:
    items: tuple[HealthItem, ...]
    taken_at: float
    """Wall-clock time of the report (for the diagnostics bundle)."""

    @property
    def overall(self) -> Status:
        return max((i.status for i in self.items), key=lambda s: s.severity, default=Status.OK)

    def item(self, key: str) -> HealthItem:
        for i in self.items:
            if i.key == key:
                return i
        raise KeyError(key)

    def to_dict(self) -> dict[str, object]:
        return {"taken_at": self.taken_at, "overall": self.overall.value,
                "items": [i.to_dict() for i in self.items]}


Probe = Callable[[], HealthItem]


def gather(probes: Mapping[str, Probe], *, timeout_s: float = 3.0) -> HealthReport:
    """Run every probe at once; one that is late or raises becomes a FAIL item."""
    if not probes:
        return HealthReport((), time.time())
    pool = ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="health-probe")
    try:
        futures = {key: pool.submit(probe) for key, probe in probes.items()}
        wait(futures.values(), timeout=timeout_s)
        items = []
        for key, fut in futures.items():
            if not fut.done():
                items.append(HealthItem(key, Status.FAIL, f"no answer within {timeout_s:g} s"))
                continue
            exc = fut.exception()
            if exc is not None:
                log.warning("health probe %s failed: %s", key, exc.__class__.__name__)
                text = scrub(f"{exc.__class__.__name__}: {exc}")[:200]
                items.append(HealthItem(key, Status.FAIL, f"probe error: {text}"))
            else:
                items.append(fut.result())
    finally:
        # Do not wait for a hung probe: its thread finishes (or not) on its own.
        pool.shutdown(wait=False, cancel_futures=True)
    return HealthReport(tuple(items), time.time())


class HealthMonitor:
    """Refreshes the report every ``interval_s`` on its own thread ("refreshed live").

    ``listener(report)`` is called on that thread: the UI hands it to its main loop.
    """

    def __init__(
        self,
        probes: Mapping[str, Probe],
        listener: Callable[[HealthReport], None],
        *,
        interval_s: float = 2.0,
        timeout_s: float = 3.0,
    ) -> None:
        self._probes = dict(probes)
        self._listener = listener
        self._interval = interval_s
        self._timeout = timeout_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="health-monitor",
                                            daemon=True)
            self._thread.start()

    def refresh_now(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self._timeout + 1)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            report = gather(self._probes, timeout_s=self._timeout)
            if self._stop.is_set():
                break
            try:
                self._listener(report)
            except Exception:
                log.exception("health listener failed")
            self._wake.wait(self._interval)
            self._wake.clear()


# -- probes that need nobody else's code ---------------------------------------------------

DISK_WARN_BYTES = 1 * 1024**3
DISK_FAIL_BYTES = 200 * 1024**2


def disk_probe(state_dir: Path, *, warn_bytes: int = DISK_WARN_BYTES,
               fail_bytes: int = DISK_FAIL_BYTES) -> Probe:
    def probe() -> HealthItem:
        usage = shutil.disk_usage(_existing_ancestor(state_dir))
        free_mb = usage.free // 1024**2
        detail = {"free_mb": free_mb, "total_mb": usage.total // 1024**2,
                  "used_pct": round(100 * usage.used / usage.total, 1) if usage.total else None}
        if usage.free < fail_bytes:
            return HealthItem("disk", Status.FAIL, f"only {free_mb} MB free on the state volume",
                              detail)
        if usage.free < warn_bytes:
            return HealthItem("disk", Status.WARN, f"{free_mb} MB free on the state volume",
                              detail)
        return HealthItem("disk", Status.OK, f"{free_mb} MB free", detail)
    return probe


def version_probe() -> HealthItem:
    version = software_version()
    return HealthItem("version", Status.OK, f"linkage-kiosk {version}", {"version": version})


_PROCESS_STARTED = time.monotonic()


def uptime_probe() -> HealthItem:
    app_s = int(time.monotonic() - _PROCESS_STARTED)
    try:
        system_s: int | None = int(float(Path("/proc/uptime").read_text().split()[0]))
    except (OSError, ValueError, IndexError):
        system_s = None
    summary = f"app {_human(app_s)}" + (f", system {_human(system_s)}" if system_s else "")
    return HealthItem("uptime", Status.OK, summary,
                      {"app_s": app_s, "system_s": system_s, "pid": os.getpid()})


def vpcd_probe(conf_dirs: tuple[Path, ...] = vpcd.DEFAULT_CONF_DIRS) -> Probe:
    """FAIL when pcscd carries a vpcd virtual reader: anyone on the network can insert a card."""
    def probe() -> HealthItem:
        found = vpcd.find_vpcd(conf_dirs)
        detail: dict[str, DetailValue] = {
            "config_files": ", ".join(str(e.path) for e in found.entries) or None,
            "listening_ports": ", ".join(str(p) for p in found.listening_ports) or None,
        }
        if found.listening_ports:
            ports = ", ".join(str(p) for p in found.listening_ports)
            return HealthItem("vpcd", Status.FAIL,
                              f"virtual card reader (vpcd) listening on port {ports}: "
                              "anyone on the network can insert a card", detail)
        if found.entries:
            return HealthItem("vpcd", Status.FAIL,
                              "a virtual card reader (vpcd) is configured for pcscd; "
                              "remove it from production kiosks", detail)
        return HealthItem("vpcd", Status.OK, "no virtual card reader configured", detail)
    return probe


def sender_probe(state_dir: Path) -> Probe:
    """The outbox sender's heartbeat (`kiosk.appliance.heartbeat`): FAIL "sender not running"
    once it is older than ``STALE_AFTER_S`` (stopped, crashed, or stuck in a read or lock)."""
    from kiosk.appliance.heartbeat import STALE_AFTER_S, heartbeat_path, read_beat

    def probe() -> HealthItem:
        beat = read_beat(heartbeat_path(state_dir))
        detail: dict[str, DetailValue] = {
            "last_beat_age_s": None if beat.age_s is None else round(beat.age_s, 1),
            "pid": beat.pid, "stale_after_s": STALE_AFTER_S}
        if beat.age_s is None:
            return HealthItem("sender", Status.FAIL,
                              "sender not running (no heartbeat): queued items wait; "
                              "check `systemctl status linkage-kiosk-outbox`", detail)
        if not beat.running():
            return HealthItem("sender", Status.FAIL,
                              f"sender not running (last heartbeat {beat.age_s:.0f} s ago, "
                              "stuck or stopped): the watchdog restarts it", detail)
        return HealthItem("sender", Status.OK, f"sender running (beat {beat.age_s:.0f} s ago)",
                          detail)
    return probe


def parts_probe(state_dir: Path) -> Probe:
    """Units systemd gave up on and the recovery unit is bringing back (out of service)."""
    from kiosk.appliance.recover import parts_down

    def probe() -> HealthItem:
        down = parts_down(state_dir)
        if not down:
            return HealthItem("units", Status.OK, "all units up", {"down": None})
        now = time.time()
        names = ", ".join(f"{p.unit} (down {_human(int(now - p.since))}, "
                          f"{p.failures} failure(s))" for p in down)
        return HealthItem("units", Status.FAIL,
                          f"out of service: {names}; restarting after a cool-down "
                          "(journalctl -u linkage-kiosk-recover@*)",
                          {"down": ", ".join(p.unit for p in down)})
    return probe


def ui_faults_probe(faults: Callable[[], Sequence[str]], out_of_service: Callable[[], bool]
                    ) -> Probe:
    """Screen faults the UI contained since it started (`kiosk.ui.fault`): their references
    (the journal's ``UI FAULT F-…`` lines say where), and whether they stopped the kiosk."""
    def probe() -> HealthItem:
        refs = list(faults())
        detail: dict[str, DetailValue] = {"faults": len(refs),
                                          "last": refs[-1] if refs else None}
        if out_of_service():
            return HealthItem("ui_faults", Status.FAIL,
                              f"out of service after {len(refs)} screen faults (last "
                              f"{refs[-1] if refs else '?'}): journalctl -u linkage-kiosk "
                              "-g 'UI FAULT', then Restart app", detail)
        if refs:
            return HealthItem("ui_faults", Status.WARN,
                              f"{len(refs)} screen fault(s) contained, each session ended "
                              f"safely (last {refs[-1]}): journalctl -u linkage-kiosk "
                              "-g 'UI FAULT'", detail)
        return HealthItem("ui_faults", Status.OK, "no screen faults", detail)
    return probe


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _human(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {seconds % 60}s"


def audio_probe(settings: object, *, speech_status: Callable[[], Mapping[str, object]]
                | None = None) -> Probe:
    """Spoken guidance: the ALSA output opens, the headphone jack's device reports, the
    prompt pack is complete. From a second process the output is opened briefly (busy
    means the kiosk holds it: fine); `speech_status` gives the running kiosk's own view."""

    def probe() -> HealthItem:
        from kiosk.config.settings import Settings

        assert isinstance(settings, Settings)
        audio = settings.audio
        if not audio.enabled:
            return HealthItem("audio", Status.WARN, "spoken guidance is off ([audio] enabled)")
        problems: list[str] = []
        detail: dict[str, DetailValue] = {"device": audio.device, "jack": audio.jack}
        if speech_status is not None:
            for name, status in speech_status().items():
                ok = bool(getattr(status, "ok", False))
                detail[f"{name}_ok"] = ok
                if not ok:
                    problems.append(str(getattr(status, "detail", name)))
        else:
            problems += _audio_devices(audio, detail)
        problems += _prompt_pack(settings, detail)
        from kiosk.appliance import metrics

        metrics.set_audio_device_ok("output", not any("ALSA" in p for p in problems))
        metrics.set_audio_device_ok("jack", not any("jack" in p for p in problems))
        if problems:
            return HealthItem("audio", Status.FAIL, "; ".join(problems)[:300], detail)
        if audio.jack == "simulated":
            return HealthItem("audio", Status.WARN, f"speech output {audio.device} works; the "
                              "headphone jack is simulated (demo, no jack hardware)", detail)
        return HealthItem("audio", Status.OK, f"speech output {audio.device} and the "
                          f"headphone jack ({audio.jack}) work", detail)
    return probe


def _prompt_pack(settings: object, detail: dict[str, DetailValue]) -> list[str]:
    from kiosk.app import prompt_pack_dir, speech_lexicon
    from kiosk.audio.pack import PackError, PromptPack, check

    root = prompt_pack_dir(settings)  # type: ignore[arg-type]
    try:
        problems = check(PromptPack.load(root), speech_lexicon(settings),  # type: ignore[arg-type]
                         decode=False)
    except PackError as exc:
        return [f"no prompt pack in {root} ({type(exc).__name__}): python -m kiosk prompts "
                "check"]
    detail["prompt_clips_missing"] = len(problems)
    if problems:
        return [f"{len(problems)} prompt clips missing or out of date in {root}: python -m "
                "kiosk prompts check"]
    return []


def _audio_devices(audio: object, detail: dict[str, DetailValue]) -> list[str]:
    problems: list[str] = []
    device = getattr(audio, "device", "default")
    if getattr(audio, "record_file", None) is None:
        import alsaaudio

        try:
            pcm = alsaaudio.PCM(type=alsaaudio.PCM_PLAYBACK, mode=alsaaudio.PCM_NONBLOCK,
                                device=device)
            pcm.close()
        except alsaaudio.ALSAAudioError as exc:
            if "busy" not in str(exc).lower():
                problems.append(f"ALSA {device} cannot be opened ({exc}): check the speaker "
                                "output and its cable")
    else:
        detail["device"] = "file (demo)"
    jack = getattr(audio, "jack", "none")
    if jack == "evdev":
        from drivers.audio.jack import find_jack_device

        path = getattr(audio, "jack_device", "") or find_jack_device()
        if not path or not Path(path).exists():
            problems.append("the headphone jack no longer reports (no input device with "
                            "SW_HEADPHONE_INSERT): check the audio codec / USB sound card")
    elif jack == "none":
        problems.append("no headphone jack configured: personal data cannot be spoken")
    return problems
