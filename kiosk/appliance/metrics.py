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
=====================================  =========  ===========================================
"""

from __future__ import annotations

import ipaddress
import logging
import re
import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    start_http_server,
)

from kiosk.appliance.version import software_version

log = logging.getLogger(__name__)

# Short technical words only. Five or more digits in a row could be part of an ID number.
_LABEL_VALUE = re.compile(r"^[a-z][a-z0-9_.-]{0,47}$")
_DIGIT_RUN = re.compile(r"[0-9]{5,}")
INVALID_LABEL = "invalid"

_CARD_BUCKETS = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
_QUERY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)


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
        self._printer_states: set[str] = set()
        self._lock = threading.Lock()

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
