"""The network transport turns Nagle off, so the status query after a job leaves at once.

Behaviour only (the socket option is set); the latency it saves is in bench/receipt.py.
"""

from __future__ import annotations

import socket

from drivers.printer.escpos_transports import NetworkTransport
from simulators.vprinter import VirtualPrinter


def _nodelay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_network_transport_sets_tcp_nodelay(vprinter: VirtualPrinter) -> None:
    transport = NetworkTransport("127.0.0.1", vprinter.tcp_port or 0, timeout_s=2.0)
    transport.open()
    try:
        # The transport keeps python-escpos' Network object; its socket is `.device`.
        sock = transport._printer.device
        assert isinstance(sock, socket.socket)
        assert _nodelay(sock) != 0
        # Still a working connection: a job and the status query after it are answered.
        transport.send(b"\x1b@" + b"NODELAY\n" * 50)
        assert transport.wait_processed(timeout_s=2.0).ready
    finally:
        transport.close()


def test_a_fresh_open_sets_it_again(vprinter: VirtualPrinter) -> None:
    transport = NetworkTransport("127.0.0.1", vprinter.tcp_port or 0, timeout_s=2.0)
    for _ in range(2):  # each job opens its own connection
        transport.open()
        try:
            assert _nodelay(transport._printer.device) != 0
        finally:
            transport.close()


def test_virtual_printer_listener_sets_tcp_nodelay(vprinter: VirtualPrinter) -> None:
    assert vprinter._server is not None
    assert _nodelay(vprinter._server) != 0
    baseline = VirtualPrinter(vprinter.out_dir / "nagle", tcp_nodelay=False)
    try:
        baseline.start_tcp("127.0.0.1", 0)
        assert baseline._server is not None and _nodelay(baseline._server) == 0
    finally:
        baseline.stop()

