"""Freed heap pages go back to the system after every session (`MemoryReturn`).

Two parts, both real: glibc's ``malloc_trim`` lowering this process's resident memory
after blocks in the middle of its heap were freed, and the kiosk built by `build_kiosk`
(real session engine, the in-process card reader, the reference server over mutual TLS)
handing memory back once per ended session, on the engine's thread."""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.appliance.memory_return import MemoryReturn, glibc_trim
from kiosk.session.outcome import SessionOutcome
from kiosk.session.view import Screen

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from session.stack import Stack, active_index, real_stack

GLIBC = glibc_trim() is not None


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's; this C library has none")
def test_trim_gives_back_pages_freed_in_the_middle_of_the_heap() -> None:
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    trim = glibc_trim()
    assert trim is not None
    trim()
    # 60 MB in 4 KB blocks (below the mmap threshold: they come from the heap), touched so
    # they are resident, then a block after them that stays: freeing the first ones leaves
    # free pages glibc cannot hand back from the heap's top by itself.
    blocks = [libc.malloc(4096) for _ in range(15_000)]
    for block in blocks:
        ctypes.memset(block, 0x5A, 4096)
    pin = libc.malloc(64)
    try:
        for block in blocks:
            libc.free(block)
        held = resident_mb()
        MemoryReturn(trim).on_session_end(SessionOutcome.FINISHED)
        returned = held - resident_mb()
    finally:
        libc.free(pin)
    assert returned > 30, f"only {returned:.1f} MB of ~60 MB freed went back"


def test_without_malloc_trim_nothing_is_attached() -> None:
    class Engine:
        def subscribe_ends(self, callback: object) -> object:
            raise AssertionError("must not follow session ends without malloc_trim")

    memory = MemoryReturn(trim=None)  # what a C library without malloc_trim gives
    assert not memory.available
    memory.attach(Engine())()  # the stop call works too
    memory.on_session_end(SessionOutcome.FINISHED)
    assert memory.returns == 0


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with real_stack(tmp_path / "kiosk", start_sender=False) as stack:
        yield stack


def test_the_kiosk_returns_memory_once_per_ended_session_off_the_ui_thread(
    stack: Stack,
) -> None:
    memory = stack.kiosk.memory
    assert memory is not None and memory.available == GLIBC
    if not GLIBC:
        pytest.skip("malloc_trim is glibc's; this C library has none")
    threads: list[str] = []
    real_trim = memory._trim
    assert real_trim is not None

    def watched_trim() -> object:
        threads.append(threading.current_thread().name)
        return real_trim()

    memory._trim = watched_trim
    engine = stack.kiosk.engine
    for ended in range(2):  # two citizens: card in, take it out again
        stack.devices.insert(active_index())
        assert engine.wait_for(lambda v: v.screen is Screen.IDENTITY, 30)
        assert memory.returns == ended  # not while a session is open
        stack.devices.remove()
        engine.wait_for(lambda v: v.screen is Screen.IDLE, 30)
    engine.sync()
    assert memory.returns == 2
    assert len(threads) == 2
    assert threading.main_thread().name not in threads
