"""Issue 16: each TLS misconfiguration is named (typed error, not retried, logged with its
reason, health in words with the fix), and an outage still looks like an outage.

The refusals are real: the reference server over loopback TLS, or a small TLS (or plain
TCP) listener in this file configured the wrong way on purpose.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.linkage import errors as E
from kiosk.linkage.client import LinkageClient, tls_context
from kiosk.linkage.pki import KioskCredentials, ensure_kiosk_credentials, ensure_server_pki
from kiosk.maintenance.health import Status
from kiosk.maintenance.probes import certificate_probe, linkage_probe
from linkage.helpers import NoSleep, make_client
from simulators.linkage_server.runner import RunningServer


@contextlib.contextmanager
def listener(context: ssl.SSLContext | None) -> Iterator[int]:
    """A loopback listener that handshakes with ``context`` (or speaks plain HTTP when
    None) and then answers nothing; yields its port."""
    sock = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            if stop.is_set():
                conn.close()
                return
            with conn:
                conn.settimeout(5)
                try:
                    if context is None:
                        conn.recv(1024)
                        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                    else:
                        with context.wrap_socket(conn, server_side=True) as tls:
                            tls.recv(1024)
                except (OSError, ssl.SSLError):
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        with contextlib.suppress(OSError):  # wake the accept() so the thread sees `stop`
            socket.create_connection(sock.getsockname(), timeout=5).close()
        thread.join(timeout=10)
        sock.close()
        assert not thread.is_alive(), "listener thread did not stop"


def _server_context(pki_dir: Path, hosts: tuple[str, ...]) -> ssl.SSLContext:
    pki = ensure_server_pki(pki_dir, hosts)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.cert_file, pki.key_file)
    return ctx


def _client(base_url: str, creds: KioskCredentials, ctx: ssl.SSLContext,
            sleeps: NoSleep) -> LinkageClient:
    from kiosk.config.loader import read_secret
    from kiosk.linkage.client import Timeouts
    from kiosk.linkage.retry import RetryPolicy

    return LinkageClient(
        base_url=base_url, kiosk_id=creds.kiosk_id, ssl_context=ctx,
        device_key_pem=read_secret(creds.device_key_file, what="device key"),
        timeouts=Timeouts(connect_s=2.0, read_s=3.0, total_s=8.0),
        retry=RetryPolicy(max_attempts=3, base_s=0.01, cap_s=0.05, total_s=8.0),
        sleep=sleeps,
    )


def _named(client: LinkageClient, kind: type[E.TlsRefused], words: str,
           caplog: pytest.LogCaptureFixture, sleeps: NoSleep) -> None:
    with caplog.at_level(logging.ERROR, logger="kiosk.linkage"), \
            pytest.raises(kind) as info:
        client.login()
    assert type(info.value) is kind
    assert not info.value.retryable and sleeps.waits == []  # not retried
    assert info.value.reason  # TLS's own reason travels with it ...
    assert any(info.value.reason in r.getMessage() and "fix:" in r.getMessage()
               for r in caplog.records)  # ... and reaches the log
    item = linkage_probe(lambda: client)()
    assert item.status is Status.FAIL
    assert words in item.summary and "fix:" in item.summary
    assert "not reachable" not in item.summary


def _rogue_kiosk(creds: KioskCredentials, tmp_path: Path) -> ssl.SSLContext:
    rogue = ensure_kiosk_credentials(tmp_path / "rogue-pki", creds.kiosk_id)
    return tls_context(creds.ca_file, rogue.cert_file, rogue.key_file)


def _other_centre_ca(creds: KioskCredentials, tmp_path: Path) -> ssl.SSLContext:
    other = ensure_server_pki(tmp_path / "other-pki")
    return tls_context(other.ca_file, creds.cert_file, creds.key_file)


@pytest.mark.parametrize(("context", "error", "words"), [
    (_rogue_kiosk, E.CertificateRefusedByCentre,
     "the Linkage Center refused this kiosk's client certificate"),
    (_other_centre_ca, E.CentreCertificateRefused,
     "this kiosk refused the Linkage Center's certificate"),
], ids=["centre refuses ours", "we refuse the centre's"])
def test_a_refused_certificate_is_named_by_side(
    server: RunningServer, creds: KioskCredentials, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    context: Callable[[KioskCredentials, Path], ssl.SSLContext],
    error: type[E.TlsRefused], words: str,
) -> None:
    sleeps = NoSleep()
    with make_client(server, creds, ssl_context=context(creds, tmp_path),
                     sleep=sleeps) as client:
        _named(client, error, words, caplog, sleeps)


def test_a_certificate_for_another_host_is_named(
    creds: KioskCredentials, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server_ctx = _server_context(tmp_path / "elsewhere", ("centre.example",))
    sleeps = NoSleep()
    client_ctx = tls_context(tmp_path / "elsewhere" / "ca.pem", creds.cert_file,
                             creds.key_file)
    with listener(server_ctx) as port, \
            _client(f"https://127.0.0.1:{port}", creds, client_ctx, sleeps) as client:
        _named(client, E.WrongHost, "certificate is for another host name", caplog, sleeps)


def test_no_common_protocol_version_is_named(
    creds: KioskCredentials, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server_ctx = _server_context(tmp_path / "old", ("127.0.0.1",))
    server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # a centre stuck on TLS 1.2 ...
    sleeps = NoSleep()
    client_ctx = tls_context(tmp_path / "old" / "ca.pem", creds.cert_file, creds.key_file)
    client_ctx.minimum_version = ssl.TLSVersion.TLSv1_3  # ... and a kiosk requiring 1.3
    with listener(server_ctx) as port, \
            _client(f"https://127.0.0.1:{port}", creds, client_ctx, sleeps) as client:
        _named(client, E.TlsVersionRefused, "no TLS protocol version in common", caplog, sleeps)


def test_a_port_without_tls_is_named(
    creds: KioskCredentials, caplog: pytest.LogCaptureFixture
) -> None:
    sleeps = NoSleep()
    ctx = tls_context(creds.ca_file, creds.cert_file, creds.key_file)
    with listener(None) as port, \
            _client(f"https://127.0.0.1:{port}", creds, ctx, sleeps) as client:
        _named(client, E.TlsVersionRefused, "no TLS protocol version in common", caplog, sleeps)


def test_an_outage_is_still_an_outage_and_retried(creds: KioskCredentials) -> None:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]  # bound, then closed: nothing listens there
    sleeps = NoSleep()
    ctx = tls_context(creds.ca_file, creds.cert_file, creds.key_file)
    with _client(f"https://127.0.0.1:{port}", creds, ctx, sleeps) as client, \
            pytest.raises(E.Unavailable) as info:
        client.login()
    assert not isinstance(info.value, E.TlsRefused)
    assert len(sleeps.waits) == 2  # retried
    item = linkage_probe(lambda: client)()
    assert item.status is Status.FAIL and "not reachable" in item.summary


def _cert_expiring_in(path: Path, days: float) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "expiry test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=400))
            .not_valid_after(now + dt.timedelta(days=days))
            .sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_certificate_expiry_warns_a_month_ahead_and_fails_after(tmp_path: Path) -> None:
    ca = _cert_expiring_in(tmp_path / "ca.pem", 3000)
    soon = _cert_expiring_in(tmp_path / "soon.pem", 20)
    gone = _cert_expiring_in(tmp_path / "gone.pem", -2)
    fine = _cert_expiring_in(tmp_path / "fine.pem", 45)

    item = certificate_probe({"client_certificate": soon, "ca": ca})()
    assert item.status is Status.WARN
    assert "expires in 20 day(s)" in item.summary and "renew" in item.summary
    assert 19 < item.detail["client_certificate_days_left"] <= 20  # type: ignore[operator]

    item = certificate_probe({"client_certificate": gone, "ca": ca})()
    assert item.status is Status.FAIL and "expired 2 day(s) ago" in item.summary

    item = certificate_probe({"client_certificate": fine, "ca": ca})()
    assert item.status is Status.OK

    item = certificate_probe({"client_certificate": fine, "ca": soon})()  # the CA too
    assert item.status is Status.WARN and "soon.pem" in item.summary

    (tmp_path / "junk.pem").write_text("not a certificate")
    item = certificate_probe({"client_certificate": tmp_path / "junk.pem"})()
    assert item.status is Status.FAIL and "cannot be read" in item.summary
