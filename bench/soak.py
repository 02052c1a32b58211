"""Soak run: many citizen sessions through the real kiosk; does anything grow?

The whole kiosk in this process — the Kivy touch UI (run it under Xvfb:
``scripts/with-display.sh .venv/bin/python bench/soak.py``), the card read through the real
pcscd with the vpcd driver and our virtual card (``--card simulated`` for the in-process
reader instead), the reference Linkage server over mutual TLS on a loopback port (run by
this process on its own thread, as the tests do), the outbox with its sender thread on
SQLite, and the virtual printer. Each session is played by touch: card in → continue →
I agree → a service (card status and submit request in turn) → print → card out.

After ``--warmup`` sessions (default 50: caches, the word dictionary, pools are full) and
after ``--sessions`` (default 200; the issue's figure is ``--sessions 1000``), it records
the resident set size, the number of threads, the open file descriptors and the sizes of
the outbox and server databases, and prints the growth between the two. Goal: RSS growth
≤ 5 MB, 0 threads and 0 file descriptors more. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the session tests' real-stack config writer

CITIZENS = (0, 1, 6, 9, 11)
SERVICES = ("card_status", "submit_request")
GOAL = {"rss_mb": 5.0, "threads": 0, "open_fds": 0}


def snapshot(paths: dict[str, Path]) -> dict[str, Any]:
    gc.collect()
    with open("/proc/self/statm") as statm:
        rss = int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    sizes = {}
    for name, path in paths.items():
        sizes[name] = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")
                          if p.is_file())
    return {"rss_mb": round(rss, 2), "threads": len(os.listdir("/proc/self/task")),
            "python_threads": threading.active_count(),
            "open_fds": len(os.listdir("/proc/self/fd")), "db_bytes": sizes,
            "at": time.monotonic()}


def run(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    from session.stack import write_config

    from kiosk.app import build_kiosk
    from kiosk.config import load_settings
    from kiosk.linkage.pki import ensure_server_pki
    from simulators.kiosk_devices import KioskDevices
    from simulators.linkage_server.runner import run_in_thread

    ensure_server_pki(root / "pki")
    pcsc = None
    vpcd_port, reader_filter = None, ""
    if args.card == "pcsc":
        from simulators.vcard.pcsc_stack import PcscStack

        print("soak: starting pcscd (waits for the machine-wide pcscd lock)", file=sys.stderr)
        pcsc = PcscStack(root / "pcscd")
        pcsc.start()
        vpcd_port, reader_filter = pcsc.slot(0).port, pcsc.slot(0).reader
    try:
        with run_in_thread(state_dir=root / "server", pki_dir=root / "pki") as server:
            config = write_config(root, server.base_url, card_driver=args.card,
                                  reader_filter=reader_filter)
            config.write_text(config.read_text("utf-8").replace(
                'log_level = "DEBUG"', 'log_level = "WARNING"'), "utf-8")
            settings = load_settings(config)
            kiosk = build_kiosk(settings, start_sender=True)
            devices = KioskDevices(kiosk, seeds_file=settings.demo.seeds_file,
                                   vpcd_port=vpcd_port, server=server)
            paths = {"outbox": settings.outbox.database,
                     "server": root / "server" / "linkage-server.sqlite3"}
            try:
                return play(args, settings, kiosk, devices, paths)
            finally:
                devices.close()
                kiosk.close()
    finally:
        if pcsc is not None:
            pcsc.stop()


def play(args: argparse.Namespace, settings: Any, kiosk: Any, devices: Any,
         paths: dict[str, Path]) -> dict[str, Any]:
    from kivy.clock import Clock
    from kivy.tests.common import UnitTestTouch

    from kiosk.session.view import Screen
    from kiosk.ui.launch import create_app, run_app
    from kiosk.ui.widgets import KButton

    ui = settings.ui.model_copy(update={"fullscreen": False, "demo_panel": False})
    app = create_app(settings, kiosk.engine, ui=ui)
    state: dict[str, Any] = {"done": 0, "started": 0, "last": None, "errors": [],
                             "snapshots": {}, "failed": None}

    def find(key: str = "", text: str = "") -> Any:
        def walk(w: Any) -> Any:
            yield w
            for c in w.children:
                yield from walk(c)
        for w in walk(app.manager.current_screen):
            if isinstance(w, KButton) and w.opacity > 0 and not w.disabled and \
                    ((key and w.key == key) or (text and text in w.raw)):
                return w
        raise LookupError(key or text)

    def tap(widget: Any) -> None:
        touch = UnitTestTouch(*widget.to_window(*widget.center))
        touch.touch_down()
        touch.touch_up()

    def insert_next(_dt: float = 0) -> None:
        if state["done"] >= args.sessions:
            Clock.schedule_once(lambda _dt: app.stop(), 0.2)
            return
        state["started"] += 1
        app.bridge.run_off_main(devices.insert, CITIZENS[state["started"] % len(CITIZENS)])

    def ended() -> None:
        state["done"] += 1
        if state["done"] in (args.warmup, args.sessions):
            state["snapshots"][state["done"]] = snapshot(paths)
            print(f"soak: after {state['done']} sessions: "
                  f"{state['snapshots'][state['done']]}", file=sys.stderr)

    def after_drawn(view: Any) -> None:
        screen = view.screen
        key = (view.seq, screen)
        if state["last"] == key:
            return
        state["last"] = key
        try:
            if screen is Screen.IDLE:
                if state["started"] > state["done"]:
                    ended()
                if state["started"] == 0:
                    from kiosk.ui import widgets  # first card once the dictionary is loaded

                    def first(_dt: float) -> None:
                        if widgets._SEGMENTER_READY.is_set():
                            insert_next()
                        else:
                            Clock.schedule_once(first, 0.05)
                    Clock.schedule_once(first, 0)
                else:
                    Clock.schedule_once(insert_next, 0.05)
            elif screen is Screen.IDENTITY:
                tap(find("identity.continue"))
            elif screen is Screen.CONSENT:
                tap(find("consent.agree"))
            elif screen is Screen.MENU:
                service = SERVICES[state["started"] % len(SERVICES)]
                entry = next(e for e in view.menu if e.service_id == service)
                tap(find(text=entry.name.pick(view.language)))
            elif screen is Screen.RESULT:
                tap(find("result.print"))
            elif screen in (Screen.FINISHED, Screen.TAKE_CARD):
                app.bridge.run_off_main(devices.remove)
            elif screen is Screen.ERROR:
                state["errors"].append(view.error_key)
                app.bridge.run_off_main(devices.remove)
        except Exception as exc:  # a soak that cannot go on says why and stops
            state["failed"] = f"{type(exc).__name__}: {exc} on {screen.value}"
            app.stop()

    app.on_view_drawn(lambda view: Clock.schedule_once(lambda _dt: after_drawn(view), 0))
    kiosk.engine.start()
    started = time.monotonic()
    run_app(app)
    if state["failed"]:
        raise RuntimeError(f"soak stopped after {state['done']} sessions: {state['failed']}")
    first, last = state["snapshots"].get(args.warmup), state["snapshots"].get(args.sessions)
    if first is None or last is None:
        raise RuntimeError(f"soak ended after {state['done']} of {args.sessions} sessions")
    growth = {
        "rss_mb": round(last["rss_mb"] - first["rss_mb"], 2),
        "threads": last["threads"] - first["threads"],
        "open_fds": last["open_fds"] - first["open_fds"],
        "db_bytes": {k: last["db_bytes"][k] - first["db_bytes"][k]
                     for k in first["db_bytes"]},
    }
    return {
        "bench": "soak", "card": args.card, "sessions": args.sessions,
        "warmup": args.warmup, "errors": len(state["errors"]),
        "error_keys": sorted(set(state["errors"])),
        "seconds_per_session": round((time.monotonic() - started) / args.sessions, 3),
        "after_warmup": {k: v for k, v in first.items() if k != "at"},
        "after_all": {k: v for k, v in last.items() if k != "at"},
        "growth": growth,
        "goal": GOAL,
        "goal_met": {k: growth[k] <= GOAL[k] for k in GOAL},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--card", choices=("pcsc", "simulated"), default="pcsc")
    args = parser.parse_args()
    if not 0 < args.warmup < args.sessions:
        parser.error("need 0 < --warmup < --sessions")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        result = run(args, Path(tmp))
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
