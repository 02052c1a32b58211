"""Pick the renderer for a printer profile and produce the job's ESC/POS bytes."""

from __future__ import annotations

from typing import Literal

from kiosk.receipts.encode import encode_layout
from kiosk.receipts.escpos_bytes import EscposBuilder
from kiosk.receipts.model import Document
from kiosk.receipts.native import NativeTextRenderer
from kiosk.receipts.profiles import PrinterProfile
from kiosk.receipts.raster import RasterRenderer

RenderMode = Literal["raster", "native"]


def default_mode(profile: PrinterProfile) -> RenderMode:
    """Native text only where the profile vouches for the firmware's Thai."""
    return "native" if profile.thai_native else "raster"


def render_receipt(
    document: Document, profile: PrinterProfile, mode: RenderMode | None = None
) -> bytes:
    """The complete job (initialise ... cut) for ``document`` on a ``profile`` printer."""
    document = document.ensure_cut()
    mode = mode or default_mode(profile)
    if mode == "native":
        return NativeTextRenderer(profile).encode(document)
    layout = RasterRenderer(profile).layout(document)
    return encode_layout(layout, EscposBuilder(profile))
