"""``python -m kiosk outbox status | retry-dead | discard-dead`` on a real outbox file.
(``outbox run`` and its SIGTERM stop are exercised by the crash test.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.__main__ import main
from kiosk.config import load_settings
from kiosk.config.settings import Settings
from kiosk.outbox.crypto import ensure_outbox_key, load_outbox_cipher
from kiosk.outbox.linkage_deliverer import encode_submission
from kiosk.outbox.model import ItemKind, ItemState
from kiosk.outbox.store import OutboxStore, Settlement

from .linkage_env import submission, write_kiosk_config


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_kiosk_config(tmp_path, "https://127.0.0.1:1")
    ensure_outbox_key(load_settings(path).outbox)
    return path


def open_store(settings: Settings) -> OutboxStore:
    return OutboxStore(settings.outbox.database, load_outbox_cipher(settings.outbox),
                       settings.kiosk.id)


def dead_item(config: Path) -> tuple[str, str]:
    """One pending and one dead submission; returns the dead one's (id, citizen ID)."""
    request = submission(7)
    store = open_store(load_settings(config))
    try:
        store.enqueue(ItemKind.SUBMISSION, encode_submission(submission(8)))
        receipt = store.enqueue(ItemKind.SUBMISSION, encode_submission(request))
        claimed = [i for i in store.claim("lease", 10) if i.item_id == receipt.item_id]
        store.settle("lease", [Settlement(claimed[0].item_id, ItemState.DEAD,
                                          error="rejected: InvalidRequest: 400")])
    finally:
        store.close()
    return receipt.item_id, request.personalID


def test_status_shows_counts_and_dead_reasons_without_personal_data(
    config: Path, capsys: pytest.CaptureFixture[str]
):
    item_id, cid = dead_item(config)
    assert main(["--config", str(config), "outbox", "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["dead"] == 1
    assert data["counts"]["pending"] == 0 and data["counts"]["in_flight"] == 1
    assert data["dead"][0]["id"] == item_id
    assert data["dead"][0]["reason"] == "rejected: InvalidRequest: 400"
    assert main(["--config", str(config), "outbox", "status"]) == 0
    text = capsys.readouterr().out
    assert f"DEAD {item_id}" in text and "in flight 1" in text
    assert cid not in text and cid not in json.dumps(data)


def test_retry_and_discard_dead(config: Path, capsys: pytest.CaptureFixture[str]):
    item_id, _ = dead_item(config)
    assert main(["--config", str(config), "outbox", "retry-dead", item_id]) == 0
    store = open_store(load_settings(config))
    try:
        assert store.item_state(item_id) is ItemState.PENDING
        (item,) = [i for i in store.claim("l2", 10) if i.item_id == item_id]
        store.settle("l2", [Settlement(item.item_id, ItemState.DEAD, error="again")])
    finally:
        store.close()
    assert main(["--config", str(config), "outbox", "discard-dead", item_id]) == 0
    assert main(["--config", str(config), "outbox", "discard-dead", item_id]) == 1
    assert "no dead item" in capsys.readouterr().err
    store = open_store(load_settings(config))
    try:
        assert store.item_state(item_id) is None
        assert [r["outcome"] for r in store.receipts()] == ["discarded"]
    finally:
        store.close()
