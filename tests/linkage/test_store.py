"""The reference server's idempotency store on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

from simulators.linkage_server.store import (
    InFlight,
    KeyReused,
    Proceed,
    Replay,
    Store,
    StoredResponse,
    payload_hash,
)


def test_key_lifecycle_and_crash_release(tmp_path: Path) -> None:
    now = [1_795_000_000.0]
    store = Store(tmp_path / "s.sqlite3", in_flight_abandon_s=0.2, clock=lambda: now[0])
    digest = payload_hash(b'{"a": 1, "b": 2}')
    assert payload_hash(b'{"b":2,"a":1}') == digest  # canonical JSON: same payload
    assert isinstance(store.begin_submission("K1", "key", digest), Proceed)
    assert isinstance(store.begin_submission("K1", "key", digest), InFlight)
    assert isinstance(store.begin_submission("K1", "key", payload_hash(b"{}")), KeyReused)
    # Same key from another kiosk is another key.
    assert isinstance(store.begin_submission("K2", "key", digest), Proceed)
    # The first processor "crashed": after the abandon time the key can be taken again.
    now[0] += 0.3
    assert isinstance(store.begin_submission("K1", "key", digest), Proceed)
    store.finish_submission("K1", "key", StoredResponse(201, b'{"ok":true}'))
    replay = store.begin_submission("K1", "key", digest)
    assert isinstance(replay, Replay) and replay.response == StoredResponse(201, b'{"ok":true}')
    store.close()
    reopened = Store(tmp_path / "s.sqlite3")
    stats = {(s.kiosk_id, s.key): s for s in reopened.submission_stats()}
    assert (stats["K1", "key"].accepted, stats["K1", "key"].replays) == (1, 1)
    assert stats["K1", "key"].conflicts == 2
    assert stats["K2", "key"].state == "in_flight"


def test_quota_counts_per_kiosk_and_day(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    assert store.take_quota("K1", "2026-11-25", 2) and store.take_quota("K1", "2026-11-25", 2)
    assert not store.take_quota("K1", "2026-11-25", 2)
    assert store.take_quota("K1", "2026-11-26", 2)
    assert store.take_quota("K2", "2026-11-25", 2)
    store.reset_quota()
    assert store.take_quota("K1", "2026-11-25", 2)
