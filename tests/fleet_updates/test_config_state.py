"""fleet.toml validation and the update metrics (kiosk/fleet/config.py, state.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kiosk.fleet.config import FleetConfigError, load_fleet_config
from kiosk.fleet.decide import Ring
from kiosk.fleet.state import UpdaterState, load_state, render_metrics, save_state

ROOT = Path(__file__).resolve().parents[2]
GOOD = ('[repository]\nurl = "http://127.0.0.1:8080"\nring = "canary"\n'
        'keyring = "/etc/linkage-kiosk/fleet-keyring.gpg"\n')


def test_packaged_fleet_toml_loads() -> None:
    cfg = load_fleet_config(ROOT / "packaging" / "fleet.toml")
    assert cfg.ring is Ring.STABLE and cfg.deadline_s == 300
    assert cfg.window.contains(120) and not cfg.window.contains(6 * 60)


@pytest.mark.parametrize(("text", "says"), [
    (GOOD + "colour = 1\n", "unknown key repository.colour"),
    (GOOD + "[extra]\n", "unknown section [extra]"),
    (GOOD.replace('"canary"', '"beta"'), "repository.ring must be one of"),
    (GOOD.replace('"canary"', "3"), "repository.ring has the wrong type"),
    (GOOD.replace("http://127.0.0.1:8080", "ftp://x"), "is not an http(s) URL"),
    (GOOD + '[window]\nstart = "25:00"\n', "window: time '25:00'"),
    (GOOD + "[selfcheck]\ndeadline_s = 5\n", "deadline_s must be 10..3600"),
    (GOOD + '[selfcheck]\nchecks = ["vibes"]\n', "unknown ['vibes']"),
    (GOOD + "[selfcheck]\ndeadline_s = true\n", "deadline_s has the wrong type"),
    ('[repository]\nring = "stable"\n', "repository.url is required"),
])
def test_bad_config_names_key_and_file(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text(text)
    with pytest.raises(FleetConfigError) as err:
        load_fleet_config(path)
    assert str(path) in str(err.value) and says in str(err.value)


def test_state_round_trip_and_metrics(tmp_path: Path) -> None:
    state = UpdaterState(installed="0.2.0", offered="0.3.0", ring="canary", last_attempt=5.0,
                         last_result="rolled_back", rollbacks=2, held=["0.3.0"],
                         behind_since=0.0)
    save_state(tmp_path, state)
    assert load_state(tmp_path) == state
    families = {f.name: f for f in text_string_to_metric_families(render_metrics(state))}
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in families.values() for s in f.samples}
    assert samples[("kiosk_update_installed_info", (("version", "0.2.0"),))] == 1
    assert samples[("kiosk_update_offered_info", (("ring", "canary"), ("version", "0.3.0")))] == 1
    assert samples[("kiosk_update_rollbacks_total", ())] == 2
    assert samples[("kiosk_update_last_result", (("result", "rolled_back"),))] == 1
    assert samples[("kiosk_update_last_result", (("result", "installed"),))] == 0
    assert samples[("kiosk_update_held_info", (("version", "0.3.0"),))] == 1
    assert samples[("kiosk_update_last_attempt_timestamp_seconds", ())] == 5.0


def test_missing_state_is_a_fresh_kiosk(tmp_path: Path) -> None:
    assert load_state(tmp_path) == UpdaterState()
