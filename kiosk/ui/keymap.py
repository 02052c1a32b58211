"""Keypad keys to kiosk actions: a pure table (no Kivy), tested by tables.

The kiosk assumes an ATM-style 12-key USB keypad that the system sees as a keyboard:
digits 0-9 (the 5 has a tactile dot), Enter (circle), Clear (arrow, Backspace) and
Cancel (cross, Escape), plus Up/Down, Help and volume +/-. A full keyboard works too
(Tab, arrows, F1).

Where the screen takes no digits (every citizen screen), 2 and 8 move up and down the
way a phone keypad's arrows do, 4 and 6 too, and 5 says where the focus is; a PIN field
takes every digit as a digit. Holding 5 for `HOLD_S` starts spoken guidance (`Hold5`).
Key codes are Kivy's (``Window.on_key_down``), which are SDL's for these keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

KEY_CODES: dict[str, int] = {
    "backspace": 8, "tab": 9, "enter": 13, "escape": 27, "spacebar": 32, "delete": 127,
    "up": 273, "down": 274, "right": 275, "left": 276, "pageup": 280, "pagedown": 281,
    "+": 43, "-": 45, "=": 61, "*": 42, "/": 47, ".": 46,
    **{str(d): 48 + d for d in range(10)},
    **{f"numpad{d}": 256 + d for d in range(10)},
    "numpaddecimal": 266, "numpaddivide": 267, "numpadmul": 268, "numpadsubstract": 269,
    "numpadadd": 270, "numpadenter": 271,
    **{f"f{n}": 281 + n for n in range(1, 13)},
    **{chr(c): c for c in range(ord("a"), ord("z") + 1)},
}
"""Key names a configuration may use (Kivy's names for the same codes)."""

HOLD_S = 1.5
"""Holding 5 this long starts spoken guidance (no headphones needed)."""


class UnknownKeyName(ValueError):
    """A configured key name is not one of `KEY_CODES`."""


class Action(StrEnum):
    NEXT = "next"
    PREVIOUS = "previous"
    ACTIVATE = "activate"
    CLEAR = "clear"
    CANCEL = "cancel"
    HELP = "help"
    VOLUME_UP = "volume_up"
    VOLUME_DOWN = "volume_down"
    DIGIT = "digit"
    WHERE = "where"
    """Say again which item has the focus (5 where digits are not text)."""
    BLANK = "blank"
    """Blank / unblank the screen (privacy in audio mode)."""
    REVEAL = "reveal"
    """Show / mask the citizen's ID and address on the identity screen."""


@dataclass(frozen=True, slots=True)
class KeyPress:
    action: Action
    digit: str | None = None


def key_code(name: str) -> int:
    try:
        return KEY_CODES[name.lower()]
    except KeyError:
        raise UnknownKeyName(f"unknown key name {name!r}; use one of: "
                             f"{', '.join(sorted(KEY_CODES))}") from None


@dataclass(frozen=True, slots=True)
class KeyBindings:
    """The keys a kiosk's buyer may choose (config ``[ui]``: help_key, blank_key, …)."""

    help: frozenset[int] = frozenset({KEY_CODES["f1"]})
    blank: frozenset[int] = frozenset({KEY_CODES["f2"], KEY_CODES["numpadmul"]})
    reveal: frozenset[int] = frozenset({KEY_CODES["f3"], KEY_CODES["numpaddivide"]})

    @classmethod
    def from_names(cls, *, help_keys: Iterable[str], blank_keys: Iterable[str],
                   reveal_keys: Iterable[str]) -> KeyBindings:
        """F1 is always Help; the named keys are added to the defaults' roles."""
        return cls(help=frozenset({KEY_CODES["f1"], *(key_code(n) for n in help_keys)}),
                   blank=frozenset(key_code(n) for n in blank_keys),
                   reveal=frozenset(key_code(n) for n in reveal_keys))


_FIXED: dict[int, Action] = {
    KEY_CODES["enter"]: Action.ACTIVATE, KEY_CODES["numpadenter"]: Action.ACTIVATE,
    KEY_CODES["spacebar"]: Action.ACTIVATE,
    KEY_CODES["backspace"]: Action.CLEAR, KEY_CODES["delete"]: Action.CLEAR,
    KEY_CODES["escape"]: Action.CANCEL,
    KEY_CODES["down"]: Action.NEXT, KEY_CODES["right"]: Action.NEXT,
    KEY_CODES["pagedown"]: Action.NEXT,
    KEY_CODES["up"]: Action.PREVIOUS, KEY_CODES["left"]: Action.PREVIOUS,
    KEY_CODES["pageup"]: Action.PREVIOUS,
    KEY_CODES["+"]: Action.VOLUME_UP, KEY_CODES["="]: Action.VOLUME_UP,
    KEY_CODES["numpadadd"]: Action.VOLUME_UP,
    KEY_CODES["-"]: Action.VOLUME_DOWN, KEY_CODES["numpadsubstract"]: Action.VOLUME_DOWN,
}

_DIGIT_MOVES: dict[str, Action] = {"2": Action.PREVIOUS, "4": Action.PREVIOUS,
                                   "8": Action.NEXT, "6": Action.NEXT, "5": Action.WHERE}


def digit_of(key: int) -> str | None:
    if 48 <= key <= 57:
        return str(key - 48)
    if 256 <= key <= 265:
        return str(key - 256)
    return None


def action_for(key: int, modifiers: Iterable[str] = (), *, digits_are_text: bool = False,
               bindings: KeyBindings = KeyBindings()) -> KeyPress | None:
    """The action of one key press, or None for a key the kiosk does not use."""
    mods = set(modifiers)
    if key == KEY_CODES["tab"]:
        return KeyPress(Action.PREVIOUS if "shift" in mods else Action.NEXT)
    if key in bindings.help:
        return KeyPress(Action.HELP)
    if key in bindings.blank:
        return KeyPress(Action.BLANK)
    if key in bindings.reveal:
        return KeyPress(Action.REVEAL)
    if "shift" in mods and key == KEY_CODES["="]:
        return KeyPress(Action.VOLUME_UP)  # "+" on a US layout
    digit = digit_of(key)
    if digit is not None:
        if not digits_are_text and digit in _DIGIT_MOVES:
            return KeyPress(_DIGIT_MOVES[digit], digit)
        return KeyPress(Action.DIGIT, digit)
    action = _FIXED.get(key)
    return KeyPress(action) if action is not None else None


def is_five(key: int) -> bool:
    return digit_of(key) == "5"


class Hold5:
    """Holding 5 for `HOLD_S` starts speech: fires once per hold, on a repeat or release.

    Times are the caller's (monotonic seconds), so the rule is tested without waiting.
    """

    def __init__(self, hold_s: float = HOLD_S) -> None:
        self.hold_s = hold_s
        self._down_at: float | None = None
        self._fired = False

    def down(self, key: int, now: float) -> bool:
        """A key-down (first or auto-repeat); True when this one completes the hold."""
        if not is_five(key):
            self._down_at = None
            return False
        if self._down_at is None:
            self._down_at, self._fired = now, False
            return False
        return self._check(now)

    def up(self, key: int, now: float) -> bool:
        if not is_five(key) or self._down_at is None:
            return False
        fired = self._check(now)
        self._down_at = None
        return fired

    def _check(self, now: float) -> bool:
        if self._fired or self._down_at is None or now - self._down_at < self.hold_s:
            return False
        self._fired = True
        return True
