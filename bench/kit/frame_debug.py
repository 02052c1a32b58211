"""``BENCH_DEBUG=1`` for the UI benches: where a late frame's time goes (view updates, canvas
drawing, the flip, garbage collection; ``BENCH_PROFILE=<sort key>`` adds a profile of each
slow frame) and where the main thread is when a frame is 150 ms late. Printed to stderr;
no figure in a bench's JSON comes from here."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import traceback
from typing import Any


def time_frame_parts(app: Any, state: dict[str, Any]) -> None:
    """BENCH_DEBUG: split each late frame into view updates, canvas drawing and the flip."""
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
