"""``python -m kiosk.fleet [--config FLEET_TOML] COMMAND``: the kiosk's fleet updater.

    update      one updater run (the timer's service): maybe install, self-check, roll back
    selfcheck   run the self-check of the installed release; exit 1 if any check fails
    metrics     print the update metrics (Prometheus text); --serve PORT serves them on
                127.0.0.1 for a scraper
    status      the updater's state as JSON
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kiosk.fleet.config import FleetConfigError, load_fleet_config
from kiosk.fleet.selfcheck import run_selfcheck
from kiosk.fleet.state import load_state, render_metrics
from kiosk.fleet.updater import run_update

DEFAULT_CONFIG = Path("/etc/linkage-kiosk/fleet.toml")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.fleet",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("update")
    sub.add_parser("selfcheck")
    metrics = sub.add_parser("metrics")
    metrics.add_argument("--serve", type=int, metavar="PORT")
    sub.add_parser("status")
    args = parser.parse_args(argv)
    try:
        cfg = load_fleet_config(args.config)
    except FleetConfigError as exc:
        print(f"fleet configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "update":
        result = run_update(cfg, args.config, say=lambda m: print(f"updater: {m}", flush=True))
        return 0 if result.result not in ("rolled_back", "install_failed") else 1
    if args.command == "selfcheck":
        results = run_selfcheck(cfg)
        for r in results:
            print(f"{'ok' if r.ok else 'FAIL'} {r.name}: {r.detail}")
        return 0 if results and all(r.ok for r in results) else 1
    if args.command == "status":
        print(json.dumps(asdict(load_state(cfg.state_dir)), indent=1, sort_keys=True))
        return 0
    if args.serve is None:
        sys.stdout.write(render_metrics(load_state(cfg.state_dir)))
        return 0
    _serve(cfg.state_dir, args.serve)
    return 0


def _serve(state_dir: Path, port: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = render_metrics(load_state(state_dir)).encode()
            self.send_response(200 if self.path == "/metrics" else 404)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.end_headers()
            self.wfile.write(body if self.path == "/metrics" else b"")

        def log_message(self, format: str, *args: object) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    sys.exit(main())
