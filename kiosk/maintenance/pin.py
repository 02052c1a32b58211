"""The technician PIN: a slow salted scrypt hash in a 0600 file, with a persisted lockout.

The PIN is short, so the hash is the only thing standing between a stolen SD card and the
maintenance menu: scrypt with memory-hard parameters, parameters stored next to the hash
so they can be raised later without breaking existing files.

Failed tries are counted in a small JSON file in the state dir, so pulling the plug does
not reset the lockout: three free tries, then a growing wait (30 s, 60 s, 120 s, … capped).
Wall-clock time is used because it survives a restart; a clock that jumps back can never
stretch a wait beyond the cap.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from kiosk.config import ConfigError, read_secret
from kiosk.config.loader import write_secret

PIN_MIN_DIGITS = 6
PIN_MAX_DIGITS = 12
FREE_TRIES = 3
FIRST_DELAY_S = 30.0
MAX_DELAY_S = 15 * 60.0

# scrypt N=2^15, r=8: ~32 MiB and ~0.1 s per try here; stored per file so it can grow.
_DEFAULT_PARAMS = {"n": 2**15, "r": 8, "p": 1}
_DKLEN = 32
_MAXMEM = 256 * 1024 * 1024


class PinError(ValueError):
    """A PIN that cannot be used. ``message_key`` is for the technician screen."""

    def __init__(self, message: str, *, message_key: str) -> None:
        super().__init__(message)
        self.message_key = message_key


class PinResult(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"
    """Too many wrong tries: wait `PinCheck.wait_s` before the next one is even looked at."""
    NOT_SET = "not_set"
    """No PIN hash file: PIN entry is disabled (a technician card may still open the menu)."""


@dataclass(frozen=True)
class PinCheck:
    result: PinResult
    failures: int = 0
    """Consecutive wrong tries so far."""
    wait_s: float = 0.0
    """Seconds until the next try is accepted (0 when not locked)."""


def validate_pin(pin: str) -> str:
    if not (isinstance(pin, str) and pin.isascii() and pin.isdigit()):
        raise PinError("the PIN must consist of digits only", message_key="pin.digits_only")
    if not PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS:
        raise PinError(
            f"the PIN must have {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits",
            message_key="pin.length",
        )
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210" or is_guessable(pin):
        raise PinError("the PIN is too easy to guess", message_key="pin.too_simple")
    return pin


COMMON_PINS = frozenset({
    "000000", "111111", "112233", "121212", "123123", "123321", "123654", "131313",
    "147258", "147852", "159357", "159753", "258369", "369258", "456456", "520520",
    "555555", "654321", "666666", "696969", "741852", "789456", "789789", "852456",
    "963852", "987654", "102030", "112211", "121314", "131415", "246810", "135790",
    "11223344", "12341234", "12344321", "11112222", "10203040", "147258369",
})
"""Among the most used PINs in published PIN-frequency studies, plus keypad patterns."""


def _is_date(day: int, month: int, year: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _looks_like_a_date(pin: str) -> bool:
    """Birthdays are the first thing tried: DDMMYY, MMDDYY (either era, two digits) and
    DDMMYYYY / YYYYMMDD with a Christian (1900-2099) or Buddhist (2443-2642) year."""
    if len(pin) == 6:
        a, b, yy = int(pin[:2]), int(pin[2:4]), int(pin[4:])
        return _is_date(a, b, 2000 + yy) or _is_date(b, a, 2000 + yy)
    if len(pin) == 8:
        for day, month, year in ((int(pin[:2]), int(pin[2:4]), int(pin[4:])),
                                 (int(pin[6:]), int(pin[4:6]), int(pin[:4]))):
            if 1900 <= year <= 2099 and _is_date(day, month, year):
                return True
            if 2443 <= year <= 2642 and _is_date(day, month, year - 543):
                return True
    return False


def is_guessable(pin: str) -> bool:
    """A common PIN, a short pattern repeated (121212, 123123), or a date."""
    if pin in COMMON_PINS:
        return True
    for unit in range(1, len(pin) // 2 + 1):
        if len(pin) % unit == 0 and pin == pin[:unit] * (len(pin) // unit):
            return True
    return _looks_like_a_date(pin)


def hash_pin(pin: str, *, params: dict[str, int] | None = None) -> bytes:
    """The serialized hash file content for ``pin`` (JSON, salt and parameters included)."""
    validate_pin(pin)
    p = dict(params or _DEFAULT_PARAMS)
    salt = secrets.token_bytes(16)
    digest = _scrypt(pin, salt, p)
    record = {
        "alg": "scrypt",
        **p,
        "salt": base64.b64encode(salt).decode(),
        "hash": base64.b64encode(digest).decode(),
    }
    return (json.dumps(record, sort_keys=True) + "\n").encode()


def write_pin_hash(path: Path, pin: str, *, params: dict[str, int] | None = None) -> None:
    write_secret(path, hash_pin(pin, params=params))


def verify_pin(pin: str, stored: bytes) -> bool:
    """Constant-time comparison of ``pin`` against a hash file's content."""
    try:
        record = json.loads(stored)
        if record.get("alg") != "scrypt":
            raise ValueError("unknown algorithm")
        params = {k: int(record[k]) for k in ("n", "r", "p")}
        salt = base64.b64decode(record["salt"], validate=True)
        expected = base64.b64decode(record["hash"], validate=True)
    except (ValueError, KeyError, TypeError) as exc:
        kind = exc.__class__.__name__
        raise ConfigError(f"technician PIN hash file is damaged ({kind})") from None
    # A malformed PIN still costs one scrypt, so timing says nothing about the input.
    candidate = pin if isinstance(pin, str) else ""
    digest = _scrypt(candidate, salt, params)
    return hmac.compare_digest(digest, expected)


def _scrypt(pin: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hashlib.scrypt(
        pin.encode("utf-8"),
        salt=salt,
        n=params["n"],
        r=params["r"],
        p=params["p"],
        maxmem=_MAXMEM,
        dklen=_DKLEN,
    )


def lockout_delay(failures: int) -> float:
    """Wait after ``failures`` consecutive wrong tries: free tries, then doubling, capped."""
    over = failures - FREE_TRIES
    if over < 0:
        return 0.0
    return min(FIRST_DELAY_S * 2.0**over, MAX_DELAY_S)


@dataclass
class _LockoutState:
    failures: int = 0
    locked_until: float = 0.0


class PinGate:
    """Checks technician PINs and cards; keeps the lockout across restarts.

    Not thread-safe by itself: the maintenance screen calls it from one worker thread
    (each check costs a scrypt, so never call it on the UI thread).
    """

    def __init__(
        self,
        pin_hash_file: Path,
        lockout_file: Path,
        *,
        technician_card_ids: Iterable[str] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._hash_file = pin_hash_file
        self._lockout_file = lockout_file
        self._card_ids = tuple(technician_card_ids)
        self._clock = clock

    def is_pin_set(self) -> bool:
        return self._hash_file.is_file()

    def status(self) -> PinCheck:
        """Current lockout without trying a PIN (for the entry screen's countdown)."""
        state = self._load()
        return PinCheck(PinResult.LOCKED if self._wait(state) > 0 else PinResult.OK,
                        state.failures, self._wait(state))

    def check(self, pin: str) -> PinCheck:
        state = self._load()
        wait = self._wait(state)
        if wait > 0:
            return PinCheck(PinResult.LOCKED, state.failures, wait)
        if not self.is_pin_set():
            return PinCheck(PinResult.NOT_SET)
        stored = read_secret(self._hash_file, what="technician PIN hash")
        if verify_pin(pin, stored):
            self._save(_LockoutState())
            return PinCheck(PinResult.OK)
        state.failures += 1
        delay = lockout_delay(state.failures)
        state.locked_until = self._clock() + delay if delay else 0.0
        self._save(state)
        if delay:
            return PinCheck(PinResult.LOCKED, state.failures, delay)
        return PinCheck(PinResult.WRONG, state.failures)

    def check_card(self, citizen_id_digits: str) -> bool:
        """True if the inserted card is a configured technician card (compared in constant time)."""
        ok = False
        for allowed in self._card_ids:
            ok |= hmac.compare_digest(allowed.encode(), citizen_id_digits.encode())
        return ok

    def reset(self) -> None:
        """Forget failed tries (after `set-pin`). Removing the file, rather than writing a
        fresh one, leaves no root-owned counter behind when root runs `set-pin`."""
        self._lockout_file.unlink(missing_ok=True)

    def _wait(self, state: _LockoutState) -> float:
        if not state.locked_until:
            return 0.0
        remaining = state.locked_until - self._clock()
        # A clock set back must not lock the technician out for longer than the delay due.
        return max(0.0, min(remaining, lockout_delay(state.failures)))

    def _load(self) -> _LockoutState:
        try:
            raw = json.loads(self._lockout_file.read_text("utf-8"))
            return _LockoutState(int(raw["failures"]), float(raw["locked_until"]))
        except FileNotFoundError:
            return _LockoutState()
        except (ValueError, KeyError, TypeError, OSError):
            # A damaged counter must not open the gate: locked for the longest delay from
            # when it was last written; the next try rewrites it.
            try:
                since = self._lockout_file.stat().st_mtime
            except OSError:
                since = self._clock()
            return _LockoutState(FREE_TRIES + 10, since + MAX_DELAY_S)

    def _save(self, state: _LockoutState) -> None:
        self._lockout_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = json.dumps({"failures": state.failures, "locked_until": state.locked_until})
        fd, tmp = tempfile.mkstemp(dir=self._lockout_file.parent, prefix=".lockout-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self._lockout_file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
