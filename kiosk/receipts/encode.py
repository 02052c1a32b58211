"""Turn a `RasterLayout` into ESC/POS bytes: bands, dot feeds between them, native QRs."""

from __future__ import annotations

from kiosk.receipts.escpos_bytes import EscposBuilder
from kiosk.receipts.raster import Band, RasterLayout


def emit_layout(builder: EscposBuilder, layout: RasterLayout) -> None:
    """Append the layout's items to ``builder`` (no prologue, no cut)."""
    printed = 0  # how far the paper has moved, in dots, since the layout's top
    for item in sorted(layout.items, key=lambda i: i.top):
        top = max(item.top, printed)  # the paper cannot go back; never overprint
        builder.feed_dots(top - printed)
        if isinstance(item, Band):
            builder.raster(item.image, item.align, item.x)
            printed = top + item.image.height
        else:
            builder.qr(item.data, item.module)
            printed = top + item.size
    builder.feed_dots(layout.height - printed)


def encode_layout(layout: RasterLayout, builder: EscposBuilder) -> bytes:
    emit_layout(builder, layout)
    if layout.cut:
        builder.cut()
    return builder.output()

