"""Scripted sessions: drive the kiosk from a small text script (tests, benchmark, demo).

One command per line; ``#`` starts a comment::

    insert 3                 # insert the card of seed citizen 3 (index in the seed file)
    wait identity            # wait until that screen shows (optional timeout: wait menu 20)
    proceed                  # identity -> consent
    consent                  # give consent (decline: refuse)
    expect-available registry_record yes
    choose registry_record   # run a service
    wait result
    print                    # print the receipt
    wait finished
    remove                   # take the card out
    network off              # cut the link to the Linkage Center (network on: restore)
    paper out                # the printer runs out of paper (paper ok: refilled)
    phone holder             # on VERIFY_HOLDER: the card's holder confirms in the ThaID app
                             # (phone other: somebody else confirms; phone none: nobody)
    language en | back | finish | extend | sleep 0.5 | expect menu

The run prints one line per screen change (masked ID only) and, last, one JSON object.
"""

from __future__ import annotations

import json
import shlex
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TextIO

from kiosk.session.engine import SessionEngine
from kiosk.session.view import Screen, SessionView


class ScriptError(Exception):
    """The script is wrong or the kiosk did not do what it expected (names the line)."""


@dataclass(frozen=True)
class Step:
    line: int
    verb: str
    args: tuple[str, ...]


VERBS: dict[str, tuple[int, int]] = {
    "insert": (1, 1), "remove": (0, 0), "proceed": (0, 0), "consent": (0, 0),
    "decline": (0, 0), "choose": (1, 1), "print": (0, 0), "back": (0, 0), "finish": (0, 0),
    "extend": (0, 0), "language": (1, 1), "wait": (1, 2), "expect": (1, 1),
    "expect-available": (2, 2), "network": (1, 1), "paper": (1, 1), "sleep": (1, 1),
    "phone": (1, 1),
}
PHONE_MODES = ("holder", "other", "none")


def parse_script(text: str, source: str = "<script>") -> list[Step]:
    steps = []
    for number, raw in enumerate(text.splitlines(), 1):
        words = shlex.split(raw, comments=True)
        if not words:
            continue
        verb, args = words[0].lower(), tuple(words[1:])
        if verb not in VERBS:
            raise ScriptError(f"{source}:{number}: unknown command {verb!r}")
        low, high = VERBS[verb]
        if not low <= len(args) <= high:
            raise ScriptError(f"{source}:{number}: {verb} takes {low}..{high} argument(s)")
        if verb in ("wait", "expect") and args[0] not in {s.value for s in Screen}:
            raise ScriptError(f"{source}:{number}: unknown screen {args[0]!r}")
        if verb == "phone" and args[0] not in PHONE_MODES:
            raise ScriptError(f"{source}:{number}: phone takes {' | '.join(PHONE_MODES)}")
        steps.append(Step(number, verb, args))
    return steps


class Devices(Protocol):
    """What a script can do to the world around the kiosk."""

    def insert(self, citizen_index: int) -> None: ...

    def remove(self) -> None: ...

    def network(self, up: bool) -> None: ...

    def paper(self, ok: bool) -> None: ...

    def phone(self, mode: str, qr_payload: str) -> None:
        """The citizen's phone with ThaID: scan `qr_payload`, confirm as `mode` says."""
        ...


@dataclass
class RunReport:
    steps: int
    sessions: int
    screens: list[str]
    receipts: int
    elapsed_s: float
    marks: dict[str, float]

    def as_json(self) -> str:
        return json.dumps({"steps": self.steps, "sessions": self.sessions,
                           "receipts_printed": self.receipts,
                           "elapsed_s": round(self.elapsed_s, 4),
                           "final_screen": self.screens[-1] if self.screens else None})


class ScriptRunner:
    def __init__(self, engine: SessionEngine, devices: Devices, *, out: TextIO | None = None,
                 default_timeout_s: float = 30.0) -> None:
        self.engine = engine
        self.devices = devices
        self.out = out
        self.default_timeout_s = default_timeout_s
        self._t0 = time.monotonic()
        self._screens: list[str] = []
        self._sessions: set[str] = set()
        self._receipts = 0
        self._lock = threading.Lock()
        self.marks: dict[str, float] = {}
        """Monotonic time when each step finished, keyed ``"<line>:<verb>"`` (benchmark)."""

    def _on_view(self, view: SessionView) -> None:
        with self._lock:
            if view.session_id:
                self._sessions.add(view.session_id)
            if self._screens and self._screens[-1] == view.screen.value:
                return
            self._screens.append(view.screen.value)
            if view.screen is Screen.FINISHED and view.print_status.value == "printed":
                self._receipts += 1
        if self.out is not None:
            who = view.identity.cid_masked if view.identity else "-"
            sid = view.session_id[:8] if view.session_id else "-"
            self.out.write(f"t={time.monotonic() - self._t0:8.3f} screen={view.screen.value:<16}"
                           f" session={sid} id={who}\n")

    def run(self, steps: list[Step]) -> RunReport:
        unsubscribe = self.engine.subscribe(self._on_view)
        self._t0 = time.monotonic()
        try:
            for step in steps:
                self._do(step)
                self.marks[f"{step.line}:{step.verb}"] = time.monotonic()
            self.engine.sync()
        finally:
            unsubscribe()
        return RunReport(len(steps), len(self._sessions), list(self._screens), self._receipts,
                         time.monotonic() - self._t0, self.marks)

    def _fail(self, step: Step, message: str) -> ScriptError:
        return ScriptError(f"line {step.line} ({step.verb} {' '.join(step.args)}): {message}")

    def _do(self, step: Step) -> None:
        e, a = self.engine, step.args
        simple: dict[str, Callable[[], None]] = {
            "proceed": e.proceed, "consent": e.give_consent, "decline": e.decline,
            "print": e.print_result, "back": e.back, "finish": e.finish, "extend": e.extend,
        }
        if step.verb in simple:
            simple[step.verb]()
        elif step.verb == "choose":
            e.choose_service(a[0])
        elif step.verb == "language":
            if a[0] not in ("th", "en"):
                raise self._fail(step, "language is th or en")
            e.set_language(a[0])  # type: ignore[arg-type]
        elif step.verb == "insert":
            self.devices.insert(int(a[0]))
        elif step.verb == "remove":
            self.devices.remove()
        elif step.verb == "network":
            self.devices.network(_on_off(a[0], "on", "off"))
        elif step.verb == "paper":
            self.devices.paper(_on_off(a[0], "ok", "out"))
        elif step.verb == "phone":
            e.sync()
            try:
                v = e.wait_for(lambda v: v.holder_qr is not None, self.default_timeout_s)
            except TimeoutError:
                raise self._fail(step, f"no ThaID QR on screen ({e.view.screen.value})"
                                 ) from None
            assert v.holder_qr is not None
            self.devices.phone(a[0], v.holder_qr)
        elif step.verb == "sleep":
            time.sleep(float(a[0]))
        elif step.verb == "wait":
            timeout = float(a[1]) if len(a) > 1 else self.default_timeout_s
            e.sync()
            # An unexpected error screen ends the wait at once (it will not go away).
            try:
                v = e.wait_for(lambda v: v.screen.value == a[0] or (
                    v.screen is Screen.ERROR and a[0] != Screen.ERROR.value), timeout)
            except TimeoutError:
                v = e.view
            if v.screen.value != a[0]:
                raise self._fail(step, f"screen is {v.screen.value} (error {v.error_key})")
        elif step.verb == "expect":
            e.sync()
            if e.view.screen.value != a[0]:
                raise self._fail(step, f"screen is {e.view.screen.value}")
        elif step.verb == "expect-available":
            e.sync()
            entry = next((m for m in e.view.menu if m.service_id == a[0]), None)
            if entry is None:
                raise self._fail(step, "service not on the menu")
            if entry.available != _on_off(a[1], "yes", "no"):
                raise self._fail(step, f"available={entry.available} ({entry.reason_key})")


def _on_off(word: str, yes: str, no: str) -> bool:
    if word not in (yes, no):
        raise ScriptError(f"expected {yes} or {no}, got {word!r}")
    return word == yes
