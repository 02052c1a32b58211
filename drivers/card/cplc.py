"""The chip number: GET DATA of the GlobalPlatform CPLC (Card Production Life Cycle) data.

The reference names the command (``80 CA 9F 7F 2D``, seen in one iOS reader) but not what
the answer means. CPLC is the standard GlobalPlatform layout: tag ``9F 7F``, length ``2A``,
then 42 bytes of fixed-size fields (below). The kiosk's **chip number** is defined as
IC fabricator (2) + IC type (2) + IC serial number (4) = 8 bytes, 16 upper-case hex digits:
the serial is unique only per fabricator and chip type, so the three together name one chip.
The other fields (OS, dates, batch, personaliser) describe a production run, not a chip.

Like :mod:`drivers.card.apdu`, everything here is fuzzed: for any bytes, :func:`chip_no_from_cplc`
returns a chip number or raises :class:`~drivers.card.errors.CardDataInvalid`.
"""

from __future__ import annotations

from drivers.card.errors import CardDataInvalid

GET_CPLC = bytes.fromhex("80CA9F7F2D")
"""GET DATA, tag 9F7F, Le = 45 (tag + length byte + 42 bytes)."""
CPLC_TAG = b"\x9f\x7f"
CPLC_BODY = 42
CPLC_SIZE = len(CPLC_TAG) + 1 + CPLC_BODY

# (name, length) in the order the 42 bytes hold them (GlobalPlatform Card Specification).
CPLC_FIELDS: tuple[tuple[str, int], ...] = (
    ("ic_fabricator", 2), ("ic_type", 2), ("os_id", 2), ("os_release_date", 2),
    ("os_release_level", 2), ("ic_fabrication_date", 2), ("ic_serial", 4),
    ("ic_batch_id", 2), ("ic_module_fabricator", 2), ("ic_module_packaging_date", 2),
    ("icc_manufacturer", 2), ("ic_embedding_date", 2), ("ic_pre_personalizer", 2),
    ("ic_pre_perso_date", 2), ("ic_pre_perso_equipment", 4), ("ic_personalizer", 2),
    ("ic_personalization_date", 2), ("ic_personalization_equipment", 4),
)  # fmt: skip
CHIP_NO_FIELDS = ("ic_fabricator", "ic_type", "ic_serial")

# Status words that mean "this card has no CPLC for you", not "the read went wrong":
# referenced data not found, function not supported, file not found, INS / CLA unknown.
NOT_SUPPORTED_SW = frozenset({0x6A88, 0x6A81, 0x6A82, 0x6D00, 0x6E00})


def _invalid(message: str) -> CardDataInvalid:
    return CardDataInvalid(message, field="chip_no", reason="chip_no.malformed")


def parse_cplc(data: bytes) -> dict[str, bytes]:
    """The 45-byte GET DATA answer (without status word) split into its named fields."""
    if len(data) != CPLC_SIZE:
        raise _invalid(f"CPLC answer is {len(data)} bytes, expected {CPLC_SIZE}")
    if data[:2] != CPLC_TAG or data[2] != CPLC_BODY:
        raise _invalid("CPLC answer does not start 9F 7F 2A")
    fields: dict[str, bytes] = {}
    pos = 3
    for name, size in CPLC_FIELDS:
        fields[name] = data[pos : pos + size]
        pos += size
    return fields


def chip_no_from_cplc(data: bytes) -> str:
    """IC fabricator + IC type + IC serial number, as 16 upper-case hex digits."""
    fields = parse_cplc(data)
    raw = b"".join(fields[name] for name in CHIP_NO_FIELDS)
    # A blank serial is an unpersonalised (or wiped) chip: it names nothing, so refuse it
    # rather than bind a citizen's consent to it.
    if fields["ic_serial"] in (b"\x00" * 4, b"\xff" * 4):
        raise _invalid("CPLC IC serial number is blank")
    return raw.hex().upper()


__all__ = [
    "CHIP_NO_FIELDS",
    "CPLC_FIELDS",
    "CPLC_SIZE",
    "GET_CPLC",
    "NOT_SUPPORTED_SW",
    "chip_no_from_cplc",
    "parse_cplc",
]
