"""Draw every screen × case × variant, check its layout, and keep a contact sheet.

``python -m kiosk contact-sheet --out DIR`` (:mod:`kiosk.commands.contact_sheet`; needs an
X display; ``make demo`` runs it after the tour) writes one PNG per screen/case/variant
plus ``index.html``, and exits 1 when the layout checker (`kiosk.ui.layout_check`) found
a fault. The "focused" column shows each screen as a keypad user meets it: the focus ring
on the screen's first item (`FOCUS_VARIANTS`); a screen whose focus draws no ring inside
the window is a fault.
The test suite uses `run_matrix` on its own window without writing pictures.
"""

from __future__ import annotations

import html
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.config.settings import Settings
from kiosk.session.view import SessionView
from kiosk.ui.layout_cases import VARIANTS, Case, Variant

MAX_FRAMES = 40
FOCUS_VARIANTS = (Variant("th", False, False), Variant("en", True, True))
"""The pictures with the keypad focus ring: normal Thai and large high-contrast English."""


@dataclass
class Shot:
    case: Case
    variant: Variant
    faults: list[str]
    png: Path | None = None
    focused: bool = False

    @property
    def column(self) -> str:
        return f"{self.variant.label}-focused" if self.focused else self.variant.label


@dataclass
class Matrix:
    shots: list[Shot] = field(default_factory=list)

    @property
    def faults(self) -> list[str]:
        return [f"{s.case.label} [{s.variant.label}] {f}" for s in self.shots for f in s.faults]


class StaticViews:
    """The engine side of a window that only shows the views it is given (no session)."""

    def __init__(self) -> None:
        self.view = SessionView(seq=0, session_id=None, screen=next(iter(_screens())))

    def subscribe(self, callback: Callable[[SessionView], None]) -> Callable[[], None]:
        return lambda: None

    def __getattr__(self, command: str) -> Callable[..., None]:
        return lambda *args: None  # taps do nothing: there is no session behind the sheet


def _screens() -> Any:
    from kiosk.session.view import Screen

    return Screen


def chrome(app: Any) -> list[Any]:
    """The fixed widgets around the session screen."""
    return [app.toolbar, app.offline_banner, app.printer_banner, app.step_bar]


def _signature(app: Any) -> tuple[Any, ...]:
    from kiosk.ui.layout_check import walk
    from kiosk.ui.widgets import KLabel

    roots = (*chrome(app), app.manager.current_screen)
    return tuple((tuple(w.pos), tuple(w.size), tuple(w.texture_size), w.text)
                 for r in roots for w in walk(r) if isinstance(w, KLabel))


def show(app: Any, view: SessionView, variant: Variant, idle: Callable[[], None]) -> None:
    """Draw ``view`` in ``variant`` and run frames until the layout stops moving."""
    from kiosk.ui.style import style

    app.show_view(view)
    s = style()
    s.large_text, s.high_contrast = variant.large_text, variant.high_contrast
    stable = 0
    now: tuple[Any, ...] = ()
    for _ in range(MAX_FRAMES):
        idle()
        last, now = now, _signature(app)
        stable = stable + 1 if now == last and app.manager.current == shown_name(view) else 0
        if stable >= 2:
            return
    moving = sorted({str(a) for a, b in zip(last or (), now, strict=False) if a != b})[:4]
    raise AssertionError(f"layout of {view.screen.value} [{variant.label}] never settled "
                         f"in {MAX_FRAMES} frames; still moving: {moving}")


def shown_name(view: SessionView) -> str:
    """The screen that draws ``view``: the fault screen for a view after a fault."""
    from kiosk.ui.fault import FAULT_SCREEN

    return FAULT_SCREEN if view.fault_ref else view.screen.value


def ring_faults(app: Any) -> list[str]:
    """The keypad focus is on a drawn item with its ring inside the window."""
    from kivy.core.window import Window

    from kiosk.ui.focus import drawn

    focus = app.focus
    button, rect = focus.focused, focus.ring.rect
    if button is None or not drawn(button):
        return ["focus: nothing focused"]
    if rect is None:
        return [f"focus: no ring around {button.key or button.raw!r}"]
    x, y, w, h = rect
    if x < 0 or y < 0 or x + w > Window.width or y + h > Window.height:
        return [f"focus: ring of {button.key or button.raw!r} leaves the window"]
    return []


def run_matrix(app: Any, idle: Callable[[], None], cases: list[Case], *,
               out_dir: Path | None = None,
               variants: tuple[Variant, ...] = VARIANTS,
               focus_variants: tuple[Variant, ...] = ()) -> Matrix:
    from kiosk.ui.layout_check import check_layout

    matrix = Matrix()
    seq = app.view.seq + 1000 if app.view is not None else 1000
    for case in cases:
        for variant, focused in (*((v, False) for v in variants),
                                 *((v, True) for v in focus_variants)):
            seq += 1
            show(app, case.view(seq, variant), variant, idle)
            faults = [str(f) for f in check_layout(
                app.manager.current_screen,
                chrome(app), app.manager)]
            if focused:
                app.focus.move(0)  # as after the first key press
                for _ in range(3):
                    idle()
                faults += ring_faults(app)
            shot = Shot(case, variant, faults, focused=focused)
            if out_dir is not None:
                shot.png = app.screenshot(out_dir / f"{case.label}-{shot.column}.png")
            if focused:
                app.focus.visible = False
                app.focus.track()
            matrix.shots.append(shot)
    return matrix


def write_index(matrix: Matrix, out_dir: Path) -> Path:
    """One row per screen and case, one column per variant; faults under each picture."""
    rows: dict[str, list[Shot]] = {}
    for shot in matrix.shots:
        rows.setdefault(shot.case.label, []).append(shot)
    columns = list(dict.fromkeys(s.column for s in matrix.shots))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for label, shots in rows.items():
        cells = []
        for shot in shots:
            img = (f'<a href="{shot.png.name}"><img src="{shot.png.name}" width="240"></a>'
                   if shot.png else "")
            notes = "".join(f"<li>{html.escape(f)}</li>" for f in shot.faults)
            mark = "fault" if shot.faults else "ok"
            cells.append(f'<td class="{mark}">{img}<ul>{notes}</ul></td>')
        body.append(f"<tr><th>{html.escape(label)}</th>{''.join(cells)}</tr>")
    total = len(matrix.faults)
    page = (
        "<!doctype html><meta charset=utf-8><title>Kiosk contact sheet</title>"
        "<style>body{font-family:sans-serif}td{vertical-align:top}"
        ".fault{background:#fdd}.ok{background:#efe}li{font-size:11px;max-width:240px}"
        "</style>"
        f"<h1>Kiosk contact sheet: {len(matrix.shots)} pictures, {total} layout faults</h1>"
        f"<table><tr><th>screen-case</th>{head}</tr>{''.join(body)}</table>")
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def draw_sheet(settings: Settings, out_dir: Path, cases: list[Case]) -> int:
    """Draw, check and photograph ``cases`` in a window of their own (Kivy opens one per
    process) into ``out_dir``; 1 when the layout checker found a fault."""
    from kiosk.ui.bootstrap import configure_kivy

    ui = settings.ui.model_copy(update={"demo_panel": False, "fullscreen": False})
    configure_kivy(ui, kivy_home=Path(tempfile.mkdtemp(prefix="kiosk-sheet-kivy-")))
    from kivy.base import EventLoop

    from kiosk.ui.app import KioskApp

    app = KioskApp(ui, StaticViews(), sounds_dir=out_dir / "no-sounds",
                   default_language=settings.kiosk.default_language)
    app._run_prepare()
    EventLoop.start()
    from kiosk.ui.widgets import load_segmenter

    load_segmenter().join(30)  # the pictures show the final word-by-word line breaks
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        matrix = run_matrix(app, EventLoop.idle, cases, out_dir=out_dir,
                            focus_variants=FOCUS_VARIANTS)
    finally:
        app.stop()
        EventLoop.close()
    index = write_index(matrix, out_dir)
    for fault in matrix.faults:
        print(f"layout: {fault}", file=sys.stderr)
    print(f"contact sheet: {index} ({len(matrix.shots)} pictures, "
          f"{len(matrix.faults)} faults)")
    return 1 if matrix.faults else 0
