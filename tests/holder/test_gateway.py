"""The gateway's ThaID relying party, end to end over real TLS with real RS256 signatures:
the kiosk starts a verification (mutual TLS), the simulated phone approves at the simulated
provider and follows the redirect to the gateway, the kiosk polls the outcome.

Each attack is refused at the gateway: the kiosk's poll says not verified and the audit
names the cause."""

from __future__ import annotations

import base64
import logging
import ssl
import threading
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token

from kiosk.linkage import errors as E
from kiosk.linkage.client import LinkageClient
from kiosk.linkage.holder import (
    HolderStatus,
    VerificationState,
    poll_verification,
    start_verification,
)
from simulators.thaid import phone
from simulators.thaid.provider import INTROSPECT_PATH, TOKEN_PATH, Fault
from simulators.thaid.stack import CLIENT_ID, HolderStack


def _tls(stack: HolderStack) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(stack.ca_file))


def _approve(stack: HolderStack, client: LinkageClient, card_pid: str, phone_pid: str
             ) -> tuple[str, phone.PhoneResult]:
    started = start_verification(client, card_pid)
    assert started.status is HolderStatus.PENDING
    assert started.authorizationURL is not None
    return started.verificationID, phone.approve(started.authorizationURL, phone_pid,
                                                 ca_file=stack.ca_file)


def _to_redirect(http: httpx.Client, client: LinkageClient, pid: str
                 ) -> tuple[VerificationState, str]:
    """Start a verification and approve it on the provider's page, stopping at the
    redirect a phone would follow back to the gateway: ``(started, location)``."""
    started = start_verification(client, pid)
    assert started.authorizationURL is not None
    location = http.post(started.authorizationURL, data={"pid": pid}).headers["location"]
    return started, location


def _spy_on_id_tokens(stack: HolderStack) -> list[str]:
    """Every ID token the gateway validates from now on, in order (the gateway's own
    validation still runs)."""
    tokens: list[str] = []
    original = stack.gateway._validate

    async def spy(id_token: str, nonce: str) -> dict[str, object]:
        tokens.append(id_token)
        return await original(id_token, nonce)

    stack.gateway._validate = spy  # type: ignore[method-assign]
    return tokens


def _refused(stack: HolderStack, client: LinkageClient, vid: str, outcome: str) -> None:
    state = poll_verification(client, vid)
    assert state.status is HolderStatus.REFUSED
    assert state.verified is False and state.pid_matches is False
    assert stack.gateway.audit[-1].outcome == outcome


def test_authorization_request_carries_state_nonce_and_s256(
        stack: HolderStack, client: LinkageClient, holder_pid: str) -> None:
    started = start_verification(client, holder_pid)
    assert started.authorizationURL is not None
    url = urlsplit(started.authorizationURL)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}" == stack.provider.issuer
    assert query["client_id"] == CLIENT_ID
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert "openid" in query["scope"].split() and "pid" in query["scope"].split()
    assert query["redirect_uri"] == stack.gateway.redirect_uri
    assert "client_secret" not in started.authorizationURL
    assert stack.gateway.rp.client_secret not in started.authorizationURL


def test_approve_as_holder_is_verified(stack: HolderStack, client: LinkageClient,
                                       holder_pid: str) -> None:
    vid, answer = _approve(stack, client, holder_pid, holder_pid)
    assert answer.status == 200 and answer.body["outcome"] == "done"
    state = poll_verification(client, vid)
    assert state.status is HolderStatus.VERIFIED
    assert state.verified and state.pid_matches
    assert state.ial == pytest.approx(2.3)
    assert state.verified_at is not None
    record = stack.gateway.audit[-1]
    assert record.outcome == "holder_verified"
    assert record.pid_masked == f"{holder_pid[0]}-{holder_pid[1:5]}-xxxxx-xx-{holder_pid[12]}"


def test_approve_as_someone_else_is_a_mismatch_and_audited(
        stack: HolderStack, client: LinkageClient, holder_pid: str, other_pid: str) -> None:
    vid, answer = _approve(stack, client, holder_pid, other_pid)
    assert answer.body["outcome"] == "mismatch"
    state = poll_verification(client, vid)
    assert state.status is HolderStatus.VERIFIED
    assert state.verified is True and state.pid_matches is False
    record = stack.gateway.audit[-1]
    assert record.outcome == "pid_mismatch"
    assert record.pid_masked.endswith(other_pid[12]) and "xxxxx" in record.pid_masked


@pytest.mark.parametrize(("fault", "outcome"), [
    (Fault.WRONG_SIGNATURE, "bad_signature"),
    (Fault.TAMPERED, "bad_signature"),
    (Fault.WRONG_NONCE, "bad_claim:nonce"),
    (Fault.WRONG_AUD, "bad_claim:aud"),
    (Fault.EXPIRED, "bad_claim:exp"),
])
def test_bad_id_token_is_refused(stack: HolderStack, client: LinkageClient, holder_pid: str,
                                 fault: Fault, outcome: str) -> None:
    stack.provider.set_fault(fault)
    vid, answer = _approve(stack, client, holder_pid, holder_pid)
    assert answer.status == 400 and answer.body["outcome"] == "refused"
    _refused(stack, client, vid, outcome)


@pytest.mark.parametrize("lax_provider", [False, True])
def test_replayed_code_is_refused(stack: HolderStack, client: LinkageClient, holder_pid: str,
                                  other_pid: str, lax_provider: bool) -> None:
    """A second delivery of the same redirect (code + state) changes nothing, even when the
    provider itself would redeem the code again."""
    if lax_provider:
        stack.provider.set_fault(Fault.REPLAYED_CODE)
    vid, answer = _approve(stack, client, holder_pid, holder_pid)
    assert answer.body["outcome"] == "done"
    requests_before = stack.provider.state.token_requests
    replay = phone.deliver(answer.redirect_url, ca_file=stack.ca_file)
    assert replay.status == 400 and replay.body["outcome"] == "refused"
    assert stack.provider.state.token_requests == requests_before  # never exchanged again
    assert stack.gateway.audit[-1].outcome == "unknown_or_used_state"
    assert poll_verification(client, vid).pid_matches is True


def test_provider_refuses_a_code_twice(stack: HolderStack, client: LinkageClient,
                                       holder_pid: str) -> None:
    """The provider's own single-use rule (an oracle check of the simulator)."""
    with httpx.Client(verify=_tls(stack), follow_redirects=False) as http:
        started, location = _to_redirect(http, client, holder_pid)
        code = parse_qs(urlsplit(location).query)["code"][0]
        verifier = stack.gateway._by_id[started.verificationID].code_verifier
        basic = base64.b64encode(f"{CLIENT_ID}:{stack.gateway.rp.client_secret}".encode())
        form = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                "redirect_uri": stack.gateway.redirect_uri}
        headers = {"Authorization": f"Basic {basic.decode()}"}
        wrong = http.post(stack.provider.issuer + TOKEN_PATH, headers=headers,
                          data={**form, "code_verifier": generate_token(64)})
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        first = http.post(stack.provider.issuer + TOKEN_PATH, headers=headers, data=form)
        assert first.status_code == 200 and "id_token" in first.json()
        second = http.post(stack.provider.issuer + TOKEN_PATH, headers=headers, data=form)
        assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
        no_secret = http.post(stack.provider.issuer + TOKEN_PATH, data=form)
        assert no_secret.status_code == 401
        # Introspection (Basic auth): the issued access token is active, others are not.
        access = first.json()["access_token"]
        active = http.post(stack.provider.issuer + INTROSPECT_PATH, headers=headers,
                           data={"token": access}).json()
        assert active["active"] is True and active["client_id"] == CLIENT_ID
        assert http.post(stack.provider.issuer + INTROSPECT_PATH, headers=headers,
                         data={"token": "nope"}).json() == {"active": False}
        assert http.post(stack.provider.issuer + INTROSPECT_PATH,
                         data={"token": access}).status_code == 401


def test_wrong_pkce_verifier_is_refused(stack: HolderStack, client: LinkageClient,
                                        holder_pid: str) -> None:
    """A code redeemed with a verifier that does not fit the challenge (as by whoever
    intercepted the code without the gateway's verifier) gets no token."""
    started = start_verification(client, holder_pid)
    assert started.authorizationURL is not None
    stack.gateway._by_id[started.verificationID].code_verifier = generate_token(64)
    answer = phone.approve(started.authorizationURL, holder_pid, ca_file=stack.ca_file)
    assert answer.body["outcome"] == "refused"
    _refused(stack, client, started.verificationID, "token_refused:invalid_grant")


def test_provider_down(stack: HolderStack, client: LinkageClient, holder_pid: str) -> None:
    started = start_verification(client, holder_pid)
    assert started.authorizationURL is not None
    stack.provider.set_fault(Fault.DOWN)
    with pytest.raises(httpx.HTTPStatusError):
        phone.approve(started.authorizationURL, holder_pid, ca_file=stack.ca_file)
    # Down before the kiosk even starts (no discovery cached on a fresh gateway):
    stack.gateway._metadata = None
    state = start_verification(client, holder_pid)
    assert state.status is HolderStatus.PROVIDER_DOWN
    assert state.authorizationURL in ("", None)


def test_provider_down_at_the_token_endpoint(stack: HolderStack, client: LinkageClient,
                                             holder_pid: str) -> None:
    with httpx.Client(verify=_tls(stack), follow_redirects=False) as http:
        started, location = _to_redirect(http, client, holder_pid)
        stack.provider.set_fault(Fault.DOWN)
        answer = http.get(location)
    assert answer.status_code == 502
    state = poll_verification(client, started.verificationID)
    assert state.status is HolderStatus.PROVIDER_DOWN and not state.verified


def test_slow_provider_counts_as_down(stack: HolderStack, client: LinkageClient,
                                      holder_pid: str) -> None:
    """The token endpoint answers only after the gateway's limit: not verified, and the
    kiosk is told the provider is down (not left waiting)."""
    stack.gateway.provider_timeout_s = 0.3
    stack.provider.state.slow_s = 3.0
    started = start_verification(client, holder_pid)
    assert started.authorizationURL is not None
    stack.provider.set_fault(Fault.SLOW)
    answer = phone.approve(started.authorizationURL, holder_pid, ca_file=stack.ca_file)
    assert answer.status == 502 and answer.body["outcome"] == "provider_down"
    state = poll_verification(client, started.verificationID)
    assert state.status is HolderStatus.PROVIDER_DOWN and not state.verified


def test_expired_verification(stack: HolderStack, client: LinkageClient,
                              holder_pid: str) -> None:
    stack.gateway.ttl_s = 0.0
    started = start_verification(client, holder_pid)
    assert poll_verification(client, started.verificationID).status is HolderStatus.EXPIRED


def test_another_kiosk_cannot_read_a_verification(stack: HolderStack, client: LinkageClient,
                                                  holder_pid: str) -> None:
    vid, _ = _approve(stack, client, holder_pid, holder_pid)
    assert stack.gateway.get("OTHER-KIOSK", vid) is None
    with pytest.raises(E.NotFound):
        poll_verification(client, "no-such-id")


def test_nothing_of_the_token_is_logged_unmasked(
        stack: HolderStack, client: LinkageClient, holder_pid: str, other_pid: str,
        caplog: pytest.LogCaptureFixture) -> None:
    """Privacy: no log line (any logger, DEBUG) carries a pid, a token, a code or the secret;
    the kiosk's answers carry no token and no pid; the audit keeps masked pids only."""
    seen_tokens = _spy_on_id_tokens(stack)
    caplog.set_level(logging.DEBUG)
    answers = []
    for phone_pid in (holder_pid, other_pid):
        vid, result = _approve(stack, client, holder_pid, phone_pid)
        answers.append(client.last)
        answers.append(poll_verification(client, vid).model_dump_json())
        answers.append(str(result.body))
    assert len(seen_tokens) == 2
    code = parse_qs(urlsplit(result.redirect_url).query)["code"][0]
    secrets_ = [holder_pid, other_pid, code, stack.gateway.rp.client_secret, *seen_tokens,
                *(t.split(".")[1] for t in seen_tokens)]
    # The gateway's and the reference server's threads, and the kiosk's own loggers (the
    # simulated phone's HTTP log, in this thread, is the phone's business).
    main = threading.main_thread().name
    logged = "\n".join(r.getMessage() for r in caplog.records
                       if r.threadName != main or r.name.startswith("kiosk"))
    assert logged  # the gateway did log its outcomes
    for secret in secrets_:
        assert secret not in logged
        assert all(secret not in str(a) for a in answers)
    assert all(r.pid_masked in ("", ) or "xxxxx" in r.pid_masked for r in stack.gateway.audit)
    assert all(holder_pid not in repr(r) and other_pid not in repr(r)
               for r in stack.gateway.audit)


def test_discovery_and_id_token_carry_the_thaid_fields(
        stack: HolderStack, client: LinkageClient, holder_pid: str) -> None:
    """Checked with joserfc against the published JWKS, not with the gateway's code."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    with httpx.Client(verify=_tls(stack)) as http:
        meta = http.get(stack.provider.issuer + "/.well-known/openid-configuration").json()
        keys = KeySet.import_key_set(http.get(meta["jwks_uri"]).json())
    assert meta["issuer"] == stack.provider.issuer
    assert meta["token_endpoint"].endswith("/api/v2/oauth2/token/")
    assert meta["introspection_endpoint"].endswith("/api/v2/oauth2/introspect/")
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "client_secret_basic" in meta["token_endpoint_auth_methods_supported"]
    tokens = _spy_on_id_tokens(stack)
    _approve(stack, client, holder_pid, holder_pid)
    decoded = jwt.decode(tokens[0], keys, algorithms=["RS256"])
    assert decoded.header["alg"] == "RS256"
    claims = decoded.claims
    assert claims["pid"] == holder_pid and claims["aud"] == CLIENT_ID
    assert claims["given_name"] == "สมชาย" and claims["given_name_en"] == "Somchai"
    assert claims["birthdate"] == "1987-03-12"  # BE 2530-03-12 on the card
    for name in ("given_name", "family_name", "given_name_en", "family_name_en", "name",
                 "name_en", "birthdate", "ial", "nonce", "exp", "iat"):
        assert name in claims, name


def test_an_abandoned_verification_forgets_the_card(stack: HolderStack, client: LinkageClient,
                                                    holder_pid: str) -> None:
    """Nobody polls or approves (the card left): once expired, the next start purges the
    card's pid and audits the expiry."""
    stack.gateway.ttl_s = 0.0
    first = start_verification(client, holder_pid)
    start_verification(client, holder_pid)  # any later start purges
    abandoned = stack.gateway._by_id.get(first.verificationID)
    assert abandoned is None or abandoned.card_pid is None
    assert any(r.outcome == "expired" for r in stack.gateway.audit)
