"""What every session screen shares: a padded column and access to the session bridge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen as KivyScreen
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.session.view import Screen, SessionView
from kiosk.ui.clip import use_scissor
from kiosk.ui.focus import focusable_in
from kiosk.ui.style import BODY, TITLE, style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton, KLabel, rewrap_provisional

Send = Callable[..., Any]
"""``send(command, *args)``: issue a session command (off the main thread)."""


class KioskScrollView(ScrollView):
    """Kivy's ScrollView, without its growing list of ``bar_color`` observers.

    Kivy 2.3's ``update_from_scroll`` binds ``bar_color`` again at every scroll update and
    unbinds it once only when the bar fades 0.5 s later: updates closer together than that
    (every screen change) add an observer each, for as long as the screen lives — the
    soak run saw thousands. Unbinding first keeps exactly one.

    It clips its content by the scissor box, not the stencil buffer (`kiosk.ui.clip`): the
    same pixels without painting the area twice more each frame.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clip = use_scissor(self)

    def update_from_scroll(self, *largs: Any) -> None:
        self.funbind("bar_color", self._change_bar_color)
        super().update_from_scroll(*largs)

    def bar_color_observers(self) -> int:
        """How many ``bar_color`` observers Kivy holds (tests)."""
        return sum(1 for _ in self.get_property_observers("bar_color"))


class KioskScreen(KivyScreen):
    """Subclasses set ``screen`` and implement `render`; ``send`` issues a session command.

    Every screen has the same frame: a fixed header (its title), one scroll area for the
    content (``column``; short content is centred by spacers, long content scrolls) with a
    "more below" cue whenever anything is below the fold, and a fixed action bar, so no
    text size, banner or content length can push a title, a button or the citizen's own
    data off the window or under another widget.
    """

    screen: ClassVar[Screen]
    cancel_command: ClassVar[str | None] = None
    """What the keypad's Cancel sends here: one step back, or the end of the session."""

    def __init__(self, send: Send, **kwargs: Any) -> None:
        kwargs.setdefault("name", self.screen.value)  # the fault screen has its own
        super().__init__(**kwargs)
        self._send = send
        gap = style().gap_px
        self.frame = BoxLayout(orientation="vertical", padding=(gap * 4, gap * 2),
                               spacing=gap)
        self.header = BoxLayout(orientation="vertical", size_hint_y=None, spacing=gap,
                                height=0)  # empty until a title comes (Kivy's default: 100)
        self.header.bind(minimum_height=self.header.setter("height"))
        self.scroll = KioskScrollView(do_scroll_x=False, bar_width=max(8, gap),
                                 scroll_type=["bars", "content"])
        self.column = BoxLayout(orientation="vertical", size_hint_y=None, spacing=gap * 2)
        self.scroll.add_widget(self.column)
        self.more = KLabel(role=Role.MUTED, halign="center")
        # Touch users who cannot swipe scroll with these; keypad users reach them too.
        # The row is there exactly while the content overflows, always as tall, so showing
        # a button never changes the room it is measured against.
        same = dict(role=Role.SECONDARY_BUTTON, size_hint_x=None, follows_large_text=False,
                    padding=(12, 2), width=style().target_px * 5)
        self.scroll_up = KButton(key="common.scroll_up", action=lambda: self.scroll_by(+1),
                                 **same)
        self.scroll_down = KButton(key="common.scroll_down",
                                   action=lambda: self.scroll_by(-1), **same)
        self.more_row = BoxLayout(orientation="horizontal", size_hint_y=None, spacing=gap,
                                  height=0)
        for part in (self.scroll_up, self.more, self.scroll_down):
            self.more_row.add_widget(part)
        for button in (self.scroll_up, self.scroll_down):
            self._show_scroll_button(button, False)
        self.actions = BoxLayout(orientation="vertical", size_hint_y=None, spacing=gap,
                                 height=0)
        self.actions.bind(minimum_height=self.actions.setter("height"))
        for part in (self.header, self.scroll, self.more_row, self.actions):
            self.frame.add_widget(part)
        self.add_widget(self.frame)
        self.column.bind(minimum_height=self._fit_column)
        self.scroll.bind(height=self._fit_column, scroll_y=self._cue)
        self._centred = False
        self.build()
        # Screens with spacers centre short content in the viewport; the others keep it at
        # the top (a box stacks fixed-height children from its bottom, so it must not grow).
        self._centred = any(child.size_hint_y is not None for child in self.column.children)
        self._fit_column()

    def build(self) -> None:
        """Create the widgets once; `render` only updates them."""

    def on_pre_enter(self, *_: Any) -> None:
        rewrap_provisional(self)

    def render(self, view: SessionView) -> None:
        raise NotImplementedError

    def must_see(self) -> list[Widget]:
        """What the citizen must see without scrolling: by default every action shown."""
        return [w for w in self.actions.walk(restrict=True)
                if isinstance(w, KButton) and w.opacity > 0 and not w.disabled]

    def to_top(self) -> None:
        """Back to the top of the content (each new citizen starts there)."""
        self.scroll.scroll_y = 1

    def _fit_column(self, *_: Any) -> None:
        # At least the viewport's height: spacers then centre short content.
        self.column.height = max(self.column.minimum_height,
                                 self.scroll.height if self._centred else 0)
        self._cue()

    def _cue(self, *_: Any) -> None:
        # The cue's own row goes back to the scroll area when it hides: content that fits
        # without the cue must not keep it shown (and itself cut off) for good.
        # The cue's height counts whether or not its text was just cleared: its row shrinks a
        # frame later, and a room measured in between flipped the cue back on for good.
        room = self.scroll.height + self.more_row.height
        overflow = self.column.height > room + 2
        below = overflow and self.scroll.scroll_y > 0.01
        key = "common.more_below" if below else ""
        if self.more.key != key:
            self.more.key = key
        # Both are there while the content overflows (the focus order stays the same as
        # the content scrolls); the one with nothing further to go is greyed.
        self._show_scroll_button(self.scroll_down, overflow, below)
        self._show_scroll_button(self.scroll_up, overflow,
                                 overflow and self.scroll.scroll_y < 0.99)
        height = max(self.scroll_up.height, self.scroll_down.height) if overflow else 0
        if self.more_row.height != height:
            self.more_row.height = height

    @staticmethod
    def _show_scroll_button(button: KButton, shown: bool, enabled: bool = False) -> None:
        button.opacity = 1 if shown else 0
        button.disabled = not shown
        button.enabled = enabled

    def scroll_by(self, direction: int) -> None:
        """One page up (+1) or down (-1) of the content (the scroll buttons)."""
        hidden = self.column.height - self.scroll.height
        if hidden <= 0:
            return
        step = self.scroll.height * 0.8 / hidden
        self.scroll.scroll_y = min(1.0, max(0.0, self.scroll.scroll_y + direction * step))

    # -- keypad ---------------------------------------------------------------------------

    def focus_items(self) -> list[KButton]:
        """What a key reaches here: every control the screen drew, in reading order."""
        return focusable_in(self)

    def default_focus(self) -> KButton | None:
        """Where the focus starts: the screen's main action, if it has one."""
        primary = [b for b in focusable_in(self.actions)
                   if b.role is Role.PRIMARY_BUTTON and b.enabled]
        return primary[-1] if primary else None

    def keypad_cancel(self) -> None:
        if self.cancel_command:
            self.send(self.cancel_command)

    def send(self, command: str, *args: Any) -> None:
        self._send(command, *args)

    # Small builders so screens read like their layout.
    def title(self, key: str = "", **kw: Any) -> KLabel:
        """The first title goes into the fixed header; one after other content scrolls."""
        kw.setdefault("step", TITLE)
        kw.setdefault("bold", True)
        fixed = not self.column.children
        if fixed:  # already larger than large body text: it keeps its size, content gets room
            kw.setdefault("follows_large_text", False)
        label = KLabel(key=key, **kw)
        (self.header if fixed else self.column).add_widget(label)
        return label

    def text(self, key: str = "", **kw: Any) -> KLabel:
        kw.setdefault("role", Role.BODY)
        kw.setdefault("step", BODY)
        label = KLabel(key=key, **kw)
        self.column.add_widget(label)
        return label

    def button_row(self, *buttons: KButton) -> BoxLayout:
        gap = style().gap_px
        row = BoxLayout(orientation="horizontal", spacing=gap * 2, size_hint_y=None)

        def fit(*_: Any) -> None:
            row.height = max((b.height for b in row.children), default=0)

        for button in buttons:
            # The action bar is fixed chrome: already bold and at least the legible size,
            # it keeps its size in large text so the content keeps its room.
            button.follows_large_text = False
            button.bind(height=fit)
            row.add_widget(button)
        fit()
        self.actions.add_widget(row)
        return row

    def scroll_column(self) -> BoxLayout:
        """The screen's scrolling content box (long notices, result rows)."""
        return self.column

