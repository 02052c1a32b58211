"""One rule for the slip QR text (docs/slip-format.md, "One rule for reading the text").

The same 50 malformed payloads (white space, padding, encodings, look-alikes, framing) go
to ``python -m kiosk verify-slip`` (as an argument and as one line on stdin) and to the
reference server's ``POST /api/slips/verify`` over mutual TLS; every one must get the same
verdict from each, and that verdict is ``malformed``. Genuine, expired, altered and
unknown-kiosk slips go the same ways, so a verifier that calls everything malformed fails.
The server's checker imports nothing from ``kiosk/`` (checked below).
"""

from __future__ import annotations

import ast
import base64
import datetime as dt
import io
import json
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.__main__ import main as kiosk_main
from kiosk.commands.verify_slip import read_line
from kiosk.linkage.client import tls_context
from kiosk.linkage.pki import ensure_kiosk_credentials
from kiosk.services.slip import RECEIPT_KEYS_FILE, SlipSigner, register_receipt_key
from simulators.linkage_server.runner import run_in_thread

REPO = Path(__file__).resolve().parents[2]
FIELDS = [["ชื่อ", "นาย สมชาย ใจดี"], ["เพศ", "ชาย"]]
KIOSK = "BKK-1017-01"
SIGNER = SlipSigner(ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))), KIOSK)
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
GENUINE = SIGNER.sign([tuple(f) for f in FIELDS], "1-1017-xxxxx-xx-0", NOW,
                      serial="ABCDEFGH23").qr


def _part(qr: str, index: int, value: str) -> str:
    parts = qr.split(".")
    parts[index] = value
    return ".".join(parts)


def _flip_unused_bit(segment: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return segment[:-1] + alphabet[alphabet.index(segment[-1]) ^ 1]


def malformed_payloads(qr: str) -> dict[str, str]:
    """50 texts that break docs/slip-format.md, each named by what it breaks."""
    p = qr.split(".")
    fullwidth = str.maketrans("0123456789", "０１２３４５６７８９")
    return {
        # white space and invisible characters around or inside the text
        "leading space": " " + qr,
        "trailing space": qr + " ",
        "trailing LF": qr + "\n",
        "trailing CR LF": qr + "\r\n",
        "leading tab": "\t" + qr,
        "trailing NBSP": qr + "\u00a0",
        "ideographic space": "\u3000" + qr,
        "zero-width space inside": qr[:20] + "\u200b" + qr[20:],
        "space after a dot": qr.replace(".", ". ", 1),
        "vertical tab": qr + "\x0b",
        "form feed": "\x0c" + qr,
        "file separator (str.strip removes it)": qr + "\x1c",
        "next line U+0085": qr + "\u0085",
        "line separator U+2028": "\u2028" + qr,
        "byte-order mark": "\ufeff" + qr,
        "NUL after": qr + "\x00",
        "empty": "",
        "only white space": " \n",
        # padding and non-canonical numbers and base64url
        "padded fields hash": _part(qr, 6, p[6] + "=="),
        "padded signature": _part(qr, 7, p[7] + "=="),
        "kiosk id padded with a space": _part(qr, 1, p[1] + " "),
        "issued with a leading zero": _part(qr, 3, "0" + p[3]),
        "issued with a plus sign": _part(qr, 3, "+" + p[3]),
        "issued with an underscore (int() takes it)": _part(qr, 3, p[3][:5] + "_" + p[3][5:]),
        "expires with 13 digits": _part(qr, 4, p[4] + "000"),
        "hash with a non-zero unused bit": _part(qr, 6, _flip_unused_bit(p[6])),
        "signature with a non-zero unused bit": _part(qr, 7, _flip_unused_bit(p[7])),
        "signature in the standard alphabet": _part(qr, 7, p[7][:-2] + "+/"),
        "signature one character short": _part(qr, 7, p[7][:-1]),
        "signature one character long": _part(qr, 7, p[7] + "A"),
        # encodings and look-alikes
        "UTF-16LE bytes read as Latin-1": qr.encode("utf-16-le").decode("latin-1"),
        "percent-encoded dots": qr.replace(".", "%2E"),
        "percent-encoded prefix": "".join(f"%{b:02X}" for b in b"LKS2") + qr[4:],
        "URL query form": urllib.parse.urlencode({"qr": qr}),
        "base64 of the text": base64.b64encode(qr.encode()).decode(),
        "JSON-escaped dots": qr.replace(".", "\\u002e"),
        "HTML entity dots": qr.replace(".", "&#46;"),
        "full-width digits in issued": _part(qr, 3, p[3].translate(fullwidth)),
        "Arabic-Indic digit (int() takes it)": _part(qr, 3, p[3][:-1] + "\u0663"),
        "full-width dots": qr.replace(".", "\uff0e"),
        "Cyrillic K in the kiosk id": _part(qr, 1, p[1].replace("K", "\u041a")),
        "combining mark on the prefix": "LKS2\u0301" + qr[4:],
        "not-UTF-8 byte (surrogate escape)": qr + "\udcff",
        "lower-case prefix": "lks2" + qr[4:],
        "old prefix LKS1": "LKS1" + qr[4:],
        "lower-case serial": _part(qr, 2, p[2].lower()),
        "masked id with upper-case X": _part(qr, 5, p[5].replace("x", "X")),
        # framing and structure
        "in double quotes": f'"{qr}"',
        "in a URL": "https://verify.example/?qr=" + qr,
        "a trailing dot": qr + ".",
    }


PAYLOADS = malformed_payloads(GENUINE)


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[str, int]:
    code = kiosk_main(["verify-slip", *args, "--json"])
    return json.loads(capsys.readouterr().out)["result"], code


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, str, Path]]:
    tmp = tmp_path_factory.mktemp("slip-rule")
    pki_dir = tmp / "pki"
    creds = ensure_kiosk_credentials(pki_dir, "OFFICER-01")
    keys_file = pki_dir / RECEIPT_KEYS_FILE
    register_receipt_key(keys_file, KIOSK, SIGNER.public_key_b64())
    with run_in_thread(state_dir=tmp / "srv", pki_dir=pki_dir) as srv, httpx.Client(
        verify=tls_context(creds.ca_file, creds.cert_file, creds.key_file), timeout=10
    ) as http:
        yield http, f"{srv.base_url}/api/slips/verify", keys_file


def verdicts(qr: str, server: tuple[httpx.Client, str, Path], capsys, monkeypatch,
             fields: list[list[str]] | None = None) -> dict[str, str]:
    http, url, keys_file = server
    body: dict[str, object] = {"qr": qr}
    extra = ["--keys", str(keys_file)]
    if fields is not None:
        body["fields"] = fields
        fields_file = keys_file.parent / "fields.json"
        fields_file.write_text(json.dumps(fields, ensure_ascii=False), "utf-8")
        extra += ["--fields", str(fields_file)]
    # ASCII JSON (\u escapes): a lone surrogate is valid JSON, not valid UTF-8
    answer = http.post(url, content=json.dumps(body).encode("ascii"),
                       headers={"content-type": "application/json"})
    assert answer.status_code == 200, answer.text
    found = {"server": answer.json()["result"]}
    if not qr.startswith("-"):  # argparse would read it as an option
        found["verify-slip argument"], _ = _cli([qr, *extra], capsys)
    monkeypatch.setattr(sys, "stdin", _Stdin(qr.encode("utf-8", "surrogateescape") + b"\n"))
    found["verify-slip stdin line"], _ = _cli(["-", *extra], capsys)
    return found


def test_fifty_malformed_payloads_get_one_verdict_from_both(server, capsys,
                                                            monkeypatch) -> None:
    assert len(PAYLOADS) == 50 and len(set(PAYLOADS.values())) == 50
    disagreements = {}
    for name, qr in PAYLOADS.items():
        assert qr != GENUINE
        found = verdicts(qr, server, capsys, monkeypatch)
        if set(found.values()) != {"malformed"}:
            disagreements[name] = found
    assert disagreements == {}


def test_controls_are_not_malformed(server, capsys, monkeypatch) -> None:
    """The same paths give the other verdicts, so 'malformed for all' cannot pass."""
    other = SlipSigner(ed25519.Ed25519PrivateKey.generate(), "BKK-9999-01")
    old = SIGNER.sign([tuple(f) for f in FIELDS], "1-1017-xxxxx-xx-0",
                      NOW - dt.timedelta(days=400)).qr
    body, _, signature = GENUINE.rpartition(".")
    forged = f"{body}.{'B' if signature[0] != 'B' else 'C'}{signature[1:]}"
    cases = {
        "valid": (GENUINE, FIELDS),
        "altered": (GENUINE, [FIELDS[0], ["เพศ", "หญิง"]]),
        "altered ": (forged, None),
        "expired": (old, None),
        "unknown_kiosk": (other.sign([], "1-1017-xxxxx-xx-0", NOW).qr, None),
    }
    for expected, (qr, fields) in cases.items():
        found = verdicts(qr, server, capsys, monkeypatch, fields)
        assert set(found.values()) == {expected.strip()}, (expected, found)


def test_the_whitespace_cases_are_the_genuine_text_otherwise() -> None:
    """They bite: each is the genuine QR with only white space added, which the old
    ``strip()`` in verify-slip accepted as valid while the server refused it."""
    for name in ("leading space", "trailing LF", "trailing CR LF", "ideographic space",
                 "file separator (str.strip removes it)", "line separator U+2028"):
        assert PAYLOADS[name].strip() == GENUINE, name


def test_the_stdin_line_loses_only_its_line_ending() -> None:
    assert read_line(b"LKS2.x\n") == "LKS2.x"
    assert read_line(b"LKS2.x\r\n") == "LKS2.x"
    assert read_line(b"LKS2.x\n\n") == "LKS2.x\n"
    assert read_line(b" LKS2.x \n") == " LKS2.x "
    assert read_line(b"LKS2.x\xff") == "LKS2.x\udcff"


def test_the_server_checker_imports_nothing_from_the_kiosk() -> None:
    tree = ast.parse((REPO / "simulators/linkage_server/slip_verify.py").read_text("utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert not any(name == "kiosk" or name.startswith("kiosk.") for name in imported)
