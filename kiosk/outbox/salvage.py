"""Salvage a damaged outbox file: every row that can still be read, nothing twice.

Debian 12's sqlite3 (3.40.1) has no ``.recover``, and a damaged interior page makes plain
``SELECT``s stop early, so this reads the file the way ``.recover`` does: page by page,
straight from the SQLite file format (https://www.sqlite.org/fileformat.html), with the
committed frames of its WAL laid over the main file. Every table-leaf cell that decodes as
an ``items`` row is a candidate; it is kept only if its sealed payload still opens with the
outbox key. AES-GCM binds the payload to the item id and idempotency key, so a damaged byte
anywhere in a row makes it fail here instead of sending garbage. Rows that a readable
receipt says were delivered are skipped (``secure_delete`` already zeroes deleted rows).

"Lost" counts item ids still visible in the ``items_due`` index (or in a row that failed to
open) but with no readable row: when index pages are damaged too, it is a lower bound.

The damaged file is only read, never written: it stays aside byte for byte.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.crypto_at_rest import SealedDataError
from kiosk.outbox.crypto import ItemSealer

_ITEM_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")
_TABLE_LEAF, _INDEX_LEAF = 0x0D, 0x0A
_STATES = ("pending", "in_flight", "dead")
_KINDS = ("submission", "audit")
_ITEM_COLUMNS = (14, 15)
"""v1 rows, and v2 rows with ``seq`` (SQLite leaves rows written before an ADD COLUMN
short; they read as NULL)."""
_RECEIPT_COLUMNS = (9, 10)
_DEFAULT_PAGE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class SalvagedItem:
    """One ``items`` row read back from a damaged file (payload still sealed)."""

    item_id: str
    reference: str
    idempotency_key: str
    kind: str
    payload: bytes
    created_at: float
    age_from: float
    attempts: int
    next_attempt_at: float
    last_error: str | None
    state: str
    dead_at: float | None
    seq: int | None = None
    """The ledger's sequence number (`kiosk.outbox.ledger`); None in a v1 row."""


@dataclass(slots=True)
class SalvageResult:
    """What a salvage found; ``salvaged``/``lost`` are what health and metrics show."""

    source: Path
    items: list[SalvagedItem] = field(default_factory=list)
    lost_ids: set[str] = field(default_factory=set)
    already_delivered: int = 0
    imported: int = 0
    """How many of ``items`` went into the fresh store (the rest were already there)."""

    @property
    def salvaged(self) -> int:
        return len(self.items)

    @property
    def lost(self) -> int:
        return len(self.lost_ids)

    def summary(self) -> str:
        return f"{self.salvaged} salvaged, {self.lost} lost"


def read_damaged_outbox(path: Path, sealer: ItemSealer) -> SalvageResult:
    """Read every intact item of the damaged outbox at ``path`` (and its ``-wal``)."""
    pages, page_size = _load_pages(Path(path))
    found: dict[str, SalvagedItem] = {}
    failed: set[str] = set()
    known: dict[str, object] = {}
    """item id -> rowid, from the table rows and the ``items_due`` index."""
    found_rowids: set[object] = set()
    delivered_ids: set[str] = set()
    delivered_keys: set[str] = set()
    usable = page_size - _reserved(pages)
    for number, page in pages.items():
        start = 100 if number == 1 else 0
        kind = page[start] if start < len(page) else 0
        if kind == _TABLE_LEAF:
            for rowid, record in _leaf_records(pages, page, start, usable, table=True):
                if len(record) in _RECEIPT_COLUMNS and _looks_like_receipt(record):
                    delivered_ids.add(record[0])  # type: ignore[arg-type]
                    delivered_keys.add(record[2])  # type: ignore[arg-type]
                elif len(record) in _ITEM_COLUMNS:
                    item = _as_item(record)
                    if item is None:
                        continue
                    known[item.item_id] = rowid
                    try:
                        sealer.open(item.item_id, item.idempotency_key, item.payload)
                    except SealedDataError:
                        failed.add(item.item_id)
                        continue
                    found.setdefault(item.item_id, item)
                    found_rowids.add(rowid)
        elif kind == _INDEX_LEAF:
            for _, record in _leaf_records(pages, page, start, usable, table=False):
                # items_due: (state, next_attempt_at, id, rowid) — only items are in it.
                if (len(record) == 4 and record[0] in _STATES
                        and isinstance(record[2], str) and _ITEM_ID.fullmatch(record[2])):
                    known.setdefault(record[2], record[3])  # type: ignore[arg-type]
    result = SalvageResult(Path(path))
    for item in sorted(found.values(), key=lambda i: i.item_id):
        if item.item_id in delivered_ids or item.idempotency_key in delivered_keys:
            result.already_delivered += 1
        else:
            result.items.append(item)
    # A flipped byte in an index entry must not invent a lost item: an entry whose rowid
    # belongs to a salvaged row is that row.
    # One row seen twice (a damaged id in the row, the true one in the index) is one loss.
    lost_by_row: dict[object, str] = {}
    for item_id, rowid in sorted(known.items()):
        if (item_id not in found and item_id not in delivered_ids
                and (item_id in failed or rowid not in found_rowids)):
            lost_by_row.setdefault(rowid if rowid is not None else item_id, item_id)
    result.lost_ids = set(lost_by_row.values())
    return result


# -- the file format ---------------------------------------------------------------------


def _load_pages(path: Path) -> tuple[dict[int, bytes], int]:
    data = path.read_bytes()
    page_size = _page_size(data[16:18]) if data[:16] == b"SQLite format 3\x00" else 0
    wal = Path(f"{path}-wal")
    wal_data = wal.read_bytes() if wal.exists() else b""
    if not page_size and len(wal_data) >= 32:
        page_size = struct.unpack(">I", wal_data[8:12])[0]
    if page_size not in {1 << n for n in range(9, 17)}:
        page_size = _DEFAULT_PAGE_SIZE  # header damaged: the kiosk never changes the default
    pages = {
        i // page_size + 1: data[i : i + page_size]
        for i in range(0, len(data) - page_size + 1, page_size)
    }
    pages.update(_committed_wal_frames(wal_data, page_size))
    return pages, page_size


def _page_size(raw: bytes) -> int:
    value = struct.unpack(">H", raw)[0]
    return 65536 if value == 1 else value


def _committed_wal_frames(wal: bytes, page_size: int) -> dict[int, bytes]:
    """The newest copy of each page in the WAL, up to its last commit frame."""
    if len(wal) < 32 or wal[:4] not in (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83"):
        return {}
    if struct.unpack(">I", wal[8:12])[0] != page_size:
        return {}
    salts = wal[16:24]
    committed: dict[int, bytes] = {}
    pending: dict[int, bytes] = {}
    frame = 24 + page_size
    for offset in range(32, len(wal) - frame + 1, frame):
        header = wal[offset : offset + 24]
        if header[8:16] != salts:
            break  # a frame left over from an earlier generation of the WAL
        number, commit_size = struct.unpack(">II", header[:8])
        pending[number] = wal[offset + 24 : offset + frame]
        if commit_size:
            committed.update(pending)
            pending.clear()
    return committed


def _reserved(pages: dict[int, bytes]) -> int:
    first = pages.get(1, b"")
    return first[20] if len(first) > 20 and first[:16] == b"SQLite format 3\x00" else 0


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        if pos + i >= len(buf):
            raise ValueError("varint runs off the page")
        byte = buf[pos + i]
        if i == 8:
            return (value << 8) | byte, pos + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + i + 1
    raise AssertionError("unreachable")


def _leaf_records(
    pages: dict[int, bytes], page: bytes, start: int, usable: int, *, table: bool
) -> Iterator[tuple[int | None, list[object]]]:
    """Decoded records of a leaf page; a cell that does not parse is skipped."""
    try:
        count = struct.unpack(">H", page[start + 3 : start + 5])[0]
    except struct.error:
        return
    for n in range(count):
        try:
            pointer = struct.unpack(">H", page[start + 8 + 2 * n : start + 10 + 2 * n])[0]
            size, pos = _varint(page, pointer)
            rowid = None
            if table:
                rowid, pos = _varint(page, pos)
            payload = _cell_payload(pages, page, pos, size, usable, table=table)
            yield rowid, _decode_record(payload)
        except (ValueError, struct.error, IndexError, UnicodeDecodeError):
            continue


def _cell_payload(
    pages: dict[int, bytes], page: bytes, pos: int, size: int, usable: int, *, table: bool
) -> bytes:
    most = usable - 35 if table else (usable - 12) * 64 // 255 - 23
    if size <= most:
        local = size
    else:
        least = (usable - 12) * 32 // 255 - 23
        local = least + (size - least) % (usable - 4)
        if local > most:
            local = least
    if pos + local > len(page):
        raise ValueError("cell runs off the page")
    out = bytearray(page[pos : pos + local])
    if local < size:
        (overflow,) = struct.unpack(">I", page[pos + local : pos + local + 4])
        seen: set[int] = set()
        while len(out) < size:
            if overflow in seen or overflow not in pages:
                raise ValueError("broken overflow chain")
            seen.add(overflow)
            chunk = pages[overflow]
            (next_page,) = struct.unpack(">I", chunk[:4])
            out += chunk[4:usable][: size - len(out)]
            overflow = next_page
    return bytes(out)


def _decode_record(payload: bytes) -> list[object]:
    header_size, pos = _varint(payload, 0)
    if header_size > len(payload):
        raise ValueError("record header runs off the cell")
    types: list[int] = []
    while pos < header_size:
        serial, pos = _varint(payload, pos)
        types.append(serial)
    body = header_size
    values: list[object] = []
    for serial in types:
        width = _serial_width(serial)
        raw = payload[body : body + width]
        if len(raw) != width:
            raise ValueError("record body runs off the cell")
        body += width
        if serial == 0:
            values.append(None)
        elif serial in (8, 9):
            values.append(serial - 8)
        elif 1 <= serial <= 6:
            values.append(int.from_bytes(raw, "big", signed=True))
        elif serial == 7:
            values.append(struct.unpack(">d", raw)[0])
        elif serial >= 12 and serial % 2 == 0:
            values.append(bytes(raw))
        elif serial >= 13:
            values.append(raw.decode("utf-8"))
        else:
            raise ValueError(f"reserved serial type {serial}")
    return values


def _serial_width(serial: int) -> int:
    if serial >= 12:
        return (serial - 12) // 2 if serial % 2 == 0 else (serial - 13) // 2
    return (0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0)[serial]


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _as_item(record: list[object]) -> SalvagedItem | None:
    (item_id, reference, key, kind, payload, created_at, age_from, attempts, next_at,
     last_error, state, _claimed_by, _claimed_at, dead_at) = record[:14]
    seq = record[14] if len(record) > 14 else None
    numbers = [_number(v) for v in (created_at, age_from, next_at)]
    if not (isinstance(item_id, str) and _ITEM_ID.fullmatch(item_id)
            and isinstance(reference, str) and isinstance(key, str)
            and kind in _KINDS and state in _STATES and isinstance(payload, bytes)
            and isinstance(attempts, int) and None not in numbers
            and (last_error is None or isinstance(last_error, str))):
        return None
    return SalvagedItem(
        item_id, reference, key, str(kind), payload, numbers[0], numbers[1],  # type: ignore[arg-type]
        attempts, numbers[2], last_error, str(state), _number(dead_at),  # type: ignore[arg-type]
        seq if isinstance(seq, int) and seq > 0 else None,
    )


def _looks_like_receipt(record: list[object]) -> bool:
    return (isinstance(record[0], str) and bool(_ITEM_ID.fullmatch(record[0]))
            and isinstance(record[2], str)
            and record[4] in ("delivered", "discarded", "purged"))
