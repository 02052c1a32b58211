"""The print-job outcome rules, as tables: each row is a run of events and the one outcome
(with its citizen message key) it must end in. Pure: no printer, no threads."""

from __future__ import annotations

import pytest

from drivers.printer.capability import StatusMode
from drivers.printer.protocol import (
    PrinterDisconnected,
    PrinterOffline,
    PrinterState,
    PrinterTimeout,
    StatusUnknown,
)
from kiosk.printing.job_machine import (
    ConfirmEnd,
    Failed,
    Finish,
    InvalidEvent,
    JobProgress,
    LinkClosed,
    Opened,
    Outcome,
    Phase,
    ReadStatus,
    SendJob,
    Sent,
    StatusRead,
    StatusUnfenced,
    step,
)

S = PrinterState
DLE, GSR, ASB, NONE = StatusMode.DLE_EOT, StatusMode.GS_R, StatusMode.ASB, StatusMode.NONE

# (name, events, outcome, message key, printer state)
TABLE = [
    ("confirmed", [Opened(DLE), StatusRead(S.READY), Sent(900), StatusRead(S.READY)],
     Outcome.PRINTED, "printer.printed", S.READY),
    ("confirmed gs_r", [Opened(GSR), StatusRead(S.READY), Sent(900), StatusRead(S.READY)],
     Outcome.PRINTED, "printer.printed", S.READY),
    ("confirmed asb, near end", [Opened(ASB), StatusRead(S.READY), Sent(9),
                                 StatusRead(S.PAPER_NEAR_END)],
     Outcome.PRINTED, "printer.paper_near_end", S.PAPER_NEAR_END),
    ("status none", [Opened(NONE), Sent(900), LinkClosed()],
     Outcome.SENT_UNCONFIRMED, "printer.unconfirmed", S.UNKNOWN),
    ("none, reset mid-job", [Opened(NONE), Failed(PrinterDisconnected("rst"))],
     Outcome.INTERRUPTED, "printer.interrupted", S.UNREACHABLE),
    ("none, reset seen after the write", [Opened(NONE), Sent(900),
                                          Failed(PrinterDisconnected("rst"))],
     Outcome.INTERRUPTED, "printer.interrupted", S.UNREACHABLE),
    ("socket took it all, no fence", [Opened(DLE), StatusRead(S.READY), Sent(900),
                                      Failed(PrinterTimeout("no fence"))],
     Outcome.INTERRUPTED, "printer.interrupted", S.UNREACHABLE),
    ("fence, then status unsettled", [Opened(DLE), StatusRead(S.READY), Sent(900),
                                      Failed(StatusUnknown("noise"))],
     Outcome.SENT_UNCONFIRMED, "printer.unconfirmed", S.UNKNOWN),
    ("DLE EOT, no fence, well", [Opened(DLE), StatusRead(S.READY), Sent(900),
                                 StatusUnfenced(S.READY)],
     Outcome.SENT_UNCONFIRMED, "printer.unconfirmed", S.READY),
    ("DLE EOT, no fence, paper out", [Opened(DLE), StatusRead(S.READY), Sent(900),
                                      StatusUnfenced(S.PAPER_OUT)],
     Outcome.INTERRUPTED, "printer.interrupted", S.PAPER_OUT),
    ("paper ran out mid-job", [Opened(GSR), StatusRead(S.READY), Sent(900),
                               StatusRead(S.PAPER_OUT)],
     Outcome.INTERRUPTED, "printer.interrupted", S.PAPER_OUT),
    ("cover opened mid-job", [Opened(DLE), StatusRead(S.READY), Sent(900),
                              StatusRead(S.COVER_OPEN)],
     Outcome.INTERRUPTED, "printer.interrupted", S.COVER_OPEN),
    ("write broke", [Opened(DLE), StatusRead(S.READY), Failed(PrinterDisconnected("x"))],
     Outcome.INTERRUPTED, "printer.interrupted", S.UNREACHABLE),
    ("paper out before", [Opened(DLE), StatusRead(S.PAPER_OUT)],
     Outcome.NOT_STARTED, "printer.paper_out", S.PAPER_OUT),
    ("cover open before", [Opened(ASB), StatusRead(S.COVER_OPEN)],
     Outcome.NOT_STARTED, "printer.cover_open", S.COVER_OPEN),
    ("offline before", [Opened(DLE), StatusRead(S.OFFLINE)],
     Outcome.NOT_STARTED, "printer.offline", S.OFFLINE),
    ("error before", [Opened(DLE), StatusRead(S.ERROR)],
     Outcome.NOT_STARTED, "printer.error", S.ERROR),
    ("no answer before", [Opened(DLE), Failed(PrinterTimeout("silent"))],
     Outcome.NOT_STARTED, "printer.timeout", S.UNREACHABLE),
    ("garbled before", [Opened(DLE), Failed(StatusUnknown("noise"))],
     Outcome.NOT_STARTED, "printer.status_unknown", S.UNKNOWN),
    ("cannot open", [Failed(PrinterOffline("refused"))],
     Outcome.NOT_STARTED, "printer.offline", S.OFFLINE),
]


def run(events):
    state, effects = JobProgress(), []
    for event in events:
        assert not any(isinstance(e, Finish) for e in effects), "event after the finish"
        state, effects = step(state, event)
    assert state.phase is Phase.DONE
    (finish,) = effects
    assert isinstance(finish, Finish)
    return finish


@pytest.mark.parametrize(("name", "events", "outcome", "key", "printer_state"), TABLE,
                         ids=[row[0] for row in TABLE])
def test_outcome_table(name, events, outcome, key, printer_state) -> None:
    finish = run(events)
    assert (finish.outcome, finish.message_key, finish.printer_state) == (
        outcome, key, printer_state)


def test_effects_follow_the_mode() -> None:
    assert step(JobProgress(), Opened(DLE))[1] == [ReadStatus()]
    assert step(JobProgress(), Opened(NONE))[1] == [SendJob()]  # silent: never blocks
    checking, _ = step(JobProgress(), Opened(GSR))
    sending, effects = step(checking, StatusRead(S.READY))
    assert effects == [SendJob()]
    assert step(sending, Sent(10))[1] == [ConfirmEnd()]


def test_only_a_confirmed_end_is_printed() -> None:
    """Whatever the run, PRINTED needs a status read after the job was sent."""
    for _, events, outcome, _, _ in TABLE:
        if outcome is Outcome.PRINTED:
            sent_at = next(i for i, e in enumerate(events) if isinstance(e, Sent))
            assert isinstance(events[-1], StatusRead) and len(events) > sent_at + 1


@pytest.mark.parametrize("events", [
    [Sent(1)], [Opened(DLE), Sent(1)], [Opened(NONE), StatusRead(S.READY)],
    [Opened(NONE), Sent(1), StatusRead(S.READY)], [Opened(DLE), StatusRead(S.READY),
                                                   Sent(1), LinkClosed()],
])
def test_impossible_events_are_refused(events) -> None:
    state = JobProgress()
    with pytest.raises(InvalidEvent):
        for event in events:
            state, _ = step(state, event)
