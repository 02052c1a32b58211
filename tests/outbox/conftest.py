"""Fixtures for the outbox tests: a real SQLite file in tmp_path and a key made at runtime."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.config.settings import OutboxSettings
from kiosk.outbox.crypto import ensure_outbox_key, load_outbox_cipher
from kiosk.outbox.store import OutboxStore

KIOSK_ID = "TEST-1017-01"


class FakeClock:
    """Wall time the tests move by hand (retry times, ages, retention)."""

    def __init__(self, start: float = 1_795_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_settings(directory: Path, **overrides: object) -> OutboxSettings:
    values: dict[str, object] = {
        "database": directory / "outbox.sqlite3",
        "key_file": directory / "outbox.key",
    }
    values.update(overrides)
    settings = OutboxSettings.model_validate(values)
    ensure_outbox_key(settings)
    return settings


@pytest.fixture
def settings(tmp_path: Path) -> OutboxSettings:
    return make_settings(tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def open_store(
    settings: OutboxSettings, clock: FakeClock
) -> Iterator[Callable[..., OutboxStore]]:
    opened: list[OutboxStore] = []

    def factory(**kwargs: object) -> OutboxStore:
        store = OutboxStore(
            settings.database, load_outbox_cipher(settings), KIOSK_ID, clock=clock,
            **kwargs,  # type: ignore[arg-type]
        )
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()
