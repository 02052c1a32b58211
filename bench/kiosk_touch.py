"""What the touch-UI benches share (`bench/soak.py`, `bench/ui.py`): playing a citizen's
session by touch, the process's memory figures, and the BENCH_DEBUG frame timing aids.

Imported by the bench scripts only (never by kiosk code); Kivy is imported inside the
functions, so a bench's parent process (no display) can import this module.
"""

from __future__ import annotations

import ctypes
import os
import re
import resource
import sys
import time
from typing import Any

# ---------------------------------------------------------------- memory figures

class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


try:
    LIBC: Any = ctypes.CDLL("libc.so.6")
    LIBC.mallinfo2.restype = _MallInfo2
except (OSError, AttributeError):  # not glibc: the malloc-level view is left out
    LIBC = None


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


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/statm") as statm:
        return round(int(statm.read().split()[1]) * resource.getpagesize() / 2**20, 2)


def malloc_view() -> dict[str, float]:
    """glibc's own figures, all arenas: bytes in use by malloc'd blocks (Python objects and
    C libraries alike) and bytes free inside the arenas (freed but not given back)."""
    if LIBC is None:
        return {}
    info = LIBC.mallinfo2()
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


# ---------------------------------------------------------------- playing by touch

def find_button(app: Any, key: str = "", text: str = "") -> Any:
    """The visible, enabled button of the current screen with this key or label text."""
    from kiosk.ui.widgets import KButton

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
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(*widget.to_window(*widget.center))
    touch.touch_down()
    touch.touch_up()


def tap_through(app: Any, view: Any, service: str) -> bool:
    """Tap the button a citizen taps on this drawn screen (continue, I agree, ``service``,
    print); False on a screen with nothing to tap."""
    from kiosk.session.view import Screen

    screen = view.screen
    if screen is Screen.IDENTITY:
        tap(find_button(app, "identity.continue"))
    elif screen is Screen.CONSENT:
        tap(find_button(app, "consent.agree"))
    elif screen is Screen.MENU:
        entry = next(e for e in view.menu if e.service_id == service)
        tap(find_button(app, text=entry.name.pick(view.language)))
    elif screen is Screen.RESULT:
        tap(find_button(app, "result.print"))
    else:
        return False
    return True


# ---------------------------------------------------------------- BENCH_DEBUG aids

def time_frame_parts(app: Any, state: dict[str, Any]) -> None:
    """BENCH_DEBUG: split each late frame into view updates, canvas drawing and the flip."""
    import gc

    from kivy.core.window import Window

    parts: dict[str, float] = {}
    state["parts"] = parts
    gc_started: list[float] = []

    def gc_timer(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[:] = [time.perf_counter()]
        elif gc_started:
            key = f"gc{info['generation']}"
            parts[key] = parts.get(key, 0.0) + time.perf_counter() - gc_started[0]

    gc.callbacks.append(gc_timer)

    def timed(name: str, func: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - start
        return wrapper

    Window.flip = timed("flip", Window.flip)
    Window.on_draw = timed("draw", Window.on_draw)
    app._apply = timed("apply_view", app._apply)
    if os.environ.get("BENCH_PROFILE"):  # a sort key: BENCH_PROFILE=cumulative
        import cProfile
        import pstats

        from kivy.base import EventLoop

        inner = EventLoop.idle

        def profiled() -> Any:
            prof = cProfile.Profile()
            start = time.perf_counter()
            result = prof.runcall(inner)
            if time.perf_counter() - start > 0.05 and state["recording"]:
                shown = app.view.screen.value if app.view else None
                print(f"  slow frame {shown}", file=sys.stderr)
                stats = pstats.Stats(prof, stream=sys.stderr)
                stats.sort_stats(os.environ["BENCH_PROFILE"]).print_stats(30)
            return result
        EventLoop.idle = profiled


def watch_main_thread(state: dict[str, Any]) -> None:
    """BENCH_DEBUG: print where the main thread is when a frame is 150 ms late."""
    import threading
    import traceback

    main = threading.main_thread().ident

    def watch() -> None:
        while True:
            time.sleep(0.05)
            tick = state.get("tick")
            if tick and time.perf_counter() - tick > 0.15 and state["recording"]:
                frame = sys._current_frames().get(main)
                stack = "".join(traceback.format_stack(frame, limit=12)) if frame else "?"
                print(f"main thread late:\n{stack}", file=sys.stderr)
                state["tick"] = None

    threading.Thread(target=watch, daemon=True).start()


# ---------------------------------------------------------------- child: bare Kivy baseline
