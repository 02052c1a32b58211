"""Soak run: many citizen sessions through the real kiosk; does anything grow?

The whole kiosk in this process — the Kivy touch UI (run it under Xvfb:
``scripts/with-display.sh .venv/bin/python bench/soak.py``), the card read through the real
pcscd with the vpcd driver and our virtual card (``--card simulated`` for the in-process
reader instead), the outbox with its sender thread on SQLite, and the print service. The
harness runs in processes of its own (`bench/kit/processes.py`): the reference Linkage
server over mutual TLS on a loopback port (``--server thread``: on a thread of this one, as
the tests do) and the virtual printer, reached over TCP as a LAN printer (``--printer
thread``: in this process, as the demo does). So the kiosk's figures are the kiosk's; each
helper's own growth is reported apart. Each session is played by touch:
card in → continue → I agree → a service (card status and submit request in turn) → print
→ card out.

After ``--warmup`` sessions (default 50: caches, the word dictionary, pools are full) and
after ``--sessions`` (default 1,000, the issue's figure), it records
the resident set size (as read, and again after glibc's ``malloc_trim(0)`` has given freed
arena memory back, so fragmentation and real growth are told apart), glibc's bytes in use,
SQLite's memory, resident kB by mapping, the number of threads, the open file descriptors
and the sizes of the outbox and server databases, and prints the growth between the two.
``--tracemalloc`` and ``--count-objects`` say what grew in Python. Goal: RSS growth
≤ 5 MB, 0 threads and 0 file descriptors more. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the session tests' real-stack config writer

from kit.memory import rss_mb  # noqa: E402
from kit.processes import HelperProcess, PrinterProcess, ServerProcess  # noqa: E402

CITIZENS = (0, 1, 6, 9, 11)
SERVICES = ("card_status", "submit_request")
GOAL = {"rss_mb": 5.0, "threads": 0, "open_fds": 0}


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


try:
    _LIBC: Any = ctypes.CDLL("libc.so.6")
    _LIBC.mallinfo2.restype = _MallInfo2
except (OSError, AttributeError):  # not glibc: the malloc-level view is left out
    _LIBC = None


try:  # the library Python's sqlite3 module is linked to: its status counts are process-wide
    _SQLITE: Any = ctypes.CDLL("libsqlite3.so.0")
except OSError:
    _SQLITE = None


def sqlite_mb() -> float | None:
    """Memory SQLite holds (page caches of every connection, schema, statements)."""
    if _SQLITE is None:
        return None
    current, highest = ctypes.c_int64(), ctypes.c_int64()
    _SQLITE.sqlite3_status64(0, ctypes.byref(current), ctypes.byref(highest), 0)
    return round(current.value / 2**20, 2)


def malloc_view() -> dict[str, float]:
    """glibc's own figures, all arenas: bytes in use by malloc'd blocks (Python objects and
    C libraries alike) and bytes free inside the arenas (freed but not given back)."""
    if _LIBC is None:
        return {}
    info = _LIBC.mallinfo2()
    return {"in_use_mb": round((info.uordblks + info.hblkhd) / 2**20, 2),
            "free_in_arenas_mb": round(info.fordblks / 2**20, 2), "sqlite_mb": sqlite_mb()}


def rss_by_mapping() -> dict[str, int]:
    """Resident kB per kind of mapping: [heap], anonymous, and each file (libraries, the
    GL driver's buffers)."""
    kinds: dict[str, int] = {}
    name = "?"
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            head = line.split()
            if head and re.fullmatch(r"[0-9a-f]+-[0-9a-f]+", head[0]):
                name = head[5] if len(head) > 5 else "[anon]"
            elif head and head[0] == "Rss:":
                kinds[name] = kinds.get(name, 0) + int(head[1])
    return kinds


def snapshot(paths: dict[str, Path], helpers: dict[str, HelperProcess]) -> dict[str, Any]:
    gc.collect()
    rss = rss_mb()
    malloc = malloc_view()
    trimmed = None
    if _LIBC is not None:
        # Give freed arena memory back first: what remains resident is really held.
        _LIBC.malloc_trim(0)
        trimmed = rss_mb()
    sizes, files = {}, {}
    for name, path in paths.items():
        found = {p.name: p.stat().st_size for p in path.parent.glob(path.name + "*")
                 if p.is_file()}
        sizes[name] = sum(found.values())
        files.update(found)
    shot = {"rss_mb": rss, "rss_after_trim_mb": trimmed, "malloc": malloc,
            "threads": len(os.listdir("/proc/self/task")),
            "python_threads": threading.active_count(),
            "open_fds": len(os.listdir("/proc/self/fd")), "db_bytes": sizes, "db_files": files,
            "at": time.monotonic(), "mappings_kb": rss_by_mapping()}
    for name, helper in helpers.items():  # the harness's processes, reported apart
        shot[name] = helper.figures()
    return shot


def _object_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for obj in gc.get_objects():
        kind = type(obj)
        name = f"{kind.__module__}.{kind.__qualname__}"
        counts[name] = counts.get(name, 0) + 1
    return counts


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
    server: Any = None
    helpers: dict[str, HelperProcess] = {}
    try:
        if args.server == "process":
            server = helpers["server"] = ServerProcess(root / "server", root / "pki")
            base_url, embedded = server.base_url, None
        else:
            server = run_in_thread(state_dir=root / "server", pki_dir=root / "pki")
            base_url, embedded = server.base_url, server
        config = write_config(root, base_url, card_driver=args.card,
                              reader_filter=reader_filter)
        text = config.read_text("utf-8").replace('log_level = "DEBUG"', 'log_level = "WARNING"')
        if args.printer == "process":
            printer = helpers["printer"] = PrinterProcess(root / "receipts")
            text = text.replace('transport = "virtual"', 'transport = "network"\n'
                                f'host = "{printer.host}"\nport = {printer.port}')
        config.write_text(text, "utf-8")
        settings = load_settings(config)
        kiosk = build_kiosk(settings, start_sender=True)
        devices = KioskDevices(kiosk, seeds_file=settings.demo.seeds_file,
                               vpcd_port=vpcd_port, server=embedded)
        paths = {"outbox": settings.outbox.database,
                 "server": root / "server" / "linkage-server.sqlite3"}
        try:
            return play(args, settings, kiosk, devices, paths, helpers)
        finally:
            devices.close()
            kiosk.close()
    finally:
        if server is not None:
            server.stop()
        if "printer" in helpers:
            helpers["printer"].stop()
        if pcsc is not None:
            pcsc.stop()


def play(args: argparse.Namespace, settings: Any, kiosk: Any, devices: Any,
         paths: dict[str, Path], helpers: dict[str, HelperProcess]) -> dict[str, Any]:
    from kit.kivy_taps import tap, visible_button
    from kivy.clock import Clock

    from kiosk.session.view import Screen
    from kiosk.ui.launch import create_app, run_app

    # The configured level (WARNING here) on the root logger, set after Kivy is imported:
    # importing Kivy sets the root logger to NOTSET (Kivy's KIVY_LOG_MODE), and every
    # httpcore and session DEBUG record of every session was then formatted and written
    # through Kivy's console handler — time and garbage that are the bench's, not the UI's.
    # (Only the level: a new stderr handler now would write into Kivy's stderr stream,
    # which logs back into it.)
    logging.getLogger().setLevel(settings.kiosk.log_level)

    ui = settings.ui.model_copy(update={"fullscreen": False, "demo_panel": False})
    app = create_app(settings, kiosk.engine, ui=ui)
    state: dict[str, Any] = {"done": 0, "started": 0, "last": None, "errors": [],
                             "snapshots": {}, "failed": None}

    def insert_next(_dt: float = 0) -> None:
        if state["done"] >= args.sessions:
            Clock.schedule_once(lambda _dt: app.stop(), 0.2)
            return
        state["started"] += 1
        app.bridge.run_off_main(devices.insert, CITIZENS[state["started"] % len(CITIZENS)])

    def ended() -> None:
        state["done"] += 1
        done = state["done"]
        if args.every and done % args.every == 0 and done not in (args.warmup, args.sessions):
            gc.collect()
            print(f"soak: after {done} sessions: RSS {rss_mb()} MB, malloc {malloc_view()}",
                  file=sys.stderr)
        if done in (args.warmup, args.sessions):
            shot = state["snapshots"][done] = snapshot(paths, helpers)
            print(f"soak: after {done} sessions: "
                  f"{ {k: v for k, v in shot.items() if k != 'mappings_kb'} }", file=sys.stderr)
            if args.count_objects:
                counts = _object_counts()
                if done == args.warmup:
                    state["counts"] = counts
                else:
                    grown = sorted(((n - state["counts"].get(k, 0), k)
                                    for k, n in counts.items()), reverse=True)[:15]
                    print(f"soak: live objects grown most: {grown}", file=sys.stderr)
            if args.tracemalloc:
                import tracemalloc

                traced = tracemalloc.take_snapshot()
                if done == args.warmup:
                    state["traced"] = traced
                else:
                    key = "lineno" if args.tracemalloc == 1 else "traceback"
                    stats = traced.compare_to(state["traced"], key)
                    total = sum(s.size_diff for s in stats)
                    print(f"soak: tracemalloc, Python heap growth {total / 1024:.1f} KiB; "
                          "top 15:", file=sys.stderr)
                    for stat in stats[:15]:
                        print(f"  {stat}", file=sys.stderr)
                        if key == "traceback":
                            for line in stat.traceback.format()[-2 * args.tracemalloc:]:
                                print(f"      {line}", file=sys.stderr)

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
                tap(visible_button(app, "identity.continue"))
            elif screen is Screen.CONSENT:
                tap(visible_button(app, "consent.agree"))
            elif screen is Screen.MENU:
                service = SERVICES[state["started"] % len(SERVICES)]
                entry = next(e for e in view.menu if e.service_id == service)
                tap(visible_button(app, text=entry.name.pick(view.language)))
            elif screen is Screen.RESULT:
                tap(visible_button(app, "result.print"))
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
    grown = {k: last["mappings_kb"].get(k, 0) - first["mappings_kb"].get(k, 0)
             for k in set(first["mappings_kb"]) | set(last["mappings_kb"])}
    growth: dict[str, Any] = {
        "rss_mb": round(last["rss_mb"] - first["rss_mb"], 2),
        "threads": last["threads"] - first["threads"],
        "open_fds": last["open_fds"] - first["open_fds"],
        "db_bytes": {k: last["db_bytes"][k] - first["db_bytes"][k]
                     for k in first["db_bytes"]},
        # by file: main database, its -wal, the ledger (docs/benchmarks.md, "Soak")
        "db_files": {k: v - first["db_files"].get(k, 0)
                     for k, v in last["db_files"].items() if v != first["db_files"].get(k, 0)},
        # where the resident kB went, by mapping (the five largest changes)
        "mappings_kb": dict(sorted(((k, v) for k, v in grown.items() if v),
                                   key=lambda kv: -abs(kv[1]))[:5]),
    }
    if first["rss_after_trim_mb"] is not None:
        growth["rss_after_trim_mb"] = round(
            last["rss_after_trim_mb"] - first["rss_after_trim_mb"], 2)
        growth["malloc_in_use_mb"] = round(
            last["malloc"]["in_use_mb"] - first["malloc"]["in_use_mb"], 2)
        if first["malloc"]["sqlite_mb"] is not None:
            growth["sqlite_mb"] = round(
                last["malloc"]["sqlite_mb"] - first["malloc"]["sqlite_mb"], 2)
    for name in helpers:
        growth[name] = {k: round(last[name][k] - first[name][k], 2) for k in first[name]}
    return {
        "bench": "soak", "card": args.card, "server": args.server, "printer": args.printer,
        "sessions": args.sessions, "warmup": args.warmup, "errors": len(state["errors"]),
        "error_keys": sorted(set(state["errors"])),
        "seconds_per_session": round((time.monotonic() - started) / args.sessions, 3),
        "after_warmup": {k: v for k, v in first.items() if k not in ("at", "mappings_kb")},
        "after_all": {k: v for k, v in last.items() if k not in ("at", "mappings_kb")},
        "growth": growth,
        "goal": GOAL,
        "goal_met": {k: growth[k] <= GOAL[k] for k in GOAL},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--card", choices=("pcsc", "simulated"), default="pcsc")
    parser.add_argument("--server", choices=("process", "thread"), default="process",
                        help="the reference server in its own process (default: the "
                             "kiosk's figures are the kiosk's) or on a thread of this one")
    parser.add_argument("--printer", choices=("process", "thread"), default="process",
                        help="the virtual printer in its own process, reached over TCP as "
                             "a LAN printer (default), or on threads of this one")
    parser.add_argument("--every", type=int, default=0,
                        help="also print RSS and malloc figures every N sessions")
    parser.add_argument("--count-objects", action="store_true",
                        help="print the types whose live objects grew most")
    parser.add_argument("--tracemalloc", type=int, nargs="?", const=1, default=0,
                        metavar="FRAMES",
                        help="trace Python allocations (FRAMES deep, default 1); print the "
                             "top growth at the end (slower; its bookkeeping adds to RSS)")
    from check import quick  # bench/check.py: BENCH_QUICK=1 is the short setting
    parser.set_defaults(**quick(sessions=60, warmup=20, card="simulated"))
    args = parser.parse_args()
    if not 0 < args.warmup < args.sessions:
        parser.error("need 0 < --warmup < --sessions")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start(args.tracemalloc)
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        result = run(args, Path(tmp))
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
