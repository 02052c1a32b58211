"""Print journal on a real SQLite file: sealed content, outcomes, retention, reprint list."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kiosk.crypto_at_rest import AtRestCipher
from kiosk.printing.journal import JobState, JournalError, PrintJournal
from kiosk.receipts.samples import SAMPLE_CID, record_slip


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def make(tmp_path: Path, key: bytes = b"k" * 32, clock=None, days: int = 7) -> PrintJournal:
    return PrintJournal(tmp_path / "j.sqlite3", AtRestCipher(key), retention_days=days,
                        **({"clock": clock} if clock else {}))


def test_content_is_sealed_at_rest(tmp_path: Path) -> None:
    journal = make(tmp_path)
    job = journal.record("session-1", record_slip(), kind="record_slip")
    journal.close()
    raw = (tmp_path / "j.sqlite3").read_bytes()
    for wal in tmp_path.glob("j.sqlite3-wal"):
        raw += wal.read_bytes()
    for secret in ("ปิ่นมุก", "LK-2569-0001234", SAMPLE_CID[-4:] + "-", "xxxxx"):
        assert secret.encode("utf-8") not in raw
    journal = make(tmp_path)
    assert journal.document(job) == record_slip()
    assert stat.S_IMODE(os.stat(tmp_path / "j.sqlite3").st_mode) == 0o600


def test_sealed_blob_is_bound_to_its_job(tmp_path: Path) -> None:
    journal = make(tmp_path)
    a = journal.record("s", record_slip())
    b = journal.record("s", record_slip())
    journal._table.update(b, {"document": journal.raw_document_blob(a)})
    with pytest.raises(JournalError):
        journal.document(b)


def test_other_key_cannot_read(tmp_path: Path) -> None:
    journal = make(tmp_path)
    job = journal.record("s", record_slip())
    journal.close()
    with pytest.raises(JournalError):
        make(tmp_path, key=b"x" * 32).document(job)


def test_outcomes_and_reprint_list(tmp_path: Path) -> None:
    journal = make(tmp_path)
    ok = journal.record("s", record_slip())
    bad = journal.record("s", record_slip())
    journal.mark(ok, JobState.PRINTED)
    journal.mark(bad, JobState.FAILED, error_reason="paper_out", error_key="printer.paper_out")
    assert [j.job_id for j in journal.reprintable()] == [bad]
    record = journal.get(bad)
    assert (record.state, record.error_reason, record.attempts) == (
        JobState.FAILED, "paper_out", 1)
    journal.start_retry(bad)
    assert journal.get(bad).attempts == 2 and journal.get(bad).state is JobState.PENDING
    assert journal.counts()[JobState.PRINTED] == 1
    with pytest.raises(KeyError):
        journal.get("missing")


def test_purge_after_retention(tmp_path: Path) -> None:
    clock = Clock()
    journal = make(tmp_path, clock=clock, days=2)
    old = journal.record("s", record_slip())
    clock.now += 86400
    recent = journal.record("s", record_slip())
    clock.now += 86400 + 1
    assert journal.purge() == 1
    with pytest.raises(KeyError):
        journal.get(old)
    assert journal.get(recent).job_id == recent
    # and a new record purges on its own
    clock.now += 3 * 86400
    journal.record("s", record_slip())
    with pytest.raises(KeyError):
        journal.get(recent)
