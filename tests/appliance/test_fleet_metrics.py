"""The operator's metrics: host facts, health-fed gauges, Linkage error numbers, and proof
that no label ever carries personal data (whatever the other layers pass in)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from kiosk.appliance.host_metrics import HostFacts, count_start
from kiosk.appliance.metrics import KioskMetrics, safe_label
from kiosk.appliance.session_metrics import record_health
from kiosk.maintenance.health import HealthItem, HealthReport, Status
from tests.appliance.scrape import scrape

DOC = Path(__file__).resolve().parents[2] / "docs" / "fleet-metrics.md"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def write_cert(path: Path, not_after: dt.datetime) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kiosk test")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_after - dt.timedelta(days=365)).not_valid_after(not_after)
            .sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def test_certificate_expiry_disk_and_starts_come_from_the_host(tmp_path: Path) -> None:
    client_end = dt.datetime(2031, 5, 4, 3, 2, 1, tzinfo=dt.UTC)
    ca_end = dt.datetime(2036, 1, 2, tzinfo=dt.UTC)
    write_cert(tmp_path / "client.pem", client_end)
    write_cert(tmp_path / "ca.pem", ca_end)
    # The CA file is a bundle: the root that expires first, then a later one.
    write_cert(tmp_path / "later.pem", ca_end + dt.timedelta(days=900))
    with (tmp_path / "ca.pem").open("ab") as bundle:
        bundle.write((tmp_path / "later.pem").read_bytes())
    m = KioskMetrics()
    facts = HostFacts(m, tmp_path, {"client": tmp_path / "client.pem",
                                   "ca": tmp_path / "ca.pem"})
    facts.refresh()
    assert count_start(m, tmp_path, now=1000.0) == 1
    # The count lives in the state dir: a new process (fresh metrics) continues it.
    m2 = KioskMetrics()
    assert count_start(m2, tmp_path, now=2000.0) == 2
    got = samples(scrape(m))
    assert got[("kiosk_certificate_expiry_timestamp_seconds", (("certificate", "client"),))] \
        == client_end.timestamp()
    assert got[("kiosk_certificate_expiry_timestamp_seconds", (("certificate", "ca"),))] \
        == ca_end.timestamp()
    assert got[("kiosk_store_size_bytes", ())] > got[("kiosk_store_free_bytes", ())] > 0
    assert got[("kiosk_starts_total", ())] == 1.0
    assert got[("kiosk_start_time_seconds", ())] == 1000.0
    assert samples(scrape(m2))[("kiosk_starts_total", ())] == 2.0


def test_a_renewed_certificate_is_read_again_and_a_broken_one_keeps_the_last(
        tmp_path: Path) -> None:
    path = tmp_path / "client.pem"
    write_cert(path, dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    m = KioskMetrics()
    facts = HostFacts(m, tmp_path, {"client": path})
    facts.refresh()
    renewed = dt.datetime(2029, 1, 1, tzinfo=dt.UTC)
    write_cert(path, renewed)
    facts.refresh()
    key = ("kiosk_certificate_expiry_timestamp_seconds", (("certificate", "client"),))
    assert samples(scrape(m))[key] == renewed.timestamp()
    path.write_text("not a certificate")
    facts.refresh()  # logged, not raised
    assert samples(scrape(m))[key] == renewed.timestamp()


def test_health_report_sets_reader_linkage_and_printer_gauges() -> None:
    m = KioskMetrics()
    record_health(m, HealthReport((
        HealthItem("card_reader", Status.FAIL, "no card reader attached",
                   {"driver_state": "no_reader", "readers": 0}),
        HealthItem("linkage", Status.FAIL, "not reachable (Unavailable)", {"after_ms": 3}),
        HealthItem("printer", Status.WARN, "paper roll nearly empty",
                   {"state": "paper_near_end"}),
    ), taken_at=0.0))
    got = samples(scrape(m))
    assert got[("kiosk_card_reader_present", ())] == 0.0
    assert got[("kiosk_linkage_reachable", ())] == 0.0
    states = {dict(k[1])["state"]: v for k, v in got.items() if k[0] == "kiosk_printer_state"}
    assert states == {"ready": 0, "paper_near_end": 1, "paper_out": 0, "cover_open": 0,
                      "offline": 0, "error": 0, "unreachable": 0, "unknown": 0}
    record_health(m, HealthReport((
        HealthItem("card_reader", Status.OK, "1 reader(s), no card",
                   {"driver_state": "ready", "readers": 1}),
        HealthItem("linkage", Status.WARN, "reachable, but refused", {"latency_ms": 40}),
    ), taken_at=0.0))
    got = samples(scrape(m))
    assert got[("kiosk_card_reader_present", ())] == 1.0
    assert got[("kiosk_linkage_reachable", ())] == 1.0


def test_a_salvaged_outbox_reported_by_health_sets_the_salvage_gauges() -> None:
    m = KioskMetrics()
    outbox = {"waiting": 3, "dead": 0, "oldest_waiting_s": 5, "connectivity": "online"}
    record_health(m, HealthReport((
        HealthItem("outbox", Status.WARN, "the outbox database was damaged: 7 salvaged, 2 lost",
                   {**outbox, "salvaged": 7, "lost": 2}),
    ), taken_at=0.0))
    got = samples(scrape(m))
    assert got[("kiosk_outbox_salvaged_rows", ())] == 7.0
    assert got[("kiosk_outbox_lost_rows", ())] == 2.0
    record_health(m, HealthReport((HealthItem("outbox", Status.OK, "3 waiting", outbox),),
                                  taken_at=0.0))
    got = samples(scrape(m))  # a healthy store (a later start) reads 0/0 again
    assert got[("kiosk_outbox_salvaged_rows", ())] == 0.0
    assert got[("kiosk_outbox_lost_rows", ())] == 0.0


def test_linkage_errors_are_counted_by_error_number() -> None:
    m = KioskMetrics()
    m.record_linkage_error(90005)
    m.record_linkage_error(90005)
    m.record_linkage_error(None, transport=True)
    m.record_linkage_error(None)
    m.record_linkage_error(1101700207030)  # never a label: out of the errorNumber range
    got = samples(scrape(m))
    by_number = {dict(k[1])["error_number"]: v for k, v in got.items()
                 if k[0] == "kiosk_linkage_errors_total"}
    assert by_number == {"90005": 2, "transport": 1, "protocol": 1, "other": 1}


def test_every_served_metric_is_documented_and_every_documented_one_served() -> None:
    served = {f.name for f in KioskMetrics().registry.collect()}
    served = {f"{n}_total" if n in _COUNTERS else f"{n}_info" if n == "kiosk_build" else n
              for n in served}
    documented = set(re.findall(r"`(kiosk_[a-z_]+)`", DOC.read_text()))
    assert served <= documented, f"undocumented: {sorted(served - documented)}"
    assert documented <= served, f"documented but not served: {sorted(documented - served)}"


_COUNTERS = {f.name for f in KioskMetrics().registry.collect() if f.type == "counter"}

# What a careless caller could pass: citizen IDs (plain and formatted), Thai and Latin names,
# addresses, anything.
_personal = st.one_of(
    st.from_regex(r"\A[1-8][0-9]{12}\Z"),
    st.from_regex(r"\A[1-8]-[0-9]{4}-[0-9]{5}-[0-9]{2}-[0-9]\Z"),
    st.sampled_from(["สมชาย ใจดี", "นางสาว มาลี", "Somchai Jaidee", "99/1 ถ.พหลโยธิน"]),
    st.text(min_size=1, max_size=80),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_personal, number=st.integers())
def test_no_label_ever_carries_personal_data(value: str, number: int) -> None:
    m = KioskMetrics()
    m.record_session(value)
    m.record_service(value, value)
    m.observe_card_read(0.5, value)
    m.observe_linkage_query(value, 0.2, value)
    m.record_print(value)
    m.set_printer_state(value)
    m.record_maintenance(value)
    m.set_health(value, 1)
    m.record_card_error(value)
    m.record_linkage_error(number)
    text = _exposition(m)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            for name, label in sample.labels.items():
                assert _harmless(name, label), (sample.name, name, label)
    label_sets = " ".join(re.findall(r"\{[^}]*\}", text))
    assert not re.search(r"[0-9]{6,}", label_sets), "a long digit run in a label"
    assert not re.search(r"[\u0e00-\u0e7f]", text), "Thai text in the exposition"


def _exposition(m: KioskMetrics) -> str:
    from prometheus_client import generate_latest

    return generate_latest(m.registry).decode()


def _harmless(name: str, value: str) -> bool:
    if name == "version":
        return re.fullmatch(r"[0-9A-Za-z.+-]{1,40}", value) is not None
    if name == "error_number":
        return re.fullmatch(r"[0-9]{1,5}|transport|protocol|other", value) is not None
    if name == "le":
        return True  # histogram bucket bounds
    return safe_label(value) == value


def test_metric_names_lists_exactly_what_a_fed_exporter_serves() -> None:
    from simulators.fleet import feed, plan_fleet

    m = KioskMetrics()
    feed(m, plan_fleet(14)[0], 1_700_000_000.0)
    m.record_maintenance("test_print")
    served = {s.name for f in text_string_to_metric_families(scrape(m)) for s in f.samples}
    assert served == m.metric_names()


def test_a_failed_card_read_is_counted_by_its_kind() -> None:
    from kiosk.appliance.session_metrics import SessionMetrics
    from kiosk.session.view import Screen, SessionView

    m = KioskMetrics()
    observer = SessionMetrics(m, clock=lambda: 5.0)
    observer.on_view(SessionView(seq=1, session_id=None, screen=Screen.IDLE))
    observer.on_view(SessionView(seq=2, session_id="s1", screen=Screen.READING))
    observer.on_view(SessionView(seq=3, session_id="s1", screen=Screen.ERROR,
                                 error_key="card.removed_during_read"))
    # A later error screen in the same session is not a card read: counted once.
    observer.on_view(SessionView(seq=4, session_id="s1", screen=Screen.ERROR,
                                 error_key="card.removed_during_read"))
    got = samples(scrape(m))
    assert got[("kiosk_card_errors_total", (("kind", "card.removed_during_read"),))] == 1.0
    assert got[("kiosk_card_read_seconds_count", (("outcome", "error"),))] == 1.0


def test_systemd_stop_results_are_counted_and_published_at_the_next_start(
        tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    def stop_post(result: str | None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "SERVICE_RESULT"}
        if result is not None:
            env["SERVICE_RESULT"] = result
        return subprocess.run([sys.executable, "-m", "kiosk.appliance.exits", str(tmp_path)],
                              env=env, capture_output=True, text=True, timeout=60,
                              check=False)

    # As systemd's ExecStopPost= would run it, after two watchdog kills and a clean stop.
    for result in ("watchdog", "watchdog", "success", "something-new"):
        assert stop_post(result).returncode == 0
    by_hand = stop_post(None)  # not under systemd: counts nothing, still exits 0
    assert by_hand.returncode == 0 and "nothing counted" in by_hand.stderr
    m = KioskMetrics()
    count_start(m, tmp_path, now=1.0)
    got = samples(scrape(m))
    exits = {dict(k[1])["result"]: v for k, v in got.items()
             if k[0] == "kiosk_service_exits_total"}
    assert exits["watchdog"] == 2 and exits["success"] == 1 and exits["other"] == 1
    assert exits["signal"] == 0  # every result present, so a first kill shows as an increase
    (tmp_path / "appliance-exits.json").write_text("{not json")
    m2 = KioskMetrics()
    count_start(m2, tmp_path, now=2.0)  # a damaged file reads as zeros, never raises
    assert samples(scrape(m2))[("kiosk_service_exits_total", (("result", "watchdog"),))] == 0
