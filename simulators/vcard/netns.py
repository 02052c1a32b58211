"""Reach a vpcd reader that lives in pcscd's own network namespace.

The vpcd driver (vsmartcard-vpcd 3.3 in Debian 12) listens on 0.0.0.0 in its server mode,
and its client mode (``DEVICENAME host:port``) aborts pcscd on the first card removal
(``select`` on socket -1; fixed upstream in 76543ea, not in Debian's build). So the test
stack runs pcscd in a network namespace of its own, with only a loopback interface
(``unshare --net``): vpcd's listener is unreachable from any network, ``ss -ltn`` on the
machine shows no vpcd port at all, and clients still reach pcscd through its Unix socket.
The virtual card, a TCP client, opens its socket inside that namespace (``setns`` on a
short-lived thread: a socket stays in the namespace it was created in).
"""

from __future__ import annotations

import ctypes
import os
import socket
import threading
from pathlib import Path

CLONE_NEWNET = 0x40000000
PROC = Path("/proc")


def _netns(pid: int | str) -> str | None:
    try:
        return os.readlink(PROC / str(pid) / "ns" / "net")
    except OSError:
        return None


def pcscd_for_vpcd_port(port: int) -> int | None:
    """The pid of a pcscd in *another* network namespace whose vpcd reader uses ``port``
    (either of an entry's two slots), else None."""
    ours = _netns("self")
    for entry in PROC.glob("[0-9]*"):
        try:
            if (entry / "comm").read_text().strip() != "pcscd":
                continue
            args = [a.decode(errors="replace")
                    for a in (entry / "cmdline").read_bytes().split(b"\0") if a]  # fmt: skip
        except OSError:
            continue
        if _netns(entry.name) in (None, ours):
            continue
        dirs = [Path(args[i + 1]) for i, a in enumerate(args[:-1]) if a in ("-c", "--config")]
        for folder in dirs:
            for conf in sorted(folder.glob("*")) if folder.is_dir() else ():
                text = conf.read_text(errors="replace")
                ports = {int(line.split()[1].rsplit(":", 1)[1]) for line in text.splitlines()
                         if line.split()[:1] == ["DEVICENAME"] and ":" in line}
                if port in ports or port - 1 in ports:
                    return int(entry.name)
    return None


def socket_in_netns_of(pid: int) -> socket.socket:
    """A fresh TCP socket created inside the network namespace of process ``pid``."""
    libc = ctypes.CDLL(None, use_errno=True)
    made: dict[str, socket.socket | BaseException] = {}

    def create() -> None:  # setns changes only this thread, which then ends
        try:
            fd = os.open(PROC / str(pid) / "ns" / "net", os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns into pcscd's network namespace")
            finally:
                os.close(fd)
            made["sock"] = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        except BaseException as exc:  # handed to the caller's thread
            made["error"] = exc

    thread = threading.Thread(target=create, name="vcard-netns")
    thread.start()
    thread.join()
    if "error" in made:
        raise made["error"]  # type: ignore[misc]
    return made["sock"]  # type: ignore[return-value]
