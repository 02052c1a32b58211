"""What one frame of each kiosk screen costs to draw, and why: the profile behind bench/ui.py.

One window (1280×800, Xvfb, the kiosk's graphics settings) shows each screen of the layout
cases (`kiosk.ui.layout_cases`, typical content, Thai, normal text) and redraws it
``--frames`` times; per screen:

* ``frame_ms``: median time to draw the widget tree and let the GL driver finish it
  (``on_draw`` + ``glFinish``: under Mesa llvmpipe the pixels are painted at the finish);
* ``fill_windows``: the area of every rectangle drawn, in whole-window areas — what a
  software renderer pays for, transparent pixels included;
* ``switch_ms``: the frame in which the screen replaces the previous one (its text
  rendered, the switch, the draw) — the frames `bench/ui.py` sees as stalls.

Baselines in the same process and run: the empty window (clear + finish: the floor of the
display itself) and, on the timeout screen, one countdown tick (the label's new text
rendered + the frame). ``--reps`` repeats the whole pass; figures are medians over them.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def fill_windows(root: Any, size: tuple[int, int]) -> float:
    """Sum of the window area covered by every rectangle drawn under ``root``."""
    from kivy.graphics import BorderImage, Rectangle, RoundedRectangle
    from kivy.graphics.instructions import Canvas, InstructionGroup

    width, height = size
    total = 0.0

    def instructions(group: Any) -> Any:
        for ins in group.children:
            if isinstance(ins, Rectangle | RoundedRectangle | BorderImage):
                yield ins
            elif isinstance(ins, InstructionGroup) and not isinstance(ins, Canvas):
                yield from instructions(ins)

    def walk(widget: Any) -> None:
        nonlocal total
        # ``canvas.before`` and ``canvas.after`` are groups inside ``canvas.children``, so
        # walking the canvas reaches each of them once, as the renderer draws them.
        for ins in instructions(widget.canvas):
            (x, y), (w, h) = ins.pos, ins.size
            seen_w = max(0.0, min(x + w, width) - max(x, 0.0))
            seen_h = max(0.0, min(y + h, height) - max(y, 0.0))
            total += seen_w * seen_h
        for child in reversed(widget.children):
            walk(child)

    walk(root)
    return total / (width * height)


def run(frames: int, reps: int) -> dict[str, Any]:
    from kiosk.config import load_settings
    from kiosk.ui.bootstrap import configure_kivy

    settings = load_settings(None)
    ui = settings.ui.model_copy(update={"demo_panel": False, "fullscreen": False})
    configure_kivy(ui, kivy_home=Path(tempfile.mkdtemp(prefix="bench-ui-frames-")))
    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.graphics.opengl import glFinish

    from kiosk.commands.contact_sheet import build_cases
    from kiosk.ui.app import KioskApp
    from kiosk.ui.contact_sheet import StaticViews, show
    from kiosk.ui.layout_cases import Variant
    from kiosk.ui.widgets import load_segmenter

    app = KioskApp(ui, StaticViews(), sounds_dir=Path(tempfile.mkdtemp()),
                   default_language="th")
    app._run_prepare()
    EventLoop.start()
    load_segmenter().join(30)

    def frame() -> float:
        Window.canvas.ask_update()
        start = time.perf_counter()
        Window.dispatch("on_draw")
        glFinish()
        return time.perf_counter() - start

    def median_frame() -> float:
        return statistics.median(frame() for _ in range(frames)) * 1000

    variant = Variant("th", False, False)
    cases = [c for c in build_cases(settings.demo.seeds_file, settings.session.services_file)
             if c.content == "typical"]
    per_screen: dict[str, dict[str, list[float]]] = {}
    empty: list[float] = []
    tick: list[float] = []
    seq = 10_000
    for _rep in range(reps):
        root = app.root
        Window.remove_widget(root)
        empty.append(median_frame())
        Window.add_widget(root)
        for case in cases:
            seq += 1
            view = case.view(seq, variant)
            start = time.perf_counter()
            app.show_view(view)  # the screen's text, then the switch
            EventLoop.idle()  # layout, draw and flip, as in the kiosk's main loop
            glFinish()
            switch = (time.perf_counter() - start) * 1000
            show(app, view, variant, EventLoop.idle)  # settle before timing
            figures = per_screen.setdefault(case.screen.value,
                                            {"frame_ms": [], "switch_ms": [],
                                             "fill_windows": []})
            figures["frame_ms"].append(median_frame())
            figures["switch_ms"].append(switch)
            figures["fill_windows"].append(fill_windows(Window, Window.size))
            if case.screen.value == "timeout_warning":
                screen = app.manager.current_screen
                samples = []
                for n in range(frames):
                    start = time.perf_counter()
                    screen.countdown.fields = {"seconds": 20 - n % 10}
                    screen.countdown._apply()  # the trigger's work, now, in this frame
                    Window.canvas.ask_update()
                    Window.dispatch("on_draw")
                    glFinish()
                    samples.append(time.perf_counter() - start)
                tick.append(statistics.median(samples) * 1000)
    app.stop()

    def med(values: list[float]) -> float:
        return round(statistics.median(values), 2)

    screens = {name: {k: med(v) for k, v in f.items()} for name, f in per_screen.items()}
    floor = med(empty)
    return {
        "bench": "ui_frames", "frames": frames, "reps": reps,
        "window": list(Window.size), "empty_window_frame_ms": floor,
        "screens": screens,
        "countdown_tick_ms": med(tick) if tick else None,
        "worst_frame_ms": max(s["frame_ms"] for s in screens.values()),
        "worst_switch_ms": max(s["switch_ms"] for s in screens.values()),
        "max_fill_windows": max(s["fill_windows"] for s in screens.values()),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=15)
    parser.add_argument("--reps", type=int, default=3)
    from check import quick  # bench/check.py: BENCH_QUICK=1 is the short setting
    parser.set_defaults(**quick(frames=8, reps=2))
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("BENCH_UNDER_XVFB"):
        os.execvpe("xvfb-run", ["xvfb-run", "--auto-servernum",
                                "--server-args=-screen 0 1280x800x24 +extension GLX",
                                sys.executable, __file__, *sys.argv[1:]],
                   {**os.environ, "BENCH_UNDER_XVFB": "1"})
    figures = run(args.frames, args.reps)
    for name, f in figures["screens"].items():
        print(f"{name:16s} frame {f['frame_ms']:6.1f} ms  switch {f['switch_ms']:6.1f} ms  "
              f"fill {f['fill_windows']:4.2f} windows", flush=True)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
