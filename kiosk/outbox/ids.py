"""Time-ordered item ids and the reference numbers printed on receipts.

Item id: a UUIDv7 (RFC 9562) in canonical text form. Its first 48 bits are the Unix time in
milliseconds, so ids sort by creation time as text; within one millisecond a process counts
up in the 12 "rand_a" bits, so ids a process makes are strictly increasing.

Reference number: ``{kiosk id}-{YYYYMMDD}-{NNNNNN}``, e.g. ``BKK-1017-01-20261125-000123``:
the kiosk that took the request, the Bangkok calendar day, and a per-day counter kept in the
outbox database (incremented inside the enqueue transaction, so unique across processes).
A citizen can read it aloud; it sorts by time; it contains nothing personal. The counter of
the day a database file was created starts above ``seconds since midnight × 10``, so a
database that was moved aside (corrupt) or removed never hands out a number again on the same
day (unless the old one took more than ten requests a second on average, which a kiosk cannot).
"""

from __future__ import annotations

import os
import threading
import uuid
from datetime import UTC, datetime, timedelta, timezone

BANGKOK = timezone(timedelta(hours=7), "Asia/Bangkok")  # no daylight saving in Thailand
REFERENCE_DIGITS = 6

_lock = threading.Lock()
_last = (0, 0)  # (unix ms, 12-bit sequence) of the last id this process made


def new_item_id(now_s: float) -> str:
    """A UUIDv7 for ``now_s`` (seconds), strictly increasing within this process."""
    global _last
    ms = int(now_s * 1000)
    with _lock:
        last_ms, last_seq = _last
        if ms <= last_ms:  # same millisecond or the clock stepped back: keep increasing
            ms, seq = last_ms, last_seq + 1
            if seq > 0xFFF:
                ms, seq = last_ms + 1, 0
        else:
            seq = 0
        _last = (ms, seq)
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | seq << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


def item_id_time(item_id: str) -> float:
    """The creation time (seconds) encoded in an item id."""
    return (uuid.UUID(item_id).int >> 80) / 1000.0


def reference_day(now_s: float) -> str:
    return datetime.fromtimestamp(now_s, BANGKOK).strftime("%Y%m%d")


def day_floor(now_s: float) -> int:
    """Where the counter of a database created at ``now_s`` starts on that day."""
    local = datetime.fromtimestamp(now_s, BANGKOK)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return int((local - midnight).total_seconds()) * 10


def format_reference(kiosk_id: str, day: str, number: int) -> str:
    return f"{kiosk_id}-{day}-{number:0{REFERENCE_DIGITS}d}"


def utc_iso(ts: float | None) -> str:
    """Seconds since the epoch as ISO 8601 UTC (for status output)."""
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")
