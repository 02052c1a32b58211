"""Kiosk login (mutual TLS + a challenge signed by the Ed25519 device key) and the bearer
token's life: renewed before it expires; after a 401 the client logs in again once.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.linkage.errors import NotLoggedIn, ProtocolError
from kiosk.linkage.models import LoginChallenge, LoginConfirm, TokenResponse, login_message

# Renew when less than this is left (Linkage 2 clients renew under 10 min of 60);
# for short-lived tokens a sixth of the lifetime.
RENEW_MARGIN_S = 600.0


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float
    """On the client's monotonic clock."""
    lifetime_s: float

    def remaining(self, now: float) -> float:
        return self.expires_at - now

    def needs_renewal(self, now: float) -> bool:
        return self.remaining(now) < min(RENEW_MARGIN_S, self.lifetime_s / 6)


def load_device_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("device key must be an Ed25519 private key")
    return key


PostJson = Callable[[str, dict[str, object], str | None], bytes]
"""(path, JSON body, bearer token or None) -> response body; raises LinkageError."""


class TokenManager:
    """Thread-safe holder of the kiosk's bearer token."""

    def __init__(self, kiosk_id: str, device_key: Ed25519PrivateKey, post: PostJson,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.kiosk_id = kiosk_id
        self._device_key = device_key
        self._post = post
        self._clock = clock
        self._lock = threading.Lock()
        self._token: Token | None = None
        self.logins = 0
        self.renewals = 0

    def current(self) -> str:
        """A token good for the next call: logs in, or renews one that is close to expiry."""
        with self._lock:
            now = self._clock()
            token = self._token
            if token is None or token.remaining(now) <= 1.0:
                self._token = self._login()
            elif token.needs_renewal(now):
                try:
                    self._token = self._renew(token)
                except NotLoggedIn:  # the centre forgot it (restart): a full login
                    self._token = self._login()
            return self._token.value

    def relogin(self, rejected: str) -> str:
        """After a 401 for ``rejected``: log in afresh (once; the caller does not loop)."""
        with self._lock:
            if self._token is None or self._token.value == rejected:
                self._token = self._login()
            return self._token.value

    def forget(self) -> None:
        with self._lock:
            self._token = None

    def _token_from(self, raw: bytes, started: float) -> Token:
        try:
            answer = TokenResponse.model_validate_json(raw)
        except ValueError as exc:
            raise ProtocolError(f"token response does not match the contract: {exc}") from None
        return Token(answer.accessToken, started + answer.expiresIn, float(answer.expiresIn))

    def sign(self, challenge_b64: str) -> str:
        """The device key's signature of a login challenge (base64), for any login type."""
        signature = self._device_key.sign(login_message(self.kiosk_id, challenge_b64))
        return base64.b64encode(signature).decode("ascii")

    def _login(self) -> Token:
        started = self._clock()
        raw = self._post("/api/center/login", {"kioskID": self.kiosk_id}, None)
        try:
            challenge = LoginChallenge.model_validate_json(raw)
        except ValueError as exc:
            raise ProtocolError(f"login challenge does not match the contract: {exc}") from None
        confirm = LoginConfirm(
            kioskID=self.kiosk_id, challengeID=challenge.challengeID,
            signature=self.sign(challenge.challenge),
        )
        raw = self._post("/api/center/login/confirm", confirm.model_dump(), None)
        self.logins += 1
        return self._token_from(raw, started)

    def _renew(self, token: Token) -> Token:
        started = self._clock()
        raw = self._post("/api/center/login/renew", {}, token.value)
        self.renewals += 1
        return self._token_from(raw, started)
