"""One Kivy screen per `kiosk.session.view.Screen`; each only draws a `SessionView`."""

from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.card import IdentityScreen, IdleScreen, ReadingScreen, TakeCardScreen
from kiosk.ui.screens.holder import HolderScreen
from kiosk.ui.screens.notices import ErrorScreen, OutOfServiceScreen, TimeoutScreen
from kiosk.ui.screens.service import (
    ConsentScreen,
    FinishedScreen,
    MenuScreen,
    PrintingScreen,
    ResultScreen,
    RunningScreen,
)

SESSION_SCREENS: tuple[type[KioskScreen], ...] = (
    IdleScreen,
    ReadingScreen,
    IdentityScreen,
    ConsentScreen,
    MenuScreen,
    HolderScreen,
    RunningScreen,
    ResultScreen,
    PrintingScreen,
    FinishedScreen,
    TimeoutScreen,
    ErrorScreen,
    TakeCardScreen,
    OutOfServiceScreen,
)

__all__ = ["SESSION_SCREENS", "KioskScreen"]
