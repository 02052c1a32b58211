"""Wire models of the kiosk-facing Linkage API (the contract in docs/linkage-api.yaml).

Field names are the wire names (camelCase as in Linkage Center 2). Requests and envelopes
forbid unknown keys so a typo is an error on either side. The OpenAPI document's schemas
are generated from these models (``python -m simulators.linkage_server.openapi``).
"""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

PersonalID = Annotated[str, Field(pattern=r"^[0-9]{13}$", description="13-digit citizen ID")]
MaskedID = Annotated[
    str, Field(pattern=r"^[0-9]-[0-9x]{4}-x{5}-x{2}-[0-9]$", description="e.g. 1-1017-xxxxx-xx-0")
]
KioskID = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$")]
RequestNo = Annotated[
    str, Field(pattern=r"^[0-9]{8,24}$", description="BP1 card request number (digits)")
]
ChipNo = Annotated[str, Field(pattern=r"^[0-9A-F]{8,32}$", description="card chip serial (hex)")]
Base64 = Annotated[str, Field(pattern=r"^[A-Za-z0-9+/]+={0,2}$", max_length=4096)]
Uuid = Annotated[
    str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]
ServiceIdValue = Annotated[int, Field(ge=1, le=99999)]

REQUEST_ID_HEADER = "X-Request-ID"
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_SERVICES_PER_QUERY = 10


class ServiceId(enum.IntEnum):
    """Linkage 2 IDs where known; 901/902 are project-defined (other agencies' data)."""

    PERSON = 1
    NAME_HISTORY = 9
    HOUSE_REGISTRATION = 10
    CARD_STATUS = 32
    PERSON_STATUS = 144
    WELFARE = 901
    HEALTH_RIGHTS = 902


# cache_strings="keys": pydantic-core's JSON string cache (process-wide, 16,384 entries)
# keeps field names only. Caching every value as well filled it with one-off request ids,
# tokens and times, ~4.5 a session, resident for the life of the kiosk (bench/soak.py).
class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", cache_strings="keys")


class Lenient(BaseModel):
    """Service data: providers may add fields; we keep only what we know."""

    model_config = ConfigDict(extra="ignore", cache_strings="keys")


class ErrorBody(Wire):
    errorNumber: Annotated[int, Field(ge=0, le=99999)]
    errorMessage: Annotated[str, Field(max_length=500)]


# -- login -------------------------------------------------------------------------------------
class LoginRequest(Wire):
    """``loginType`` 1: the kiosk's device key alone. 2: backed by a ThaID exchange (as
    Linkage 2's ``{loginType: 2, personalID}``): the token is bound to that person, whose
    holder verification (`verificationID`, decided with a matching pid) it consumes."""

    # The rule below, in the document too: a schema-valid request is never refused for it.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"oneOf": [
        {"properties": {"loginType": {"const": 1}, "personalID": {"type": "null"},
                        "verificationID": {"type": "null"}}},
        {"properties": {"loginType": {"const": 2}, "personalID": {"type": "string"},
                        "verificationID": {"type": "string"}},
         "required": ["loginType", "personalID", "verificationID"]},
    ]})

    kioskID: KioskID
    loginType: Literal[1, 2] = 1
    personalID: PersonalID | None = None
    verificationID: Annotated[str, Field(min_length=8, max_length=64)] | None = None

    @model_validator(mode="after")
    def _person_for_type_2(self) -> LoginRequest:
        person = (self.personalID, self.verificationID)
        if self.loginType == 2 and None in person:
            raise ValueError("loginType 2 needs personalID and verificationID")
        if self.loginType == 1 and person != (None, None):
            raise ValueError("personalID and verificationID belong to loginType 2")
        return self


class LoginChallenge(Wire):
    challengeID: Uuid
    challenge: Base64
    """Random bytes; the kiosk signs ``login_message(kioskID, challenge)`` with its device key."""
    expiresAt: AwareDatetime


class LoginConfirm(Wire):
    kioskID: KioskID
    challengeID: Uuid
    signature: Base64


class TokenResponse(Wire):
    accessToken: Annotated[str, Field(min_length=16, max_length=512)]
    tokenType: Literal["Bearer"]
    expiresAt: AwareDatetime
    expiresIn: Annotated[int, Field(ge=0)]


def login_message(kiosk_id: str, challenge_b64: str) -> bytes:
    """What the device key signs: bound to the kiosk id so a signature can't be replayed
    for another kiosk."""
    return f"linkage-kiosk-login-v1\n{kiosk_id}\n{challenge_b64}".encode("ascii")


# -- query ------------------------------------------------------------------------------------
class Consent(Wire):
    """The citizen's consent, bound to the card they inserted."""

    type: Literal["card"]
    personalID: PersonalID
    requestNo: RequestNo
    """BP1 request number of the inserted card: always required."""
    chipNo: ChipNo | None = None
    """The chip serial, when the reader can get it; if given, it must match too."""
    consentedAt: AwareDatetime


class PersonQuery(Wire):
    personalID: PersonalID


class ServiceRequest(Wire):
    serviceID: ServiceIdValue
    query: PersonQuery


class QueryRequest(Wire):
    jobID: Annotated[str, Field(min_length=1, max_length=64)]
    consent: Consent
    data: Annotated[list[ServiceRequest], Field(min_length=1, max_length=MAX_SERVICES_PER_QUERY)]


class ServiceResult(Wire):
    serviceID: ServiceIdValue
    responseStatus: Literal["ok", "error"]
    responseContentType: Literal["application/json"] = "application/json"
    responseData: dict[str, Any] | None
    responseError: ErrorBody | None
    responseTimeMs: Annotated[float, Field(ge=0)]
    serverTime: AwareDatetime


class QueryResponse(Wire):
    data: list[ServiceResult]
    executeTimeMs: Annotated[float, Field(ge=0)]
    serverTime: AwareDatetime


# -- per-service data (responseData) ------------------------------------------------------------
class PersonRecord(Lenient):
    personalID: PersonalID
    titleTh: str
    firstNameTh: str
    middleNameTh: str | None = None
    lastNameTh: str
    titleEn: str | None = None
    firstNameEn: str | None = None
    middleNameEn: str | None = None
    lastNameEn: str | None = None
    sex: Literal["male", "female", "unknown"]
    birthDate: str
    """Thai registry date YYYYMMDD in the Buddhist Era; 00 for an unknown month/day."""
    nationality: str
    houseID: str | None = None


class HouseMember(Lenient):
    maskedID: MaskedID
    fullNameTh: str
    relation: str | None = None


class HouseRegistration(Lenient):
    houseID: str
    address: dict[str, Any]
    members: list[HouseMember]


class PersonStatus(Lenient):
    alive: bool
    deathDate: str | None = None
    statusCode: Literal["0", "1"]
    """0 living, 1 deceased (registry status)."""
    statusDesc: str


class NameChange(Lenient):
    changedOn: str
    field: str
    oldName: str
    newName: str


class NameChangeHistory(Lenient):
    changes: list[NameChange]


class CardIssue(Lenient):
    requestNo: str
    issuedOn: str | None = None
    expiresOn: str | None = None
    state: str


class CardIssuance(Lenient):
    cards: list[CardIssue]


class WelfareRight(Lenient):
    scheme: str
    nameTh: str | None = None
    nameEn: str | None = None
    status: str
    monthlyBaht: int | None = None
    since: str | None = None


class WelfareRights(Lenient):
    rights: list[WelfareRight]


class HealthRights(Lenient):
    scheme: str
    """NHSO main rights: UCS, SSS, OFC, LGO."""
    schemeNameTh: str | None = None
    mainHospital: str | None = None
    subHospital: str | None = None
    validFrom: str | None = None
    validUntil: str | None = None
    """BE ``YYYYMMDD``; 99999999 = no end."""
    status: str | None = None


SERVICE_MODELS: dict[int, type[Lenient]] = {
    ServiceId.PERSON: PersonRecord,
    ServiceId.NAME_HISTORY: NameChangeHistory,
    ServiceId.HOUSE_REGISTRATION: HouseRegistration,
    ServiceId.CARD_STATUS: CardIssuance,
    ServiceId.PERSON_STATUS: PersonStatus,
    ServiceId.WELFARE: WelfareRights,
    ServiceId.HEALTH_RIGHTS: HealthRights,
}


class ServiceInfo(Wire):
    serviceID: ServiceIdValue
    nameEn: str
    nameTh: str
    provider: str


class ServiceList(Wire):
    services: list[ServiceInfo]


# -- card status (CheckCardByCID) ----------------------------------------------------------------
class CardStatusRequest(Wire):
    personalID: PersonalID
    requestNo: RequestNo
    chipNo: ChipNo | None = None


class CardStatusResponse(Wire):
    code: Literal[0, 4, 5]
    """0 normal, 4 not found / mismatch, 5 incomplete input (as CheckCardByCID)."""
    desc: str
    isError: bool
    cardState: Literal["active", "revoked", "replaced", "expired", "unknown"]
    isLatest: bool | None
    expiresOn: str | None = None


# -- submissions ----------------------------------------------------------------------------------
class SubmissionRequest(Wire):
    kind: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{2,48}$")]
    serviceID: ServiceIdValue | None = None
    personalID: PersonalID
    consentedAt: AwareDatetime
    payload: Annotated[dict[str, Any], Field(max_length=64)]


class SubmissionReceipt(Wire):
    submissionID: Uuid
    kind: str
    status: Literal["accepted"]
    receivedAt: AwareDatetime
    maskedID: MaskedID


# -- audit -----------------------------------------------------------------------------------------
class AuditEvent(Wire):
    eventID: Uuid
    occurredAt: AwareDatetime
    type: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.-]{1,48}$")]
    kioskID: KioskID
    maskedID: MaskedID | None = None
    services: Annotated[list[ServiceIdValue], Field(max_length=MAX_SERVICES_PER_QUERY)] = []
    outcome: Annotated[str, Field(max_length=64)] | None = None


class AuditBatch(Wire):
    events: Annotated[list[AuditEvent], Field(min_length=1, max_length=500)]


class AuditAck(Wire):
    accepted: Annotated[int, Field(ge=0)]
    duplicates: Annotated[int, Field(ge=0)]
