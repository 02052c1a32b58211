"""The PC/SC driver against real pcscd + vpcd + the virtual card (nothing mocked)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from drivers.card.apdu import NHSO_AID
from drivers.card.protocol import (
    CardCommunicationError,
    CardDataInvalid,
    CardInserted,
    CardRemoved,
    CardRemovedError,
    CardState,
    NotThaiIdCard,
    ReaderAttached,
    ReaderUnavailable,
)
from simulators.seeds import SeedCitizen, SeedData
from simulators.vcard.pcsc_stack import PcscStack
from simulators.vcard.profile import Faults

from .conftest import Rig, card_for

pytestmark = pytest.mark.pcsc

# First citizen of each kind in the seeds: ATR family x laser ID x NHSO, Bangkok address,
# partial birth dates and lifelong cards (2, 6, 7).
SAMPLE = [0, 1, 2, 6, 7, 16, 19, 225]


def expected_identity(citizen: SeedCitizen):
    # The identity read is the MOI applet only; laser ID and chip number are separate reads.
    return dataclasses.replace(citizen.identity(), laser_id=None, chip_no=None)


def test_readers_are_reported_at_start(rig: Rig) -> None:
    names = {slot.reader for slot in rig.slots}
    for _ in names:
        rig.events.wait_for(lambda e: isinstance(e, ReaderAttached))
    attached = {e.reader for e in rig.events.seen if isinstance(e, ReaderAttached)}
    assert attached == names
    assert set(rig.reader.readers()) == names
    assert all(rig.reader.card_state(name) is CardState.ABSENT for name in names)


@pytest.mark.parametrize("index", SAMPLE)
def test_every_field_of_sample_citizens(rig: Rig, seeds: SeedData, index: int) -> None:
    citizen = seeds.citizens[index]
    reader = rig.insert(card_for(citizen))
    identity = rig.reader.read_identity(reader)
    assert identity == expected_identity(citizen)
    assert rig.reader.last_exchanges == 7

    progress: list[tuple[int, int]] = []
    photo = rig.reader.read_photo(reader, lambda done, total: progress.append((done, total)))
    jpeg = citizen.photo_bytes()
    assert len(photo) == 5100 and photo[: len(jpeg)] == jpeg  # nothing trimmed or shifted
    assert photo[len(jpeg) :] == b" " * (5100 - len(jpeg))
    assert rig.reader.last_exchanges == 40
    assert progress[0] == (255, 5100) and progress[-1] == (5100, 5100) and len(progress) == 20

    nhso = rig.reader.read_nhso(reader)
    if citizen.nhso is None:
        assert nhso is None
    else:
        assert nhso is not None
        assert nhso.main_rights == citizen.nhso.main_rights
        assert nhso.main_hospital == citizen.nhso.main_hospital
        assert nhso.sub_hospital == citizen.nhso.sub_hospital
        assert nhso.expiry_date is not None and nhso.expiry_date.to_card() == citizen.nhso.expiry
    assert rig.reader.read_laser_id(reader) == (citizen.card.laser_id or None)


@pytest.mark.parametrize(("variant", "p2"), [("nid17", 0x00), ("3b67", 0x01), ("3b68", 0x00)])
def test_each_atr_variant(rig: Rig, seeds: SeedData, variant: str, p2: int) -> None:
    citizen = seeds.citizens[0]
    card = card_for(citizen, atr=variant)
    reader = rig.insert(card)
    assert rig.reader.read_identity(reader) == expected_identity(citizen)
    get_responses = [c for c in card.commands if c[:2] == b"\x00\xc0"]
    assert get_responses and all(c[3] == p2 for c in get_responses)
    photo = rig.reader.read_photo(reader)
    assert photo.startswith(citizen.photo_bytes())


def test_photo_after_another_applet_reselects(rig: Rig, seeds: SeedData) -> None:
    citizen = seeds.citizens[0]
    card = card_for(citizen)
    reader = rig.insert(card)
    rig.reader.read_identity(reader)
    assert rig.reader.read_nhso(reader) is not None
    photo = rig.reader.read_photo(reader)
    assert rig.reader.last_exchanges == 41  # SELECT MOI again: the NHSO applet was current
    assert card.commands[-40][:5] == b"\x80\xb0\x01\x7b\x02"  # first chunk at 0x017B
    assert photo.startswith(citizen.photo_bytes())
    assert NHSO_AID in b"".join(card.commands)


# --- faults -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "error", "reason", "field"),
    [
        (Faults(wrong_sw=True), CardCommunicationError, "status_word", None),
        (Faults(bad_check_digit=True), CardDataInvalid, "citizen_id.check_digit", "cid"),
        (Faults(undecodable=True), CardDataInvalid, "encoding.undecodable", "th_name"),
        (Faults(not_thai=True), NotThaiIdCard, "select_refused", None),
    ],
    ids=["wrong-sw", "bad-check-digit", "undecodable", "not-thai"],
)
def test_fault_gives_typed_error(
    rig: Rig, seeds: SeedData, faults: Faults, error: type, reason: str, field: str | None
) -> None:
    reader = rig.insert(card_for(seeds.citizens[0], faults=faults))
    with pytest.raises(error) as caught:
        rig.reader.read_identity(reader)
    assert caught.value.reason == reason
    assert caught.value.message_key.startswith("card.")
    if field is not None:
        assert caught.value.field == field
    assert seeds.citizens[0].cid not in str(caught.value)  # no personal data in errors


def test_a_card_serving_fewer_bytes_than_asked_is_read_on(rig: Rig, seeds: SeedData) -> None:
    # Fault `truncated`: each GET RESPONSE gives 10 bytes fewer than asked, with 90 00. A
    # READ may do that (ISO 7816-4: never assume the answer holds what was asked): the
    # driver reads on from where the answer ended - 2 more exchanges per read.
    reader = rig.insert(card_for(seeds.citizens[0], faults=Faults(truncated=True)))
    identity = rig.reader.read_identity(reader)
    assert identity == seeds.citizens[0].identity().__class__.from_card_fields(
        seeds.citizens[0].card_fields())
    assert rig.reader.last_exchanges == 7 + 3 * 2


@pytest.mark.parametrize("after", [0, 1, 4, 6])
def test_removal_during_identity_read(rig: Rig, seeds: SeedData, after: int) -> None:
    reader = rig.insert(card_for(seeds.citizens[0], faults=Faults(remove_after=after)))
    with pytest.raises(CardRemovedError) as caught:
        rig.reader.read_identity(reader)
    assert caught.value.message_key == "card.removed_during_read"
    rig.events.wait_for(lambda e: isinstance(e, CardRemoved) and e.reader == reader)


def test_removal_during_photo_read_returns_nothing(rig: Rig, seeds: SeedData) -> None:
    reader = rig.insert(card_for(seeds.citizens[0], faults=Faults(remove_after=7 + 21)))
    rig.reader.read_identity(reader)
    progress: list[int] = []
    with pytest.raises(CardRemovedError):
        rig.reader.read_photo(reader, lambda done, total: progress.append(done))
    assert progress and progress[-1] < 5100


def test_slow_card_still_reads(rig: Rig, seeds: SeedData) -> None:
    citizen = seeds.citizens[1]
    card = card_for(citizen, faults=Faults(latency_ms=15))
    reader = rig.insert(card)
    assert rig.reader.read_identity(reader) == expected_identity(citizen)
    assert card.exchanges == 7


def test_reading_an_empty_slot(rig: Rig) -> None:
    with pytest.raises(CardRemovedError):
        rig.reader.read_identity(rig.slots[0].reader)
    with pytest.raises(ReaderUnavailable):
        rig.reader.read_identity("No Such Reader 00 00")


# --- events -------------------------------------------------------------------------------


def test_insert_remove_sequence(rig: Rig, seeds: SeedData) -> None:
    slot = rig.slots[0]
    for index in (0, 1, 2):
        card = card_for(seeds.citizens[index])
        rig.insert(card)
        assert rig.reader.card_state(slot.reader) is CardState.PRESENT
        rig.cards[0].remove()
        rig.events.wait_for(lambda e: isinstance(e, CardRemoved) and e.reader == slot.reader)
    mine = [e for e in rig.events.drain(0.5) if getattr(e, "reader", None) == slot.reader]
    kinds = [type(e).__name__ for e in mine if not isinstance(e, ReaderAttached)]
    assert kinds == ["CardInserted", "CardRemoved"] * 3
    assert rig.reader.card_state(slot.reader) is CardState.ABSENT


def test_fast_reinsert_of_another_card(rig: Rig, seeds: SeedData) -> None:
    first, second = seeds.citizens[0], seeds.citizens[1]  # different ATRs, too
    reader = rig.insert(card_for(first))
    assert rig.reader.read_identity(reader).citizen_id.digits == first.cid
    rig.cards[0].insert(card_for(second))  # out and in again at once
    rig.events.wait_for(lambda e: isinstance(e, CardRemoved) and e.reader == reader)
    rig.events.wait_for(lambda e: isinstance(e, CardInserted) and e.reader == reader)
    assert rig.reader.read_identity(reader) == expected_identity(second)


def test_two_readers_read_concurrently(rig: Rig, seeds: SeedData) -> None:
    a, b = seeds.citizens[0], seeds.citizens[2]
    reader_a = rig.insert(card_for(a), 0)
    reader_b = rig.insert(card_for(b), 1)
    results: dict[str, object] = {}

    def read(reader: str) -> None:
        results[reader] = (rig.reader.read_identity(reader), rig.reader.read_photo(reader))

    threads = [threading.Thread(target=read, args=(r,)) for r in (reader_a, reader_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results[reader_a][0] == expected_identity(a)  # type: ignore[index]
    assert results[reader_b][0] == expected_identity(b)  # type: ignore[index]
    assert results[reader_b][1].startswith(b.photo_bytes())  # type: ignore[index]

    rig.cards[1].remove()  # only B's removal is reported, and only for B
    rig.events.wait_for(lambda e: isinstance(e, CardRemoved))
    removed = [e.reader for e in rig.events.drain(0.6) if isinstance(e, CardRemoved)]
    assert removed == [reader_b]
    assert rig.reader.read_identity(reader_a) == expected_identity(a)


def test_listener_errors_do_not_stop_monitoring(rig: Rig, seeds: SeedData) -> None:
    from drivers.card.pcsc import PcscCardReader

    calls: list[object] = []

    def broken(event: object) -> None:
        calls.append(event)
        raise RuntimeError("listener bug")

    other = PcscCardReader()
    other.start(broken)
    try:
        rig.insert(card_for(seeds.citizens[0]))
        deadline = time.monotonic() + 5
        while not any(isinstance(e, CardInserted) for e in calls) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert any(isinstance(e, CardInserted) for e in calls)
    finally:
        other.stop()


# --- the CLI controls a running card --------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulators.vcard", *args],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip


def test_cli_insert_and_remove(
    rig: Rig, seeds: SeedData, pcsc_stack: PcscStack, tmp_path: Path
) -> None:
    slot = pcsc_stack.slots[1]
    control = tmp_path / "vcard.sock"
    server = subprocess.Popen(
        [sys.executable, "-m", "simulators.vcard", "serve", "--port", str(slot.port),
         "--control", str(control)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not control.exists():
            assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.05)
        out = _cli("insert", "--port", str(slot.port), "--control", str(control),
                   "--citizen", "1", "--fault", "latency=1")  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert '"inserted": true' in out.stdout and seeds.citizens[1].cid not in out.stdout
        rig.events.wait_for(lambda e: isinstance(e, CardInserted) and e.reader == slot.reader)
        assert rig.reader.read_identity(slot.reader) == expected_identity(seeds.citizens[1])

        bad = _cli("insert", "--port", str(slot.port), "--control", str(control),
                   "--citizen", "1", "--fault", "no-such-fault")  # fmt: skip
        assert bad.returncode == 1 and "unknown fault" in bad.stdout

        out = _cli("remove", "--port", str(slot.port), "--control", str(control))
        assert out.returncode == 0, out.stderr
        rig.events.wait_for(lambda e: isinstance(e, CardRemoved) and e.reader == slot.reader)
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- recovery from other PC/SC clients ------------------------------------------------------


def _other_client(reader: str, share: int) -> tuple[int, int]:
    from smartcard import scard

    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert hr == scard.SCARD_S_SUCCESS
    hr, handle, _ = scard.SCardConnect(
        ctx, reader, share, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
    )
    assert hr == scard.SCARD_S_SUCCESS, hex(hr & 0xFFFFFFFF)
    return ctx, handle


def _release(ctx: int, handle: int, disposition: int) -> None:
    from smartcard import scard

    scard.SCardDisconnect(handle, disposition)
    scard.SCardReleaseContext(ctx)


def test_recovers_when_another_client_resets_the_card(rig: Rig, seeds: SeedData) -> None:
    from smartcard import scard

    citizen = seeds.citizens[0]
    card = card_for(citizen)
    reader = rig.insert(card)
    rig.reader.read_identity(reader)  # our handle stays open
    _release(*_other_client(reader, scard.SCARD_SHARE_SHARED), scard.SCARD_RESET_CARD)
    selects_before = sum(c[:2] == b"\x00\xa4" for c in card.commands)
    photo = rig.reader.read_photo(reader)  # begin transaction sees 0x80100068, then retries
    assert photo.startswith(citizen.photo_bytes())
    assert sum(c[:2] == b"\x00\xa4" for c in card.commands) == selects_before + 1


def test_sharing_violation_is_retried_then_bounded(rig: Rig, seeds: SeedData) -> None:
    from smartcard import scard

    citizen = seeds.citizens[0]
    reader = rig.insert(card_for(citizen))
    held = _other_client(reader, scard.SCARD_SHARE_EXCLUSIVE)
    try:
        with pytest.raises(CardCommunicationError) as caught:
            rig.reader.read_identity(reader)
        assert caught.value.reason == "retries_exhausted"
    finally:
        _release(*held, scard.SCARD_LEAVE_CARD)

    held = _other_client(reader, scard.SCARD_SHARE_EXCLUSIVE)
    timer = threading.Timer(0.06, _release, args=(*held, scard.SCARD_LEAVE_CARD))
    timer.start()  # the other client lets go during our back-off
    try:
        assert rig.reader.read_identity(reader) == expected_identity(citizen)
    finally:
        timer.join()


def test_cli_insert_without_serve_holds_the_card_until_stopped(
    rig: Rig, seeds: SeedData, pcsc_stack: PcscStack, tmp_path: Path
) -> None:
    slot = pcsc_stack.slots[0]
    holder = subprocess.Popen(
        [sys.executable, "-m", "simulators.vcard", "insert", "--port", str(slot.port),
         "--control", str(tmp_path / "none.sock"), "--citizen", seeds.citizens[2].cid,
         "--atr", "3b67"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        inserted = rig.events.wait_for(
            lambda e: isinstance(e, CardInserted) and e.reader == slot.reader, timeout=10
        )
        assert inserted.atr[:2] == b"\x3b\x67"
        assert rig.reader.read_identity(slot.reader) == expected_identity(seeds.citizens[2])
    finally:
        holder.terminate()  # SIGTERM = pulling the card out
        holder.wait(timeout=10)
    rig.events.wait_for(lambda e: isinstance(e, CardRemoved) and e.reader == slot.reader)
    assert holder.returncode == 0
    unknown = _cli("insert", "--port", str(slot.port), "--control", str(tmp_path / "x.sock"),
                   "--citizen", "99999")  # fmt: skip
    assert unknown.returncode == 2 and "citizen index" in unknown.stderr
