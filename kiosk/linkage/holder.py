"""Holder verification with ThaID, the kiosk's side: wire models and the poll client.

The kiosk asks the agency gateway (the Linkage server, over the same mutual-TLS link and
login as every other call) to start a ThaID authorization for the card in the slot, shows
the returned authorization URL as a QR code, and polls the verification until it is
decided. Each poll is a long-poll (``?wait=S``): the gateway answers the moment the phone's
approval is decided, or ``pending`` after S seconds; S always fits inside the call's own
deadline and read timeout (`long_poll_wait`), so a poll never outlives its call. The
gateway holds the ThaID client secret, exchanges the code and validates the ID token;
the kiosk never sees the token, nor the pid of whoever approved: only
``{verified, pid_matches, ial, verified_at}`` (docs/holder-verification.md).
"""

from __future__ import annotations

import datetime as dt
import math
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

from kiosk.linkage import deadline as call_deadline
from kiosk.linkage.models import LoginChallenge, LoginConfirm, LoginRequest, TokenResponse

if TYPE_CHECKING:
    from kiosk.linkage.client import LinkageClient

VERIFICATIONS_PATH = "/api/holder/verifications"
MAX_WAIT_S = 10.0
"""Longest long-poll wait the gateway grants (``?wait=``; docs/linkage-api.yaml)."""
ANSWER_MARGIN_S = 1.5
"""Time kept, within the call's budget, for the answer after the wait ends."""


class HolderStatus(StrEnum):
    PENDING = "pending"
    """Waiting for the phone (the QR is on screen)."""
    VERIFIED = "verified"
    """A valid ThaID ID token arrived; see ``pid_matches``."""
    REFUSED = "refused"
    """The gateway refused what came back (bad signature, nonce, audience, expiry, PKCE…)."""
    PROVIDER_DOWN = "provider_down"
    EXPIRED = "expired"
    """Nobody approved in time."""


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StartVerification(_Wire):
    personalID: Annotated[str, Field(pattern=r"^\d{13}$")]
    """The card in the slot: the gateway compares the approver's ``pid`` with it."""


class VerificationState(_Wire):
    verificationID: str
    status: HolderStatus
    verified: bool
    """A ThaID ID token was received and validated."""
    pid_matches: bool
    """Its ``pid`` is the card's: the person at the kiosk holds the card."""
    ial: float | None = None
    verified_at: dt.datetime | None = None
    authorizationURL: str | None = None
    """Only in the answer that starts it: what the QR carries."""
    expiresIn: int | None = None
    shortCode: Annotated[str, Field(pattern=r"^[0-9]{6}$")] | None = None
    """Only in the answer that starts it: six digits the citizen types in the ThaID app
    instead of scanning the QR (like RFC 8628's user code); opens the same request."""


def start_verification(client: LinkageClient, personal_id: str) -> VerificationState:
    return client._call_model("POST", VERIFICATIONS_PATH,
                              StartVerification(personalID=personal_id), VerificationState)


def long_poll_wait(client: LinkageClient, wait_s: float) -> float:
    """The wait to ask for: `wait_s`, cut so that the answer still arrives within the
    call's deadline — the client's read timeout, its total and retry budgets, and any
    deadline already set on this thread (`kiosk.linkage.deadline`) — less
    `ANSWER_MARGIN_S`; whole tenths of a second, 0 when nothing is left."""
    budget = min(client.timeouts.read_s, client.timeouts.total_s, client.retry.total_s)
    left = call_deadline.time_left()
    if left is not None:
        budget = min(budget, left)
    wait = min(wait_s, MAX_WAIT_S, budget - ANSWER_MARGIN_S)
    return max(0.0, math.floor(wait * 10) / 10)


def poll_verification(client: LinkageClient, verification_id: str, wait_s: float = 0.0
                      ) -> VerificationState:
    """The verification's state; with `wait_s`, a long-poll (see `long_poll_wait`)."""
    wait = long_poll_wait(client, wait_s) if wait_s > 0 else 0.0
    path = f"{VERIFICATIONS_PATH}/{verification_id}"
    if wait > 0:
        path += f"?wait={wait:g}"
    return client._call_model("GET", path, None, VerificationState)


def holder_login(client: LinkageClient, personal_id: str, verification_id: str
                 ) -> TokenResponse:
    """Linkage login of type 2, backed by the ThaID exchange `verification_id` (decided for
    the holder `personal_id`), beside the kiosk's own device-key login: the challenge is
    still signed by the device key, and the token serves this one person. The kiosk's
    shared token (`client.auth`) is not touched."""
    request = LoginRequest(kioskID=client.kiosk_id, loginType=2, personalID=personal_id,
                           verificationID=verification_id)
    challenge = LoginChallenge.model_validate_json(client._post_for_auth(
        "/api/center/login", request.model_dump(mode="json"), None))
    signature = client.auth.sign(challenge.challenge)
    confirm = LoginConfirm(kioskID=client.kiosk_id, challengeID=challenge.challengeID,
                           signature=signature)
    return TokenResponse.model_validate_json(client._post_for_auth(
        "/api/center/login/confirm", confirm.model_dump(mode="json"), None))
