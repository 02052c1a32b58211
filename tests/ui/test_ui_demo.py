"""The demo's scripted tour and its control panel data (the run itself: `make demo`)."""

from __future__ import annotations

import re
from types import SimpleNamespace

from kiosk.commands.demo import SimulatorControls, _paced, tour_segments
from kiosk.services.scripted import parse_script


def test_tour_is_several_citizens_each_ending_at_idle() -> None:
    segments = tour_segments()
    assert len(segments) >= 4
    services: set[str] = set()
    for title, body in segments:
        steps = parse_script(body, title)  # the session's own parser accepts it
        verbs = [s.verb for s in steps]
        assert "insert" in verbs and verbs.count("remove") == 1, title
        waits = [s.args[0] for s in steps if s.verb == "wait"]
        assert waits[-1] == "idle", title
        services |= {s.args[0] for s in steps if s.verb == "choose"}
    assert len(services) >= 3


def test_pacing_holds_every_awaited_screen() -> None:
    steps = parse_script("insert 0\nwait identity\nproceed\n", "t")
    paced = _paced(steps, 0.5)
    assert [s.verb for s in paced] == ["insert", "wait", "sleep", "proceed"]
    assert paced[2].args == ("0.5",)
    assert _paced(steps, 0) == steps


def test_tour_shows_a_found_card_refused() -> None:
    """The tour confirms one registry record on the phone and refuses another person's."""
    phone = [step.args[0] for _, body in tour_segments()
             for step in parse_script(body) if step.verb == "phone"]
    assert "holder" in phone and "other" in phone


def test_panel_lists_citizens_without_full_ids() -> None:
    kiosk = SimpleNamespace(settings=SimpleNamespace(demo=SimpleNamespace(seeds_file=None)))
    controls = SimulatorControls(kiosk, devices=None)
    citizens = controls.citizens()
    assert len(citizens) >= 10
    for key, label in citizens:
        assert key.isdigit()
        assert not re.search(r"\d{13}", label.replace("-", "")) or "xxxxx" in label
        assert "xxxxx" in label
