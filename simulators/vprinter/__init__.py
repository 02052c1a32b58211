"""Virtual ESC/POS printer over TCP 9100 and a serial pseudo-terminal (see `server`)."""

from simulators.vprinter.panel import Faults
from simulators.vprinter.server import Receipt, VirtualPrinter

__all__ = ["Faults", "Receipt", "VirtualPrinter"]
