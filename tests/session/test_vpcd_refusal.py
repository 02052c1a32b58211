"""Production refuses to serve next to a vpcd virtual reader; the demo does not."""

from __future__ import annotations

from pathlib import Path

from kiosk.app import vpcd_refusal
from kiosk.config import load_settings
from kiosk.maintenance.vpcd import VpcdEntry, VpcdFinding

ROOT = Path(__file__).resolve().parents[2]
FOUND = VpcdFinding((VpcdEntry(Path("/etc/reader.conf.d/vpcd"), 35963),), (35963,))
NONE = VpcdFinding((), ())


def test_production_with_pcsc_refuses_when_vpcd_is_configured() -> None:
    demo = load_settings(ROOT / "config" / "kiosk.toml")
    production = demo.model_copy(update={
        "demo": demo.demo.model_copy(update={"enabled": False}),
        "card": demo.card.model_copy(update={"driver": "pcsc"}),
    })
    reason = vpcd_refusal(production, lambda: FOUND)
    assert reason is not None and "/etc/reader.conf.d/vpcd" in reason and "purge" in reason
    assert vpcd_refusal(production, lambda: NONE) is None
    assert vpcd_refusal(demo, lambda: FOUND) is None  # the demo uses vpcd on purpose
