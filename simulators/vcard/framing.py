"""How a card frames its answers to READ and GET RESPONSE: every shape ISO 7816 allows.

The same file bytes can reach a reader in many shapes; a :class:`Framing` picks one. It is
written from ISO/IEC 7816-3 §12.2 (T=0 procedure and status bytes, case 2 with ``6C XX``
and ``61 XX``) and 7816-4 §5.3.4 (response chaining) and table 6 (``62 82`` "end of file
reached before reading Le bytes"; ``6B 00`` "wrong parameters: offset outside the EF") -
not from the kiosk's reader, which must cope with all of them:

* ``direct``: T=1 (or a CCID reader exchanging whole APDUs): the READ answers its data with
  ``90 00`` at once, no GET RESPONSE.
* ``offer``: a ``61 XX`` never announces more than this many bytes (1..256, ``61 00`` = 256).
* ``piece``: a GET RESPONSE answer holds at most this many bytes, then ``61 YY`` for the
  rest, even when the reader asked for more ("a card may offer fewer bytes per GET RESPONSE
  than were asked").
* ``read_max``: one READ serves at most this many bytes; the reader reads on from where the
  answer ended (a READ may return fewer bytes than asked).
* ``strict_le``: Le must be exactly what this answer will hold, else ``6C XX`` names it
  (7816-3 case 2): a resend with Le = XX is served.
* ``eof``: a READ running past the end of the file: ``"6282"`` serves what is there with
  ``62 82``; ``"6c"`` answers ``6C XX`` with the bytes left.
* ``mute``: the card gives no ATR (upside down, dead chip).
* ``file_size``: the MOI file ends early (no number under the photo, a 100-byte address).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SW_OK = b"\x90\x00"
EOF_WARNING = b"\x62\x82"


def _xx(n: int) -> int:
    return 0 if n >= 256 else n


@dataclass(frozen=True)
class Framing:
    direct: bool = False
    offer: int = 256
    piece: int = 256
    read_max: int = 256
    strict_le: bool = False
    eof: Literal["6282", "6c"] = "6282"
    mute: bool = False
    file_size: int | None = None

    def __post_init__(self) -> None:
        for name in ("offer", "piece", "read_max"):
            if not 1 <= getattr(self, name) <= 256:
                raise ValueError(f"{name} must be 1..256")

    NAMES = ("direct", "offer=N", "piece=N", "read-max=N", "strict-le", "eof=6282|6c",
             "mute", "file-size=N")  # fmt: skip

    @classmethod
    def parse(cls, specs: list[str] | tuple[str, ...]) -> Framing:
        """``["offer=64", "piece=64"]``, ``["direct", "strict-le", "read-max=128"]`` -> Framing."""
        values: dict[str, object] = {}
        for spec in specs:
            key, _, arg = spec.partition("=")
            key = key.strip().replace("-", "_")
            if key in ("direct", "strict_le", "mute") and not arg:
                values[key] = True
            elif key in ("offer", "piece", "read_max", "file_size") and arg.isdigit():
                values[key] = int(arg)
            elif key == "eof" and arg in ("6282", "6c"):
                values[key] = arg
            else:
                raise ValueError(f"unknown framing {spec!r}; known: {', '.join(cls.NAMES)}")
        return cls(**values)  # type: ignore[arg-type]

    @property
    def one_piece(self) -> bool:
        """Answers as the cards the kiosk first met: READ ``61 Le`` + GET RESPONSE."""
        return self == Framing(file_size=self.file_size)


class Framer:
    """One card's framing state: the bytes a READ left pending for GET RESPONSE."""

    def __init__(self, framing: Framing) -> None:
        self.framing = framing
        self.pending = b""
        self.final = SW_OK

    def clear(self) -> None:
        self.pending = b""

    def read(self, image: bytes, offset: int, le: int) -> bytes:
        f = self.framing
        self.pending = b""
        le = le or 256
        left = len(image) - offset
        if left <= 0:
            return b"\x6b\x00"
        serve = min(le, left, f.read_max)
        past_end = le > left and serve == left
        if serve != le and (f.strict_le or (past_end and f.eof == "6c")):
            return bytes([0x6C, _xx(serve)])
        data = image[offset : offset + serve]
        final = EOF_WARNING if past_end else SW_OK
        if f.direct:
            return data + final
        self.pending, self.final = data, final
        return bytes([0x61, _xx(min(serve, f.offer))])

    def get_response(self, le: int) -> bytes:
        f = self.framing
        if not self.pending:
            return b"\x69\x85"  # conditions of use not satisfied: nothing to fetch
        le = le or 256
        give = min(len(self.pending), f.piece, le)
        if f.strict_le and le != min(len(self.pending), f.piece):
            return bytes([0x6C, _xx(min(len(self.pending), f.piece))])
        if le > len(self.pending):
            return bytes([0x6C, _xx(len(self.pending))])  # 7816-3: P3 > bytes available
        data, self.pending = self.pending[:give], self.pending[give:]
        if self.pending:
            return data + bytes([0x61, _xx(min(len(self.pending), f.offer))])
        return data + self.final


__all__ = ["Framer", "Framing"]
