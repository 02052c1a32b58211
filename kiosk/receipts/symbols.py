"""QR codes and CODE128 barcodes as 1-bit images (black = 0), module-exact, no resampling.

The same QR settings (error correction M, smallest version) are used for images and for
the printer's native ``GS ( k`` so both paths print the same symbol size.
"""

from __future__ import annotations

import functools

import barcode
import qrcode
from PIL import Image, ImageDraw

QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
QR_EC_ESCPOS = 1
"""python-escpos QR_ECLEVEL_M: keep in step with QR_ERROR_CORRECTION."""


@functools.lru_cache(maxsize=256)
def _qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    code = qrcode.QRCode(version=None, error_correction=QR_ERROR_CORRECTION, border=0)
    code.add_data(data)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


@functools.lru_cache(maxsize=256)
def qr_modules(data: str) -> int:
    """Side of the symbol in modules. Only the version is needed, not the mask search
    (which is most of the cost of building the matrix), when the printer draws the QR."""
    code = qrcode.QRCode(version=None, error_correction=QR_ERROR_CORRECTION, border=0)
    code.add_data(data)
    return 17 + 4 * code.best_fit()


def qr_image(data: str, module: int, *, error_correction: int | None = None) -> Image.Image:
    """Black-on-white mode 1 image, ``module`` dots per module, no quiet zone."""
    if error_correction is None:
        matrix = _qr_matrix(data)
    else:
        code = qrcode.QRCode(version=None, error_correction=error_correction, border=0)
        code.add_data(data)
        code.make(fit=True)
        matrix = tuple(tuple(row) for row in code.get_matrix())
    n = len(matrix)
    small = Image.new("1", (n, n), 255)
    small.putdata([0 if dark else 255 for row in matrix for dark in row])
    return small.resize((n * module, n * module), Image.Resampling.NEAREST)


def barcode_image(data: str, *, module: int, height: int) -> Image.Image:
    """CODE128 bars, black on white, with a quiet zone of 10 modules each side."""
    pattern = barcode.get_barcode_class("code128")(data).build()[0]
    quiet = 10
    image = Image.new("1", ((len(pattern) + 2 * quiet) * module, height), 255)
    draw = ImageDraw.Draw(image)
    for i, bit in enumerate(pattern):
        if bit == "1":
            x = (quiet + i) * module
            draw.rectangle((x, 0, x + module - 1, height - 1), fill=0)
    return image
