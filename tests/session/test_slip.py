"""Signed verification QR: sign, verify (CLI and the reference server over mutual TLS)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.__main__ import main as kiosk_main
from kiosk.linkage.client import tls_context
from kiosk.linkage.pki import ensure_kiosk_credentials
from kiosk.services.slip import (
    RECEIPT_KEYS_FILE,
    SlipSigner,
    Verdict,
    register_receipt_key,
    verify,
)
from simulators.linkage_server.runner import run_in_thread
from simulators.linkage_server.slip_verify import check_slip

FIELDS = [("ชื่อ / Name", "นาย สมชาย ใจดี"), ("เกิด / Born", "12 มี.ค. 2530"),
          ("บ้านเลขที่ / House", "1017-000123-4")]
ISSUED = dt.datetime(2026, 1, 15, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def signer() -> SlipSigner:
    return SlipSigner(ed25519.Ed25519PrivateKey.generate(), "BKK-1017-01")


def keys(signer: SlipSigner) -> dict[str, str]:
    return {signer.kiosk_id: signer.public_key_b64()}


def test_valid_slip(signer: SlipSigner) -> None:
    stamp = signer.sign(FIELDS, "1-1017-xxxxx-xx-0", ISSUED)
    assert len(stamp.qr) <= 300 and "สมชาย" not in stamp.qr
    result = verify(stamp.qr, keys(signer), fields=FIELDS, now=ISSUED + dt.timedelta(days=1))
    assert result.verdict is Verdict.VALID
    assert result.stamp is not None and result.stamp.serial == stamp.serial


def test_altered_field_is_detected(signer: SlipSigner) -> None:
    stamp = signer.sign(FIELDS, "1-1017-xxxxx-xx-0", ISSUED)
    forged = [*FIELDS[:2], ("บ้านเลขที่ / House", "1017-000999-4")]
    result = verify(stamp.qr, keys(signer), fields=forged, now=ISSUED)
    assert result.verdict is Verdict.ALTERED


def test_altered_qr_is_detected(signer: SlipSigner) -> None:
    stamp = signer.sign(FIELDS, "1-1017-xxxxx-xx-0", ISSUED)
    later = str(int((ISSUED + dt.timedelta(days=900)).timestamp()))
    parts = stamp.qr.split(".")
    parts[4] = later  # push the expiry out
    assert verify(".".join(parts), keys(signer), now=ISSUED).verdict is Verdict.ALTERED


def test_other_kiosk_key_and_unknown_kiosk(signer: SlipSigner) -> None:
    stamp = signer.sign(FIELDS, "1-1017-xxxxx-xx-0", ISSUED)
    other = SlipSigner(ed25519.Ed25519PrivateKey.generate(), "BKK-1017-01")
    assert verify(stamp.qr, keys(other), now=ISSUED).verdict is Verdict.ALTERED
    assert verify(stamp.qr, {}, now=ISSUED).verdict is Verdict.UNKNOWN_KIOSK


def test_expired_and_malformed(signer: SlipSigner) -> None:
    stamp = signer.sign(FIELDS, "1-1017-xxxxx-xx-0", ISSUED)
    late = ISSUED + signer.validity + dt.timedelta(seconds=1)
    assert verify(stamp.qr, keys(signer), now=late).verdict is Verdict.EXPIRED
    assert verify("hello", keys(signer)).verdict is Verdict.MALFORMED
    assert verify("LKS2.a.b.c.d.e.f.g", keys(signer)).verdict is Verdict.MALFORMED


def test_cli_verdicts_and_exit_codes(signer: SlipSigner, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    keys_file = tmp_path / RECEIPT_KEYS_FILE
    register_receipt_key(keys_file, signer.kiosk_id, signer.public_key_b64())
    fields_file = tmp_path / "fields.json"
    fields_file.write_text(json.dumps(FIELDS, ensure_ascii=False), "utf-8")
    qr = signer.sign(FIELDS, "1-1017-xxxxx-xx-0", dt.datetime.now(dt.UTC)).qr
    base = ["verify-slip", qr, "--keys", str(keys_file)]
    assert kiosk_main([*base, "--fields", str(fields_file), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == "valid"
    fields_file.write_text(json.dumps([[*FIELDS[0][:1], "นาย ปลอม"]], ensure_ascii=False))
    assert kiosk_main([*base, "--fields", str(fields_file)]) == 3
    assert capsys.readouterr().out.startswith("altered")
    assert kiosk_main([*base, "--at", "2099-01-01T00:00:00"]) == 5
    assert kiosk_main(["verify-slip", qr, "--keys", str(tmp_path / "none.json")]) == 4


def test_reference_server_endpoint_over_mutual_tls(signer: SlipSigner, tmp_path: Path) -> None:
    pki_dir = tmp_path / "pki"
    creds = ensure_kiosk_credentials(pki_dir, "OFFICER-01")
    register_receipt_key(pki_dir / RECEIPT_KEYS_FILE, signer.kiosk_id, signer.public_key_b64())
    stamp = signer.sign(FIELDS, "1-1017-xxxxx-xx-0", dt.datetime.now(dt.UTC))
    with run_in_thread(state_dir=tmp_path / "srv", pki_dir=pki_dir) as srv, httpx.Client(
        verify=tls_context(creds.ca_file, creds.cert_file, creds.key_file), timeout=10
    ) as http:
        url = f"{srv.base_url}/api/slips/verify"
        ok = http.post(url, json={"qr": stamp.qr, "fields": FIELDS}).json()
        assert ok["result"] == "valid" and ok["serial"] == stamp.serial
        forged = http.post(url, json={"qr": stamp.qr, "fields": FIELDS[:2]}).json()
        assert forged["result"] == "altered"
        unknown = http.post(url, json={"qr": stamp.qr.replace("BKK-1017-01", "BKK-9999-01")})
        assert unknown.json()["result"] == "unknown_kiosk"
        assert http.post(url, json={"nope": 1}).status_code == 400


def test_two_slips_of_one_person_do_not_share_the_fields_hash(signer: SlipSigner) -> None:
    first = signer.sign(FIELDS, "1-1017-xxxxx-xx-0", ISSUED)
    second = signer.sign(FIELDS, "1-1017-xxxxx-xx-0", ISSUED)
    assert first.serial != second.serial
    assert first.fields_hash != second.fields_hash  # salted with the serial: not linkable
    for stamp in (first, second):
        assert verify(stamp.qr, keys(signer), fields=FIELDS, now=ISSUED).verdict \
            is Verdict.VALID


def _flip_unused_bits(segment: str) -> str:
    """Same bytes, other text: base64url's last character carries unused low bits."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(segment[-1])
    return segment[:-1] + alphabet[last ^ 0b01]


@pytest.mark.parametrize("mangle", [
    lambda sig: _flip_unused_bits(sig),      # non-canonical trailing bits
    lambda sig: sig + "==",                  # padding
    lambda sig: sig.replace("-", "+").replace("_", "/") if set(sig) & set("-_") else sig + "+",
    lambda sig: sig[:-1],                    # one character short
    lambda sig: sig + "A",                   # a 65th byte started
], ids=["trailing-bits", "padding", "std-alphabet", "short", "long"])
def test_non_canonical_signature_text_is_rejected(signer: SlipSigner, mangle) -> None:
    stamp = signer.sign(FIELDS, "1-1017-xxxxx-xx-0", ISSUED)
    body, _, sig = stamp.qr.rpartition(".")
    other = mangle(sig)
    assert other != sig
    result = verify(f"{body}.{other}", keys(signer), fields=FIELDS, now=ISSUED)
    assert result.verdict is not Verdict.VALID


def test_flipped_trailing_bits_decode_to_the_same_signature(signer: SlipSigner) -> None:
    """Why canonical form matters: a lenient decoder reads the very same 64 bytes from
    another text, so one slip would have several valid QR texts."""
    import base64

    sig = signer.sign(FIELDS, "1-1017-xxxxx-xx-0", ISSUED).qr.rpartition(".")[2]
    other = _flip_unused_bits(sig)
    assert base64.urlsafe_b64decode(other + "==") == base64.urlsafe_b64decode(sig + "==")


def test_non_canonical_numbers_and_hash_are_rejected(signer: SlipSigner) -> None:
    stamp = signer.sign(FIELDS, "1-1017-xxxxx-xx-0", ISSUED)
    parts = stamp.qr.split(".")
    for index, value in [(3, "0" + parts[3]), (3, "+" + parts[3]),
                         (6, _flip_unused_bits(parts[6])), (2, parts[2].lower())]:
        changed = list(parts)
        changed[index] = value
        assert verify(".".join(changed), keys(signer), now=ISSUED).verdict \
            is Verdict.MALFORMED, value
# --- two implementations of docs/slip-format.md agree ---------------------------------------

_TEXT = st.text(st.sampled_from("กขคนายสมชาย ใจดี\t\n 0123456789/-.ABCabc"), max_size=24)


@settings(max_examples=60, deadline=None)
@given(fields=st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=6),
       tamper=st.integers(min_value=0, max_value=200), days=st.integers(0, 200))
def test_the_servers_own_verifier_agrees_with_the_kiosk_on_every_slip(
        fields: list[tuple[str, str]], tamper: int, days: int) -> None:
    """The reference server's verifier is written from docs/slip-format.md and imports
    nothing from kiosk/: it must reach the kiosk's verdict on genuine, edited and
    corrupted slips alike (and say valid/altered where it must)."""
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    kiosk_signer = SlipSigner(key, "BKK-1017-01")
    keys = {"BKK-1017-01": kiosk_signer.public_key_b64()}
    stamp = kiosk_signer.sign(fields, "1-1017-xxxxx-xx-0", ISSUED)
    now = ISSUED + dt.timedelta(days=days)
    as_lists = [list(f) for f in fields]
    edited = [[*as_lists[0][:1], as_lists[0][1] + "x"], *as_lists[1:]]
    position = tamper % len(stamp.qr)
    flipped = "A" if stamp.qr[position] != "A" else "B"
    corrupted = stamp.qr[:position] + flipped + stamp.qr[position + 1:]
    for qr, printed in ((stamp.qr, as_lists), (stamp.qr, edited), (stamp.qr, None),
                        (corrupted, as_lists)):
        ours = verify(qr, keys, fields=None if printed is None else
                      [(k, v) for k, v in printed], now=now).verdict.value
        theirs = check_slip(qr, keys, printed, now)["result"]
        assert theirs == ours, (qr, printed)
    expected = "expired" if now > stamp.expires else "valid"
    assert check_slip(stamp.qr, keys, as_lists, now)["result"] == expected
    assert check_slip(stamp.qr, keys, edited, now)["result"] == "altered"
