"""Which PC/SC reader is the citizen's: matched by name prefix and slot, or USB identity.

pcsc-lite names a reader ``<name> NN SS``: NN numbers the reader *device* in the order
pcscd met it, SS is the slot within that device. A USB replug (or another reader plugged
first) changes NN - "ACS ACR39U 00 00" comes back as "ACS ACR39U 01 00" - so a configured
name never counts NN. What is matched (``[card]`` in the config):

* ``reader_filter``: the reader's name without its index starts with this text. A trailing
  ``NN SS`` in the configured text is allowed (a name copied from ``pcsc_scan``): its NN is
  ignored and its SS picks the slot. Empty: any reader.
* ``reader_usb_id`` (``"072F:B100"``): the reader's USB vendor:product. pcsc-lite's CCID
  driver answers ``SCARD_ATTR_CHANNEL_ID`` as ``0x0020BBAA`` for a USB reader on bus BB,
  device address AA (PC/SC part 3 channel ID: type 0x0020 = USB); the ids are looked up in
  sysfs (``/sys/bus/usb/devices/*/{busnum,devnum,idVendor,idProduct}``). A reader that does
  not say (vpcd, serial readers) never matches a configured USB id.

With two readers (a citizen slot and, say, a staff reader or a SAM slot) the configuration
picks the citizen's; the driver never lists, watches or reads the other one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_INDEX = re.compile(r"^(?P<base>.*?) (?P<nn>[0-9A-Fa-f]{2}) (?P<ss>[0-9A-Fa-f]{2})$")
_USB_ID = re.compile(r"^(?P<vid>[0-9A-Fa-f]{4}):(?P<pid>[0-9A-Fa-f]{4})$")
USB_CHANNEL_TYPE = 0x0020
SYSFS_USB = Path("/sys/bus/usb/devices")


def split_name(name: str) -> tuple[str, int | None]:
    """``"ACS ACR39U 01 00"`` -> ``("ACS ACR39U", 0)``; a name without an index -> (name, None)."""
    m = _INDEX.match(name)
    if m is None:
        return name, None
    return m["base"], int(m["ss"], 16)


def parse_usb_id(text: str) -> tuple[int, int] | None:
    """``"072F:B100"`` -> ``(0x072F, 0xB100)``; empty -> None; else ValueError."""
    if not text:
        return None
    m = _USB_ID.match(text)
    if m is None:
        raise ValueError(f"USB id {text!r} is not VVVV:PPPP (hex vendor:product)")
    return int(m["vid"], 16), int(m["pid"], 16)


@dataclass(frozen=True)
class ReaderMatch:
    prefix: str = ""
    slot: int | None = None
    usb_id: tuple[int, int] | None = None

    @classmethod
    def from_config(cls, reader_filter: str = "", reader_usb_id: str = "") -> ReaderMatch:
        prefix, slot = split_name(reader_filter.strip())
        return cls(prefix=prefix, slot=slot, usb_id=parse_usb_id(reader_usb_id.strip()))

    @property
    def needs_usb_id(self) -> bool:
        return self.usb_id is not None

    def matches(self, name: str, usb_id: tuple[int, int] | None = None) -> bool:
        """``usb_id``: the reader's own, when :attr:`needs_usb_id` (None: it did not say)."""
        base, slot = split_name(name)
        if not base.startswith(self.prefix):
            return False
        if self.slot is not None and slot != self.slot:
            return False
        return self.usb_id is None or usb_id == self.usb_id


def usb_id_for_channel(channel_id: int, sysfs: Path = SYSFS_USB) -> tuple[int, int] | None:
    """The USB vendor:product of the device a CCID channel ID names, or None."""
    if channel_id >> 16 != USB_CHANNEL_TYPE:
        return None
    bus, address = (channel_id >> 8) & 0xFF, channel_id & 0xFF
    for device in sysfs.glob("*"):
        try:
            if (int((device / "busnum").read_text()) == bus
                    and int((device / "devnum").read_text()) == address):  # fmt: skip
                return (int((device / "idVendor").read_text(), 16),
                        int((device / "idProduct").read_text(), 16))  # fmt: skip
        except (OSError, ValueError):
            continue
    return None


__all__ = ["ReaderMatch", "parse_usb_id", "split_name", "usb_id_for_channel"]
