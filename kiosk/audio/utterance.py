"""What the planner decides to say: a sequence of items, each a clip id, free text or a pause.

Every item carries `personal`: card data, results and the holder code are personal and go
only to headphones (EN 301 549 5.1.3.9); guidance is not.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.session.view import LanguageCode


@dataclass(frozen=True, slots=True)
class Clip:
    """A recorded clip of the prompt pack, by message id (``identity.title``, ``digit.5``)."""

    key: str
    personal: bool = False


@dataclass(frozen=True, slots=True)
class Say:
    """Text no clip can hold (a name, an address): spoken by the pack's free-text voice if it
    has one, else replaced by the ``speech.on_screen`` clip."""

    text: str
    personal: bool = False


@dataclass(frozen=True, slots=True)
class Pause:
    ms: int = 250
    personal: bool = False


Item = Clip | Say | Pause


@dataclass(frozen=True, slots=True)
class Utterance:
    language: LanguageCode
    items: tuple[Item, ...]

    @property
    def personal(self) -> bool:
        return any(i.personal for i in self.items)

    def clip_keys(self) -> tuple[str, ...]:
        """The clip ids in order (tests compare these)."""
        return tuple(i.key for i in self.items if isinstance(i, Clip))


def personal(items: tuple[Item, ...] | list[Item]) -> tuple[Item, ...]:
    """The same items marked personal."""
    out: list[Item] = []
    for i in items:
        if isinstance(i, Clip):
            out.append(Clip(i.key, True))
        elif isinstance(i, Say):
            out.append(Say(i.text, True))
        else:
            out.append(Pause(i.ms, True))
    return tuple(out)
