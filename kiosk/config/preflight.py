"""Everything the kiosk will open, checked before it runs (``python -m kiosk check-config``).

Loading the TOML only proves its shape. A key file that is missing, 0644, a folder, or
garbage stops the kiosk later with exit 2 and a technician guessing; here each secret file
is checked the way the kiosk will read it (exists, regular file, private, parses as what it
should be), each certificate parses (and the client certificate matches its key), and each
folder and device path is usable. Every problem names the setting, the file and the reason.

A demo config generates its keys at first start: a demo secret that does not exist yet is
fine, but one that exists must be right.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.config.loader import ConfigError, read_secret
from kiosk.config.settings import Settings


@dataclass(frozen=True, slots=True)
class Problem:
    setting: str
    path: Path | str
    reason: str

    def __str__(self) -> str:
        return f"{self.setting} ({self.path}): {self.reason}"


def _pem_private_key(data: bytes) -> str | None:
    from cryptography.hazmat.primitives import serialization

    try:
        serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        return f"not a PEM private key without passphrase ({exc.__class__.__name__})"
    return None


def _ed25519_key(data: bytes) -> str | None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        return f"not a PEM private key without passphrase ({exc.__class__.__name__})"
    if not isinstance(key, Ed25519PrivateKey):
        return f"a {type(key).__name__.lstrip('_')}, not an Ed25519 private key"
    return None


def _aes_key(data: bytes) -> str | None:
    from kiosk.crypto_at_rest import KEY_BYTES

    try:
        key = base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        return "not base64 text (an AES-256 key file)"
    if len(key) != KEY_BYTES:
        return f"holds {len(key)} bytes; an AES-256 key is {KEY_BYTES}"
    return None


def _pin_hash(data: bytes) -> str | None:
    try:
        record = json.loads(data)
        if not isinstance(record, dict) or record.get("alg") != "scrypt":
            return "not a technician PIN hash (expected scrypt JSON from `set-pin`)"
        for name in ("n", "r", "p"):
            if int(record[name]) <= 0:
                return f"PIN hash parameter {name} is not positive"
        base64.b64decode(record["salt"], validate=True)
        if len(base64.b64decode(record["hash"], validate=True)) < 16:
            return "PIN hash is too short"
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        return f"not a technician PIN hash ({exc.__class__.__name__}); run `set-pin` again"
    return None


Parser = Callable[[bytes], "str | None"]


def check_secret(setting: str, path: Path, parse: Parser, *, may_be_missing: bool = False
                 ) -> list[Problem]:
    if may_be_missing and not path.exists() and not path.is_symlink():
        return []
    try:
        data = read_secret(path, what=setting)
    except ConfigError as exc:
        reason = str(exc).split(f"{path} ", 1)[-1]
        return [Problem(setting, path, reason)]
    except OSError as exc:
        return [Problem(setting, path, f"cannot be read ({exc.strerror})")]
    reason = parse(data)
    return [Problem(setting, path, reason)] if reason else []


def check_certificate(setting: str, path: Path) -> list[Problem]:
    from cryptography import x509

    if not path.is_file():
        return [Problem(setting, path, "does not exist" if not path.exists()
                        else "is not a regular file")]
    try:
        x509.load_pem_x509_certificates(path.read_bytes())
    except (ValueError, OSError) as exc:
        return [Problem(setting, path, f"not a PEM certificate ({exc.__class__.__name__})")]
    return []


def _cert_matches_key(cert_file: Path, key_file: Path) -> str | None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    except (ValueError, TypeError, OSError):
        return None  # already reported by the file checks
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if cert.public_key().public_bytes(*fmt) != key.public_key().public_bytes(*fmt):
        return "the client certificate does not belong to linkage.client_key_file"
    return None


def check_folder(setting: str, path: Path, *, may_create: bool = True) -> list[Problem]:
    """A folder the kiosk writes into: exists (or can be made) and is writable."""
    if path.exists():
        if not path.is_dir():
            return [Problem(setting, path, "is not a folder")]
        if not os.access(path, os.W_OK | os.X_OK):
            return [Problem(setting, path, "is not writable by this user")]
        return []
    if not may_create:
        return [Problem(setting, path, "does not exist")]
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return [Problem(setting, path, f"does not exist and cannot be created in {parent}")]
    return []


def check_device(setting: str, path: Path) -> list[Problem]:
    """A device node the kiosk opens read-write (serial port, printer node)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return [Problem(setting, path, "does not exist (device not plugged in?)")]
    except OSError as exc:
        return [Problem(setting, path, f"cannot be examined ({exc.strerror})")]
    if stat.S_ISDIR(st.st_mode):
        return [Problem(setting, path, "is a folder, not a device")]
    if not os.access(path, os.R_OK | os.W_OK):
        return [Problem(setting, path, "is not readable and writable by this user "
                        "(group dialout/lp?)")]
    return []


def preflight(settings: Settings) -> list[Problem]:
    """Every problem found; an empty list means the kiosk can open all it needs."""
    demo = settings.demo.enabled
    link, outbox, printer = settings.linkage, settings.outbox, settings.printer
    problems: list[Problem] = []
    problems += check_folder("kiosk.state_dir", settings.kiosk.state_dir)
    problems += check_secret("linkage.client_key_file", link.client_key_file, _pem_private_key,
                             may_be_missing=demo)
    problems += check_secret("linkage.device_key_file", link.device_key_file, _ed25519_key,
                             may_be_missing=demo)
    problems += check_secret("linkage.receipt_signing_key_file",
                             link.receipt_signing_key_file, _ed25519_key, may_be_missing=demo)
    problems += check_secret("outbox.key_file", outbox.key_file, _aes_key,
                             may_be_missing=demo)
    journal_key = printer.journal_key_file or settings.kiosk.state_dir / "pki/print-journal.key"
    problems += check_secret("printer.journal_key_file", journal_key, _aes_key,
                             may_be_missing=True)  # the kiosk creates it when missing
    # Without a PIN hash the menu opens by technician card only; with neither, never.
    problems += check_secret("technician.pin_hash_file", settings.technician.pin_hash_file,
                             _pin_hash,
                             may_be_missing=demo or bool(settings.technician.technician_card_ids))
    for setting, path in (("linkage.ca_file", link.ca_file),
                          ("linkage.client_cert_file", link.client_cert_file)):
        if not (demo and not path.exists()):
            problems += check_certificate(setting, path)
    mismatch = _cert_matches_key(link.client_cert_file, link.client_key_file)
    if mismatch:
        problems.append(Problem("linkage.client_cert_file", link.client_cert_file, mismatch))
    problems += check_folder("outbox.database", outbox.database.parent)
    if outbox.database.exists() and not outbox.database.is_file():
        problems.append(Problem("outbox.database", outbox.database, "is not a regular file"))
    if printer.transport == "serial":
        problems += check_device("printer.serial_device", Path(printer.serial_device))
    elif printer.transport == "file":
        problems += check_device("printer.file_path", Path(printer.file_path))
    elif printer.transport == "virtual" and printer.virtual_output_dir is not None:
        problems += check_folder("printer.virtual_output_dir", printer.virtual_output_dir)
    if settings.technician.diagnostics_dir is not None and demo:
        problems += check_folder("technician.diagnostics_dir",
                                 settings.technician.diagnostics_dir)
    return problems
