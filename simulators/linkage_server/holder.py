"""The agency gateway's ThaID relying party: holder verification for kiosks (the logic; its
HTTP routes are in `holder_routes`).

A kiosk starts a verification for the card's pid: an authorization request (state, nonce,
PKCE S256) whose URL the kiosk shows as a QR, and a six-digit short code for a citizen who
cannot aim the camera. A kiosk's poll may wait for the decision: a waiting poll is a parked
coroutine, not a worker, bounded in time and in number (``max_waiters``; past it a poll
answers at once). When the phone comes back to the redirect URI, the gateway exchanges the
code at the provider's token endpoint with the client secret (HTTP Basic, which only this
gateway holds) and the PKCE verifier, validates the ID token (RS256 against the provider's
JWKS, ``iss``, ``aud``, ``nonce``, ``exp``) and compares its ``pid`` with the card's.

OAuth and JOSE come from Authlib and joserfc. The ID token and the card's pid are dropped
as soon as the verification is decided; the audit keeps only the approver's masked pid,
``ial``, time and outcome, and nothing here logs a token or an unmasked pid.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from kiosk.domain import mask_cid
from kiosk.linkage.holder import (
    MAX_WAIT_S,
    HolderStatus,
    VerificationState,
)

log = logging.getLogger("linkage_server.holder")

SHORT_CODE_DIGITS = 6
SCOPE = "openid pid given_name family_name given_name_en family_name_en birthdate ial"
VERIFICATION_TTL_S = 180.0
PROVIDER_TIMEOUT_S = 10.0
CLOCK_LEEWAY_S = 60
MAX_WAITERS = 2000
"""Long-polls parked at once, over all kiosks; past it a poll answers at once."""


@dataclass(frozen=True)
class RelyingParty:
    """The gateway's ThaID registration. The secret comes from a 0600 file."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    ca_file: Path
    """Trust anchor for the provider's TLS certificate (verification always on)."""


@dataclass
class _Verification:
    id: str
    kiosk_id: str
    card_pid: str | None
    state: str
    nonce: str
    code_verifier: str
    expires_at: float
    status: HolderStatus = HolderStatus.PENDING
    pid_matches: bool = False
    holder_tag: bytes = b""
    """Keyed hash of the matching pid (for a loginType 2 login), not the pid itself."""
    login_used: bool = False
    ial: float | None = None
    verified_at: dt.datetime | None = None
    authorization_url: str = ""
    short_code: str = ""
    waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = field(
        default_factory=list)
    """Long-polls parked on this verification (each on its own listener's loop)."""

    def answer(self, *, with_url: bool = False) -> VerificationState:
        return VerificationState(
            verificationID=self.id, status=self.status,
            verified=self.status is HolderStatus.VERIFIED, pid_matches=self.pid_matches,
            ial=self.ial, verified_at=self.verified_at,
            authorizationURL=self.authorization_url if with_url else None,
            expiresIn=max(0, int(self.expires_at - time.time())) if with_url else None,
            shortCode=(self.short_code or None) if with_url else None)


@dataclass(frozen=True)
class AuditRecord:
    """All the gateway keeps of a verification (PDPA: masked pid, ial, time, outcome)."""

    at: dt.datetime
    kiosk_id: str
    pid_masked: str
    ial: float | None
    outcome: str


class Refused(Exception):
    """The provider's answer cannot be trusted; `outcome` names why (audit, logs)."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


class HolderGateway:
    def __init__(self, rp: RelyingParty, *, redirect_uri: str = "",
                 ttl_s: float = VERIFICATION_TTL_S,
                 provider_timeout_s: float = PROVIDER_TIMEOUT_S) -> None:
        self.rp = rp
        self.provider_timeout_s = provider_timeout_s
        """A provider slower than this counts as down (the phone and the kiosk are told)."""
        self.redirect_uri = redirect_uri
        """Set once the phone-facing listener (`holder_routes.phone_app`) is bound."""
        self.ttl_s = ttl_s
        self.audit: list[AuditRecord] = []
        self._by_id: dict[str, _Verification] = {}
        self._by_state: dict[str, _Verification] = {}
        self._by_code: dict[str, _Verification] = {}
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._tag_key = secrets.token_bytes(32)
        self.max_waiters = MAX_WAITERS
        self.waiting = 0
        """Long-polls parked now (on the kiosk-facing loop)."""
        self.waiting_changed = threading.Condition()
        """Notified when `waiting` changes (tests wait on it with a deadline)."""

    # -- provider metadata ----------------------------------------------------------------------
    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.rp.ca_file))

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(verify=self._tls(), timeout=self.provider_timeout_s,
                                 follow_redirects=False, trust_env=False)

    def _oauth(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.rp.client_id, client_secret=self.rp.client_secret,
            token_endpoint_auth_method="client_secret_basic", scope=SCOPE,
            redirect_uri=self.redirect_uri, code_challenge_method="S256",
            verify=self._tls(), timeout=self.provider_timeout_s, trust_env=False)

    async def _discover(self) -> dict[str, Any]:
        if self._metadata is None:
            async with self._http() as http:
                answer = await http.get(self.rp.issuer + "/.well-known/openid-configuration")
                answer.raise_for_status()
                metadata = answer.json()
            if metadata.get("issuer") != self.rp.issuer:
                raise Refused("issuer_mismatch")
            self._metadata = metadata
        return self._metadata

    async def _jwks(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            metadata = await self._discover()
            async with self._http() as http:
                answer = await http.get(metadata["jwks_uri"])
                answer.raise_for_status()
                self._keys = KeySet.import_key_set(answer.json())
        return self._keys

    # -- kiosk-facing ---------------------------------------------------------------------------
    async def start(self, kiosk_id: str, card_pid: str) -> VerificationState:
        v = _Verification(
            id=secrets.token_urlsafe(16), kiosk_id=kiosk_id, card_pid=card_pid,
            state=generate_token(32), nonce=generate_token(32),
            code_verifier=generate_token(64), expires_at=time.time() + self.ttl_s)
        self._purge()
        try:
            metadata = await self._discover()
            async with self._oauth() as oauth:
                url, _ = oauth.create_authorization_url(
                    metadata["authorization_endpoint"], state=v.state, nonce=v.nonce,
                    code_verifier=v.code_verifier)
            v.authorization_url = url
            v.short_code = self._new_code()
            self._by_code[v.short_code] = v
        except (httpx.HTTPError, ValueError, KeyError, Refused) as exc:
            log.warning("holder %s: ThaID provider unreachable at start (%s)", v.id,
                        type(exc).__name__)
            self._decide(v, HolderStatus.PROVIDER_DOWN, "provider_down", None, None)
        self._by_id[v.id] = v
        self._by_state[v.state] = v
        return v.answer(with_url=True)

    def get(self, kiosk_id: str, verification_id: str) -> VerificationState | None:
        v = self._by_id.get(verification_id)
        if v is None or v.kiosk_id != kiosk_id:  # another kiosk's verification: not found
            return None
        self._expire_if_due(v)
        return v.answer()

    async def wait_decided(self, kiosk_id: str, verification_id: str, wait_s: float
                           ) -> VerificationState | None:
        """`get`, but a pending verification is answered when it is decided, or after
        `wait_s` (≤ `MAX_WAIT_S`, and no later than its expiry), whichever is first."""
        v = self._by_id.get(verification_id)
        if v is None or v.kiosk_id != kiosk_id:
            return None
        self._expire_if_due(v)
        wait_s = min(wait_s, MAX_WAIT_S, max(0.0, v.expires_at - time.time()) + 0.05)
        if v.status is HolderStatus.PENDING and wait_s > 0 and self.waiting < self.max_waiters:
            entry = (asyncio.get_running_loop(), asyncio.Event())
            v.waiters.append(entry)
            self._count_waiting(+1)
            try:
                if v.status is HolderStatus.PENDING:  # decided between the check and here?
                    await asyncio.wait_for(entry[1].wait(), wait_s)
            except TimeoutError:
                pass
            finally:
                v.waiters.remove(entry)
                self._count_waiting(-1)
            self._expire_if_due(v)
        return v.answer()

    def _count_waiting(self, step: int) -> None:
        with self.waiting_changed:
            self.waiting += step
            self.waiting_changed.notify_all()

    def wake_all(self) -> None:
        """Answer every parked long-poll now (a listener shutting down)."""
        for v in list(self._by_id.values()):
            self._wake(v)

    @staticmethod
    def _wake(v: _Verification) -> None:
        for loop, event in list(v.waiters):
            # The decision may come on the phone-facing listener's loop, in another thread.
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    def _expire_if_due(self, v: _Verification) -> None:
        if v.status is HolderStatus.PENDING and v.expires_at < time.time():
            self._decide(v, HolderStatus.EXPIRED, "expired", None, None)  # drops the pid

    def _tag(self, pid: str) -> bytes:
        return hmac.new(self._tag_key, pid.encode(), hashlib.sha256).digest()

    def consume_for_login(self, kiosk_id: str, verification_id: str, pid: str) -> bool:
        """A Linkage login of type 2: this kiosk's verification, decided for the holder
        `pid`, not used for a login before (then it is)."""
        v = self._by_id.get(verification_id)
        if (v is None or v.kiosk_id != kiosk_id or v.status is not HolderStatus.VERIFIED
                or not v.pid_matches or v.login_used
                or not hmac.compare_digest(v.holder_tag, self._tag(pid))):
            return False
        v.login_used = True
        self._record(kiosk_id, pid, v.ial, "linkage_login")
        return True

    def _purge(self) -> None:
        now = time.time()
        cutoff = now - self.ttl_s  # keep decided ones a while for the kiosk's poll
        for vid, v in list(self._by_id.items()):
            self._expire_if_due(v)
            if v.expires_at < cutoff:
                self._by_id.pop(vid, None)
                self._by_state.pop(v.state, None)
                self._by_code.pop(v.short_code, None)

    def _new_code(self) -> str:
        """Six digits no pending verification holds (a typed code finds one request)."""
        while True:
            code = f"{secrets.randbelow(10 ** SHORT_CODE_DIGITS):0{SHORT_CODE_DIGITS}d}"
            if code not in self._by_code:
                return code

    # -- phone-facing ---------------------------------------------------------------------------
    def open_code(self, code: str) -> str | None:
        """The authorization URL of the request whose short code the citizen typed in the
        ThaID app, or None (unknown, used or no longer pending).

        Single use and only while pending; guessing one gains nothing, because the request
        still needs the ThaID login of the card's own holder (another account: mismatch)."""
        v = self._by_code.pop(code, None)
        if v is not None:
            self._expire_if_due(v)
        if v is None or v.status is not HolderStatus.PENDING:
            return None
        return v.authorization_url

    async def complete(self, state: str, code: str | None) -> str:
        """The phone came back to the redirect URI: decide the verification of `state`.
        Answers the phone's outcome (``done``, ``mismatch``, ``expired``, ``refused``,
        ``provider_down``)."""
        v = self._by_state.pop(state, None)  # single use: a replay finds nothing
        if v is None or v.status is not HolderStatus.PENDING:
            self._record(v.kiosk_id if v else "-", None, None, "unknown_or_used_state")
            log.warning("holder: redirect with an unknown or used state refused")
            return "refused"
        if v.expires_at < time.time():
            self._decide(v, HolderStatus.EXPIRED, "expired", None, None)
            return "expired"
        if not code:
            self._decide(v, HolderStatus.REFUSED, "denied_at_provider", None, None)
            return "refused"
        try:
            claims = await self._exchange(v, code)
        except Refused as exc:
            self._decide(v, HolderStatus.REFUSED, exc.outcome, None, None)
            return "refused"
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            log.warning("holder %s: ThaID provider failed (%s)", v.id, type(exc).__name__)
            self._decide(v, HolderStatus.PROVIDER_DOWN, "provider_down", None, None)
            return "provider_down"
        pid = str(claims["pid"])
        matches = v.card_pid is not None and secrets.compare_digest(pid, v.card_pid)
        v.pid_matches = matches
        if matches:
            v.holder_tag = self._tag(pid)
        ial = claims.get("ial")
        self._decide(v, HolderStatus.VERIFIED, "holder_verified" if matches else "pid_mismatch",
                     pid, float(ial) if isinstance(ial, int | float) else None)
        return "done" if matches else "mismatch"

    async def _exchange(self, v: _Verification, code: str) -> dict[str, Any]:
        metadata = await self._discover()
        async with self._oauth() as oauth:
            try:
                token = await oauth.fetch_token(
                    metadata["token_endpoint"], grant_type="authorization_code", code=code,
                    code_verifier=v.code_verifier)
            except OAuthError as exc:
                raise Refused(f"token_refused:{exc.error}") from None
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code >= 500:
                    raise
                raise Refused("token_refused") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise Refused("no_id_token")
        return await self._validate(id_token, v.nonce)

    async def _validate(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            decoded = jwt.decode(id_token, await self._jwks(), algorithms=["RS256"])
        except JoseError:
            raise Refused("bad_signature") from None
        registry = jwt.JWTClaimsRegistry(
            leeway=CLOCK_LEEWAY_S,
            iss={"essential": True, "value": self.rp.issuer},
            aud={"essential": True, "value": self.rp.client_id},
            nonce={"essential": True, "value": nonce},
            exp={"essential": True},
            pid={"essential": True},
        )
        try:
            registry.validate(decoded.claims)
        except JoseError as exc:
            raise Refused(f"bad_claim:{getattr(exc, 'claim', exc.error)}") from None
        pid = str(decoded.claims["pid"])
        if not (pid.isdigit() and len(pid) == 13):
            raise Refused("bad_claim:pid")
        return dict(decoded.claims)

    def _decide(self, v: _Verification, status: HolderStatus, outcome: str, pid: str | None,
                ial: float | None) -> None:
        v.status = status
        v.ial = ial
        v.verified_at = dt.datetime.now(dt.UTC) if status is HolderStatus.VERIFIED else None
        v.card_pid = None  # decided: the card's pid is no longer needed
        self._by_state.pop(v.state, None)
        self._by_code.pop(v.short_code, None)
        self._record(v.kiosk_id, pid, ial, outcome)
        log.info("holder %s: %s (%s)", v.id, status, outcome)
        self._wake(v)  # after the status is set: a poll parking now sees one or the other

    def _record(self, kiosk_id: str, pid: str | None, ial: float | None, outcome: str) -> None:
        masked = mask_cid(pid) if pid else ""
        self.audit.append(AuditRecord(dt.datetime.now(dt.UTC), kiosk_id, masked, ial, outcome))
