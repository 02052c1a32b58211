"""``python -m simulators.linkage_server`` as its own process (what integrators run)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.linkage.pki import ensure_kiosk_credentials
from linkage.helpers import consent_for, make_client

REPO = Path(__file__).resolve().parents[2]


class _Srv:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url


def test_standalone_server_process(tmp_path: Path, ordinary: Any) -> None:
    state = tmp_path / "server"
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulators.linkage_server", "--port", "0",
         "--state-dir", str(state), "--issue-kiosk", "CLI-1017-01"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        base_url = None
        deadline = time.monotonic() + 30
        while base_url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            match = re.search(r"(https://127\.0\.0\.1:\d+)", line)
            base_url = match.group(1) if match else None
        assert base_url, "server did not report its URL"
        creds = ensure_kiosk_credentials(state / "pki", "CLI-1017-01")  # issued by --issue-kiosk
        with make_client(_Srv(base_url), creds) as client:  # type: ignore[arg-type]
            assert client.query(consent_for(ordinary), [1, 144])[144].error is None
            # The ThaID gateway runs with it: holder verification starts (the QR's URL).
            from kiosk.linkage.holder import HolderStatus, start_verification

            started = start_verification(client, ordinary.cid)
            assert started.status is HolderStatus.PENDING and started.authorizationURL
    finally:
        proc.terminate()
        proc.wait(10)
    # The key files it wrote are private.
    assert (state / "pki" / "CLI-1017-01.key").stat().st_mode & 0o077 == 0
