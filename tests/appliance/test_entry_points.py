"""Issue 16: every entry point logs alike (time, level, citizen IDs masked), and the
appliance sets Kivy's environment before anything imports Kivy."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config.loader import DEFAULT_CONFIG, REPO_ROOT
from kiosk.logging_setup import PiiFilter


def _config(tmp_path: Path) -> Path:
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    text = text.replace('"../.state', f'"{tmp_path}/state').replace(
        '"../seeds/', f'"{REPO_ROOT}/seeds/').replace(
        '"printer-profiles.toml"', f'"{REPO_ROOT}/config/printer-profiles.toml"').replace(
        '"services.toml"', f'"{REPO_ROOT}/config/services.toml"')
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_appliance_accepts_its_own_config_flag_with_kivy_imported(tmp_path: Path) -> None:
    """Kivy parses sys.argv at import unless KIVY_NO_ARGS is set: ``--config FILE`` then
    crashed the appliance when run by hand. `run` is replaced by one that imports Kivy the
    way the real one does (through the app); the real argv is kept."""
    config = _config(tmp_path)
    script = (
        "import sys\n"
        "import kiosk.appliance.__main__ as appliance\n"
        "def run(settings, with_sender=False):\n"
        "    import kivy  # what run() does first, through kiosk.app and kiosk.ui\n"
        "    import os\n"
        "    return 0 if os.environ.get('KIVY_NO_ARGS') == '1' else 5\n"
        "appliance.run = run\n"
        "sys.exit(appliance.main())\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
    done = subprocess.run([sys.executable, "-c", script, "--config", str(config)],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.parametrize("command", [["check-config"], ["outbox", "status"],
                                     ["maintenance", "profiles"]])
def test_every_command_logs_with_time_level_and_masking(
    tmp_path: Path, command: list[str]
) -> None:
    from kiosk.__main__ import main
    from kiosk.config import load_settings
    from kiosk.outbox.crypto import ensure_outbox_key

    config = _config(tmp_path)
    ensure_outbox_key(load_settings(config).outbox)
    assert main(["--config", str(config), *command]) == 0
    ours = [h for h in logging.getLogger().handlers if any(
        isinstance(f, PiiFilter) for f in h.filters)]
    assert ours, "no masking handler installed"
    record = logging.LogRecord("kiosk.test", logging.WARNING, __file__, 1,
                               "citizen %s asked", ("1101700230705",), None)
    line = ours[0].format(record) if ours[0].filter(record) else ""
    assert "1101700230705" not in line and "1-1017-xxxxx-xx-5" in line
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING ", line), line

