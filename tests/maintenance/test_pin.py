"""Technician PIN: slow hash in a 0600 file, constant-time check, persisted growing lockout."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import ConfigError, Settings
from kiosk.maintenance.paths import lockout_file
from kiosk.maintenance.pin import (
    FIRST_DELAY_S,
    FREE_TRIES,
    MAX_DELAY_S,
    PinCheck,
    PinError,
    PinGate,
    PinResult,
    lockout_delay,
    validate_pin,
    verify_pin,
    write_pin_hash,
)

FAST = {"n": 2**10, "r": 8, "p": 1}  # tests only; the default is N=2^15


class FakeClock:
    """Wall-clock stand-in: the lockout is measured in minutes, tests cannot wait that long."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def make_gate(tmp_path: Path, clock: FakeClock, pin: str = "480213") -> PinGate:
    write_pin_hash(tmp_path / "pin.hash", pin, params=FAST)
    return PinGate(tmp_path / "pin.hash", tmp_path / "lockout.json", clock=clock)


def test_hash_file_is_0600_salted_and_uses_default_scrypt_params(tmp_path: Path) -> None:
    write_pin_hash(tmp_path / "a.hash", "480213")
    write_pin_hash(tmp_path / "b.hash", "480213")
    a = (tmp_path / "a.hash").read_bytes()
    assert stat.S_IMODE((tmp_path / "a.hash").stat().st_mode) == 0o600
    record = json.loads(a)
    assert record["alg"] == "scrypt" and record["n"] >= 2**15 and record["r"] == 8
    assert b"480213" not in a
    assert a != (tmp_path / "b.hash").read_bytes()  # distinct salt per file
    assert verify_pin("480213", a)
    assert not verify_pin("480214", a)


@pytest.mark.parametrize("bad", ["12345", "1234567890123", "12a456", "111111", "123456", "٤٨٠٢١٣",
                                 "121212", "123123", "250869", "082569", "25082512",
                                 "19690825", "25082569", "147258", "654321", "11223344"])
def test_unusable_pins_are_refused_with_a_key(bad: str) -> None:
    with pytest.raises(PinError) as err:
        validate_pin(bad)
    assert err.value.message_key.startswith("pin.")


def test_damaged_hash_file_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        verify_pin("480213", b'{"alg": "scrypt", "n": 1024}')


def test_group_readable_hash_file_is_refused(tmp_path: Path) -> None:
    gate = make_gate(tmp_path, FakeClock())
    (tmp_path / "pin.hash").chmod(0o640)
    with pytest.raises(ConfigError, match="0640"):
        gate.check("480213")


def test_right_pin_opens_and_resets_failures(tmp_path: Path) -> None:
    gate = make_gate(tmp_path, FakeClock())
    assert gate.check("000001").result is PinResult.WRONG
    ok = gate.check("480213")
    assert ok.result is PinResult.OK and ok.failures == 0
    assert gate.check("000001").failures == 1


def test_growing_delay_after_free_tries(tmp_path: Path) -> None:
    clock = FakeClock()
    gate = make_gate(tmp_path, clock)
    for i in range(1, FREE_TRIES):
        assert gate.check("999990") == PinCheck(PinResult.WRONG, i)
    locked = gate.check("999990")
    assert locked.result is PinResult.LOCKED and locked.wait_s == FIRST_DELAY_S
    # While locked even the right PIN is not looked at.
    assert gate.check("480213").result is PinResult.LOCKED
    clock.now += 10
    assert gate.status().wait_s == pytest.approx(FIRST_DELAY_S - 10)
    clock.now += FIRST_DELAY_S
    second = gate.check("999990")
    assert second.result is PinResult.LOCKED and second.wait_s == 2 * FIRST_DELAY_S
    clock.now += 2 * FIRST_DELAY_S
    assert gate.check("480213").result is PinResult.OK
    assert gate.status().result is PinResult.OK


def test_delay_schedule_is_capped() -> None:
    assert [lockout_delay(n) for n in range(FREE_TRIES)] == [0.0] * FREE_TRIES
    assert lockout_delay(FREE_TRIES) == 30 and lockout_delay(FREE_TRIES + 2) == 120
    assert lockout_delay(FREE_TRIES + 50) == MAX_DELAY_S


def test_lockout_survives_a_restart_and_a_clock_set_back(tmp_path: Path) -> None:
    clock = FakeClock()
    gate = make_gate(tmp_path, clock)
    for _ in range(FREE_TRIES):
        gate.check("999990")
    restarted = PinGate(tmp_path / "pin.hash", tmp_path / "lockout.json", clock=clock)
    assert restarted.check("480213").result is PinResult.LOCKED
    clock.now -= 10 * 365 * 86400  # RTC battery died: the wait is still bounded by the delay
    assert restarted.status().wait_s == FIRST_DELAY_S


def test_damaged_lockout_file_keeps_the_gate_shut(tmp_path: Path) -> None:
    clock = FakeClock()
    gate = make_gate(tmp_path, clock)
    (tmp_path / "lockout.json").write_text("{garbage")
    clock.now = (tmp_path / "lockout.json").stat().st_mtime
    assert gate.check("480213").result is PinResult.LOCKED


def test_missing_pin_file_means_pin_entry_disabled(tmp_path: Path) -> None:
    gate = PinGate(tmp_path / "none.hash", tmp_path / "lockout.json")
    assert gate.check("480213").result is PinResult.NOT_SET


def test_technician_card(tmp_path: Path) -> None:
    gate = PinGate(tmp_path / "p", tmp_path / "l", technician_card_ids=["1101700207030"])
    assert gate.check_card("1101700207030")
    assert not gate.check_card("1101700207031")
    assert not PinGate(tmp_path / "p", tmp_path / "l").check_card("1101700207030")


def test_set_pin_command_writes_0600_and_resets_lockout(
    config_file: Path, settings: Settings
) -> None:
    lock = lockout_file(settings)
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"failures": 9, "locked_until": 9e12}))
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(config_file), "set-pin", "--stdin"],
        input="480213\n", capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    target = settings.technician.pin_hash_file
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    gate = PinGate(target, lock)
    assert gate.check("480213").result is PinResult.OK


def test_set_pin_command_rejects_a_weak_pin(config_file: Path, settings: Settings) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(config_file), "set-pin", "--stdin"],
        input="1111\n", capture_output=True, text=True, check=False,
    )
    assert done.returncode == 1 and "digits" in done.stderr
    assert not settings.technician.pin_hash_file.exists()


@pytest.mark.parametrize("fine", ["480213", "482915", "739164", "40718263"])
def test_pins_that_are_no_pattern_or_date_are_accepted(fine: str) -> None:
    assert validate_pin(fine) == fine
