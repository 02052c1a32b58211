"""A diagnostics bundle a technician can carry away on a USB stick: free of personal data.

The zip holds the health report, the configuration (secret *paths* with their mode and
owner, never their contents), versions, the maintenance audit trail and the recent log.
Logs should already be clean (``kiosk.logging_setup`` masks citizen IDs), but the bundle
leaves the kiosk, so every text line and every JSON string goes through
`kiosk.maintenance.scrub.scrub` once more.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import stat
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

from kiosk.appliance.version import software_version
from kiosk.config import Settings
from kiosk.domain.citizen_id import mask_cid
from kiosk.maintenance.health import HealthReport
from kiosk.maintenance.scrub import scrub

MAX_LOG_LINES = 2000
_SECRET_FIELDS = ("key_file", "client_key_file", "device_key_file",
                  "receipt_signing_key_file", "pin_hash_file", "client_cert_file", "ca_file")
_PACKAGES = ("kivy", "pyscard", "httpx", "python-escpos", "sqlite-utils", "pydantic",
             "cryptography", "prometheus-client", "pythainlp", "pillow")


def scrub_json(value: object) -> object:
    """Scrub every string value (not the keys) of a JSON-able structure."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: scrub_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_json(v) for v in value]
    return value


def default_log_files(settings: Settings) -> list[Path]:
    state = settings.kiosk.state_dir
    found = sorted({*state.glob("*.log"), *state.glob("*.log.[0-9]"),
                    *state.glob("logs/*.log"), *state.glob("logs/*.log.[0-9]")},
                   key=lambda p: p.stat().st_mtime if p.exists() else 0)
    return found


def recent_log_lines(files: Sequence[Path], *, limit: int = MAX_LOG_LINES,
                     journal_units: Sequence[str] = ()) -> list[str]:
    """The last ``limit`` lines over the files (oldest first) and the journal, scrubbed."""
    lines: list[str] = []
    for f in files:
        try:
            with f.open(encoding="utf-8", errors="replace") as fh:
                lines.extend(fh.read().splitlines())
        except OSError as exc:
            lines.append(f"[cannot read {f}: {exc.strerror}]")
    if journal_units and shutil.which("journalctl") and Path("/run/systemd/system").is_dir():
        cmd = ["journalctl", "--no-pager", "-o", "short-iso", "-n", str(limit)]
        for unit in journal_units:
            cmd += ["-u", unit]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
            lines.extend(out.stdout.splitlines())
        except (OSError, subprocess.TimeoutExpired) as exc:
            lines.append(f"[journalctl failed: {exc.__class__.__name__}]")
    return [scrub(line) for line in lines[-limit:]]


def config_summary(settings: Settings) -> dict[str, object]:
    """The configuration as JSON, technician card IDs masked, secrets described not read."""
    data = settings.model_dump(mode="json")
    tech = data.get("technician", {})
    tech["technician_card_ids"] = [mask_cid(c) for c in tech.get("technician_card_ids", [])]
    secrets: dict[str, object] = {}
    for section_name, section in data.items():
        if not isinstance(section, dict):
            continue
        for key in _SECRET_FIELDS:
            if section.get(key):
                secrets[f"{section_name}.{key}"] = _describe_file(Path(section[key]))
    return {"source": str(settings.source), "settings": data, "secret_files": secrets}


def _describe_file(path: Path) -> dict[str, object]:
    try:
        st = path.stat()
    except OSError:
        return {"path": str(path), "exists": False}
    return {"path": str(path), "exists": True, "mode": f"{stat.S_IMODE(st.st_mode):04o}",
            "uid": st.st_uid, "size": st.st_size}


def versions() -> dict[str, object]:
    packages = {}
    for name in _PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {"linkage_kiosk": software_version(), "python": platform.python_version(),
            "platform": platform.platform(), "packages": packages}


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def build_bundle(
    settings: Settings,
    report: HealthReport,
    target_dir: Path,
    *,
    log_files: Sequence[Path] | None = None,
    audit_lines: Iterable[str] = (),
    journal_units: Sequence[str] = (),
) -> Path:
    """Write the zip into ``target_dir`` (a USB stick's mount point, say); return its path."""
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    final = target_dir / f"linkage-kiosk-diagnostics-{settings.kiosk.id}-{stamp}.zip"
    logs = recent_log_lines(default_log_files(settings) if log_files is None else log_files,
                            journal_units=journal_units)
    members = {
        "health.json": _json(scrub_json(report.to_dict())),
        "config.json": _json(scrub_json(config_summary(settings))),
        "versions.json": json.dumps(versions(), indent=2),
        "audit.jsonl": "\n".join(scrub(line) for line in audit_lines),
        "log.txt": "\n".join(logs),
    }
    fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=".diag-", suffix=".zip")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, text in members.items():
                # Belt and braces: the whole member goes through mask_cid once more.
                zf.writestr(name, mask_cid(text))
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return final
