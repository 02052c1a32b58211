"""Fleet metrics for Prometheus, served on loopback only, with nothing personal in them.

Other layers record events through the small functions at the bottom of this module
(``record_session("printed")``, ``observe_card_read(0.8, "ok")``, …); they cost
nothing when no server is running. Label values are checked against a short technical
vocabulary — lower-case words, no long digit runs — so a citizen ID or a name can never
become a time series by accident.

Metrics (all prefixed ``kiosk_``; keep docs/appliance.md in step):

=====================================  =========  ===========================================
name                                   type       labels / meaning
=====================================  =========  ===========================================
kiosk_sessions_total                   counter    outcome: kiosk.session.outcome.SessionOutcome
kiosk_service_outcomes_total           counter    service (catalogue code), outcome
kiosk_card_read_seconds                histogram  outcome; insert → identity fields read
kiosk_linkage_query_seconds            histogram  service, outcome; one Linkage API call
kiosk_prints_total                     counter    outcome: printed, failed, reprinted
kiosk_printer_state                    gauge      state: 1 for the current printer state
kiosk_outbox_depth                     gauge      items waiting to be sent
kiosk_outbox_dead                      gauge      items given up on (need a technician)
kiosk_outbox_oldest_age_seconds        gauge      age of the oldest waiting item
kiosk_maintenance_actions_total        counter    action
kiosk_health_status                    gauge      item: 0 ok, 1 warn, 2 fail
kiosk_vpcd_reader_configured           gauge      1 if a network-reachable virtual reader is set
kiosk_build_info                       info       version
kiosk_card_reader_present              gauge      1 if a reader is attached and pcscd answers
kiosk_card_errors_total                counter    kind: the failed read's message key
kiosk_linkage_reachable                gauge      1 if the last Linkage probe did not fail
kiosk_linkage_errors_total             counter    error_number: errorNumber, transport, protocol
kiosk_outbox_salvaged_rows             gauge      rows recovered from a damaged store
kiosk_outbox_lost_rows                 gauge      rows a damaged store could not give back
kiosk_outbox_lost_items                gauge      accepted items neither queued nor delivered
kiosk_outbox_resurrected_items         gauge      delivered items that came back (sent again)
kiosk_certificate_expiry_…_seconds     gauge      certificate: client, ca; notAfter (Unix time)
kiosk_store_free_bytes / _size_bytes   gauge      file system of the state dir
kiosk_starts_total                     counter    service starts, persisted in the state dir
kiosk_start_time_seconds               gauge      this process's start (Unix time)
kiosk_service_exits_total              counter    result: systemd's $SERVICE_RESULT (watchdog…)
kiosk_audio_device_ok                  gauge      device: output, jack; 1 while it works/reports
kiosk_unit_failures_total              counter    unit: times systemd gave up on it (recovery)
=====================================  =========  ===========================================

Meaning and unit of each: docs/fleet-metrics.md. The kiosk's name is not a label here: the
fleet's Prometheus adds it as the target label ``kiosk``.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    start_http_server,
)

from drivers.printer.protocol import PrinterState
from kiosk.appliance.version import software_version

log = logging.getLogger(__name__)

# Short technical words only. Five or more digits in a row could be part of an ID number.
_LABEL_VALUE = re.compile(r"^[a-z][a-z0-9_.-]{0,47}$")
_DIGIT_RUN = re.compile(r"[0-9]{5,}")
INVALID_LABEL = "invalid"

_CARD_BUCKETS = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
_QUERY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)

PRINTER_STATES = tuple(state.value for state in PrinterState)
"""All always exported (0/1), so a rule or a panel can name any state before the printer
was ever in it."""
CERTIFICATES = ("client", "ca")
AUDIO_DEVICES = ("output", "jack")


def safe_label(value: str) -> str:
    """``value`` if it is a short technical word, else ``"invalid"`` (and a warning)."""
    text = str(value).lower()
    if _LABEL_VALUE.match(text) and not _DIGIT_RUN.search(text):
        return text
    log.warning("metrics: refused a label value that is not a short technical word")
    return INVALID_LABEL


class KioskMetrics:
    """All the kiosk's metrics in one registry (a fresh one per instance: tests stay apart)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._extra: set[str] = set()
        r = self.registry
        self.sessions = Counter("kiosk_sessions", "Finished citizen sessions", ["outcome"],
                                registry=r)
        self.service_outcomes = Counter(
            "kiosk_service_outcomes", "Service runs by outcome", ["service", "outcome"],
            registry=r)
        self.card_read = Histogram(
            "kiosk_card_read_seconds", "Card insert to identity fields read", ["outcome"],
            buckets=_CARD_BUCKETS, registry=r)
        self.linkage_query = Histogram(
            "kiosk_linkage_query_seconds", "One Linkage API call", ["service", "outcome"],
            buckets=_QUERY_BUCKETS, registry=r)
        self.prints = Counter("kiosk_prints", "Receipts by outcome", ["outcome"], registry=r)
        self.printer_state = Gauge("kiosk_printer_state", "1 for the printer's current state",
                                   ["state"], registry=r)
        self.outbox_depth = Gauge("kiosk_outbox_depth", "Outbox items waiting", registry=r)
        self.outbox_dead = Gauge("kiosk_outbox_dead", "Outbox items given up on", registry=r)
        self.outbox_oldest = Gauge("kiosk_outbox_oldest_age_seconds",
                                   "Age of the oldest waiting outbox item", registry=r)
        self.maintenance_actions = Counter("kiosk_maintenance_actions",
                                           "Technician actions", ["action"], registry=r)
        self.health = Gauge("kiosk_health_status", "Health item: 0 ok, 1 warn, 2 fail",
                            ["item"], registry=r)
        self.vpcd = Gauge("kiosk_vpcd_reader_configured",
                          "1 if pcscd has a network-reachable virtual reader", registry=r)
        self.build = Info("kiosk_build", "Software version", registry=r)
        self.build.info({"version": software_version()})
        self.card_reader_present = Gauge(
            "kiosk_card_reader_present", "1 if a card reader is attached and pcscd answers",
            registry=r)
        self.audio_device_ok = Gauge(
            "kiosk_audio_device_ok", "1 while the audio output works / the headphone jack "
            "reports", ["device"], registry=r)
        for device in AUDIO_DEVICES:  # 0 until the device is seen working (or audio is off)
            self.audio_device_ok.labels(device)
        self.card_errors = Counter("kiosk_card_errors", "Failed card reads by kind", ["kind"],
                                   registry=r)
        self.linkage_reachable = Gauge(
            "kiosk_linkage_reachable", "1 if the last Linkage probe got an HTTP answer",
            registry=r)
        self.linkage_errors = Counter(
            "kiosk_linkage_errors", "Linkage errors by errorNumber", ["error_number"],
            registry=r)
        self.outbox_salvaged = Gauge(
            "kiosk_outbox_salvaged_rows", "Outbox rows recovered from a damaged store",
            registry=r)
        self.outbox_lost = Gauge(
            "kiosk_outbox_lost_rows", "Outbox rows a damaged store could not give back",
            registry=r)
        self.outbox_lost_items = Gauge(
            "kiosk_outbox_lost_items",
            "Accepted outbox items neither queued nor delivered (the ledger's count)",
            registry=r)
        self.outbox_resurrected = Gauge(
            "kiosk_outbox_resurrected_items",
            "Delivered outbox items that came back after store damage (sent again)",
            registry=r)
        self.certificate_expiry = Gauge(
            "kiosk_certificate_expiry_timestamp_seconds",
            "notAfter of a configured certificate (Unix time)", ["certificate"], registry=r)
        self.store_free = Gauge("kiosk_store_free_bytes",
                                "Free bytes on the file system of the state dir", registry=r)
        self.store_size = Gauge("kiosk_store_size_bytes",
                                "Size of the file system of the state dir", registry=r)
        self.starts = Counter("kiosk_starts", "Starts of the kiosk service on this machine",
                              registry=r)
        self._starts_seen = 0
        self.start_time = Gauge("kiosk_start_time_seconds",
                                "When this kiosk process started (Unix time)", registry=r)
        self.service_exits = Counter(
            "kiosk_service_exits", "Stops of the kiosk service by systemd's result",
            ["result"], registry=r)
        self._exits_seen: dict[str, int] = {}
        self.unit_failures = Counter(
            "kiosk_unit_failures", "Times systemd gave up on a kiosk unit (start limit hit; "
            "the recovery unit restarts it after a cool-down)", ["unit"], registry=r)
        self._unit_failures_seen: dict[str, int] = {}
        self._printer_states: set[str] = set(PRINTER_STATES)
        self._lock = threading.Lock()
        self.set_printer_state("unknown")

    def add_collector(self, name: str, collector: Any) -> None:
        """Serve another collector's families from this registry, once per `name` (the
        fleet updater's metrics, read from its own state file at each scrape)."""
        if name not in self._extra:
            self.registry.register(collector)
            self._extra.add(name)

    def record_session(self, outcome: str) -> None:
        self.sessions.labels(safe_label(outcome)).inc()

    def record_service(self, service: str, outcome: str) -> None:
        self.service_outcomes.labels(safe_label(service), safe_label(outcome)).inc()

    def observe_card_read(self, seconds: float, outcome: str = "ok") -> None:
        self.card_read.labels(safe_label(outcome)).observe(seconds)

    def observe_linkage_query(self, service: str, seconds: float, outcome: str = "ok") -> None:
        self.linkage_query.labels(safe_label(service), safe_label(outcome)).observe(seconds)

    def record_print(self, outcome: str) -> None:
        self.prints.labels(safe_label(outcome)).inc()

    def set_printer_state(self, state: str) -> None:
        current = safe_label(state)
        with self._lock:
            self._printer_states.add(current)
            for known in self._printer_states:
                self.printer_state.labels(known).set(1 if known == current else 0)

    def set_outbox(self, depth: int, dead: int, oldest_age_s: float | None) -> None:
        self.outbox_depth.set(depth)
        self.outbox_dead.set(dead)
        self.outbox_oldest.set(oldest_age_s or 0.0)

    def record_maintenance(self, action: str) -> None:
        self.maintenance_actions.labels(safe_label(action)).inc()

    def set_health(self, item: str, level: int) -> None:
        self.health.labels(safe_label(item)).set(level)

    def set_vpcd_configured(self, configured: bool) -> None:
        self.vpcd.set(1 if configured else 0)

    def set_card_reader_present(self, present: bool) -> None:
        self.card_reader_present.set(1 if present else 0)

    def set_audio_device_ok(self, device: str, ok: bool) -> None:
        self.audio_device_ok.labels(safe_label(device)).set(1 if ok else 0)

    def record_card_error(self, kind: str) -> None:
        self.card_errors.labels(safe_label(kind)).inc()

    def set_linkage_reachable(self, reachable: bool) -> None:
        self.linkage_reachable.set(1 if reachable else 0)

    def record_linkage_error(self, error_number: int | None, *, transport: bool = False
                             ) -> None:
        """``error_number`` is the Linkage errorNumber (0-99999, never personal); an error
        without one is ``transport`` (no HTTP answer) or ``protocol`` (a broken answer)."""
        if error_number is None:
            label = "transport" if transport else "protocol"
        elif isinstance(error_number, int) and 0 <= error_number <= 99999:
            label = str(error_number)
        else:
            label = "other"
        self.linkage_errors.labels(label).inc()

    def set_outbox_salvage(self, salvaged: int, lost: int) -> None:
        self.outbox_salvaged.set(salvaged)
        self.outbox_lost.set(lost)

    def set_outbox_loss(self, lost: int, resurrected: int) -> None:
        """From the accepted-items ledger (`kiosk.outbox.ledger`), persisted on disk."""
        self.outbox_lost_items.set(lost)
        self.outbox_resurrected.set(resurrected)

    def set_certificate_expiry(self, certificate: str, not_after_ts: float) -> None:
        if certificate not in CERTIFICATES:
            raise ValueError(f"unknown certificate {certificate!r}; one of {CERTIFICATES}")
        self.certificate_expiry.labels(certificate).set(not_after_ts)

    def set_store_disk(self, free_bytes: int, size_bytes: int) -> None:
        self.store_free.set(free_bytes)
        self.store_size.set(size_bytes)

    def set_starts(self, starts: int, started_at: float) -> None:
        """``starts`` is the count persisted in the state dir (it survives restarts)."""
        with self._lock:
            if starts > self._starts_seen:
                self.starts.inc(starts - self._starts_seen)
                self._starts_seen = starts
        self.start_time.set(started_at)

    def set_service_exits(self, counts: dict[str, int]) -> None:
        """Persisted counts per ``$SERVICE_RESULT`` (`kiosk.appliance.exits`)."""
        self._catch_up(self.service_exits, self._exits_seen, counts)

    def set_unit_failures(self, counts: dict[str, int]) -> None:
        """Persisted counts per unit (`kiosk.appliance.recover`, STATE_DIR/unit-failures.json)."""
        self._catch_up(self.unit_failures, self._unit_failures_seen, counts)

    def _catch_up(self, counter: Counter, seen: dict[str, int], counts: dict[str, int]) -> None:
        """A counter kept in a file: publish what it gained since we last looked."""
        with self._lock:
            for value, count in counts.items():
                label = safe_label(value)
                before = seen.get(label, 0)
                counter.labels(label).inc(max(0, count - before))
                seen[label] = max(before, count)

    def metric_names(self) -> set[str]:
        """Every series name this exporter can serve (``_total``, ``_bucket``… included),
        also for labelled families that have no sample yet."""
        suffixes = {"counter": ("_total", "_created"), "info": ("_info",),
                    "histogram": ("_bucket", "_sum", "_count", "_created"), "gauge": ("",)}
        return {family.name + suffix for family in self.registry.collect()
                for suffix in suffixes[family.type]}


@dataclass
class MetricsServer:
    server: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(metrics: KioskMetrics, port: int, addr: str = "127.0.0.1") -> MetricsServer:
    """Serve ``/metrics`` on a loopback address (port 0: any free port, see `.port`)."""
    if not ipaddress.ip_address(addr).is_loopback:
        raise ValueError(f"metrics are served on loopback only, not on {addr}")
    server, thread = start_http_server(port, addr=addr, registry=metrics.registry)
    return MetricsServer(server, thread)


# The process-wide instance the other layers record into (tests make their own).
default = KioskMetrics()


def record_session(outcome: str) -> None:
    default.record_session(outcome)


def record_service(service: str, outcome: str) -> None:
    default.record_service(service, outcome)


def observe_card_read(seconds: float, outcome: str = "ok") -> None:
    default.observe_card_read(seconds, outcome)


def observe_linkage_query(service: str, seconds: float, outcome: str = "ok") -> None:
    default.observe_linkage_query(service, seconds, outcome)


def record_print(outcome: str) -> None:
    default.record_print(outcome)


def set_printer_state(state: str) -> None:
    default.set_printer_state(state)


def set_outbox(depth: int, dead: int, oldest_age_s: float | None) -> None:
    default.set_outbox(depth, dead, oldest_age_s)


def record_maintenance(action: str) -> None:
    default.record_maintenance(action)


def record_card_error(kind: str) -> None:
    default.record_card_error(kind)


def record_linkage_error(error_number: int | None, *, transport: bool = False) -> None:
    default.record_linkage_error(error_number, transport=transport)


def set_audio_device_ok(device: str, ok: bool) -> None:
    default.set_audio_device_ok(device, ok)
