"""The container tests' boot probe (tests/appliance/container/nspawn.py `cannot_boot`): a
folder nspawn cannot boot from is named with nspawn's own reason, so those tests skip
saying why instead of failing on a machine that cannot run containers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.appliance.container import nspawn


def test_a_folder_nspawn_cannot_start_is_reported_with_its_reason(tmp_path: Path) -> None:
    reason = nspawn.unavailable()
    if reason:
        pytest.skip(reason)
    said = nspawn.cannot_boot(tmp_path)  # empty: no /bin/true, no os-release
    assert said is not None and said.startswith("systemd-nspawn cannot run a container here")
