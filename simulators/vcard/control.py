"""Control a running virtual card from another process (tests, demo, a technician's shell).

``serve`` keeps one :class:`~simulators.vcard.vpcd.VirtualCard` per vpcd port and listens on
a Unix socket (mode 0600) for one JSON object per line; every request gets one JSON reply:

- ``{"cmd": "insert", "citizen": "3" | "<13 digits>", "atr": "3b67", "faults": ["latency=15"],
  "framing": ["offer=64", "piece=64"]}`` (framing: :meth:`Framing.parse`)
- ``{"cmd": "remove"}``, ``{"cmd": "status"}``, ``{"cmd": "quit"}``
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import socketserver
import threading
from pathlib import Path
from typing import Any

from kiosk.domain.citizen_id import mask_cid
from simulators.seeds import SeedCitizen, load_seeds
from simulators.vcard.card import ThaiIdCardEmulator
from simulators.vcard.framing import Framing
from simulators.vcard.profile import CardProfile, Faults
from simulators.vcard.vpcd import VirtualCard


def default_control_path(port: int) -> Path:
    return Path(f"/tmp/linkage-kiosk-vcard-{port}.sock")


def find_citizen(selector: str | int, seeds_file: Path | None = None) -> SeedCitizen:
    """A seed citizen by list index (``3``) or by 13-digit citizen ID."""
    data = load_seeds(seeds_file)
    text = str(selector).strip()
    if len(text) == 13 and text.isdigit():
        citizen = data.get(text)
        if citizen is None:
            raise KeyError(f"no seed citizen {mask_cid(text)}")
        return citizen
    index = int(text)
    if not 0 <= index < len(data.citizens):
        raise KeyError(f"citizen index must be 0..{len(data.citizens) - 1}")
    return data.citizens[index]


def make_card(
    citizen: str | int,
    *,
    atr: str | None = None,
    faults: list[str] | Faults | None = None,
    seeds_file: Path | None = None,
    framing: list[str] | Framing | None = None,
) -> ThaiIdCardEmulator:
    profile = CardProfile.from_seed(find_citizen(citizen, seeds_file))
    fault_set = faults if isinstance(faults, Faults) else Faults.parse(faults or [])
    shape = framing if isinstance(framing, Framing) else Framing.parse(framing or [])
    return ThaiIdCardEmulator(profile, atr_variant=atr, faults=fault_set, framing=shape)


class VirtualCardController:
    """The card slot and what the control protocol can do with it."""

    def __init__(self, port: int, host: str = "127.0.0.1", seeds_file: Path | None = None):
        self.slot = VirtualCard(port, host)
        self.seeds_file = seeds_file
        self.stopped = threading.Event()

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        cmd = request.get("cmd")
        try:
            if cmd == "insert":
                card = make_card(
                    request["citizen"],
                    atr=request.get("atr"),
                    faults=list(request.get("faults") or []),
                    seeds_file=self.seeds_file,
                    framing=list(request.get("framing") or []),
                )
                self.slot.insert(card)
                return {"ok": True, **self.status()}
            if cmd == "remove":
                self.slot.remove()
                return {"ok": True, **self.status()}
            if cmd == "status":
                return {"ok": True, **self.status()}
            if cmd == "quit":
                self.slot.remove()
                self.stopped.set()
                return {"ok": True}
            return {"ok": False, "error": f"unknown command {cmd!r}"}
        except (KeyError, ValueError, ConnectionError) as exc:
            return {"ok": False, "error": mask_cid(str(exc))}

    def status(self) -> dict[str, Any]:
        card = self.slot.card
        if card is None:
            return {"inserted": False, "port": self.slot.port}
        return {
            "inserted": True,
            "port": self.slot.port,
            "cid": mask_cid(card.profile.cid),
            "atr": card.variant.name,
            "faults": card.faults.to_specs(),
            "framing": repr(card.framing),
            "exchanges": card.exchanges,
        }


def serve(controller: VirtualCardController, control_path: Path) -> None:
    """Answer control requests until a ``quit`` (or the process is stopped)."""

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            for line in self.rfile:
                try:
                    request = json.loads(line)
                    reply = controller.handle(request if isinstance(request, dict) else {})
                except ValueError:
                    reply = {"ok": False, "error": "not JSON"}
                self.wfile.write(json.dumps(reply).encode() + b"\n")
                if controller.stopped.is_set():
                    return

    with contextlib.suppress(FileNotFoundError):
        control_path.unlink()
    old_umask = os.umask(0o177)  # the socket can insert cards: owner only
    try:
        server = socketserver.ThreadingUnixStreamServer(str(control_path), Handler)
    finally:
        os.umask(old_umask)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        controller.stopped.wait()
    finally:
        server.shutdown()
        server.server_close()
        controller.slot.remove()
        with contextlib.suppress(FileNotFoundError):
            control_path.unlink()


def send(control_path: Path, request: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
    """One request to a serving controller; raises ConnectionError if none is listening."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(control_path))
            sock.sendall(json.dumps(request).encode() + b"\n")
            reply = b""
            while not reply.endswith(b"\n"):
                part = sock.recv(65536)
                if not part:
                    break
                reply += part
    except OSError as exc:
        raise ConnectionError(f"no virtual card controller at {control_path}") from exc
    result: dict[str, Any] = json.loads(reply)
    return result
