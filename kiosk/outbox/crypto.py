"""Payload encryption of outbox items (AES-256-GCM, via `kiosk.crypto_at_rest`).

The associated data is the item id and its idempotency key, so a payload moved to another
row (or a row whose key was altered) no longer opens.
"""

from __future__ import annotations

from kiosk.config.settings import OutboxSettings
from kiosk.crypto_at_rest import AtRestCipher, SealedDataError, ensure_key_file, load_cipher

KEY_WHAT = "outbox key (outbox.key_file)"
_KEY_CHECK_PLAINTEXT = b"linkage-kiosk outbox key check"
_KEY_CHECK_AAD = b"outbox-key-check"


def ensure_outbox_key(settings: OutboxSettings) -> bool:
    """Create the outbox key file (mode 0600) if it is missing; True when one was made.

    For the demo, which generates its keys at first start. A production kiosk's key is
    provisioned: creating a new one there would make existing sealed items unreadable,
    which the store detects (`KeyMismatch`) instead of sealing with the wrong key.
    """
    return ensure_key_file(settings.key_file)


def load_outbox_cipher(settings: OutboxSettings) -> ItemSealer:
    return ItemSealer(load_cipher(settings.key_file, what=KEY_WHAT))


def _aad(item_id: str, idempotency_key: str) -> bytes:
    return f"outbox-item\x00{item_id}\x00{idempotency_key}".encode()


class ItemSealer:
    def __init__(self, cipher: AtRestCipher) -> None:
        self._cipher = cipher

    def seal(self, item_id: str, idempotency_key: str, payload: bytes) -> bytes:
        return self._cipher.seal(payload, _aad(item_id, idempotency_key))

    def open(self, item_id: str, idempotency_key: str, blob: bytes) -> bytes:
        return self._cipher.open(blob, _aad(item_id, idempotency_key))

    def key_check(self) -> bytes:
        """A sealed constant stored with the database to detect a replaced key at start."""
        return self._cipher.seal(_KEY_CHECK_PLAINTEXT, _KEY_CHECK_AAD)

    def matches(self, key_check: bytes) -> bool:
        try:
            return self._cipher.open(key_check, _KEY_CHECK_AAD) == _KEY_CHECK_PLAINTEXT
        except SealedDataError:
            return False
