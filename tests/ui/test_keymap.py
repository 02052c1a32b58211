"""The key → action table (pure: no Kivy, no window) and the hold-5 rule, by tables."""

from __future__ import annotations

import pytest

from kiosk.ui.keymap import (
    KEY_CODES,
    Action,
    Hold5,
    KeyBindings,
    KeyPress,
    UnknownKeyName,
    action_for,
    key_code,
)

K = KEY_CODES

CITIZEN = [  # (key, modifiers, expected) where the screen takes no digits
    (K["enter"], (), KeyPress(Action.ACTIVATE)),
    (K["numpadenter"], (), KeyPress(Action.ACTIVATE)),
    (K["backspace"], (), KeyPress(Action.CLEAR)),
    (K["escape"], (), KeyPress(Action.CANCEL)),
    (K["down"], (), KeyPress(Action.NEXT)),
    (K["up"], (), KeyPress(Action.PREVIOUS)),
    (K["tab"], (), KeyPress(Action.NEXT)),
    (K["tab"], ("shift",), KeyPress(Action.PREVIOUS)),
    (K["2"], (), KeyPress(Action.PREVIOUS, "2")),
    (K["numpad2"], (), KeyPress(Action.PREVIOUS, "2")),
    (K["8"], (), KeyPress(Action.NEXT, "8")),
    (K["numpad8"], (), KeyPress(Action.NEXT, "8")),
    (K["4"], (), KeyPress(Action.PREVIOUS, "4")),
    (K["6"], (), KeyPress(Action.NEXT, "6")),
    (K["5"], (), KeyPress(Action.WHERE, "5")),
    (K["numpad5"], (), KeyPress(Action.WHERE, "5")),
    (K["7"], (), KeyPress(Action.DIGIT, "7")),
    (K["0"], (), KeyPress(Action.DIGIT, "0")),
    (K["f1"], (), KeyPress(Action.HELP)),
    (K["f2"], (), KeyPress(Action.BLANK)),
    (K["numpadmul"], (), KeyPress(Action.BLANK)),
    (K["f3"], (), KeyPress(Action.REVEAL)),
    (K["numpadadd"], (), KeyPress(Action.VOLUME_UP)),
    (K["+"], (), KeyPress(Action.VOLUME_UP)),
    (K["="], ("shift",), KeyPress(Action.VOLUME_UP)),
    (K["numpadsubstract"], (), KeyPress(Action.VOLUME_DOWN)),
    (K["-"], (), KeyPress(Action.VOLUME_DOWN)),
    (K["q"], (), None),
    (K["f9"], (), None),
]


@pytest.mark.parametrize(("key", "modifiers", "expected"), CITIZEN)
def test_citizen_screens(key: int, modifiers: tuple[str, ...], expected: KeyPress | None
                         ) -> None:
    assert action_for(key, modifiers) == expected


@pytest.mark.parametrize("digit", [str(d) for d in range(10)])
def test_a_pin_field_takes_every_digit_from_both_rows(digit: str) -> None:
    for key in (K[digit], K[f"numpad{digit}"]):
        assert action_for(key, digits_are_text=True) == KeyPress(Action.DIGIT, digit)
    # The other keys keep their meaning there.
    assert action_for(K["backspace"], digits_are_text=True) == KeyPress(Action.CLEAR)
    assert action_for(K["enter"], digits_are_text=True) == KeyPress(Action.ACTIVATE)


def test_configured_keys() -> None:
    bindings = KeyBindings.from_names(help_keys=("numpaddecimal",), blank_keys=("b",),
                                      reveal_keys=("s",))
    assert action_for(K["numpaddecimal"], bindings=bindings) == KeyPress(Action.HELP)
    assert action_for(K["f1"], bindings=bindings) == KeyPress(Action.HELP)  # always
    assert action_for(K["b"], bindings=bindings) == KeyPress(Action.BLANK)
    assert action_for(K["s"], bindings=bindings) == KeyPress(Action.REVEAL)
    assert action_for(K["f2"], bindings=bindings) is None  # not configured any more
    with pytest.raises(UnknownKeyName, match="nosuchkey"):
        key_code("nosuchkey")


def test_no_key_means_quit() -> None:
    """No entry of the table ends anything but a step: Cancel is the strongest."""
    actions = {p.action for code in KEY_CODES.values()
               for digits in (False, True) if (p := action_for(code, digits_are_text=digits))}
    assert actions == set(Action)


HOLDS = [  # (events as (kind, key, t), the events that fire)
    ([("down", "5", 0.0), ("up", "5", 0.3)], []),                      # a short press
    ([("down", "5", 0.0), ("up", "5", 1.5)], [1]),                     # held to the limit
    ([("down", "5", 0.0), ("down", "5", 0.5), ("down", "5", 1.6), ("down", "5", 2.0),
      ("up", "5", 2.4)], [2]),                                         # auto-repeat: once
    ([("down", "5", 0.0), ("down", "8", 1.0), ("up", "5", 2.0)], []),  # another key between
    ([("down", "4", 0.0), ("up", "4", 3.0)], []),                      # not the 5
    ([("down", "5", 0.0), ("up", "5", 2.0), ("down", "5", 3.0), ("up", "5", 4.6)], [1, 3]),
]


@pytest.mark.parametrize(("events", "fires"), HOLDS)
def test_hold_five(events: list[tuple[str, str, float]], fires: list[int]) -> None:
    hold = Hold5()
    fired = [i for i, (kind, key, t) in enumerate(events)
             if getattr(hold, kind)(K[key], t)]
    assert fired == fires
