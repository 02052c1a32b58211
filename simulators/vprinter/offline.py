"""Interpret a complete ESC/POS byte string without any transport (golden tests, tools)."""

from __future__ import annotations

import contextlib

from PIL import Image

from drivers.printer.status import encode_status
from simulators.vprinter.interpreter import Interpreter
from simulators.vprinter.paper import Paper


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0

    def read(self, n: int) -> bytes:
        if self._pos + n > len(self._data):
            raise EOFError
        chunk = bytes(self._data[self._pos : self._pos + n])
        self._pos += n
        return chunk


def print_bytes(data: bytes, *, width: int = 576, dpi: int = 203) -> list[Image.Image]:
    """Every piece of paper the stream produces (one per cut, plus any uncut rest)."""
    paper = Paper(width)
    pages: list[Image.Image] = []

    def cut() -> None:
        page = paper.take()
        if page is not None:
            pages.append(page)

    ready = encode_status()
    interpreter = Interpreter(
        _Bytes(data), paper, reply=lambda _: None, status_byte=lambda n: ready[n],
        paper_status_byte=lambda: 0, on_cut=cut, can_print=lambda: True, dpi=dpi,
    )
    with contextlib.suppress(EOFError):
        interpreter.run()
    cut()
    return pages
