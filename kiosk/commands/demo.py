"""``python -m kiosk demo``: the kiosk with simulators, on screen or headless.

With a working display: the kiosk window plus a demo-only control panel (insert/remove a
seed citizen's card, answer the ThaID QR on the citizen's phone, cut/restore the network,
paper out/in, show the last receipt).
Without one (no ``$DISPLAY``, or it does not answer): re-run itself under ``xvfb-run`` and
play a scripted tour of several citizens and services, leaving a screenshot of every
screen and every printed receipt in one folder (``<state>/demo-run-<time>/``), whose path
it prints last, plus the layout checker's contact sheet of every screen x content extreme x
language/text size/contrast (``contact-sheet/index.html``, `kiosk.commands.contact_sheet`).
The first citizen is served by KEYS ONLY (`kiosk.ui.keys_tour`); what the spoken guidance
played for that session is left as ``session-audio.wav``. The rest of the tour runs
through the session's own script runner (`kiosk.services.scripted`), the same one behind
``python -m kiosk run-script``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from kiosk.config import load_settings

log = logging.getLogger("kiosk.demo")

REEXEC_ENV = "KIOSK_DEMO_UNDER_XVFB"

TOUR = """
# 1: a citizen in Thai prints their registry record
insert 0
wait identity
proceed
wait consent
consent
wait menu
choose registry_record
wait verify_holder
phone holder
wait result 15
print
wait finished
remove
wait idle
# 1b: a found card: someone else approves on their phone, the record stays closed
insert 2
wait identity
language en
proceed
wait consent
consent
wait menu
choose registry_record
wait verify_holder
phone other
wait error
back
wait menu
choose card_status
wait result 15
finish
wait finished
remove
wait idle
# 2: in English: status of a revoked card, then a counter ticket while the paper runs out
insert 3
wait identity
language en
proceed
wait consent
consent
wait menu
choose card_status
wait result 15
back
wait menu
choose counter_ticket
wait result 15
paper out
print
wait error
paper ok
back
wait result 15
print
wait finished
remove
wait idle
# 3: the network is down: the online record is unavailable, a request is queued
network off
insert 1
wait identity
proceed
wait consent
consent
wait menu
expect-available registry_record no
choose submit_request
wait result 15
print
wait finished
remove
wait idle
network on
# 4: a citizen who does not consent: nothing is looked up
insert 6
wait identity
proceed
wait consent
decline
wait finished
remove
wait idle
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="run the kiosk with simulators (headless without X)")
    parser.add_argument("--headless", action="store_true",
                        help="play the scripted tour and save screenshots (needs X: Xvfb)")
    parser.add_argument("--out", type=Path, help="folder for screenshots and receipts")
    parser.add_argument("--pace", type=float, default=0.8,
                        help="seconds each awaited screen stays up in the tour (default 0.8)")
    parser.set_defaults(func=run)


def display_works() -> bool:
    if not os.environ.get("DISPLAY"):
        return False
    if shutil.which("xdpyinfo") is None:
        return True  # cannot check cheaply: let Kivy try
    probe = subprocess.run(["xdpyinfo"], capture_output=True, timeout=10)
    return probe.returncode == 0


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if not display_works():
        if os.environ.get(REEXEC_ENV):
            print("demo: no X display even under xvfb-run", file=sys.stderr)
            return 2
        return _reexec_under_xvfb(args, settings.ui.window_width, settings.ui.window_height)
    if args.headless or os.environ.get(REEXEC_ENV):
        return headless(settings, args)
    return interactive(settings)


def _reexec_under_xvfb(args: argparse.Namespace, width: int, height: int) -> int:
    if shutil.which("xvfb-run") is None:
        print("demo: no display and no xvfb-run (apt-get install xvfb)", file=sys.stderr)
        return 2
    print("demo: no display here; playing the headless tour under Xvfb", flush=True)
    command = [sys.executable, "-m", "kiosk"]
    if args.config:
        command += ["--config", str(args.config)]
    command += ["demo", "--headless", "--pace", str(args.pace)]
    if args.out:
        command += ["--out", str(args.out)]
    env = {**os.environ, REEXEC_ENV: "1"}
    server_args = f"-screen 0 {width}x{height}x24 +extension GLX -nolisten tcp"
    os.execvpe("xvfb-run", ["xvfb-run", "--auto-servernum", f"--server-args={server_args}",
                            *command], env)


def _demo_ui(settings: Any, *, panel: bool) -> Any:
    return settings.ui.model_copy(update={"demo_panel": panel, "fullscreen": False,
                                          "show_cursor": True})


def interactive(settings: Any) -> int:
    from kiosk.app import attach_speech, build_kiosk
    from kiosk.ui.launch import create_app, run_app, ui_settings_for_window
    from simulators.kiosk_devices import KioskDevices

    kiosk = build_kiosk(settings)
    devices = KioskDevices(kiosk, seeds_file=settings.demo.seeds_file)
    controls = SimulatorControls(kiosk, devices)
    try:
        speech = attach_speech(kiosk)
        kiosk.engine.start()
        ui = ui_settings_for_window(_demo_ui(settings, panel=True), demo_panel=True)
        app = create_app(settings, kiosk.engine, demo_controls=controls, ui=ui, speech=speech)
        run_app(app)
    finally:
        devices.close()
        kiosk.close()
    return 0


def headless(settings: Any, args: argparse.Namespace) -> int:
    from drivers.audio.jack import SimulatedJack
    from kiosk.app import attach_speech, build_kiosk
    from kiosk.config.loader import ensure_private_dir
    from kiosk.ui.launch import create_app, run_app, stop_after
    from simulators.kiosk_devices import KioskDevices

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir: Path = (args.out or settings.kiosk.state_dir / f"demo-run-{stamp}").resolve()
    ensure_private_dir(out_dir)  # screenshots show full IDs: 0700 folders, 0600 files
    os.chmod(out_dir, 0o700)
    kiosk = build_kiosk(settings)
    devices = KioskDevices(kiosk, seeds_file=settings.demo.seeds_file)
    outcome: dict[str, Any] = {}
    try:
        # What a citizen with headphones plugged in heard, as ALSA played it.
        speech = attach_speech(kiosk, jack=SimulatedJack(inserted=True),
                               record_file=out_dir / "session-audio.wav")
        kiosk.engine.start()
        app = create_app(settings, kiosk.engine, ui=_demo_ui(settings, panel=False),
                         speech=speech)
        from kiosk.ui.recorder import ScreenRecorder

        shots = ScreenRecorder(app, out_dir)
        app.on_view_drawn(shots.on_view)

        def play() -> None:
            from kiosk.ui.widgets import segmenter_ready

            # Start once the Thai word dictionary is in (about a second): the pictures then
            # show the final word-by-word line breaks, not the provisional ones.
            segmenter_ready.wait(15)
            try:
                from kiosk.ui.keys_tour import keys_only_session

                outcome["keys_only"] = keys_only_session(app, kiosk.engine, devices, speech)
                outcome.update(play_tour(kiosk.engine, devices, args.pace))
            finally:
                stop_after(app, max(0.5, args.pace))

        run_app(app, on_started=lambda _app: threading.Thread(
            target=play, name="demo-tour", daemon=True).start())
        receipts = _copy_receipts(kiosk, out_dir)
    finally:
        devices.close()
        kiosk.close()
    sheet = _contact_sheet(args, out_dir / "contact-sheet")
    audio = out_dir / "session-audio.wav"
    summary = {"folder": str(out_dir), "screenshots": shots.count, "receipts": receipts,
               "session_audio": str(audio) if audio.exists() else None,
               "contact_sheet": sheet, **outcome}
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    if outcome.get("keys_only", {}).get("failure"):
        outcome.setdefault("failures", []).append(f"keys only: {outcome['keys_only']['failure']}")
    for failure in outcome.get("failures", []):
        print(f"demo tour: {failure}", file=sys.stderr)
    print(f"demo screenshots and receipts: {out_dir}")
    return 1 if outcome.get("failures") or sheet["exit"] else 0


def _contact_sheet(args: argparse.Namespace, out_dir: Path) -> dict[str, Any]:
    """Every screen x content extreme x variant, checked and photographed (its own window:
    Kivy opens one per process)."""
    config = ["--config", str(args.config)] if args.config else []
    command = [sys.executable, "-m", "kiosk", *config, "contact-sheet", "--out", str(out_dir)]
    done = subprocess.run(command, capture_output=True, text=True)
    faults = [line for line in done.stderr.splitlines() if line.startswith("layout: ")]
    for line in faults:
        print(f"demo {line}", file=sys.stderr)
    print(done.stdout.strip().splitlines()[-1] if done.stdout.strip()
          else f"demo: the contact sheet failed ({done.returncode})")
    return {"index": str(out_dir / "index.html"), "faults": len(faults),
            "exit": done.returncode}


def tour_segments(text: str = TOUR) -> list[tuple[str, str]]:
    """(title, script) per citizen: a segment starts at a ``# title`` line."""
    segments: list[tuple[str, str]] = []
    for line in text.strip().splitlines():
        if line.startswith("# "):
            segments.append((line[2:].strip(), ""))
        elif segments:
            title, body = segments[-1]
            segments[-1] = (title, body + line + "\n")
    return segments


def play_tour(engine: Any, devices: Any, pace: float) -> dict[str, Any]:
    """Play each citizen's segment; a failed one is reported, cleaned up, and the next runs."""
    from kiosk.services.scripted import ScriptError, ScriptRunner, parse_script
    from kiosk.session.view import Screen

    failures: list[str] = []
    screens: list[str] = []
    for title, body in tour_segments():
        steps = _paced(parse_script(body, title), pace)
        try:
            report = ScriptRunner(engine, devices, out=sys.stdout).run(steps)
            screens.extend(report.screens)
        except ScriptError as exc:
            failures.append(f"{title}: {exc}")
            devices.remove()  # leave the kiosk ready for the next citizen
            devices.network(True)
            devices.paper(True)
            try:
                engine.wait_for(lambda v: v.screen is Screen.IDLE, 15)
            except TimeoutError:
                failures.append(f"{title}: the kiosk did not return to idle")
                break
    return {"failures": failures, "segments": len(tour_segments()),
            "screens_seen": sorted(set(screens))}


def _paced(steps: list[Any], pace: float) -> list[Any]:
    """Hold each awaited screen for ``pace`` seconds so it is drawn and photographed."""
    if pace <= 0:
        return steps
    out = []
    for step in steps:
        out.append(step)
        if step.verb == "wait":
            out.append(replace(step, verb="sleep", args=(str(pace),)))
    return out


def _copy_receipts(kiosk: Any, out_dir: Path) -> int:
    printer = kiosk.printing.virtual_printer
    if printer is None:
        return 0
    count = 0
    for count, receipt in enumerate(printer.receipts, start=1):
        shutil.copy2(receipt.path, out_dir / f"receipt-{count:02d}-{receipt.path.name}")
    return count


class SimulatorControls:
    """The demo panel's `kiosk.ui.demo_controls.DemoControls` over the simulators."""

    def __init__(self, kiosk: Any, devices: Any) -> None:
        from simulators.seeds import load_seeds

        self.kiosk = kiosk
        self.devices = devices
        self._seeds = load_seeds(kiosk.settings.demo.seeds_file)

    def citizens(self) -> list[tuple[str, str]]:
        from kiosk.domain.citizen_id import mask_cid

        out = []
        for index, citizen in enumerate(self._seeds.citizens[:40]):
            name = " ".join(str(citizen.card.th_name).replace("#", " ").split())
            out.append((str(index), f"{name}\n{mask_cid(str(citizen.cid))}"))
        return out

    def insert_card(self, key: str) -> None:
        self.devices.remove()
        self.devices.insert(int(key))

    def remove_card(self) -> None:
        self.devices.remove()

    def set_network(self, up: bool) -> None:
        self.devices.network(up)

    def set_paper(self, present: bool) -> None:
        self.devices.paper(present)

    def approve_on_phone(self, mode: str) -> None:
        qr = self.kiosk.engine.view.holder_qr
        if qr is None:
            log.info("demo panel: no ThaID QR on screen")
            return
        self.devices.phone(mode, qr)

    def last_receipt(self) -> Path | None:
        printer = self.kiosk.printing.virtual_printer
        if printer is None or not printer.receipts:
            return None
        return Path(printer.receipts[-1].path)
