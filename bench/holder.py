"""Benchmark: one ThaID holder verification over loopback TLS, step by step.

The whole back end in this process (`simulators.thaid.stack.run_holder_stack`): the kiosk
starts a verification over mutual TLS, the simulated phone opens the QR's URL at the ThaID
simulator, confirms and follows the redirect to the gateway (which exchanges the code, with
Basic auth and PKCE, and validates the RS256 ID token against the JWKS), then the kiosk
polls the decision. Baseline in the same run: the kiosk's `services` call (one mutual-TLS
round trip on the pooled connection), so the ratios say what ThaID adds.

    .venv/bin/python bench/holder.py [--runs 40]

Prints a table, then ONE JSON object of the figures as the last line. The phone step is the
citizen's side; the kiosk only waits for it (QR on screen, a long-poll parked at the
gateway: bench/session.py times the kiosk's reaction to the decision).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kiosk.config.loader import read_secret  # noqa: E402
from kiosk.linkage.client import LinkageClient, tls_context  # noqa: E402
from kiosk.linkage.holder import (  # noqa: E402
    HolderStatus,
    poll_verification,
    start_verification,
)
from kiosk.linkage.pki import ensure_kiosk_credentials  # noqa: E402
from simulators.seeds import load_seeds  # noqa: E402
from simulators.thaid import phone  # noqa: E402
from simulators.thaid.stack import run_holder_stack  # noqa: E402

KIOSK_ID = "BENCH-1017-01"


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median_ms": round(statistics.median(ordered) * 1000, 2),
            "p10_ms": round(ordered[len(ordered) // 10] * 1000, 2),
            "p90_ms": round(ordered[(len(ordered) * 9) // 10] * 1000, 2)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    from check import quick  # bench/check.py: BENCH_QUICK=1 is the short setting
    parser.set_defaults(**quick(runs=10))
    args = parser.parse_args()
    pid = load_seeds().citizens[0].cid
    steps: dict[str, list[float]] = {"baseline_services": [], "start": [], "phone": [],
                                     "poll": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        creds = ensure_kiosk_credentials(root / "pki", KIOSK_ID)
        with run_holder_stack(state_dir=root / "server", pki_dir=creds.ca_file.parent
                              ) as stack, LinkageClient(
                base_url=stack.server.base_url, kiosk_id=KIOSK_ID,
                ssl_context=tls_context(creds.ca_file, creds.cert_file, creds.key_file),
                device_key_pem=read_secret(creds.device_key_file, what="device key")
        ) as client:
            client.login()
            start_verification(client, pid)  # warm: discovery + JWKS cached by the gateway
            for _ in range(args.runs):
                t0 = time.perf_counter()
                client.services()
                t1 = time.perf_counter()
                started = start_verification(client, pid)
                t2 = time.perf_counter()
                assert started.authorizationURL
                answer = phone.approve(started.authorizationURL, pid, ca_file=stack.ca_file)
                t3 = time.perf_counter()
                state = poll_verification(client, started.verificationID)
                t4 = time.perf_counter()
                assert answer.status == 200 and state.status is HolderStatus.VERIFIED
                for key, value in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3),
                                      strict=True):
                    steps[key].append(value)
    figures: dict[str, object] = {"bench": "holder", "runs": args.runs}
    base = statistics.median(steps["baseline_services"])
    for key, samples in steps.items():
        step = {**_ms(samples), "x_baseline": round(statistics.median(samples) / base, 1)}
        figures[key] = step
        print(f"{key:<18} median {step['median_ms']:8.2f} ms "
              f"(p10 {step['p10_ms']}, p90 {step['p90_ms']}, x{step['x_baseline']})")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
