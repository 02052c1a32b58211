"""Turn a `RasterLayout` into ESC/POS bytes: bands, dot feeds between them, native QRs."""

from __future__ import annotations

from PIL import Image

from kiosk.receipts.escpos_bytes import EscposBuilder
from kiosk.receipts.raster import INK, Band, NativeQr, RasterLayout


def emit_layout(builder: EscposBuilder, layout: RasterLayout) -> None:
    """Append the layout's items to ``builder`` (no prologue, no cut); the left margin is
    back at 0 afterwards, for whatever text follows."""
    items = _runs(layout) if builder.places_dots else sorted(layout.items, key=_top)
    printed = 0  # how far the paper has moved, in dots, since the layout's top
    for n, item in enumerate(items):
        top = max(item.top, printed)  # the paper cannot go back; never overprint
        builder.feed_dots(top - printed)
        if isinstance(item, Band):
            # Blank paper below the band, up to the next item: a 24-dot column line may
            # run into it rather than send the band's last rows as another strip.
            below = items[n + 1].top if n + 1 < len(items) else layout.height
            room = max(0, below - top - item.image.height)
            printed = top + builder.raster(item.image, item.align, item.x, room)
        else:
            builder.qr(item.data, item.module)
            printed = top + item.size
    builder.feed_dots(layout.height - printed)
    builder.left_margin(0)


def encode_layout(layout: RasterLayout, builder: EscposBuilder) -> bytes:
    emit_layout(builder, layout)
    if layout.cut:
        builder.cut()
    return builder.output()


def _top(item: Band | NativeQr) -> int:
    return item.top


def _runs(layout: RasterLayout) -> list[Band | NativeQr]:
    """Consecutive bands composed into one page-wide band each (ink of overlapping bands
    added, as on paper), so the builder chooses its strips and column lines across line
    boundaries too; a printer-drawn QR separates runs."""
    items: list[Band | NativeQr] = []
    run: list[Band] = []

    def close() -> None:
        if len(run) == 1:
            items.append(run[0])
        elif run:
            top = min(b.top for b in run)
            bottom = max(b.top + b.image.height for b in run)
            page = Image.new("1", (layout.width, bottom - top), 0)
            for band in run:
                band.stamp(page, INK, top)
            items.append(Band(page, top, 0, "left"))
        run.clear()

    for item in sorted(layout.items, key=_top):
        if isinstance(item, Band):
            run.append(item)
        else:
            close()
            items.append(item)
    close()
    return items
