"""Alertmanager's side of the fleet tests: a webhook that records notifications, and the
shipped example config with its receivers pointed at that webhook."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

ALERTMANAGER_DIR = Path(__file__).resolve().parents[2] / "ops" / "alertmanager"


@dataclass
class Webhook:
    """Alertmanager's webhook notifications, as received."""

    url: str = ""
    received: list[tuple[str, dict]] = field(default_factory=list)  # (path, body)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, what: str, condition: Callable[[], bool], deadline_s: float
                 ) -> None:
        deadline = time.monotonic() + deadline_s
        with self.changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"{what}: not within {deadline_s} s; got {self.received}")
                self.changed.wait(left)


def start_webhook() -> tuple[ThreadingHTTPServer, Webhook]:
    hook = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with hook.changed:
                hook.received.append((self.path, body))
                hook.changed.notify_all()
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook.url = f"http://127.0.0.1:{server.server_address[1]}"
    return server, hook


def alertmanager_config(webhook: str) -> str:
    """The shipped example, its receivers turned into webhooks named after them, its
    waits shortened; routing, grouping and inhibition stay as shipped."""
    config = yaml.safe_load((ALERTMANAGER_DIR / "alertmanager.example.yml").read_text())
    config["templates"] = [str(ALERTMANAGER_DIR / "kiosk.tmpl")]
    for receiver in config["receivers"]:
        name = receiver["name"]
        receiver.clear()
        receiver.update(name=name, webhook_configs=[{"url": f"{webhook}/{name}",
                                                     "send_resolved": False}])
    routes = [config["route"], *config["route"].get("routes", [])]
    for route in routes:
        route.update(group_wait="1s", group_interval="1s")
    return yaml.safe_dump(config)
