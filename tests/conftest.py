"""Fixtures shared across test directories, on purpose.

`pcsc_stack`: one private pcscd (with the vpcd driver) per test run, session-scoped. It
holds the machine-wide flock on /tmp/linkage-kiosk-pcscd.lock for its lifetime (see
simulators/vcard/pcsc_stack.py), so every test that needs pcscd — the card tests and the
session's end-to-end test alike — must share this one instead of starting its own, in
whatever order the tests run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.vcard.pcsc_stack import PcscStack


@pytest.fixture(scope="session")
def pcsc_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PcscStack]:
    stack = PcscStack(tmp_path_factory.mktemp("pcscd"))
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
