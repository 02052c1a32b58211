"""The simulated ThaID provider (OpenID Connect, authorization-code flow with PKCE).

Facts modelled (../shared/reference/linkage-center.md, section ThaID): discovery at
``/.well-known/openid-configuration``; the client authenticates at the token endpoint with
HTTP Basic; the token response carries ``access_token``, ``refresh_token``, ``id_token``,
``expires_in``, ``scope``; introspection takes ``token`` with Basic auth; paths
``/api/v2/oauth2/token/`` and ``/api/v2/oauth2/introspect/``. ID tokens are RS256 JWTs with
the ThaID claims (``pid``, Thai and English names, ``ial``, ``birthdate``).

It is an oracle: it checks the relying party against the protocol (registered redirect URI,
S256 challenge, Basic credentials, single-use codes), never against the kiosk's code. JOSE
and PKCE come from maintained libraries (joserfc, Authlib); nothing is hand-rolled.

The citizen's phone approves a pending request with ``POST`` to the authorize endpoint and
the ``pid`` of the person logged in to the app (`simulators.thaid.phone`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import secrets
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlencode

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

AUTHORIZE_PATH = "/api/v2/oauth2/auth/"
TOKEN_PATH = "/api/v2/oauth2/token/"
INTROSPECT_PATH = "/api/v2/oauth2/introspect/"
JWKS_PATH = "/api/v2/oauth2/jwks/"
SCOPES = ("openid pid given_name family_name given_name_en family_name_en name name_en "
          "birthdate ial")
CODE_TTL_S = 120.0
TOKEN_TTL_S = 600


class Fault(StrEnum):
    """What the provider can be told to get wrong (one at a time, until cleared)."""

    NONE = "none"
    DOWN = "down"
    """Every endpoint answers 503."""
    SLOW = "slow"
    """Token endpoint waits `slow_s` before answering."""
    WRONG_SIGNATURE = "wrong_signature"
    """ID token signed with a key that is not in the JWKS (same kid)."""
    TAMPERED = "tampered"
    """ID token's payload changed after signing (another pid): the signature no longer fits."""
    WRONG_AUD = "wrong_aud"
    WRONG_NONCE = "wrong_nonce"
    EXPIRED = "expired"
    REPLAYED_CODE = "replayed_code"
    """A lax provider: codes may be redeemed more than once (the RP must still refuse)."""


@dataclass
class Person:
    pid: str
    given_name: str = "ทดสอบ"
    family_name: str = "ใจดี"
    given_name_en: str = "Test"
    family_name_en: str = "Jaidee"
    birthdate: str = "1987-01-01"
    ial: float = 2.3

    def claims(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "given_name": self.given_name, "family_name": self.family_name,
            "name": f"{self.given_name} {self.family_name}",
            "given_name_en": self.given_name_en, "family_name_en": self.family_name_en,
            "name_en": f"{self.given_name_en} {self.family_name_en}",
            "birthdate": self.birthdate, "ial": self.ial,
        }


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


@dataclass
class _Request:
    """An authorization request waiting for the phone."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str
    nonce: str
    code_challenge: str


@dataclass
class _Code:
    request: _Request
    person: Person
    expires_at: float
    used: bool = False


@dataclass
class _Token:
    client_id: str
    scope: str
    pid: str
    expires_at: float


@dataclass
class ProviderState:
    fault: Fault = Fault.NONE
    slow_s: float = 5.0
    codes: dict[str, _Code] = field(default_factory=dict)
    tokens: dict[str, _Token] = field(default_factory=dict)
    token_requests: int = 0


async def _form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (what OAuth endpoints take)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return {}
    body = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(body, keep_blank_values=True))


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


class ThaidProvider:
    """Holds keys, clients and state; `asgi_app` is what uvicorn serves at `issuer`."""

    def __init__(self, *, issuer: str = "", clients: tuple[Client, ...] = (),
                 people: dict[str, Person] | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.clients = {c.client_id: c for c in clients}
        self.people = dict(people or {})
        self.state = ProviderState()
        self._key = RSAKey.generate_key(2048, parameters={"kid": "thaid-1", "use": "sig"})
        self._rogue_key = RSAKey.generate_key(2048, parameters={"kid": "thaid-1"})
        self.asgi_app = Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery, methods=["GET"]),
            Route(JWKS_PATH, self.jwks, methods=["GET"]),
            Route(AUTHORIZE_PATH, self.authorize, methods=["GET", "POST"]),
            Route(TOKEN_PATH, self.token, methods=["POST"]),
            Route(INTROSPECT_PATH, self.introspect, methods=["POST"]),
        ])

    # -- control (tests, demo panel) ----------------------------------------------------------
    def set_fault(self, fault: Fault | str) -> None:
        self.state.fault = Fault(fault)

    def add_client(self, client: Client) -> None:
        self.clients[client.client_id] = client

    def person(self, pid: str) -> Person:
        return self.people.get(pid) or Person(pid)

    # -- endpoints ------------------------------------------------------------------------------
    def _down(self) -> Response | None:
        if self.state.fault is Fault.DOWN:
            return _oauth_error("temporarily_unavailable", "provider down", 503)
        return None

    async def discovery(self, request: Request) -> Response:
        if (down := self._down()) is not None:
            return down
        return JSONResponse({
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + AUTHORIZE_PATH,
            "token_endpoint": self.issuer + TOKEN_PATH,
            "introspection_endpoint": self.issuer + INTROSPECT_PATH,
            "jwks_uri": self.issuer + JWKS_PATH,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": SCOPES.split(),
            "claims_supported": ["sub", "pid", "given_name", "family_name", "given_name_en",
                                 "family_name_en", "name", "name_en", "birthdate", "ial"],
        })

    async def jwks(self, request: Request) -> Response:
        if (down := self._down()) is not None:
            return down
        return JSONResponse(KeySet([self._key]).as_dict(private=False))

    def _check_authorization(self, params: dict[str, str]) -> _Request | Response:
        client = self.clients.get(params.get("client_id", ""))
        if client is None:
            return _oauth_error("unauthorized_client", "unknown client_id")
        if params.get("redirect_uri") not in client.redirect_uris:
            return _oauth_error("invalid_request", "redirect_uri not registered")
        if params.get("response_type") != "code":
            return _oauth_error("unsupported_response_type", "response_type must be code")
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return _oauth_error("invalid_request", "PKCE S256 required")
        if not params.get("state") or not params.get("nonce"):
            return _oauth_error("invalid_request", "state and nonce required")
        if "openid" not in params.get("scope", "").split():
            return _oauth_error("invalid_scope", "openid scope required")
        return _Request(client.client_id, params["redirect_uri"], params["scope"],
                        params["state"], params["nonce"], params["code_challenge"])

    async def authorize(self, request: Request) -> Response:
        """GET: what the ThaID app shows after the scan; POST ``pid``: the holder approves."""
        if (down := self._down()) is not None:
            return down
        params = dict(request.query_params)
        checked = self._check_authorization(params)
        if isinstance(checked, Response):
            return checked
        if request.method == "GET":
            return JSONResponse({"client_id": checked.client_id, "scope": checked.scope,
                                 "action": "confirm in the ThaID app"})
        form = await _form(request)
        pid = str(form.get("pid", ""))
        if not (pid.isdigit() and len(pid) == 13):
            return _oauth_error("access_denied", "no ThaID user")
        code = secrets.token_urlsafe(24)
        self.state.codes[code] = _Code(checked, self.person(pid), time.time() + CODE_TTL_S)
        query = urlencode({"code": code, "state": checked.state})
        return RedirectResponse(f"{checked.redirect_uri}?{query}", status_code=302)

    def _client_from_basic(self, request: Request) -> Client | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            client_id, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.client_secret, secret):
            return None
        return client

    async def token(self, request: Request) -> Response:
        if (down := self._down()) is not None:
            return down
        self.state.token_requests += 1
        if self.state.fault is Fault.SLOW:
            await asyncio.sleep(self.state.slow_s)
        client = self._client_from_basic(request)
        if client is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401,
                                headers={"WWW-Authenticate": 'Basic realm="thaid"'})
        form = await _form(request)
        if form.get("grant_type") != "authorization_code":
            return _oauth_error("unsupported_grant_type", "authorization_code only")
        entry = self.state.codes.get(str(form.get("code", "")))
        if entry is None or entry.request.client_id != client.client_id:
            return _oauth_error("invalid_grant", "unknown code")
        if entry.used and self.state.fault is not Fault.REPLAYED_CODE:
            return _oauth_error("invalid_grant", "code already used")
        if entry.expires_at < time.time():
            return _oauth_error("invalid_grant", "code expired")
        if form.get("redirect_uri") != entry.request.redirect_uri:
            return _oauth_error("invalid_grant", "redirect_uri differs")
        verifier = str(form.get("code_verifier", ""))
        if not verifier or not secrets.compare_digest(
                create_s256_code_challenge(verifier), entry.request.code_challenge):
            return _oauth_error("invalid_grant", "PKCE verification failed")
        entry.used = True
        access = secrets.token_urlsafe(32)
        self.state.tokens[access] = _Token(client.client_id, entry.request.scope,
                                           entry.person.pid, time.time() + TOKEN_TTL_S)
        return JSONResponse({
            "access_token": access, "refresh_token": secrets.token_urlsafe(32),
            "token_type": "Bearer", "expires_in": TOKEN_TTL_S, "scope": entry.request.scope,
            "id_token": self._id_token(client.client_id, entry),
        }, headers={"Cache-Control": "no-store"})

    def _id_token(self, client_id: str, entry: _Code) -> str:
        now = int(time.time())
        fault = self.state.fault
        claims: dict[str, Any] = {
            "iss": self.issuer, "sub": entry.person.pid,
            "aud": "another-client" if fault is Fault.WRONG_AUD else client_id,
            "iat": now - (7200 if fault is Fault.EXPIRED else 0),
            "exp": now + (-3600 if fault is Fault.EXPIRED else TOKEN_TTL_S),
            "nonce": secrets.token_urlsafe(16) if fault is Fault.WRONG_NONCE
            else entry.request.nonce,
            **entry.person.claims(),
        }
        key = self._rogue_key if fault is Fault.WRONG_SIGNATURE else self._key
        token = jwt.encode({"alg": "RS256", "kid": "thaid-1"}, claims, key)
        if fault is Fault.TAMPERED:
            header, _, rest = token.partition(".")
            _, _, signature = rest.partition(".")
            forged = jwt.encode({"alg": "RS256", "kid": "thaid-1"},
                                {**claims, "pid": "1" * 13, "sub": "1" * 13}, self._rogue_key)
            token = ".".join([header, forged.split(".")[1], signature])
        return token

    async def introspect(self, request: Request) -> Response:
        if (down := self._down()) is not None:
            return down
        client = self._client_from_basic(request)
        if client is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        form = await _form(request)
        entry = self.state.tokens.get(str(form.get("token", "")))
        if entry is None or entry.client_id != client.client_id or entry.expires_at < time.time():
            return JSONResponse({"active": False})
        return JSONResponse({"active": True, "client_id": entry.client_id, "scope": entry.scope,
                             "exp": int(entry.expires_at), "token_type": "Bearer"})
