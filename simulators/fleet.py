"""A simulated fleet of kiosks scraped by a real Prometheus: ``python -m simulators.fleet``.

Each simulated kiosk is the kiosk's own metrics exporter (`kiosk.appliance.metrics`) on its
own loopback port, fed a simulated state through the exporter's public setters. Some
kiosks get a planted fault (paper out, a dead reader, an old queue, an expiring
certificate, a kiosk that is down…). A real Prometheus (Debian's package) scrapes them with
the shipped alert rules (ops/prometheus/kiosk-alerts.yml), every ``for:`` shortened to two
scrape intervals: the demo does not wait minutes, yet one slow scrape raises no alert. The
alerts it reports firing must be exactly the planted ones. The oracle is the plan, written
here from the fault, never from the exporter.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from kiosk.appliance.exits import RESULTS
from kiosk.appliance.metrics import KioskMetrics, MetricsServer, serve
from kiosk.fleet.state import UpdateCollector, UpdaterState

REPO = Path(__file__).resolve().parents[1]
RULES_FILE = REPO / "ops" / "prometheus" / "kiosk-alerts.yml"
JOB = "linkage-kiosk"
GIB = 1024**3


@dataclass(frozen=True)
class KioskState:
    """What one simulated kiosk reports. Defaults: a healthy kiosk."""

    name: str
    down: bool = False
    printer: str = "ready"
    reader_present: bool = True
    linkage_reachable: bool = True
    outbox_depth: int = 0
    outbox_oldest_s: float = 0.0
    outbox_dead: int = 0
    outbox_lost_rows: int = 0
    outbox_store_failing: bool = False
    vpcd_exposed: bool = False
    client_cert_days: float = 365.0
    ca_days: float = 3650.0
    disk_free_fraction: float = 0.6
    version: str = "0.1.0"
    activity_seed: int = 0
    """Seeds the day's counters (sessions, prints, card and Linkage errors, timings)."""
    expected: frozenset[str] = field(default_factory=frozenset)
    """The alert names this state must raise (the oracle)."""


# Each fault: how it changes a healthy kiosk, and the one alert it must raise.
FAULTS: dict[str, Callable[[KioskState], KioskState]] = {
    "KioskPaperOut": lambda s: replace(s, printer="paper_out"),
    "KioskPaperNearEnd": lambda s: replace(s, printer="paper_near_end"),
    "KioskPrinterNotReady": lambda s: replace(s, printer="cover_open"),
    "KioskCardReaderMissing": lambda s: replace(s, reader_present=False),
    "KioskLinkageUnreachable": lambda s: replace(s, linkage_reachable=False),
    "KioskOutboxStale": lambda s: replace(s, outbox_depth=7, outbox_oldest_s=2 * 3600.0),
    "KioskOutboxDeadLetters": lambda s: replace(s, outbox_dead=2),
    "KioskOutboxRowsLost": lambda s: replace(s, outbox_lost_rows=3),
    "KioskCertificateExpiring": lambda s: replace(s, client_cert_days=12.0),
    "KioskDiskNearlyFull": lambda s: replace(s, disk_free_fraction=0.04),
    "KioskDown": lambda s: replace(s, down=True),
    "KioskOutboxStoreFailing": lambda s: replace(s, outbox_store_failing=True),
    "KioskVirtualReaderExposed": lambda s: replace(s, vpcd_exposed=True),
}


def plan_fleet(kiosks: int, *, seed: int = 17, faulty_share: float = 0.4) -> list[KioskState]:
    """``kiosks`` states; every fault planted at least once, the rest healthy but varied
    (short queues, certificates months away, disks half full: nothing near a threshold)."""
    if kiosks < len(FAULTS) + 1:
        raise ValueError(f"a fleet needs at least {len(FAULTS) + 1} kiosks")
    rng = random.Random(seed)
    names = [f"ksk-{i:03d}" for i in range(1, kiosks + 1)]
    faulty = max(len(FAULTS), round(kiosks * faulty_share))
    chosen = rng.sample(range(kiosks), faulty)
    fault_of = {k: list(FAULTS)[i % len(FAULTS)] for i, k in enumerate(chosen)}
    fleet = []
    for i, name in enumerate(names):
        state = KioskState(name, outbox_depth=rng.randint(0, 3),
                           version=rng.choice(("0.1.0", "0.1.0", "0.1.0", "0.2.0")),
                           activity_seed=rng.randrange(2**32),
                           outbox_oldest_s=rng.uniform(0, 1800),
                           client_cert_days=rng.uniform(60, 700),
                           ca_days=rng.uniform(800, 3650),
                           disk_free_fraction=rng.uniform(0.3, 0.9))
        if i in fault_of:
            alert = fault_of[i]
            state = replace(FAULTS[alert](state), expected=frozenset({alert}))
        fleet.append(state)
    return fleet


def feed(metrics: KioskMetrics, state: KioskState, now: float) -> None:
    """The simulated kiosk's state, through the same setters the appliance uses."""
    metrics.set_printer_state(state.printer)
    metrics.set_card_reader_present(state.reader_present)
    metrics.set_linkage_reachable(state.linkage_reachable)
    metrics.set_outbox(state.outbox_depth, state.outbox_dead,
                       state.outbox_oldest_s if state.outbox_depth else None)
    metrics.set_outbox_salvage(0, state.outbox_lost_rows)
    metrics.set_certificate_expiry("client", now + state.client_cert_days * 86400)
    metrics.set_certificate_expiry("ca", now + state.ca_days * 86400)
    size = 32 * GIB
    metrics.set_store_disk(int(size * state.disk_free_fraction), size)
    metrics.set_starts(1, now)
    metrics.set_service_exits(dict.fromkeys(RESULTS, 0))
    metrics.set_unit_failures({"linkage-kiosk.service": 0, "linkage-kiosk-outbox.service": 0})
    metrics.build.info({"version": state.version})
    metrics.set_vpcd_configured(state.vpcd_exposed)
    # The maintenance health items, as the probes would grade this state (0 ok, 1 warn, 2 fail).
    metrics.set_health("card_reader", 0 if state.reader_present else 2)
    metrics.set_health("printer", {"ready": 0, "paper_near_end": 1}.get(state.printer, 2))
    metrics.set_health("linkage", 0 if state.linkage_reachable else 2)
    metrics.set_health("outbox", 2 if state.outbox_store_failing else
                       1 if state.outbox_dead or state.outbox_oldest_s > 3600 else 0)
    metrics.set_health("vpcd", 2 if state.vpcd_exposed else 0)
    _simulate_activity(metrics, random.Random(state.activity_seed))


SESSION_OUTCOMES = ("printed", "declined", "finished", "timed_out", "card_pulled")
"""The session outcome label values (issue #15), as the dashboard shows them."""


def _simulate_activity(metrics: KioskMetrics, rng: random.Random) -> None:
    """A day of counters: sessions, prints, service runs, card reads and their errors."""
    for outcome in SESSION_OUTCOMES:
        for _ in range(rng.randint(1, 30)):
            metrics.record_session(outcome)
    for outcome, most in (("printed", 40), ("unconfirmed", 3), ("paper_out", 2),
                          ("failed", 2)):
        for _ in range(rng.randint(1 if outcome == "printed" else 0, most)):
            metrics.record_print(outcome)
    for _ in range(rng.randint(5, 40)):
        metrics.observe_card_read(rng.uniform(0.4, 2.5), "ok")
        metrics.observe_linkage_query("registry_record", rng.uniform(0.1, 1.5), "ok")
        metrics.record_service("registry_record", "ok")
    for _ in range(rng.randint(0, 3)):
        metrics.observe_card_read(rng.uniform(0.5, 4.0), "error")
        metrics.record_card_error(rng.choice(("card.read_failed", "card.removed_during_read",
                                                    "card.not_thai_id")))
    for _ in range(rng.randint(0, 3)):
        metrics.record_linkage_error(rng.choice((90005, 90012, 95002, None)),
                                     transport=rng.random() < 0.5)


def rules_for_demo(text: str, for_s: float) -> str:
    """The shipped rules with every ``for:`` set to ``for_s`` seconds."""
    shortened, count = re.subn(r"^(\s+for: )\S+", rf"\g<1>{round(for_s * 1000)}ms", text,
                               flags=re.M)
    if count == 0:
        raise ValueError("no `for:` found in the rule file")
    return shortened


def update_state(state: KioskState, now: float) -> UpdaterState:
    """The fleet updater's state of a simulated kiosk: up to date on stable, except the
    kiosks on 0.1.0, offered 0.2.0 two days ago (behind, not yet alerting)."""
    behind = state.version == "0.1.0"
    return UpdaterState(installed=state.version, offered="0.2.0", ring="stable",
                        last_check=now - 600, last_attempt=now - 86400,
                        last_result="up_to_date" if not behind else "outside_window",
                        behind_since=now - 2 * 86400 if behind else 0.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Fleet:
    """The simulated kiosks' exporters; a kiosk that is ``down`` has no listener at all."""

    def __init__(self, states: list[KioskState]) -> None:
        self.states = states
        self.targets: dict[str, int] = {}
        self._servers: list[MetricsServer] = []
        self._held: list[socket.socket] = []
        now = time.time()
        try:
            for state in states:
                if state.down:
                    # Bound but never listening: connections are refused, and no other
                    # process on the machine can take the port while the fleet runs.
                    held = socket.socket()
                    self._held.append(held)
                    held.bind(("127.0.0.1", 0))
                    self.targets[state.name] = int(held.getsockname()[1])
                    continue
                metrics = KioskMetrics()
                feed(metrics, state, now)
                metrics.registry.register(UpdateCollector(partial(update_state, state, now)))
                server = serve(metrics, 0)
                self._servers.append(server)
                self.targets[state.name] = server.port
        except BaseException:
            self.close()
            raise

    def planted(self) -> set[tuple[str, str]]:
        return {(alert, s.name) for s in self.states for alert in s.expected}

    def close(self) -> None:
        for server in self._servers:
            server.close()
        self._servers.clear()
        for held in self._held:
            held.close()
        self._held.clear()


class Prometheus:
    """Debian's Prometheus on loopback with its own data dir, scraping ``targets``."""

    def __init__(self, targets: dict[str, int], workdir: Path, *, interval_s: float = 2.0,
                 rules: Path = RULES_FILE, alertmanager: str | None = None,
                 binary: str | None = None) -> None:
        exe = binary or shutil.which("prometheus")
        if exe is None:
            raise RuntimeError("prometheus not found: install Debian's `prometheus` package "
                               "(make system)")
        self.interval_s = interval_s
        self.for_s = 2 * interval_s
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "kiosk-alerts.yml").write_text(rules_for_demo(rules.read_text(), self.for_s))
        every = f"{round(interval_s * 1000)}ms"  # Prometheus durations take integers only
        config = {
            "global": {"scrape_interval": every, "scrape_timeout": every,
                       "evaluation_interval": every},
            "rule_files": ["kiosk-alerts.yml"],
            "scrape_configs": [{
                "job_name": JOB,
                "static_configs": [{"targets": [f"127.0.0.1:{port}"], "labels": {"kiosk": name}}
                                   for name, port in targets.items()]}],
        }
        if alertmanager is not None:  # "127.0.0.1:PORT" of an Alertmanager to notify
            config["alerting"] = {"alertmanagers": [{"static_configs": [
                {"targets": [alertmanager]}]}]}
        # JSON is YAML: no YAML writer needed at run time.
        (workdir / "prometheus.yml").write_text(json.dumps(config, indent=1))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = (workdir / "prometheus.log").open("wb")
        self.process = subprocess.Popen(
            [exe, f"--config.file={workdir / 'prometheus.yml'}",
             f"--storage.tsdb.path={workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}",
             "--log.level=warn"],
            stdout=self._log, stderr=subprocess.STDOUT, cwd=workdir)
        self.workdir = workdir

    def api(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=5) as reply:
            body = json.load(reply)
        if body.get("status") != "success":
            raise RuntimeError(f"{path}: {body}")
        return body["data"]

    def wait_until(self, what: str, condition: Callable[[], bool], deadline_s: float) -> None:
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._log.flush()
                tail = (self.workdir / "prometheus.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"prometheus exited ({self.process.returncode}):\n{tail}")
            try:
                if condition():
                    return
            except OSError:
                pass  # not listening yet
            time.sleep(0.1)
        raise TimeoutError(f"prometheus: {what} not within {deadline_s} s")

    def firing(self) -> set[tuple[str, str]]:
        return {(a["labels"]["alertname"], a["labels"].get("kiosk", "?"))
                for a in self.api("/api/v1/alerts")["alerts"] if a["state"] == "firing"}

    def alerts(self) -> list[dict]:
        return [a for a in self.api("/api/v1/alerts")["alerts"] if a["state"] == "firing"]

    def settle(self, kiosks: int, deadline_s: float = 60.0) -> None:
        """Every target scraped, then rules evaluated long enough after the last of those
        scrapes for every alert's ``for:`` to have passed."""
        self.wait_until("ready", lambda: self._ready(), deadline_s)

        def all_scraped() -> bool:
            active = self.api("/api/v1/targets?state=active")["activeTargets"]
            return len(active) == kiosks and all(t["health"] != "unknown" for t in active)

        self.wait_until(f"all {kiosks} targets scraped", all_scraped, deadline_s)
        scraped = max(_ts(t["lastScrape"]) for t in
                      self.api("/api/v1/targets?state=active")["activeTargets"])

        def evaluated_since() -> bool:
            groups = self.api("/api/v1/rules")["groups"]
            return bool(groups) and all(
                _ts(g["lastEvaluation"]) > scraped + self.for_s + 2.5 * self.interval_s
                for g in groups)

        self.wait_until("rules evaluated after the scrapes", evaluated_since, deadline_s)

    def _ready(self) -> bool:
        with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as reply:
            return reply.status == 200

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


def _ts(rfc3339: str) -> float:
    # Prometheus gives nanoseconds; Python's parser takes up to microseconds.
    text = re.sub(r"(\.\d{6})\d+", r"\1", rfc3339.replace("Z", "+00:00"))
    return dt.datetime.fromisoformat(text).timestamp()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulators.fleet",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=60)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--interval", type=float, default=2.0,
                        help="scrape and rule evaluation interval, seconds")
    parser.add_argument("--keep", action="store_true",
                        help="keep Prometheus running (Ctrl-C ends) to browse its UI")
    args = parser.parse_args(argv)
    states = plan_fleet(args.kiosks, seed=args.seed)
    with tempfile.TemporaryDirectory(prefix="kiosk-fleet-") as tmp:
        fleet = Fleet(states)
        prom = None
        try:
            prom = Prometheus(fleet.targets, Path(tmp), interval_s=args.interval)
            print(f"Prometheus {prom.url} scraping {len(states)} simulated kiosks "
                  f"(data in {tmp})")
            prom.settle(len(states), deadline_s=30 + 2 * args.interval * 10)
            alerts = sorted(prom.alerts(), key=lambda a: (a["labels"].get("kiosk", ""),
                                                          a["labels"]["alertname"]))
            print(f"\n{len(alerts)} alerts firing:")
            for a in alerts:
                labels = a["labels"]
                print(f"  {labels.get('kiosk', '?'):8} {labels['alertname']:26} "
                      f"{labels.get('severity', ''):8} {a['annotations'].get('summary', '')}")
                print(f"  {'':8} {'':26} {'':8} {a['annotations'].get('summary_th', '')}")
            firing = prom.firing()
            planted = fleet.planted()
            print(f"\nplanted {len(planted)}, firing {len(firing)}: "
                  + ("exactly the planted ones" if firing == planted else "MISMATCH"))
            for extra in sorted(firing - planted):
                print(f"  not planted but firing: {extra}")
            for missing in sorted(planted - firing):
                print(f"  planted but not firing: {missing}")
            if args.keep:
                print(f"\nBrowse {prom.url}/alerts — Ctrl-C to stop.")
                with contextlib.suppress(KeyboardInterrupt):
                    prom.process.wait()
            return 0 if firing == planted else 1
        finally:
            if prom is not None:
                prom.close()
            fleet.close()


if __name__ == "__main__":
    sys.exit(main())
