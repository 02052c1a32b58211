"""One updater run (linkage-kiosk-update.service): the I/O around `decide` and `judge`.

1. refresh the fleet index (offline: nothing to do, the next run in a window catches up);
2. decide: newer release offered, not held, window open, kiosk idle, rollback target kept;
3. install the offered release's .deb (kept in releases/ as the next rollback target);
4. self-check until it passes or the deadline; on failure reinstall the previous release,
   hold the bad version (state + apt pin) and count the rollback (metrics, alert).
Everything the run needs is imported before apt replaces the venv it runs from.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.fleet.apt import (
    AptError,
    FleetApt,
    compare_versions,
    installed_version,
    write_hold_pin,
)
from kiosk.fleet.config import FleetConfig
from kiosk.fleet.decide import Action, Facts, Verdict, decide, judge
from kiosk.fleet.selfcheck import CheckResult
from kiosk.fleet.state import UpdaterState, load_state, save_state

log = logging.getLogger("kiosk.fleet")
PIN_FILE = Path("/etc/apt/preferences.d/linkage-kiosk-held")
VENV_PYTHON = "/opt/linkage-kiosk/venv/bin/python"
RECHECK_S = 5.0


@dataclass(frozen=True)
class RunResult:
    result: str
    detail: str


def busy_reasons_from_kiosk(cfg: FleetConfig) -> list[str]:
    """Ask the installed kiosk (``python -m kiosk busy``, as the kiosk user)."""
    proc = subprocess.run(
        ["runuser", "-u", "linkage-kiosk", "--", VENV_PYTHON, "-m", "kiosk", "--config",
         str(cfg.kiosk_config), "busy"], capture_output=True, text=True, timeout=60,
        check=False)
    if proc.returncode == 0:
        return []
    if proc.returncode == 1:
        return [proc.stdout.strip() or "busy"]
    # The busy check itself failed: never install on a kiosk we cannot read.
    return [f"busy check failed (exit {proc.returncode}): {proc.stderr.strip()[-200:]}"]


def selfcheck_subprocess(cfg: FleetConfig, config_path: Path) -> list[CheckResult]:
    """Run the *new* release's self-check in a fresh interpreter (this one is the old one)."""
    proc = subprocess.run([VENV_PYTHON, "-m", "kiosk.fleet", "--config", str(config_path),
                           "selfcheck"], capture_output=True, text=True, timeout=300,
                          check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(("ok ", "FAIL "))]
    if proc.returncode not in (0, 1) or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return [CheckResult("selfcheck", False, f"did not run (exit {proc.returncode}): {tail}")]
    return [CheckResult(line.split()[1], line.startswith("ok "), line) for line in lines]


def _local_minute(now: float) -> int:
    t = time.localtime(now)
    return t.tm_hour * 60 + t.tm_min


def run_update(cfg: FleetConfig, config_path: Path, *,
               clock: Callable[[], float] = time.time,
               busy: Callable[[FleetConfig], list[str]] = busy_reasons_from_kiosk,
               selfcheck: Callable[[FleetConfig, Path], list[CheckResult]]
               = selfcheck_subprocess,
               say: Callable[[str], None] = print) -> RunResult:
    state = load_state(cfg.state_dir)
    apt = FleetApt(cfg)
    apt.prepare()
    now = clock()
    state.last_check, state.ring = now, cfg.ring.value
    installed = installed_version()
    state.installed = installed
    offered = None
    if apt.update():
        versions = apt.offered_versions()
        offered = versions[-1] if versions else None
    newer = bool(offered and (installed is None or compare_versions(offered, installed) > 0))
    state.offered = offered
    if newer and offered not in state.held:
        state.behind_since = state.behind_since or now
    else:
        state.behind_since = 0.0
    kept = installed is not None and apt.kept(installed) is not None
    if installed is not None and not kept and newer:
        try:
            apt.download(installed)
            kept = True
        except AptError as exc:
            say(f"cannot keep the running release {installed} for a rollback: {exc}")
    in_window = cfg.window.contains(_local_minute(now))
    reasons = tuple(busy(cfg)) if (newer and in_window) else ()
    action = decide(Facts(minute=_local_minute(now), window=cfg.window, installed=installed,
                          offered=offered, offered_is_newer=newer,
                          held=frozenset(state.held), busy_reasons=reasons,
                          rollback_kept=kept))
    if action is not Action.INSTALL:
        detail = "; ".join(reasons) if action is Action.BUSY else f"offered {offered}"
        say(f"no install: {action.value} ({detail}; installed {installed})")
        return _finish(cfg, state, RunResult(action.value, detail))
    assert offered is not None
    state.last_attempt = now
    say(f"installing {offered} over {installed} (ring {cfg.ring.value})")
    save_state(cfg.state_dir, state)
    started = clock()
    failure = ""
    try:
        deb = apt.kept(offered) or apt.download(offered)
        apt.install_file(deb)
    except AptError as exc:
        failure = f"install failed: {exc}"
    if not failure:
        failure = _wait_selfcheck(cfg, config_path, selfcheck, clock, started, say)
    if not failure:
        state.installed = offered
        state.behind_since = 0.0
        apt.prune({offered, installed} - {None})  # type: ignore[arg-type]
        say(f"{offered} passed its self-check {clock() - started:.1f} s after the install began")
        return _finish(cfg, state, RunResult("installed", offered))
    say(f"{offered} failed: {failure}")
    if installed is None:
        return _finish(cfg, state, RunResult("install_failed", failure))
    return _rollback(cfg, apt, state, installed, offered, failure, clock, started, say)


def _wait_selfcheck(cfg: FleetConfig, config_path: Path,
                    selfcheck: Callable[[FleetConfig, Path], list[CheckResult]],
                    clock: Callable[[], float], started: float,
                    say: Callable[[str], None]) -> str:
    pause = threading.Event()
    while True:
        results = selfcheck(cfg, config_path)
        verdict = judge({r.name: r.ok for r in results}, clock() - started, cfg.deadline_s)
        if verdict is Verdict.PASS:
            return ""
        failed = "; ".join(r.detail for r in results if not r.ok) or "no checks ran"
        if verdict is Verdict.ROLLBACK:
            return f"self-check failed for {cfg.deadline_s:.0f} s: {failed}"
        say(f"self-check not yet passing ({failed}); again in {RECHECK_S:.0f} s")
        pause.wait(RECHECK_S)


def _rollback(cfg: FleetConfig, apt: FleetApt, state: UpdaterState, previous: str, bad: str,
              failure: str, clock: Callable[[], float], started: float,
              say: Callable[[str], None]) -> RunResult:
    if bad not in state.held:
        state.held.append(bad)
    write_hold_pin(PIN_FILE, state.held)
    state.rollbacks += 1
    deb = apt.kept(previous)
    try:
        if deb is None:
            raise AptError(f"the previous release {previous} is not kept")
        apt.install_file(deb, downgrade=True)
    except AptError as exc:
        state.installed = installed_version()
        return _finish(cfg, state, RunResult("install_failed",
                                             f"{failure}; ROLLBACK FAILED: {exc}"))
    state.installed = installed_version()
    say(f"rolled back to {state.installed} {clock() - started:.1f} s after the install began; "
        f"{bad} held on this kiosk")
    return _finish(cfg, state, RunResult("rolled_back", f"{bad}: {failure}"))


def _finish(cfg: FleetConfig, state: UpdaterState, result: RunResult) -> RunResult:
    state.last_result, state.last_detail = result.result, result.detail[:500]
    save_state(cfg.state_dir, state)
    log.info("update run: %s (%s)", result.result, result.detail)
    sys.stdout.flush()
    return result
