"""Build the OpenAPI 3.1 document of the kiosk-facing Linkage API (docs/linkage-api.yaml).

Schemas come from the wire models in `kiosk.linkage.models` (one source for client and
server); paths, headers, status codes and error numbers are declared here. Regenerate with
``python -m simulators.linkage_server.openapi > docs/linkage-api.yaml``; a test fails when
the committed document and this builder disagree, and schemathesis checks the running
server against the committed document.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from kiosk.linkage import errors as E
from kiosk.linkage import holder as H
from kiosk.linkage import models as M

REF = "#/components/schemas/{model}"
UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

WIRE_MODELS: list[type[BaseModel]] = [
    M.ErrorBody, M.LoginRequest, M.LoginChallenge, M.LoginConfirm, M.TokenResponse,
    M.QueryRequest, M.QueryResponse, M.ServiceList, M.CardStatusRequest, M.CardStatusResponse,
    M.SubmissionRequest, M.SubmissionReceipt, M.AuditBatch, M.AuditAck,
    H.StartVerification, H.VerificationState,
    *M.SERVICE_MODELS.values(),
]
VERIFICATION_ID_PARAM = {
    "name": "verificationID", "in": "path", "required": True,
    "description": "From the answer that started the verification",
    "schema": {"type": "string", "minLength": 8, "maxLength": 64},
}

WAIT_PARAM = {
    "name": "wait", "in": "query", "required": False,
    "description": "Long-poll: answer as soon as the verification is decided, or with "
                   "`pending` after this many seconds (default 0: at once). The gateway "
                   "parks a bounded number of waits; past that it answers at once",
    "schema": {"type": "number", "minimum": 0, "maximum": H.MAX_WAIT_S},
}

SERVICE_DESCRIPTIONS = {
    1: "Person record (Linkage 2 service 1)",
    9: "Name-change history (Linkage 2 service 9)",
    10: "House registration with members (Linkage 2 service 10); members' IDs masked",
    32: "ID-card issuance records and state (Linkage 2 service 32)",
    144: "Person status, alive or deceased (Linkage 2 service 144)",
    901: "Welfare rights (project-defined ID; data of the welfare agency)",
    902: "NHSO health-insurance rights (project-defined ID; data of NHSO)",
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


REQUEST_ID_PARAM = {
    "name": "X-Request-ID", "in": "header", "required": True,
    "description": "Client-chosen UUID (lower-case, canonical form); echoed in the answer.",
    "schema": {"type": "string", "pattern": UUID_PATTERN},
}
IDEMPOTENCY_PARAM = {
    "name": "Idempotency-Key", "in": "header", "required": True,
    "description": (
        "IETF draft 'The Idempotency-Key HTTP Header Field': a client-generated UUID. "
        "Repeat with the same payload: the first answer is replayed "
        "(with `Idempotency-Replayed: true`). While the first is in progress: 409. "
        "Same key, other payload: 422. Missing: 400. Keys are kept for at least 24 h, "
        "per kiosk."
    ),
    "schema": {"type": "string", "pattern": UUID_PATTERN},
}
RESPONSE_HEADERS = {
    "X-Request-ID": {"description": "The request's X-Request-ID, echoed",
                     "required": True, "schema": {"type": "string"}},
    "Server-Timing": {"description": "W3C Server-Timing, set by the centre's outermost "
                      "layer: `total;dur=<ms>` (all of its time for the request), then each "
                      "layer's own share: `limits`, `contract`, `app` (and `wait`: a "
                      "long-poll's bounded wait, part of `app`)",
                      "schema": {"type": "string"}},
}


def _error(description: str, numbers: list[int], *, retry_after: bool = False
           ) -> dict[str, Any]:
    lines = "; ".join(f"{n} {E.ERROR_DESCRIPTIONS[n]}" for n in numbers)
    response = _json(_ref(M.ErrorBody), f"{description}. errorNumber: {lines}")
    headers = dict(RESPONSE_HEADERS)
    if retry_after:
        headers["Retry-After"] = {"description": "Seconds to wait before trying again",
                                  "schema": {"type": "string"}}
    response["headers"] = headers
    return response


def _ok(model: type[BaseModel], description: str, status: str = "200") -> dict[str, Any]:
    response = _json(_ref(model), description)
    response["headers"] = dict(RESPONSE_HEADERS)
    return {status: response}


COMMON_ERRORS = {
    "400": _error("Invalid request", [95020]),
    "408": _error("The request body did not arrive in time", [95020]),
    "413": _error("Request too large", [95015]),
    "503": _error("Centre unavailable", [95099], retry_after=True),
}
AUTH_ERRORS = {
    "401": _error("Token missing, invalid or expired: log in again", [90001]),
    "403": _error("Not permitted", [95004]),
}


def _operation(op_id: str, summary: str, *, request: type[BaseModel] | None,
               responses: dict[str, Any], auth: bool = True,
               extra_params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": op_id, "summary": summary,
        "parameters": [REQUEST_ID_PARAM, *(extra_params or [])],
        "responses": {**COMMON_ERRORS, **(AUTH_ERRORS if auth else {}), **responses},
    }
    if request is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": _ref(request)}}}
    op["security"] = [{"bearer": []}] if auth else []
    return op


def build() -> dict[str, Any]:
    _, defs = models_json_schema([(m, "validation") for m in WIRE_MODELS], ref_template=REF)
    schemas: dict[str, Any] = defs["$defs"]
    # responseData is typed by serviceID: one of the per-service schemas, or null on error.
    schemas["ServiceResult"]["properties"]["responseData"] = {
        "anyOf": [_ref(m) for m in M.SERVICE_MODELS.values()] + [{"type": "null"}],
        "description": "The service's data, by serviceID: " + "; ".join(
            f"{sid} → {M.SERVICE_MODELS[sid].__name__}" for sid in M.SERVICE_MODELS),
    }
    service_ids = sorted(int(s) for s in M.ServiceId)
    paths = {
        "/api/center/login": {"post": _operation(
            "login", "Kiosk login, step 1: get a challenge (mutual TLS: kioskID = cert CN). "
            "loginType 2 (backed by ThaID): the token that follows serves personalID only, "
            "and needs this kiosk's holder verification decided for that person (used once)",
            request=M.LoginRequest, auth=False,
            responses={**_ok(M.LoginChallenge, "A random challenge to sign"),
                       "403": _error("Kiosk not registered or CN mismatch; loginType 2 "
                                     "without a holder verification of that person",
                                     [95004, 90016])})},
        "/api/center/login/confirm": {"post": _operation(
            "loginConfirm",
            "Kiosk login, step 2: the challenge signed with the kiosk's Ed25519 device key "
            "(message: `linkage-kiosk-login-v1\\n<kioskID>\\n<challenge>`)",
            request=M.LoginConfirm, auth=False,
            responses={**_ok(M.TokenResponse, "A short-lived bearer token"),
                       "401": _error("Signature invalid or challenge unknown/used/expired",
                                     [90001]),
                       "403": _error("Kiosk not registered", [95004])})},
        "/api/center/login/renew": {"post": _operation(
            "loginRenew", "Exchange a still-valid token for a fresh one (the old one ends)",
            request=None, responses=_ok(M.TokenResponse, "A fresh bearer token"))},
        "/api/center/services": {"get": _operation(
            "listServices", "Services offered to this kiosk", request=None,
            responses=_ok(M.ServiceList, "Service IDs: " + "; ".join(
                f"{k} {v}" for k, v in SERVICE_DESCRIPTIONS.items())))},
        "/api/center/query": {"post": _operation(
            "query",
            "Query several services for the consenting card holder in one call. Each "
            "service answers on its own (partial failure: responseStatus 'error' with a "
            "responseError) with its own server time. Service IDs: " + ", ".join(
                map(str, service_ids)),
            request=M.QueryRequest,
            responses={
                **_ok(M.QueryResponse, "Per-service results"),
                "403": _error("Consent, card or rights refused (a loginType 2 token: "
                              "another person, 95014)",
                              [95004, 95010, 90016, 90009, 95002, 90005, 95014]),
                "404": _error("The consenting card is unknown", [99992]),
                "429": _error("Daily quota used up", [90008], retry_after=True),
            })},
        "/api/center/card-status": {"post": _operation(
            "cardStatus",
            "Card status by citizen ID + BP1 request number (as CheckCardByCID): code 0 "
            "normal, 4 not found / mismatch, 5 incomplete input",
            request=M.CardStatusRequest,
            responses={
                **_ok(M.CardStatusResponse, "The card's status"),
                "403": _error("Not permitted now, or a loginType 2 token for another person",
                              [95004, 90005, 95014]),
                "429": _error("Daily quota used up", [90008], retry_after=True),
            })},
        "/api/agency/submissions": {"post": _operation(
            "submit", "Submit a service request to the agency (idempotent by key)",
            request=M.SubmissionRequest, extra_params=[IDEMPOTENCY_PARAM],
            responses={
                **_ok(M.SubmissionReceipt, "Accepted (or the replay of the first answer)",
                      "201"),
                "400": _error("Invalid request or Idempotency-Key missing", [95020, 95030]),
                "404": _error("The citizen is not in the population registry", [90500]),
                "409": _error("The first request with this key is still in progress",
                              [95031], retry_after=True),
                "422": _error("Idempotency-Key already used with another payload", [95032]),
            })},
        "/api/center/audit-events": {"post": _operation(
            "auditEvents",
            "A batch of audit events (consent, service, print). Event IDs make a repeat "
            "harmless: known IDs count as duplicates",
            request=M.AuditBatch,
            responses={**_ok(M.AuditAck, "How many were new and how many known"),
                       "403": _error("Events of another kiosk", [95004])})},
        "/api/holder/verifications": {"post": _operation(
            "startHolderVerification",
            "Holder verification with ThaID (docs/holder-verification.md): the gateway starts "
            "an OpenID Connect authorization request (state, nonce, PKCE S256) for the card "
            "in the slot; `authorizationURL` is what the kiosk shows as a QR, `shortCode` "
            "what a citizen who cannot aim at the QR types in the ThaID app instead. Status "
            "`provider_down` when ThaID does not answer",
            request=H.StartVerification,
            responses=_ok(H.VerificationState, "Started (or already decided: provider_down)",
                          "201"))},
        "/api/holder/verifications/{verificationID}": {"get": _operation(
            "pollHolderVerification",
            "The decision so far: `{status, verified, pid_matches, ial, verified_at}`. "
            "pid_matches: the person who confirmed in ThaID holds the card. No token and "
            "no pid of the approver are ever returned. With `wait`, a long-poll: the "
            "answer comes when the phone's approval is decided (Server-Timing `wait` says "
            "how long it was held)",
            request=None, extra_params=[VERIFICATION_ID_PARAM, WAIT_PARAM],
            responses={**_ok(H.VerificationState, "The verification's state"),
                       "404": _error("No such verification for this kiosk", [90500])})},
    }
    error_table = "\n".join(
        f"| {n} | {E.ERROR_CLASSES[n].http_status} | {E.ERROR_DESCRIPTIONS[n]} | "
        f"`{E.ERROR_CLASSES[n].message_key}` |"
        for n in sorted(E.ERROR_CLASSES)
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Linkage Kiosk — kiosk-facing Linkage Center API",
            "version": "1.0.0",
            "description": (
                "Modelled on DOPA Linkage Center 2. Transport: HTTPS with mutual TLS only "
                "(the kiosk's client certificate CN is its kiosk ID). Every request carries "
                "X-Request-ID; every answer echoes it. Errors: `{errorNumber, errorMessage}`."
                "\n\n| errorNumber | HTTP | meaning | kiosk message key |\n|---|---|---|---|\n"
                + error_table
                + "\n\nIn a query's per-service results, further numbers appear: 90500 not "
                "found, 95011 no rights to the service, 95012 service not found, 95014 "
                "consent does not cover this person. `00XXX` is an HTTP status from the "
                "data provider."
            ),
        },
        "servers": [{"url": "https://127.0.0.1:8443", "description": "reference server"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
        "paths": paths,
    }


class _Dumper(yaml.SafeDumper):
    """Multi-line texts as literal blocks, so the document reads like a document."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render() -> str:
    return yaml.dump(build(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


if __name__ == "__main__":
    sys.stdout.write(render())
