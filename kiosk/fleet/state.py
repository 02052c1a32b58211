"""What the updater remembers (state.json) and what it tells the fleet (metrics).

Written atomically (temp file, fsync, rename) by the updater, read by `python -m kiosk.fleet
metrics`. Metrics, all prefixed ``kiosk_update_`` (docs/fleet-updates.md, alerts in
ops/prometheus/kiosk-alerts.yml):

kiosk_update_installed_info{version}                1 for the installed release
kiosk_update_offered_info{version,ring}             1 for the newest the ring offers
kiosk_update_last_attempt_timestamp_seconds         last install attempt (0: never)
kiosk_update_last_check_timestamp_seconds           last updater run
kiosk_update_last_result{result}                    1 for the last run's result
kiosk_update_rollbacks_total                        automatic rollbacks (counter)
kiosk_update_held_info{version}                     1 per release held after a failure
kiosk_update_behind_since_timestamp_seconds         since when a newer release is offered
                                                    and not installed (0: up to date)
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

STATE_DIR = Path("/var/lib/linkage-kiosk-updater")
STATE_FILE = "state.json"

RESULTS = ("up_to_date", "installed", "rolled_back", "install_failed", "outside_window",
           "busy", "held", "no_offer", "no_rollback_target")


@dataclass
class UpdaterState:
    installed: str | None = None
    offered: str | None = None
    ring: str = "stable"
    last_check: float = 0.0
    last_attempt: float = 0.0
    last_result: str = "none"
    last_detail: str = ""
    rollbacks: int = 0
    held: list[str] = field(default_factory=list)
    behind_since: float = 0.0


def load_state(state_dir: Path) -> UpdaterState:
    try:
        data = json.loads((state_dir / STATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return UpdaterState()
    known = UpdaterState.__dataclass_fields__
    return UpdaterState(**{k: v for k, v in data.items() if k in known})


def save_state(state_dir: Path, state: UpdaterState) -> None:
    state_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    tmp = state_dir / f".{STATE_FILE}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(asdict(state), f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, state_dir / STATE_FILE)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def render_metrics(s: UpdaterState) -> str:
    """Prometheus text exposition format (also fine for node_exporter's textfile collector)."""
    out = []

    def metric(name: str, kind: str, help_: str, samples: list[tuple[str, float]]) -> None:
        out.append(f"# HELP {name} {help_}")
        out.append(f"# TYPE {name} {kind}")
        out.extend(f"{name}{labels} {value:g}" for labels, value in samples)

    metric("kiosk_update_installed_info", "gauge", "Installed kiosk release",
           [(f'{{version="{_label(s.installed)}"}}', 1)] if s.installed else [])
    metric("kiosk_update_offered_info", "gauge", "Newest release the ring offers",
           [(f'{{version="{_label(s.offered)}",ring="{_label(s.ring)}"}}', 1)]
           if s.offered else [])
    metric("kiosk_update_last_attempt_timestamp_seconds", "gauge",
           "Last install attempt", [("", s.last_attempt)])
    metric("kiosk_update_last_check_timestamp_seconds", "gauge",
           "Last updater run", [("", s.last_check)])
    metric("kiosk_update_last_result", "gauge", "Result of the last updater run",
           [(f'{{result="{r}"}}', 1 if r == s.last_result else 0) for r in RESULTS])
    metric("kiosk_update_rollbacks_total", "counter", "Automatic rollbacks",
           [("", s.rollbacks)])
    metric("kiosk_update_held_info", "gauge", "Releases held on this kiosk after a failure",
           [(f'{{version="{_label(v)}"}}', 1) for v in s.held])
    metric("kiosk_update_behind_since_timestamp_seconds", "gauge",
           "Since when a newer release is offered and not installed (0: up to date)",
           [("", s.behind_since)])
    return "\n".join(out) + "\n"


class UpdateCollector:
    """The update metrics as a prometheus_client collector, for the kiosk's own metrics
    registry: ``registry.register(UpdateCollector(lambda: load_state(STATE_DIR)))``."""

    def __init__(self, read: Callable[[], UpdaterState]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        yield from text_string_to_metric_families(render_metrics(self._read()))
