"""Find, parse and validate the config file; read secret files safely."""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from kiosk.config.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO_ROOT / "config" / "kiosk.toml"
ENV_VAR = "KIOSK_CONFIG"


class ConfigError(Exception):
    """The configuration cannot be used. The message names the file and the key."""


def resolve_config_path(cli_path: str | os.PathLike[str] | None = None) -> Path:
    """``--config`` wins, then ``$KIOSK_CONFIG``, then the embedded demo default."""
    if cli_path:
        return Path(cli_path)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return DEFAULT_CONFIG


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    config_path = resolve_config_path(path)
    try:
        raw = config_path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{config_path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{config_path}: cannot read config file ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{config_path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: not valid TOML: {exc}") from None
    if "source" in data:
        raise ConfigError(f"{config_path}: key 'source': unknown key")
    try:
        settings = Settings.model_validate(
            data, context={"base_dir": config_path.resolve().parent}
        )
    except ValidationError as exc:
        raise ConfigError(_describe(config_path, exc)) from None
    return settings.model_copy(update={"source": config_path.resolve()})


def _describe(config_path: Path, exc: ValidationError) -> str:
    lines = [f"{config_path}: {exc.error_count()} problem(s) in the configuration"]
    for err in exc.errors(include_url=False):
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  key '{key}': {_explain(err)}")
    return "\n".join(lines)


def _explain(err: Mapping[str, object]) -> str:
    kind = str(err["type"])
    given = err.get("input")
    if kind == "extra_forbidden":
        return "unknown key (check the spelling against config/kiosk.toml)"
    if kind == "missing":
        return "required key is missing"
    message = str(err["msg"])
    if isinstance(given, Mapping | Sequence) and not isinstance(given, str):
        return message
    return f"{message}; got {given!r}"


def read_secret(path: Path, *, what: str) -> bytes:
    """Read a secret file, refusing one that group or others may read or write.

    A key that other users can read is as good as published: the kiosk would rather
    not start than run with it.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"{what}: secret file {path} does not exist") from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{what}: secret file {path} is not a regular file")
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{what}: secret file {path} has mode {stat.S_IMODE(st.st_mode):04o}; "
            f"it must not be accessible by group or others (chmod 600 {path})"
        )
    return path.read_bytes()


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` and every missing folder above it with mode 0700.

    ``Path.mkdir(parents=True, mode=...)`` applies the mode to the last folder only; the
    state dir above a key folder would otherwise be left readable by everyone.
    """
    missing: list[Path] = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)


def write_secret(path: Path, data: bytes) -> None:
    """Create a secret file with mode 0600 from the start (no window with wider mode)."""
    ensure_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)
