"""The session's pure core: `step(state, event) -> (state, effects)`.

No threads, clocks, pools or ports here (tests/session/test_core_imports.py checks it): the
shell (`kiosk.session.shell`) runs the effects and feeds their answers back as events.
"""

from kiosk.session.core.machine import Config, State
from kiosk.session.core.step import HANDLERS, step
from kiosk.session.core.view import menu_of, view_of

__all__ = ["HANDLERS", "Config", "State", "menu_of", "step", "view_of"]
