"""Reading the kiosk's Prometheus metrics as Prometheus does: over real HTTP on loopback."""

from __future__ import annotations

import httpx

from kiosk.appliance.metrics import KioskMetrics, serve


def scrape_port(port: int) -> str:
    """The text exposition a metrics server on `port` serves now."""
    reply = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    reply.raise_for_status()
    return reply.text


def scrape(m: KioskMetrics) -> str:
    """One scrape of `m` from a server of its own, closed afterwards."""
    server = serve(m, 0)
    try:
        return scrape_port(server.port)
    finally:
        server.close()
