"""How a session ended, as the engine knows it (not guessed from the screens shown).

The values are the ``outcome`` label of ``kiosk_sessions_total``: alert rules and
dashboards are built on them, so they are part of the kiosk's interface. Change none
without changing those.
"""

from __future__ import annotations

import enum


class SessionOutcome(enum.StrEnum):
    PRINTED = "printed"
    """The receipt printed and the printer confirmed it."""
    DECLINED = "declined"
    """The citizen declined consent."""
    FINISHED = "finished"
    """Ended with Finish, or after a print the printer could not confirm (those are also
    counted in ``kiosk_prints_total{outcome="unconfirmed"}``)."""
    TIMED_OUT = "timed_out"
    """Nobody answered the inactivity warning."""
    CARD_PULLED = "card_pulled"
    """The card was taken out during the session (not on an error screen)."""
    ERROR = "error"
    """The session ended on an error: the card could not be read, or was taken out while an
    error was shown."""
    OUT_OF_SERVICE = "out_of_service"
    """The card reader went away during the session."""
