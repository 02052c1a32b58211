"""Fixtures shared across test directories, on purpose.

`pcsc_stack`: one private pcscd (with the vpcd driver) per test run, session-scoped. It
holds the machine-wide flock on /tmp/linkage-kiosk-pcscd.lock for its lifetime (see
simulators/vcard/pcsc_stack.py), so every test that needs pcscd — the card tests and the
session's end-to-end test alike — must share this one instead of starting its own, in
whatever order the tests run.

`_restore_root_logging` (autouse): every test leaves the root logger and the warnings hook
as it found them. ``python -m kiosk`` commands called in-process (``kiosk.__main__.main``)
run ``configure_logging``, which puts a masking handler on the root logger, bound to the
``sys.stderr`` of that moment (a capture that is closed after the test), sets the root
level and installs a warnings hook. Left behind, that handler masked the records a later
test's ``caplog`` sees (so a privacy assertion passed or not depending on order) and wrote
"--- Logging error ---" into later tests' output.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator

import pytest

from simulators.vcard.pcsc_stack import PcscStack


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level, hook = list(root.handlers), root.level, warnings.showwarning
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    warnings.showwarning = hook


@pytest.fixture(scope="session")
def pcsc_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PcscStack]:
    stack = PcscStack(tmp_path_factory.mktemp("pcscd"))
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
