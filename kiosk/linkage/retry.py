"""When and how long to wait before trying a Linkage call again.

Exponential backoff with full jitter (sleep = uniform(0, min(cap, base·2^n))), a
Retry-After from the server honoured as the wait, and both the number of attempts and the
total time bounded. Which calls may be retried at all is the client's decision: only
queries and submissions carrying an Idempotency-Key.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_s: float = 0.2
    cap_s: float = 5.0
    total_s: float = 20.0
    """The whole call, all attempts and waits included."""

    def backoff(self, retry_number: int, rng: Callable[[], float] = random.random) -> float:
        """Full jitter for the ``retry_number``-th retry (0 = first retry)."""
        ceiling = min(self.cap_s, self.base_s * 2.0 ** min(retry_number, 60))
        return rng() * ceiling

    def delay(self, retry_number: int, retry_after_s: float | None,
              rng: Callable[[], float] = random.random) -> float:
        """Retry-After, when the server sent one, is what we wait; else the jittered backoff."""
        if retry_after_s is not None:
            return max(0.0, retry_after_s)
        return self.backoff(retry_number, rng)


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent
    or unreadable (an unreadable header is ignored rather than trusted)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())
