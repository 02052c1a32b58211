"""One citizen's session by KEYS ONLY, for the headless demo (`kiosk.commands.demo`).

Runs on a thread of its own while Kivy runs: each key press goes through Kivy's keyboard
path (``Window.dispatch('on_key_down')``) on the main thread; the tour finds its way by the
focused item, as a citizen who cannot see does by what is said, and lets each screen's
guidance play (up to `LISTEN_S`) before pressing the next key. The demo records what ALSA
played for this session (``session-audio.wav``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window

from kiosk.session.view import Screen, SessionView
from kiosk.ui.focus import item_key
from kiosk.ui.keymap import key_code

LISTEN_S = 20.0
"""The longest the tour listens to one screen before its next key (it cuts speech then)."""


class KeysTourError(RuntimeError):
    pass


class KeysTour:
    def __init__(self, app: Any, engine: Any, devices: Any, *,
                 listen: Callable[[float], bool] | None = None) -> None:
        self.app, self.engine, self.devices = app, engine, devices
        self.listen = listen or (lambda _t: True)
        self._drawn = threading.Condition()
        self._shown: SessionView | None = None
        app.on_view_drawn(self._on_drawn)

    def _on_drawn(self, view: SessionView) -> None:
        with self._drawn:
            self._shown = view
            self._drawn.notify_all()

    def _on_main(self, work: Callable[[], Any]) -> Any:
        done = threading.Event()
        box: list[Any] = []

        def run(_dt: float) -> None:
            try:
                box.append(work())
            finally:
                done.set()

        Clock.schedule_once(run, 0)
        if not done.wait(10):
            raise KeysTourError("the UI thread did not answer in 10 s")
        return box[0] if box else None

    def key(self, name: str) -> None:
        code = key_code(name)
        self._on_main(lambda: (Window.dispatch("on_key_down", code, 0, None, []),
                               Window.dispatch("on_key_up", code, 0)))

    def _focused(self) -> str | None:
        def read() -> str | None:
            button = self.app.focus.focused
            return item_key(button) if button is not None else None
        return self._on_main(read)

    def wait_screen(self, *screens: Screen, timeout: float = 30) -> SessionView:
        with self._drawn:
            if not self._drawn.wait_for(lambda: self._shown is not None
                                        and self._shown.screen in screens, timeout):
                raise KeysTourError(f"{'/'.join(s.value for s in screens)} not drawn in "
                                    f"{timeout:.0f} s")
            assert self._shown is not None
            view = self._shown
        self.listen(LISTEN_S)
        return view

    def choose(self, target: str, limit: int = 20) -> None:
        self.key("5")  # where am I
        for _ in range(limit):
            if self._focused() == target:
                self.listen(LISTEN_S)
                self.key("enter")
                return
            self.key("8")
        raise KeysTourError(f"{target} never focused")

    def run(self, citizen: int, service: str) -> list[str]:
        """Card in, `service`, receipt (or finish), card out; the screens drawn."""
        seen: list[str] = []
        self.devices.insert(citizen)
        seen.append(self.wait_screen(Screen.IDENTITY).screen.value)
        self.key("down")  # the first key shows the focus ring
        self.choose("identity.continue")
        seen.append(self.wait_screen(Screen.CONSENT).screen.value)
        self.choose("consent.agree")
        seen.append(self.wait_screen(Screen.MENU).screen.value)
        self.choose(f"service.{service}")
        view = self.wait_screen(Screen.RESULT, Screen.ERROR)
        seen.append(view.screen.value)
        if view.screen is Screen.RESULT:
            printable = view.result is not None and view.result.printable
            self.choose("result.print" if printable else "common.finish")
            seen.append(self.wait_screen(Screen.FINISHED, Screen.ERROR).screen.value)
        self.devices.remove()
        seen.append(self.wait_screen(Screen.IDLE).screen.value)
        return seen


def keys_only_session(app: Any, engine: Any, devices: Any, speech: Any, *, citizen: int = 0,
                      service: str = "card_status") -> dict[str, Any]:
    """The demo's first citizen by keys only, heard through `speech` (recording into the
    demo's ``session-audio.wav``); the speech is then detached, so the file holds this one
    session and the scripted tour after it is not spoken."""
    from kiosk.session.speech import NullSpeech

    def listen(timeout: float) -> bool:  # let the screen's guidance play to its end
        return (not hasattr(speech, "wait_idle")
                or (speech.wait_idle(timeout) and speech.output.wait_idle(timeout)))

    tour = KeysTour(app, engine, devices, listen=listen)
    try:
        screens, failure = tour.run(citizen, service), None
    except KeysTourError as exc:
        screens, failure = [], str(exc)
        devices.remove()
    tour._on_main(lambda: app.attach_speech(NullSpeech()))
    return {"service": service, "screens": screens, "failure": failure}
