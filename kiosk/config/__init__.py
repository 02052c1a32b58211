"""The kiosk's one typed configuration, loaded from TOML.

`load_settings()` finds the file (``--config``, then ``KIOSK_CONFIG``, then
``config/kiosk.toml``), validates it into `Settings` and raises `ConfigError` whose
message names the file, the key and what was expected. Secrets are never in the TOML
itself: the file names a secret file, read through `read_secret()`, which refuses files
that group or others can read.
"""

from kiosk.config.loader import (
    DEFAULT_CONFIG,
    ConfigError,
    load_settings,
    read_secret,
    resolve_config_path,
)
from kiosk.config.settings import (
    CardSettings,
    DemoSettings,
    KioskSettings,
    LinkageSettings,
    OutboxSettings,
    PrinterSettings,
    Settings,
    TechnicianSettings,
    UiSettings,
)

__all__ = [
    "DEFAULT_CONFIG",
    "CardSettings",
    "ConfigError",
    "DemoSettings",
    "KioskSettings",
    "LinkageSettings",
    "OutboxSettings",
    "PrinterSettings",
    "Settings",
    "TechnicianSettings",
    "UiSettings",
    "load_settings",
    "read_secret",
    "resolve_config_path",
]
