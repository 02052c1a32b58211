"""The shipped way to expose a kiosk to the fleet, run for real: Prometheus in agent mode
(ops/agent/prometheus-agent.yml) scrapes the kiosk's loopback exporter and remote-writes
over mutual TLS to a fleet Prometheus configured with ops/prometheus/web-config.example.yml.
A client without a certificate from the fleet CA gets nothing from that server."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kiosk.appliance.metrics import KioskMetrics, serve
from simulators.fleet import KioskState, feed, free_port

OPS = Path(__file__).resolve().parents[2] / "ops"
AGENT_CONFIG = OPS / "agent" / "prometheus-agent.yml"
WEB_CONFIG = OPS / "prometheus" / "web-config.example.yml"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def issue(directory: Path, stem: str, cn: str, *, issuer: tuple[x509.Certificate,
          ec.EllipticCurvePrivateKey] | None = None, server: bool = False
          ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A CA (no issuer) or a leaf certificate, written as STEM.pem and STEM.key."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(_name(cn)).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=2)))
    if issuer is None:
        builder = builder.issuer_name(_name(cn)).add_extension(
            x509.BasicConstraints(ca=True, path_length=None), critical=True)
        cert = builder.sign(key, hashes.SHA256())
    else:
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (builder.issuer_name(issuer[0].subject)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
                   .add_extension(x509.ExtendedKeyUsage([usage]), False))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        cert = builder.sign(issuer[1], hashes.SHA256())
    (directory / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / f"{stem}.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    os.chmod(directory / f"{stem}.key", 0o600)
    return cert, key


def start(args: list[str], workdir: Path, env: dict[str, str] | None = None
          ) -> subprocess.Popen[bytes]:
    exe = shutil.which("prometheus")
    if exe is None:
        pytest.fail("prometheus not found: install Debian's `prometheus` package")
    log = (workdir / "prometheus.log").open("wb")
    return subprocess.Popen([exe, "--log.level=warn", *args], stdout=log,
                            stderr=subprocess.STDOUT, cwd=workdir,
                            env={**os.environ, **(env or {})})


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_until(what: str, condition: Callable[[], bool], deadline_s: float,
               processes: list[tuple[subprocess.Popen[bytes], Path]]) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        for process, workdir in processes:
            if process.poll() is not None:
                log = (workdir / "prometheus.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"prometheus in {workdir} exited ({process.returncode}):\n{log}")
        try:
            if condition():
                return
        except (httpx.TransportError, ssl.SSLError):
            pass  # not listening yet
        time.sleep(0.2)
    pytest.fail(f"{what}: not within {deadline_s} s")


@pytest.fixture
def pki(tmp_path: Path) -> Path:
    d = tmp_path / "pki"
    d.mkdir()
    fleet_ca = issue(d, "fleet-ca", "fleet CA")
    issue(d, "server", "fleet prometheus", issuer=fleet_ca, server=True)
    clients_ca = issue(d, "clients-ca", "kiosk clients CA")
    issue(d, "kiosk", "ksk-remote", issuer=clients_ca)
    stranger_ca = issue(d, "stranger-ca", "not the fleet")
    issue(d, "stranger", "stranger", issuer=stranger_ca)
    return d


def tls_client(pki: Path, stem: str | None) -> httpx.Client:
    context = ssl.create_default_context(cafile=pki / "fleet-ca.pem")
    if stem:
        context.load_cert_chain(pki / f"{stem}.pem", pki / f"{stem}.key")
    return httpx.Client(verify=context, timeout=5)


@pytest.fixture
def central(tmp_path: Path, pki: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    work = tmp_path / "central"
    work.mkdir()
    web = (WEB_CONFIG.read_text()
           .replace("/etc/prometheus/fleet/server.pem", str(pki / "server.pem"))
           .replace("/etc/prometheus/fleet/server.key", str(pki / "server.key"))
           .replace("/etc/prometheus/fleet/kiosk-clients-ca.pem", str(pki / "clients-ca.pem")))
    (work / "web.yml").write_text(web)
    (work / "prometheus.yml").write_text("global: {evaluation_interval: 1s}\n")
    port = free_port()
    process = start([f"--config.file={work / 'prometheus.yml'}",
                     f"--web.config.file={work / 'web.yml'}",
                     "--web.enable-remote-write-receiver",
                     f"--storage.tsdb.path={work / 'data'}",
                     f"--web.listen-address=127.0.0.1:{port}"], work)
    try:
        yield f"https://127.0.0.1:{port}", process, work
    finally:
        stop(process)


def test_agent_pushes_the_loopback_metrics_to_the_fleet_over_mutual_tls(
        tmp_path: Path, pki: Path, central: tuple[str, subprocess.Popen[bytes], Path]) -> None:
    url, central_process, central_dir = central
    metrics = KioskMetrics()
    feed(metrics, KioskState("ksk-remote", printer="paper_out"), time.time())
    exporter = serve(metrics, 0)
    work = tmp_path / "agent"
    work.mkdir()
    shipped = AGENT_CONFIG.read_text()
    rendered = (shipped
                .replace("https://prometheus.fleet.example:9090", url)
                .replace("/etc/linkage-kiosk/metrics-pki/fleet-ca.pem", str(pki / "fleet-ca.pem"))
                .replace("/etc/linkage-kiosk/metrics-pki/kiosk-metrics.pem", str(pki / "kiosk.pem"))
                .replace("/etc/linkage-kiosk/metrics-pki/kiosk-metrics.key", str(pki / "kiosk.key"))
                .replace("127.0.0.1:9464", f"127.0.0.1:{exporter.port}")
                .replace("scrape_interval: 30s", "scrape_interval: 2s")
                .replace("scrape_timeout: 10s", "scrape_timeout: 2s"))
    assert rendered.count(str(pki)) == 3 and url in rendered
    (work / "agent.yml").write_text(rendered)
    agent = start(["--enable-feature=agent,expand-external-labels",
                   f"--config.file={work / 'agent.yml'}",
                   f"--storage.agent.path={work / 'wal'}",
                   f"--web.listen-address=127.0.0.1:{free_port()}"], work,
                  env={"KIOSK_NAME": "ksk-remote"})
    try:
        with tls_client(pki, "kiosk") as client:
            def arrived() -> bool:
                reply = client.get(f"{url}/api/v1/query", params={
                    "query": 'kiosk_printer_state{job="linkage-kiosk",kiosk="ksk-remote",'
                             'state="paper_out"} == 1'})
                return bool(reply.json()["data"]["result"])

            wait_until("the kiosk's samples at the fleet Prometheus", arrived, 90,
                       [(agent, work), (central_process, central_dir)])
            up = client.get(f"{url}/api/v1/query",
                            params={"query": 'up{kiosk="ksk-remote"}'}).json()
            assert up["data"]["result"][0]["value"][1] == "1"
    finally:
        stop(agent)
        exporter.close()


def test_the_fleet_prometheus_refuses_clients_without_a_fleet_certificate(
        pki: Path, central: tuple[str, subprocess.Popen[bytes], Path]) -> None:
    url, process, work = central
    with tls_client(pki, "kiosk") as client:
        wait_until("fleet Prometheus ready",
                   lambda: client.get(f"{url}/-/ready").status_code == 200, 60,
                   [(process, work)])
    for stem in (None, "stranger"):
        with tls_client(pki, stem) as client, pytest.raises(httpx.TransportError):
            client.get(f"{url}/api/v1/query", params={"query": "up"})
    plain = httpx.get(f"{url.replace('https', 'http')}/api/v1/query", params={"query": "up"},
                      timeout=5)
    assert plain.status_code == 400 and "HTTPS" in plain.text  # Go's TLS server refusing HTTP


AGENT_UNIT = OPS / "agent" / "linkage-kiosk-metrics-agent.service"


def test_the_agent_unit_verifies_and_is_hardened() -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze not found: install Debian's `systemd` package")
    done = subprocess.run([analyze, "verify", str(AGENT_UNIT)], capture_output=True,
                          text=True, check=False, timeout=120)
    assert done.returncode == 0 and "metrics-agent" not in done.stdout + done.stderr, \
        done.stdout + done.stderr
    score = subprocess.run([analyze, "security", "--offline=true", str(AGENT_UNIT)],
                           capture_output=True, text=True, check=False, timeout=120)
    level = float(score.stdout.rsplit("exposure level for", 1)[1].split(":")[1].split()[0])
    assert level <= 2.0, score.stdout[-500:]
    # The agent listens on loopback only.
    assert "--web.listen-address=127.0.0.1:" in AGENT_UNIT.read_text()
