"""No card reader reachable from the network while the card tests run: vpcd's listener
lives in pcscd's own network namespace (loopback only), not on the machine's."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from .conftest import Rig, card_for

pytestmark = pytest.mark.pcsc
LISTEN = "0A"


def listening_ports(proc_net: Path) -> set[int]:
    ports = set()
    for name in ("tcp", "tcp6"):
        for line in (proc_net / name).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == LISTEN:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def test_no_vpcd_port_listens_on_this_machine(rig: Rig, seeds) -> None:  # type: ignore[no-untyped-def]
    reader = rig.insert(card_for(seeds.citizens[0]))
    assert rig.reader.read_identity(reader).citizen_id.digits == seeds.citizens[0].cid
    vpcd_ports = {slot.port for slot in rig.slots}
    assert not vpcd_ports & listening_ports(Path("/proc/self/net"))
    for port in vpcd_ports:  # held by the stack, so no other program here can listen there
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(("0.0.0.0", port))
    # ...but they do listen inside pcscd's namespace, reachable only from there.
    pid = rig.stack.pid
    assert pid is not None
    assert os.readlink(f"/proc/{pid}/ns/net") != os.readlink("/proc/self/ns/net")
    assert vpcd_ports <= listening_ports(Path(f"/proc/{pid}/net"))
