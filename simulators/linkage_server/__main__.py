"""``python -m simulators.linkage_server --port 8443 --state-dir .state/linkage-server``

Serves the seed dataset over mutual TLS, with the ThaID simulator and the holder-verification
gateway beside it (``--no-thaid``: without). The test PKI (CA, server certificate, registry)
is created in ``--pki-dir`` (default: STATE_DIR/pki) when missing; issue a kiosk's client
certificate and device key with ``--issue-kiosk KIOSK-ID``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import uvicorn

from kiosk.config.loader import write_secret
from kiosk.linkage.pki import ensure_kiosk_credentials, ensure_server_pki
from simulators.linkage_server.api import ServerPolicy
from simulators.linkage_server.app import LinkageServer
from simulators.linkage_server.data import SeedIndex
from simulators.linkage_server.limits import BODY_TIMEOUT_S
from simulators.linkage_server.runner import uvicorn_config
from simulators.serving import bind_socket


def _hours(text: str) -> tuple[dt.time, dt.time]:
    start, _, end = text.partition("-")
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulators.linkage_server",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--pki-dir", type=Path)
    parser.add_argument("--issue-kiosk", action="append", default=[], metavar="KIOSK_ID")
    parser.add_argument("--service-hours", type=_hours, help="e.g. 08:30-16:30 (Bangkok)")
    parser.add_argument("--daily-quota", type=int)
    parser.add_argument("--token-ttl", type=float, default=3600.0)
    parser.add_argument("--no-thaid", action="store_true",
                        help="without the ThaID simulator and holder-verification gateway")
    parser.add_argument("--body-timeout", type=float, default=BODY_TIMEOUT_S,
                        help="seconds a request body may take to arrive (then 408)")
    args = parser.parse_args(argv)
    pki_dir = args.pki_dir or args.state_dir / "pki"
    pki = ensure_server_pki(pki_dir)
    for kiosk_id in args.issue_kiosk:
        creds = ensure_kiosk_credentials(pki_dir, kiosk_id)
        print(f"kiosk {kiosk_id}: cert {creds.cert_file}, key {creds.key_file}, "
              f"device key {creds.device_key_file}")
    policy = ServerPolicy(service_hours=args.service_hours, daily_quota=args.daily_quota,
                          token_ttl_s=args.token_ttl)
    thaid = None
    if not args.no_thaid:  # holder verification (docs/holder-verification.md)
        from simulators.thaid.stack import start_thaid

        thaid = start_thaid(state_dir=args.state_dir, pki_dir=pki_dir, host=args.host)
    server = LinkageServer(state_dir=args.state_dir, registry_file=pki.registry_file,
                           seeds=SeedIndex.load_default(), policy=policy,
                           holder=thaid.gateway if thaid else None,
                           body_timeout_s=args.body_timeout)
    token_file = args.state_dir / "admin-token"
    write_secret(token_file, server.admin_token.encode())
    sock = bind_socket(args.host, args.port)
    print(f"reference Linkage server on https://{args.host}:{sock.getsockname()[1]} "
          f"(CA {pki.ca_file}; /_admin token in {token_file})", flush=True)
    if thaid is not None:  # after the server's own line, which integrators read first
        print(f"  with the ThaID simulator on {thaid.thaid.issuer}, redirect endpoint "
              f"{thaid.gateway.redirect_uri}", flush=True)
    try:
        uvicorn.Server(uvicorn_config(server, pki, host=args.host, port=args.port)).run(
            sockets=[sock])
    finally:
        if thaid is not None:
            thaid.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
