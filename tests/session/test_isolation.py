"""The Japan lesson: one citizen's data never reaches another citizen's screen or paper.

100 rapid card swaps with random card, network and printer delays; the citizen leaves at a
random moment each time. Everything the UI and the printer received is checked.
"""

from __future__ import annotations

import random
from collections import defaultdict

from kiosk.session.view import Screen, SessionView

from .conftest import Rig, citizen, quiesce, random_delay

S = Screen


def _owner_of_view(view: SessionView) -> set[str]:
    """Every full citizen ID a view shows (identity and result rows)."""
    found = set()
    if view.identity is not None:
        found.add(view.identity.cid_display.replace("-", ""))
    if view.result is not None:
        found.update(r.value for r in view.result.rows)
    return found


def test_hundred_rapid_swaps_never_show_or_print_another_citizens_data(rig: Rig) -> None:
    rng = random.Random(7)
    rig.card.read_delay = random_delay(rng, 0.004)
    rig.services.delay = random_delay(rng, 0.02)
    rig.printer.delay = random_delay(rng, 0.01)
    e = rig.engine
    owner_by_session: dict[str, str] = {}
    busy = (S.READING, S.RUNNING, S.PRINTING)
    for i in range(100):
        n = i % 7  # citizens come back: the same person twice is fine, another is not
        card = rig.card.insert(n)
        # The new session id appears right after this insertion, before any removal:
        # the card just inserted is its owner.
        v = e.wait_for(lambda v: v.session_id is not None
                       and v.session_id not in owner_by_session, timeout=10)
        assert v.session_id is not None
        owner_by_session[v.session_id] = card.cid
        # Act fast; only sometimes wait for an answer, so commands land in any state and
        # answers of slow workers arrive after the citizen has gone.
        leave_after = rng.randrange(8)
        steps = [e.proceed, e.give_consent,
                 lambda: e.choose_service(rng.choice(["registry_record", "card_status",
                                                      "submit_request"])),
                 e.print_result, e.back, lambda: e.choose_service("counter_ticket"),
                 e.print_result]
        for step in steps[:leave_after]:
            if rng.random() < 0.7:
                e.sync()  # the previous command is handled: now wait for its answer
                e.wait_for(lambda v: v.screen not in busy, timeout=10)
            step()
        if rng.random() < 0.3:
            e.sync()
        rig.card.remove()
    rig.wait(S.IDLE)
    quiesce(e)  # late card reads, answers and prints have all come back

    views = list(rig.views)
    shown_by_session: dict[str, set[str]] = defaultdict(set)
    for view in views:
        if view.session_id is None:
            assert view.identity is None and view.result is None and not view.menu
            continue
        shown_by_session[view.session_id] |= _owner_of_view(view)
    assert len(owner_by_session) == 100
    for sid, shown in shown_by_session.items():
        assert shown <= {owner_by_session[sid]}, f"session {sid} showed another citizen"
    assert any(v.screen is S.RESULT for v in views)
    assert rig.printer.printed, "some receipts should have been printed"
    for sid, document in rig.printer.printed:
        assert isinstance(document, dict)
        assert document["session"] == sid
        assert document["cid"] == owner_by_session[sid]
    # Each citizen's cid is only ever on paper in that citizen's session.
    assert {citizen(n).cid for n in range(7)} >= {d["cid"] for _, d in rig.printer.printed}
