"""Card problems the citizen can act on, as the session shows them (issue 24)."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.session.ports import SessionPortError
from kiosk.session.view import Screen

from .conftest import Rig

S = Screen


def test_an_unreadable_photo_leaves_the_identity_and_says_so(rig: Rig) -> None:
    def broken_photo(progress: Callable[[float], None]) -> bytes:
        progress(0.5)
        raise SessionPortError("PhotoUnreadable", message_key="card.photo_unreadable")

    rig.card.read_photo = broken_photo  # type: ignore[method-assign]
    rig.card.insert(1)
    rig.wait(S.IDENTITY)
    v = rig.engine.wait_for(lambda v: v.identity is not None and not v.identity.photo_loading)
    assert v.screen is S.IDENTITY  # the identity is still served
    assert v.identity is not None and v.identity.photo is None  # nothing broken to show
    assert v.identity.photo_problem == "card.photo_unreadable"
    rig.engine.proceed()
    rig.wait(S.CONSENT)  # the session goes on without the photo
    rig.card.remove()
    v = rig.wait(S.IDLE)
    assert v.identity is None


def test_a_photo_read_ok_has_no_problem(rig: Rig) -> None:
    rig.card.insert(2)
    v = rig.engine.wait_for(lambda v: v.identity is not None and v.identity.photo is not None)
    assert v.identity is not None and v.identity.photo_problem is None
