"""The sound cues and the connectivity banner as pure tables: (views drawn) -> cues, and
(view) -> banner message. The app plays and shows what these return (test_ui_screens and
test_ui_session check that end to end on the real window)."""

from __future__ import annotations

import pytest

from kiosk.session.view import Alert, Connectivity, MenuEntry, Screen, SessionView, Text
from kiosk.ui.chrome import offline_notice
from kiosk.ui.sounds import Cue, CueJudge


def view(screen: Screen, *, alert: Alert = Alert.NONE, alert_id: int = 0,
         session: str | None = "s1", **fields: object) -> SessionView:
    return SessionView(seq=0, session_id=session if screen is not Screen.IDLE else None,
                       screen=screen, alert=alert, alert_id=alert_id,
                       **fields)  # type: ignore[arg-type]


CUE_CASES = [
    ("card in from idle", [Screen.IDLE, Screen.READING], [[], [Cue.CARD_IN]]),
    ("card in while out of service", [Screen.OUT_OF_SERVICE, Screen.IDENTITY],
     [[], [Cue.CARD_IN]]),
    ("first view already past reading", [Screen.IDENTITY], [[Cue.CARD_IN]]),
    ("card out", [Screen.IDLE, Screen.READING, Screen.MENU, Screen.IDLE],
     [[], [Cue.CARD_IN], [], [Cue.CARD_OUT]]),
    ("no card-out from out of service", [Screen.OUT_OF_SERVICE, Screen.IDLE], [[], []]),
    ("entering the error screen", [Screen.MENU, Screen.ERROR, Screen.ERROR],
     [[Cue.CARD_IN], [Cue.ERROR], []]),
]


@pytest.mark.parametrize(("screens", "expected"),
                         [(s, e) for _, s, e in CUE_CASES], ids=[c[0] for c in CUE_CASES])
def test_cues_by_the_screens_passed(screens: list[Screen], expected: list[list[Cue]]) -> None:
    judge = CueJudge()
    previous = None
    got = []
    for screen in screens:
        current = view(screen)
        got.append(judge.cues(previous, current))
        previous = current
    assert got == expected


def test_an_alert_sounds_once_per_alert_id_and_again_when_repeated() -> None:
    judge = CueJudge()
    menu = view(Screen.MENU)
    judge.cues(None, menu)
    first = view(Screen.RESULT, alert=Alert.TAKE_CARD, alert_id=1)
    assert judge.cues(menu, first) == [Cue.TAKE_CARD]
    assert judge.cues(first, view(Screen.RESULT, alert=Alert.TAKE_CARD, alert_id=1)) == []
    assert judge.cues(first, view(Screen.RESULT, alert=Alert.TAKE_CARD, alert_id=2)) \
        == [Cue.TAKE_CARD]
    # An error alert on the error screen sounds once, not twice (alert and screen).
    error = view(Screen.ERROR, alert=Alert.ERROR, alert_id=3)
    assert judge.cues(first, error) == [Cue.ERROR]
    judge.reset()  # another engine: its ids start again at 1
    assert judge.cues(None, view(Screen.MENU, alert=Alert.TIMEOUT, alert_id=1)) \
        == [Cue.CARD_IN, Cue.TIMEOUT]


ONLINE = MenuEntry("registry", Text("ทะเบียน", "Registry"), Text("", ""), available=True)
GONE = MenuEntry("welfare", Text("สวัสดิการ", "Welfare"), Text("", ""), available=False)


@pytest.mark.parametrize(("fields", "expected"), [
    ({}, (None, {})),
    ({"connectivity": Connectivity.DEGRADED}, ("banner.degraded", {})),
    ({"offline": True}, ("banner.offline", {})),
    ({"connectivity": Connectivity.OFFLINE, "screen": Screen.RESULT}, ("banner.offline", {})),
    ({"offline": True, "menu": (GONE,)}, ("banner.offline", {})),
    ({"offline": True, "menu": (ONLINE, GONE)},
     ("menu.offline_working", {"services": "ทะเบียน"})),
    ({"offline": True, "menu": (ONLINE,), "language": "en"},
     ("menu.offline_working", {"services": "Registry"})),
])
def test_the_connectivity_banner(fields: dict[str, object],
                                 expected: tuple[str | None, dict[str, str]]) -> None:
    screen = fields.pop("screen", Screen.MENU)
    assert offline_notice(view(screen, **fields)) == expected  # type: ignore[arg-type]
