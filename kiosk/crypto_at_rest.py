"""Encryption at rest: AES-256-GCM with a key kept in a 0600 file.

Anything the kiosk persists that may hold personal data (the offline outbox, the printer
journal) is sealed with `AtRestCipher`. The associated data binds a blob to the record it
belongs to (e.g. its id), so a blob copied into another row fails to open instead of
decrypting into the wrong citizen's record.

Blob layout: ``version (1 byte) | nonce (12 bytes) | ciphertext + tag (16 bytes)``.
The key file holds the 32-byte key as one line of base64; it is created with
`kiosk.config.loader.write_secret` (mode 0600) and read with `kiosk.config.read_secret`
(which refuses group/other-readable files).
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.config.loader import ConfigError, read_secret, write_secret

KEY_BYTES = 32
NONCE_BYTES = 12
_VERSION = b"\x01"


class SealedDataError(Exception):
    """A sealed blob is damaged, was sealed with another key, or belongs to another record."""


class AtRestCipher:
    """Seal and open small blobs with one AES-256-GCM key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"an at-rest key is {KEY_BYTES} bytes, not {len(key)}")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, associated_data: bytes) -> bytes:
        # Random 96-bit nonces: safe far beyond the number of records a kiosk writes per key.
        nonce = os.urandom(NONCE_BYTES)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, associated_data)

    def open(self, blob: bytes, associated_data: bytes) -> bytes:
        if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != _VERSION:
            raise SealedDataError("not a sealed blob of a known version")
        nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, associated_data)
        except InvalidTag:
            raise SealedDataError(
                "sealed blob does not open: damaged, another key, or another record"
            ) from None


def generate_key_file(path: Path) -> None:
    """Write a fresh random key to ``path`` with mode 0600 (overwrites: callers check first)."""
    key = os.urandom(KEY_BYTES)
    write_secret(path, base64.b64encode(key) + b"\n")


def ensure_key_file(path: Path) -> bool:
    """Create the key file if it does not exist. Returns True when a new key was made."""
    if path.exists():
        return False
    generate_key_file(path)
    return True


def load_key(path: Path, *, what: str) -> bytes:
    """Read a key file written by `generate_key_file`; raise `ConfigError` if unusable."""
    text = read_secret(path, what=what).strip()
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{what}: key file {path} is not base64 text") from None
    if len(key) != KEY_BYTES:
        raise ConfigError(
            f"{what}: key file {path} holds {len(key)} bytes; an AES-256 key is {KEY_BYTES}"
        )
    return key


def load_cipher(path: Path, *, what: str) -> AtRestCipher:
    return AtRestCipher(load_key(path, what=what))
