"""The receipt document: what a slip says, independent of how a printer is driven.

A `Document` is a sequence of blocks. Renderers (`raster`, `native`) turn it into ESC/POS
bytes for a given printer profile; the print journal stores it as JSON so a failed job
can be printed again exactly. Text is plain Unicode (Thai and English mixed freely).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Align = Literal["left", "center", "right"]


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Title(_Block):
    kind: Literal["title"] = "title"
    text: str


class Row(_Block):
    """A label and its value on one line (value right-aligned), wrapped when too long."""

    kind: Literal["row"] = "row"
    key: str
    value: str


class Paragraph(_Block):
    kind: Literal["paragraph"] = "paragraph"
    text: str
    align: Align = "left"
    size: Literal["normal", "large", "huge"] = "normal"
    """``huge``: a counter-ticket number readable from across the room."""
    bold: bool = False


class Qr(_Block):
    kind: Literal["qr"] = "qr"
    data: Annotated[str, Field(min_length=1, max_length=300)]
    caption: str = ""


class Barcode(_Block):
    """CODE128 barcode (reference numbers scanned at the counter)."""

    kind: Literal["barcode"] = "barcode"
    data: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[\x20-\x7e]+$")]


class Separator(_Block):
    kind: Literal["separator"] = "separator"


class Footer(_Block):
    kind: Literal["footer"] = "footer"
    text: str


class Cut(_Block):
    kind: Literal["cut"] = "cut"


Block = Annotated[
    Title | Row | Paragraph | Qr | Barcode | Separator | Footer | Cut,
    Field(discriminator="kind"),
]


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    blocks: tuple[Block, ...]
    language: Literal["th", "en"] = "th"

    def to_json(self) -> bytes:
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes | str) -> Document:
        return cls.model_validate_json(raw)

    def ensure_cut(self) -> Document:
        """The same document ending with a cut (a receipt is always cut off)."""
        if self.blocks and isinstance(self.blocks[-1], Cut):
            return self
        return self.model_copy(update={"blocks": (*self.blocks, Cut())})
