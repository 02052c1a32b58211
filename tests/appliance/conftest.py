"""Fixtures shared by the appliance tests."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator

import pytest


@pytest.fixture
def notify_socket() -> Iterator[tuple[socket.socket, str]]:
    """A bound unix datagram socket standing in for systemd's $NOTIFY_SOCKET."""
    # A short dir: unix socket paths are limited to 108 bytes, pytest's tmp_path may be longer.
    with tempfile.TemporaryDirectory(prefix="wd-") as d:
        path = os.path.join(d, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        try:
            yield sock, path
        finally:
            sock.close()
