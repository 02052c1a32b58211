"""Test/demo PKI for the Linkage link: a CA, a server certificate, kiosk client certificates
and the Ed25519 device and receipt keys, generated at run time when missing.

Nothing here is ever committed: the demo writes into the state dir, tests into tmp_path.
Private keys are written with `write_secret` (mode 0600). The registry file
(``kiosks.json``) tells the reference server which device public key belongs to which
kiosk id; it holds public keys only.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import fcntl
import ipaddress
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kiosk.config.loader import ensure_private_dir, write_secret

if TYPE_CHECKING:
    from kiosk.config.settings import Settings

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca.key"
SERVER_CERT_FILE = "server.pem"
SERVER_KEY_FILE = "server.key"
REGISTRY_FILE = "kiosks.json"
SERVER_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class ServerPki:
    """What the reference server needs: its certificate chain and the kiosk registry."""

    ca_file: Path
    cert_file: Path
    key_file: Path
    registry_file: Path


@dataclass(frozen=True)
class KioskCredentials:
    kiosk_id: str
    ca_file: Path
    cert_file: Path
    key_file: Path
    device_key_file: Path
    receipt_key_file: Path


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _pem_key(key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_public(path: Path, data: bytes) -> None:
    ensure_private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _load_ca(pki_dir: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert = x509.load_pem_x509_certificate((pki_dir / CA_FILE).read_bytes())
    key = serialization.load_pem_private_key((pki_dir / CA_KEY_FILE).read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return cert, key


def ensure_ca(pki_dir: Path, *, common_name: str = "Linkage Kiosk Test CA") -> Path:
    """Create the test CA in ``pki_dir`` unless it exists; return the CA certificate path."""
    pki_dir = Path(pki_dir)
    if (pki_dir / CA_FILE).exists() and (pki_dir / CA_KEY_FILE).exists():
        return pki_dir / CA_FILE
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    write_secret(pki_dir / CA_KEY_FILE, _pem_key(key))
    _write_public(pki_dir / CA_FILE, cert.public_bytes(serialization.Encoding.PEM))
    return pki_dir / CA_FILE


def _issue(
    pki_dir: Path,
    *,
    common_name: str,
    server_hosts: tuple[str, ...] = (),
    valid_days: float = 825,
) -> tuple[bytes, bytes]:
    """Issue a leaf certificate from the CA in ``pki_dir``; returns (cert PEM, key PEM)."""
    ca_cert, ca_key = _load_ca(pki_dir)
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
    )
    if server_hosts:
        names: list[x509.GeneralName] = []
        for host in server_hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        usage = ExtendedKeyUsageOID.SERVER_AUTH
    else:
        usage = ExtendedKeyUsageOID.CLIENT_AUTH
    builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM), _pem_key(key)


_lock_depth = threading.local()


@contextlib.contextmanager
def _pki_lock(pki_dir: Path) -> Iterator[None]:
    """One maker at a time: in a demo the reference server, the UI and the outbox sender may
    all start at boot and each creates what is missing. Re-entrant within a thread."""
    depth = getattr(_lock_depth, "n", 0)
    if depth:
        _lock_depth.n = depth + 1
        try:
            yield
        finally:
            _lock_depth.n = depth
        return
    ensure_private_dir(Path(pki_dir))
    with open(Path(pki_dir) / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _lock_depth.n = 1
        try:
            yield
        finally:
            _lock_depth.n = 0
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_server_pki(pki_dir: Path, hosts: tuple[str, ...] = SERVER_HOSTS) -> ServerPki:
    with _pki_lock(pki_dir):
        return _ensure_server_pki(Path(pki_dir), hosts)


def _ensure_server_pki(pki_dir: Path, hosts: tuple[str, ...]) -> ServerPki:
    ca_file = ensure_ca(pki_dir)
    pki = ServerPki(
        ca_file=ca_file,
        cert_file=pki_dir / SERVER_CERT_FILE,
        key_file=pki_dir / SERVER_KEY_FILE,
        registry_file=pki_dir / REGISTRY_FILE,
    )
    if not (pki.cert_file.exists() and pki.key_file.exists()):
        cert_pem, key_pem = _issue(pki_dir, common_name="linkage-reference-server",
                                   server_hosts=hosts)
        write_secret(pki.key_file, key_pem)
        _write_public(pki.cert_file, cert_pem)
    if not pki.registry_file.exists():
        _write_public(pki.registry_file, b"{}\n")
    return pki


def _ensure_ed25519(path: Path) -> ed25519.Ed25519PublicKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), None)
        assert isinstance(key, ed25519.Ed25519PrivateKey)
    else:
        key = ed25519.Ed25519PrivateKey.generate()
        write_secret(path, _pem_key(key))
    return key.public_key()


def raw_public_key(key: ed25519.Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def read_registry(registry_file: Path) -> dict[str, str]:
    """kiosk id -> base64 raw Ed25519 device public key."""
    try:
        data = json.loads(Path(registry_file).read_text("utf-8"))
    except FileNotFoundError:
        return {}
    return {str(k): str(v["device_public_key"]) for k, v in data.items()}


def register_device_key(registry_file: Path, kiosk_id: str, public_key_b64: str) -> None:
    try:
        data = json.loads(Path(registry_file).read_text("utf-8"))
    except FileNotFoundError:
        data = {}
    if data.get(kiosk_id, {}).get("device_public_key") == public_key_b64:
        return
    data[kiosk_id] = {"device_public_key": public_key_b64}
    _write_public(Path(registry_file), json.dumps(data, indent=2, sort_keys=True).encode())


def ensure_kiosk_credentials(
    pki_dir: Path,
    kiosk_id: str,
    *,
    cert_file: Path | None = None,
    key_file: Path | None = None,
    device_key_file: Path | None = None,
    receipt_key_file: Path | None = None,
    valid_days: float = 825,
) -> KioskCredentials:
    """Issue a client certificate whose CN is the kiosk id, create the device and receipt
    keys, and register the device public key with the server's registry."""
    pki_dir = Path(pki_dir)
    with _pki_lock(pki_dir):
        return _ensure_kiosk_credentials(pki_dir, kiosk_id, cert_file, key_file,
                                         device_key_file, receipt_key_file, valid_days)


def _ensure_kiosk_credentials(pki_dir: Path, kiosk_id: str, cert_file: Path | None,
                              key_file: Path | None, device_key_file: Path | None,
                              receipt_key_file: Path | None,
                              valid_days: float) -> KioskCredentials:
    server = ensure_server_pki(pki_dir)
    creds = KioskCredentials(
        kiosk_id=kiosk_id,
        ca_file=server.ca_file,
        cert_file=cert_file or pki_dir / f"{kiosk_id}.pem",
        key_file=key_file or pki_dir / f"{kiosk_id}.key",
        device_key_file=device_key_file or pki_dir / f"{kiosk_id}-device-ed25519.key",
        receipt_key_file=receipt_key_file or pki_dir / f"{kiosk_id}-receipt-ed25519.key",
    )
    if not (creds.cert_file.exists() and creds.key_file.exists()):
        cert_pem, key_pem = _issue(pki_dir, common_name=kiosk_id, valid_days=valid_days)
        write_secret(creds.key_file, key_pem)
        _write_public(creds.cert_file, cert_pem)
    device_public = _ensure_ed25519(creds.device_key_file)
    _ensure_ed25519(creds.receipt_key_file)
    register_device_key(server.registry_file, kiosk_id, raw_public_key(device_public))
    return creds


def ensure_demo_pki(settings: Settings) -> ServerPki:
    """Generate what the demo config points at (``[linkage]`` paths), when missing.

    The server's own files live next to the CA file (``ca_file``'s directory).
    """
    link = settings.linkage
    pki_dir = link.ca_file.parent
    with _pki_lock(pki_dir):
        return _ensure_demo_pki(settings, pki_dir)


def _ensure_demo_pki(settings: Settings, pki_dir: Path) -> ServerPki:
    link = settings.linkage
    server = ensure_server_pki(pki_dir)
    if server.ca_file != link.ca_file:
        raise ValueError(f"demo PKI expects ca_file to be named {CA_FILE}: {link.ca_file}")
    ensure_kiosk_credentials(
        pki_dir,
        settings.kiosk.id,
        cert_file=link.client_cert_file,
        key_file=link.client_key_file,
        device_key_file=link.device_key_file,
        receipt_key_file=link.receipt_signing_key_file,
    )
    return server
