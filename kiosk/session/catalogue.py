"""The service catalogue (``config/services.toml``): what the menu offers and how.

Validated like the rest of the config (pydantic, unknown keys refused); errors name the
file and the key. The catalogue holds no code: ``handler`` names a runner that the
composition root (`kiosk.app`) provides.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kiosk.config.loader import ConfigError, _describe
from kiosk.session.view import Text

Handler = Literal["registry_record", "card_status", "welfare_rights", "submit_request",
                  "counter_ticket"]

HolderVerification = Literal["none", "optional", "required"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Bilingual(_Model):
    th: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]

    def text(self) -> Text:
        return Text(self.th, self.en)


class ServiceDef(_Model):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")]
    handler: Handler
    name: Bilingual
    help: Bilingual
    linkage_services: Annotated[tuple[int, ...], Field(strict=False)] = ()
    """Linkage service ids it queries (1 person, 10 house registration, …); () = none."""
    mode: Literal["online", "queueable"]
    """``online``: needs the Linkage Center now; ``queueable``: accepted offline, sent later."""
    receipt_template: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")]
    enabled: bool = True
    holder_verification: HolderVerification = "none"
    """Must the person at the kiosk prove with ThaID that they hold the card?
    ``required``: before the service runs; ``optional``: runs either way (the audit says
    whether the holder was verified); ``none``: never asks."""

    @property
    def requires_holder(self) -> bool:
        return self.holder_verification == "required"

    @property
    def online_only(self) -> bool:
        return self.mode == "online"


class Catalogue(_Model):
    consent: Bilingual
    """The privacy notice shown before any query (purpose, data, retention)."""
    services: Annotated[tuple[ServiceDef, ...], Field(strict=False, min_length=1)]

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalogue:
        ids = [s.id for s in self.services]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate service id(s): {', '.join(duplicates)}")
        return self

    @property
    def enabled(self) -> tuple[ServiceDef, ...]:
        return tuple(s for s in self.services if s.enabled)

    def get(self, service_id: str) -> ServiceDef | None:
        return next((s for s in self.enabled if s.id == service_id), None)

    def consent_linkage_services(self) -> tuple[int, ...]:
        return tuple(sorted({n for s in self.enabled for n in s.linkage_services}))


def load_catalogue(path: Path) -> Catalogue:
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: service catalogue not found") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(Path(path), exc)) from None
