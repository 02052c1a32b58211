"""fleet.toml: the updater's settings (what /etc/linkage-kiosk/fleet.toml may say).

Kept apart from kiosk.toml: the updater runs as root, before and after the kiosk's own
config may have changed shape, so it reads only this small, stable file. An unknown key or
a wrong type names the key and the file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kiosk.fleet.decide import Ring, Window, parse_hhmm

CHECKS = ("units", "outbox", "card_reader", "printer", "ui_frames")


class FleetConfigError(ValueError):
    pass


@dataclass(frozen=True)
class FleetConfig:
    url: str
    ring: Ring
    keyring: Path
    window: Window
    deadline_s: float
    units: tuple[str, ...]
    checks: tuple[str, ...]
    kiosk_config: Path
    state_dir: Path
    """The updater's own state: kept releases, state.json, metrics (root only)."""
    printer_device: Path


_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "repository": {"url": str, "ring": str, "keyring": str},
    "window": {"start": str, "end": str},
    "selfcheck": {"deadline_s": (int, float), "units": list, "checks": list,
                  "printer_device": str},
    "paths": {"kiosk_config": str, "state_dir": str},
}
_URL = re.compile(r"^https?://[A-Za-z0-9.:\[\]_-]+(/[A-Za-z0-9._~/-]*)?$")


def load_fleet_config(path: Path) -> FleetConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FleetConfigError(f"{path}: {exc}") from exc
    for section, value in data.items():
        if section not in _SCHEMA:
            raise FleetConfigError(f"{path}: unknown section [{section}]")
        if not isinstance(value, dict):
            raise FleetConfigError(f"{path}: {section} must be a table")
        for key, item in value.items():
            want = _SCHEMA[section].get(key)
            if want is None:
                raise FleetConfigError(f"{path}: unknown key {section}.{key}")
            if not isinstance(item, want) or isinstance(item, bool):
                raise FleetConfigError(f"{path}: {section}.{key} has the wrong type")

    def get(section: str, key: str, default: object = None) -> object:
        value = data.get(section, {}).get(key, default)
        if value is None:
            raise FleetConfigError(f"{path}: {section}.{key} is required")
        return value

    url = str(get("repository", "url"))
    if not _URL.match(url):
        raise FleetConfigError(f"{path}: repository.url {url!r} is not an http(s) URL")
    try:
        ring = Ring(str(get("repository", "ring")))
    except ValueError:
        raise FleetConfigError(
            f"{path}: repository.ring must be one of {', '.join(r.value for r in Ring)}"
        ) from None
    try:
        window = Window(parse_hhmm(str(get("window", "start", "01:00"))),
                        parse_hhmm(str(get("window", "end", "05:00"))))
    except ValueError as exc:
        raise FleetConfigError(f"{path}: window: {exc}") from exc
    deadline = float(get("selfcheck", "deadline_s", 300))  # type: ignore[arg-type]
    if not 10 <= deadline <= 3600:
        raise FleetConfigError(f"{path}: selfcheck.deadline_s must be 10..3600")
    units = get("selfcheck", "units", ["linkage-kiosk.service", "linkage-kiosk-outbox.service"])
    checks = get("selfcheck", "checks", list(CHECKS))
    for name, values in (("units", units), ("checks", checks)):
        if not all(isinstance(v, str) for v in values):  # type: ignore[union-attr]
            raise FleetConfigError(f"{path}: selfcheck.{name} must be a list of strings")
    unknown = set(checks) - set(CHECKS)  # type: ignore[arg-type]
    if unknown:
        raise FleetConfigError(f"{path}: selfcheck.checks: unknown {sorted(unknown)}")
    return FleetConfig(
        url=url.rstrip("/"), ring=ring, keyring=Path(str(get("repository", "keyring"))),
        window=window, deadline_s=deadline, units=tuple(units),  # type: ignore[arg-type]
        checks=tuple(checks),  # type: ignore[arg-type]
        kiosk_config=Path(str(get("paths", "kiosk_config", "/etc/linkage-kiosk/kiosk.toml"))),
        state_dir=Path(str(get("paths", "state_dir", "/var/lib/linkage-kiosk-updater"))),
        printer_device=Path(str(get("selfcheck", "printer_device", "/dev/kiosk-printer"))),
    )
