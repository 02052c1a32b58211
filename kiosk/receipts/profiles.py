"""Printer profiles: what a printer model can do, read from ``config/printer-profiles.toml``.

The renderer is chosen from the profile (raster for printers that garble Thai marks,
native CP874 text for the few that print them right), so a wrong value here prints a
wrong receipt: the file is validated as strictly as the kiosk config, and every error
names the file and the key.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kiosk.config.loader import ConfigError


class PrinterProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str = ""
    dots_per_line: Annotated[int, Field(ge=128, le=2048, multiple_of=8)]
    """Printable width in dots (576 for 80 mm at 203 dpi, 384 for 58 mm)."""
    dpi: Annotated[int, Field(ge=100, le=600)]
    thai_native: bool
    """The firmware prints CP874 Thai with tone marks placed right (ESC t 21)."""
    native_qr: bool
    """The printer draws QR codes itself from ``GS ( k`` (about 70 bytes instead of KBs)."""
    head_to_cutter_mm: Annotated[float, Field(gt=0, le=60)] = 15.0
    """Paper between the print head's dot line and the cutter blade (the tear bar on a
    printer without a cutter), in mm, from the model's manual: after the last ink the
    paper is fed this far (rounded up to a dot), then cut; no more."""
    partial_cut: bool = False
    """The cutter can leave one point uncut (``GS V 1``, the slip stays hanging until
    taken); otherwise a full cut (``GS V 0``). Needs ``cutter = true``."""
    cutter: bool
    font_a_width: Annotated[int, Field(ge=6, le=48)] = 12
    """Width in dots of one character cell of font A (12 x 24 on most 80 mm printers)."""
    qr_module_dots: Annotated[int, Field(ge=1, le=16)] = 4
    """Size of one QR module in dots (4 dots = 0.5 mm at 203 dpi: scans from a phone)."""
    code_page: Annotated[int, Field(ge=0, le=255)] = 21
    """ESC t number of the Thai code page (21 = "Thai Character Code 11" = CP874)."""
    column_images: bool = True
    """Raster pages may use 24-dot ``ESC *`` column lines placed by ``ESC $`` (skipping
    blank columns inside a line); false: ``GS v 0`` strips only, ~20 % more bytes."""
    status_mode: Literal["auto", "dle_eot", "gs_r", "asb", "none"] = "auto"
    """How the printer reports status (`drivers.printer.capability`): ``dle_eot``
    (real-time DLE EOT 1-4, job end fenced by GS r 1), ``gs_r`` (in-order GS r 1 only),
    ``asb`` (Automatic Status Back, job end by GS ( H), ``none`` (write-only: jobs are
    "printed, not confirmed"), ``auto`` (probed at start and after every reconnect)."""

    @property
    def text_columns(self) -> int:
        """Characters per line in native text mode (font A, normal size)."""
        return self.dots_per_line // self.font_a_width

    @property
    def cutter_feed_dots(self) -> int:
        """Dots to feed after the last ink so that it has just passed the cutter."""
        return math.ceil(self.head_to_cutter_mm * self.dpi / 25.4 - 1e-9)

    @model_validator(mode="after")
    def _partial_cut_needs_a_cutter(self) -> PrinterProfile:
        if self.partial_cut and not self.cutter:
            raise ValueError("partial_cut = true needs cutter = true")
        return self

    @model_validator(mode="after")
    def _qr_fits(self) -> PrinterProfile:
        if self.qr_module_dots * 41 > self.dots_per_line:
            raise ValueError("qr_module_dots too large: a version-6 QR would not fit the line")
        return self


def load_profiles(path: Path) -> dict[str, PrinterProfile]:
    """Read and validate every profile in the file; raise `ConfigError` naming file and key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: printer profiles file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read printer profiles ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    profiles: dict[str, PrinterProfile] = {}
    problems: list[str] = []
    for name, table in data.items():
        if not isinstance(table, dict):
            problems.append(f"  key '{name}': expected a [{name}] table of profile settings")
            continue
        if "name" in table:
            problems.append(f"  key '{name}.name': unknown key (the table name is the name)")
            continue
        try:
            profiles[name] = PrinterProfile.model_validate({**table, "name": name})
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                key = ".".join([name, *(str(p) for p in err["loc"])])
                what = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
                problems.append(f"  key '{key}': {what}")
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem(s) in the printer profiles\n"
                          + "\n".join(problems))
    if not profiles:
        raise ConfigError(f"{path}: no printer profile defined")
    return profiles


def load_profile(path: Path, name: str) -> PrinterProfile:
    profiles = load_profiles(path)
    try:
        return profiles[name]
    except KeyError:
        raise ConfigError(
            f"{path}: no printer profile named {name!r} (key 'printer.profile'); "
            f"known: {', '.join(sorted(profiles))}"
        ) from None
