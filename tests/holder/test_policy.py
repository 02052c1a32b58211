"""Per-service holder-verification policy in the service catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config.loader import ConfigError
from kiosk.session.catalogue import load_catalogue
from kiosk.session.view import Connectivity
from kiosk.session.view_builder import build_menu

CATALOGUE = Path(__file__).resolve().parents[2] / "config" / "services.toml"


def test_shipped_policy() -> None:
    catalogue = load_catalogue(CATALOGUE)
    policy = {s.id: s.holder_verification for s in catalogue.services}
    assert policy["registry_record"] == "required"  # shows the household: must be the holder
    assert policy["counter_ticket"] == "none"
    assert policy["card_status"] == "none"


def test_menu_marks_services_that_will_ask_until_verified() -> None:
    catalogue = load_catalogue(CATALOGUE)
    kwargs = {"connectivity": Connectivity.ONLINE, "queue_accepting": True,
              "printer_ready": True}
    before = {e.service_id: e.asks_holder for e in build_menu(catalogue, **kwargs)}
    assert before["registry_record"] is True
    assert before["counter_ticket"] is False and before["card_status"] is False
    after = build_menu(catalogue, holder_verified=True, **kwargs)
    assert not any(e.asks_holder for e in after)


@pytest.mark.parametrize("value", ['"always"', "true", '""'])
def test_bad_policy_names_the_key_and_the_file(tmp_path: Path, value: str) -> None:
    text = CATALOGUE.read_text("utf-8").replace(
        'holder_verification = "required"', f"holder_verification = {value}")
    path = tmp_path / "services.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as info:
        load_catalogue(path)
    assert "holder_verification" in str(info.value) and str(path) in str(info.value)


def test_holder_timing_comes_from_the_typed_config(tmp_path: Path) -> None:
    from kiosk.app import timeouts_from
    from kiosk.config import load_settings

    config = CATALOGUE.parent / "kiosk.toml"
    settings = load_settings(config)
    assert timeouts_from(settings).holder_timeout_s == settings.session.holder_timeout_s
    text = config.read_text("utf-8").replace("holder_poll_s = 0.25", "holder_poll_s = 0")
    text = text.replace('services_file = "services.toml"',
                        f'services_file = "{CATALOGUE}"')
    bad = tmp_path / "kiosk.toml"
    bad.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=r"session\.holder_poll_s"):
        load_settings(bad)


@pytest.mark.parametrize("line", ["holder_wait_s = 9.0", "holder_wait_s = 11",
                                  'holder_wait_s = "8"'])
def test_a_long_poll_that_cannot_fit_its_call_names_the_key(tmp_path: Path, line: str) -> None:
    from kiosk.config import load_settings

    config = CATALOGUE.parent / "kiosk.toml"
    assert load_settings(config).linkage.holder_wait_s == 8.0
    text = config.read_text("utf-8").replace("holder_wait_s = 8.0", line)
    text = text.replace('services_file = "services.toml"', f'services_file = "{CATALOGUE}"')
    bad = tmp_path / "kiosk.toml"
    bad.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as info:  # 9 s + 1.5 s > read_timeout_s 10 s; > 10; text
        load_settings(bad)
    assert "holder_wait_s" in str(info.value) and str(bad) in str(info.value)


def test_an_unset_long_poll_shrinks_to_fit_shorter_call_timeouts(tmp_path: Path) -> None:
    from kiosk.config import load_settings

    config = CATALOGUE.parent / "kiosk.toml"
    text = config.read_text("utf-8").replace("holder_wait_s = 8.0\n", "read_timeout_s = 5.0\n")
    assert "holder_wait_s" not in text
    here = config.parent  # the copy lives elsewhere: its relative paths point back here
    profiles = 'profiles_file = "printer-profiles.toml"'
    text = text.replace('"../', f'"{here.parent}/').replace(
        profiles, profiles.replace('"printer', f'"{here}/printer'))
    text = text.replace('services_file = "services.toml"', f'services_file = "{CATALOGUE}"')
    short = tmp_path / "kiosk.toml"
    short.write_text(text, "utf-8")
    assert load_settings(short).linkage.holder_wait_s == 3.5  # 5 s less the answer's 1.5 s
