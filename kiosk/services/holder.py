"""The session's `HolderVerifierPort` over the agency gateway (the Linkage server).

Start and poll go through the kiosk's Linkage client: mutual TLS, the same login, typed
errors. Each poll is a long-poll of `wait_s` (``[linkage] holder_wait_s``), cut to fit the
call's deadline: the decision arrives as soon as the gateway has it, and a poll whose
session was cancelled (card removed) ends within that wait. The answer holds no token and
no pid of the approver, only the decision.
"""

from __future__ import annotations

import logging

from kiosk.linkage.client import LinkageClient
from kiosk.linkage.holder import (
    HolderStatus,
    VerificationState,
    poll_verification,
    start_verification,
)
from kiosk.session.holder import HolderCheck, HolderOutcome, HolderStart

log = logging.getLogger("kiosk.holder")

_OUTCOMES = {
    HolderStatus.PENDING: HolderOutcome.PENDING,
    HolderStatus.REFUSED: HolderOutcome.REFUSED,
    HolderStatus.PROVIDER_DOWN: HolderOutcome.PROVIDER_DOWN,
    HolderStatus.EXPIRED: HolderOutcome.EXPIRED,
}


def outcome_of(state: VerificationState) -> HolderOutcome:
    if state.status is HolderStatus.VERIFIED:
        return HolderOutcome.HOLDER if state.pid_matches else HolderOutcome.MISMATCH
    return _OUTCOMES[state.status]


class GatewayHolderVerifier:
    def __init__(self, linkage: LinkageClient, wait_s: float = 0.0) -> None:
        self._linkage = linkage
        self._wait_s = wait_s

    def start(self, cid: str) -> HolderStart:
        state = start_verification(self._linkage, cid)
        return HolderStart(state.verificationID, state.authorizationURL or "",
                           outcome_of(state), short_code=state.shortCode or "")

    def poll(self, verification_id: str) -> HolderCheck:
        state = poll_verification(self._linkage, verification_id, self._wait_s)
        return HolderCheck(outcome_of(state), state.ial, state.verified_at)
