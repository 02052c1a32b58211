"""Outbox benchmark: durable enqueue rate, and the drain of 10,000 queued items after an
outage against the reference Linkage server — ours side by side with persist-queue's
``SQLiteAckQueue`` doing the same work, in the same run.

Both queues are SQLite files in WAL mode with ``synchronous=FULL`` (persist-queue's
default here is FULL too: the figure is reported), on the same disk.

* **enqueue**: ``--enqueue-n`` submissions (the same ~400-byte JSON), one durable commit
  each. Ours: `OutboxStore.enqueue` (AES-GCM sealing, reference number, idempotency key) and
  the kiosk's real path `Outbox.enqueue` (hop to the owner thread); persist-queue: ``put``
  of a dict holding key and payload (pickled, not encrypted).
* **drain**: ``--items`` submissions are queued while the server is unreachable; then it
  is back and we time until the last one is accepted. Ours: the `Sender` with the real
  `LinkageDeliverer` (claims of 50, results recorded in group commits). persist-queue:
  ``get`` → the same `LinkageClient.submit` with the item's Idempotency-Key → ``ack``.
  Same client settings (one attempt per call, pooled mutual-TLS connection, logged in
  before timing); the reference server runs in its own process.

* **fast drain** (issue 28.3): ``--fast-items`` (2,000: a busy office after a day offline)
  queued, then drained by the `Sender` against ``simulators/fast_linkage.py``, a centre that
  answers each submission after 1 ms (in its own process), with
  ``delivery_concurrency`` = ``--concurrency`` and = 1 in the same round (the ratio is
  per round). The server's own count says how many keys it accepted and how many it saw
  twice: lost = items - accepted, duplicated = replays.
* **CPU**: for every drain, the kiosk's CPU per item (this process's CPU time over the
  drain / items; the servers run in other processes) and the server's (its process's CPU
  time from ``/proc``), so the share of the wall-clock time that is the kiosk's is stated.

Figures are medians with min/max over ``--repeats`` / ``--drain-repeats`` runs; ratios are
ours vs persist-queue, also per round (both back to back) to damp the load of other
processes on a shared machine. The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import persistqueue

from kiosk.config.loader import read_secret
from kiosk.config.settings import OutboxSettings
from kiosk.linkage import models as M
from kiosk.linkage.client import LinkageClient, Timeouts, tls_context
from kiosk.linkage.pki import KioskCredentials, ensure_kiosk_credentials
from kiosk.linkage.retry import RetryPolicy as ClientRetryPolicy
from kiosk.outbox.crypto import ensure_outbox_key, load_outbox_cipher
from kiosk.outbox.linkage_deliverer import LinkageDeliverer, encode_submission
from kiosk.outbox.model import ItemKind, ItemState
from kiosk.outbox.sender import Sender
from kiosk.outbox.service import Outbox
from kiosk.outbox.store import OutboxStore
from simulators.reference_centre import await_url, registered_citizen

KIOSK_ID = "BENCH-1017-01"
REPO = Path(__file__).resolve().parent.parent


def submission(n: int) -> M.SubmissionRequest:
    return M.SubmissionRequest(
        kind="certified-copy", serviceID=int(M.ServiceId.HOUSE_REGISTRATION),
        personalID=registered_citizen(n),
        consentedAt=dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0),
        payload={"document": "house_registration", "copies": 1, "pickupOffice": "1017",
                 "kioskID": KIOSK_ID, "note": "ขอสำเนาทะเบียนบ้านฉบับรับรอง " * 4},
    )


def outbox_settings(directory: Path) -> OutboxSettings:
    settings = OutboxSettings.model_validate(
        {"database": directory / "outbox.sqlite3", "key_file": directory / "outbox.key"})
    ensure_outbox_key(settings)
    return settings


def spread(values: list[float], digits: int = 1) -> dict[str, float]:
    return {"median": round(statistics.median(values), digits),
            "min": round(min(values), digits), "max": round(max(values), digits)}


# -- the reference server in its own process ---------------------------------------------------

def start_server(state: Path, *, fast_delay_ms: float | None = None,
                 ) -> tuple[subprocess.Popen[str], str, KioskCredentials]:
    pki = state / "pki"
    creds = ensure_kiosk_credentials(pki, KIOSK_ID)
    command = ([sys.executable, "-m", "simulators.linkage_server", "--port", "0",
                "--state-dir", str(state / "server"), "--pki-dir", str(pki)]
               if fast_delay_ms is None else
               [sys.executable, "-m", "simulators.fast_linkage", "--pki-dir", str(pki),
                "--delay-ms", str(fast_delay_ms)])
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    return proc, await_url(proc), creds


def proc_cpu_s(pid: int) -> float:
    """User + system CPU time of a process (the server's), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclasses.dataclass
class Drain:
    seconds: float
    kiosk_cpu_s: float
    server_cpu_s: float


def client(base_url: str, creds: KioskCredentials, connections: int = 1) -> LinkageClient:
    c = LinkageClient(
        max_connections=connections,
        base_url=base_url, kiosk_id=creds.kiosk_id,
        ssl_context=tls_context(creds.ca_file, creds.cert_file, creds.key_file),
        device_key_pem=read_secret(creds.device_key_file, what="device key"),
        timeouts=Timeouts(connect_s=3.0, read_s=10.0, total_s=20.0),
        retry=ClientRetryPolicy(max_attempts=1, total_s=20.0),
    )
    c.login()
    return c


# -- enqueue -----------------------------------------------------------------------------------

def rate(n: int, work: Callable[[int], object]) -> float:
    started = time.perf_counter()
    for i in range(n):
        work(i)
    return n / (time.perf_counter() - started)


def enqueue_round(root: Path, n: int, payloads: list[bytes]) -> dict[str, float]:
    store_dir, box_dir, pq_dir = root / "store", root / "box", root / "pq"
    settings = outbox_settings(store_dir)
    store = OutboxStore(settings.database, load_outbox_cipher(settings), KIOSK_ID)
    ours_store = rate(n, lambda i: store.enqueue(ItemKind.SUBMISSION, payloads[i % 50]))
    store.close()
    box = Outbox(outbox_settings(box_dir), KIOSK_ID)
    ours_box = rate(n, lambda i: box.enqueue(ItemKind.SUBMISSION, payloads[i % 50]))
    box.close()
    queue = persistqueue.SQLiteAckQueue(str(pq_dir))
    pq = rate(n, lambda i: queue.put({"key": str(uuid.uuid4()), "payload": payloads[i % 50]}))
    queue.close()
    return {"ours_store": ours_store, "ours_outbox": ours_box, "persist_queue": pq}


# -- drain -------------------------------------------------------------------------------------

def drain_ours(root: Path, items: int, payloads: list[bytes], base_url: str,
               creds: KioskCredentials, server_pid: int, concurrency: int) -> Drain:
    box = Outbox(outbox_settings(root), KIOSK_ID)
    for i in range(items):  # queued during the outage
        box.call(lambda s, i=i: s.enqueue(ItemKind.SUBMISSION, payloads[i % 50]), writes=True)
    deliverer = LinkageDeliverer(client(base_url, creds, concurrency), concurrency=concurrency)
    sender = Sender(box, deliverer)
    sender.start_lease()
    cpu, server_cpu = time.process_time(), proc_cpu_s(server_pid)
    started = time.perf_counter()
    box.connectivity.record_probe(deliverer.probe())  # the server is back
    deadline = time.monotonic() + 600
    while True:
        if sender.run_once():
            continue
        # Nothing due now: done only when nothing is pending, else wait until the next retry.
        due = box.call(lambda s: s.next_due_at())
        if due is None:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"drain did not finish: {box.call(lambda s: s.status()).counts}")
        box.wait_for_work(max(0.0, due - time.time()))
    elapsed = time.perf_counter() - started
    result = Drain(elapsed, time.process_time() - cpu, proc_cpu_s(server_pid) - server_cpu)
    status = box.call(lambda s: s.status())
    assert status.counts[ItemState.DELIVERED] == items, status
    assert status.counts[ItemState.PENDING] == 0, status
    deliverer.close()
    box.close()
    return result


def drain_persist_queue(root: Path, items: int, payloads: list[bytes], base_url: str,
                        creds: KioskCredentials, server_pid: int) -> Drain:
    queue = persistqueue.SQLiteAckQueue(str(root))
    for i in range(items):
        queue.put({"key": str(uuid.uuid4()), "payload": payloads[i % 50]})
    linkage = client(base_url, creds)
    cpu, server_cpu = time.process_time(), proc_cpu_s(server_pid)
    started = time.perf_counter()
    linkage.services()  # the same reachability probe ours makes
    sent = 0
    while True:
        try:
            item = queue.get(block=False)
        except persistqueue.Empty:
            break
        request = M.SubmissionRequest.model_validate_json(item["payload"])
        linkage.submit(request, item["key"])
        queue.ack(item)
        sent += 1
    result = Drain(time.perf_counter() - started, time.process_time() - cpu,
                   proc_cpu_s(server_pid) - server_cpu)
    assert sent == items and queue.acked_count() == items
    linkage.close()
    queue.close()
    return result


def fast_stats(base_url: str, creds: KioskCredentials) -> dict[str, Any]:
    with client(base_url, creds) as c:
        answer = c._http.get(f"{base_url}/_stats")
    answer.raise_for_status()
    stats: dict[str, Any] = answer.json()
    return stats


def cpu_figures(runs: list[Drain], items: int) -> dict[str, Any]:
    """Per item, in ms (medians over the runs), and the kiosk's share of the CPU."""
    kiosk = [1000 * r.kiosk_cpu_s / items for r in runs]
    server = [1000 * r.server_cpu_s / items for r in runs]
    return {"kiosk_cpu_ms_per_item": spread(kiosk, 3),
            "server_cpu_ms_per_item": spread(server, 3),
            "wall_ms_per_item": spread([1000 * r.seconds / items for r in runs], 3),
            "kiosk_share_of_cpu": round(statistics.median(
                [r.kiosk_cpu_s / max(r.kiosk_cpu_s + r.server_cpu_s, 1e-9) for r in runs]), 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enqueue-n", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--drain-repeats", type=int, default=3)
    parser.add_argument("--fast-items", type=int, default=2000)
    parser.add_argument("--fast-repeats", type=int, default=3)
    parser.add_argument("--fast-delay-ms", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int,
                        default=OutboxSettings.model_fields["delivery_concurrency"].default)
    from check import quick  # bench/check.py: BENCH_QUICK=1 is the short setting
    parser.set_defaults(**quick(enqueue_n=300, repeats=3, items=1000, drain_repeats=2,
                              fast_items=1000, fast_repeats=2))
    args = parser.parse_args()
    payloads = [encode_submission(submission(n)) for n in range(50)]
    root = Path(tempfile.mkdtemp(prefix="bench-outbox-", dir=os.environ.get("BENCH_DIR")))
    proc, base_url, creds = start_server(root)
    fast_proc, fast_url, fast_creds = start_server(root / "fast",
                                                   fast_delay_ms=args.fast_delay_ms)
    try:
        enqueue: dict[str, list[float]] = {"ours_store": [], "ours_outbox": [],
                                           "persist_queue": []}
        for r in range(args.repeats):
            for name, value in enqueue_round(root / f"enq{r}", args.enqueue_n, payloads).items():
                enqueue[name].append(value)
            print(f"enqueue round {r + 1}: " + ", ".join(
                f"{k} {v[-1]:.0f}/s" for k, v in enqueue.items()), flush=True)
        drains: dict[str, list[Drain]] = {"ours": [], "persist_queue": []}
        for r in range(args.drain_repeats):
            drains["ours"].append(drain_ours(root / f"drain-ours{r}", args.items, payloads,
                                             base_url, creds, proc.pid, args.concurrency))
            drains["persist_queue"].append(drain_persist_queue(
                root / f"drain-pq{r}", args.items, payloads, base_url, creds, proc.pid))
            print(f"drain round {r + 1}: ours {drains['ours'][-1].seconds:.1f} s, "
                  f"persist-queue {drains['persist_queue'][-1].seconds:.1f} s", flush=True)
        fast: dict[str, list[Drain]] = {"concurrent": [], "one_at_a_time": []}
        stats_before = fast_stats(fast_url, fast_creds)
        for r in range(args.fast_repeats):
            for name, concurrency in (("concurrent", args.concurrency), ("one_at_a_time", 1)):
                fast[name].append(drain_ours(
                    root / f"fast-{name}{r}", args.fast_items, payloads, fast_url, fast_creds,
                    fast_proc.pid, concurrency))
            print(f"fast drain round {r + 1}: concurrency {args.concurrency} "
                  f"{args.fast_items / fast['concurrent'][-1].seconds:.0f} items/s, one at a "
                  f"time {args.fast_items / fast['one_at_a_time'][-1].seconds:.0f} items/s",
                  flush=True)
        stats = fast_stats(fast_url, fast_creds)
    finally:
        for p in (proc, fast_proc):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:  # uvicorn waits for idle keep-alives
                p.kill()
                p.wait(10)
        shutil.rmtree(root, ignore_errors=True)

    sent = args.fast_items * args.fast_repeats * 2
    accepted = stats["accepted"] - stats_before["accepted"]
    seconds = {k: [d.seconds for d in v] for k, v in drains.items()}
    fast_s = {k: [d.seconds for d in v] for k, v in fast.items()}
    figures: dict[str, Any] = {
        "bench": "outbox",
        "synchronous": {"ours": "FULL", "persist_queue": "FULL"},
        "payload_bytes": len(payloads[0]),
        "enqueue_n": args.enqueue_n,
        "repeats": args.repeats,
        "enqueue_per_s": {k: spread(v, 0) for k, v in enqueue.items()},
        "enqueue_ratio_ours_store_vs_pq": round(
            statistics.median(enqueue["ours_store"]) / statistics.median(enqueue["persist_queue"]),
            2),
        "enqueue_ratio_ours_outbox_vs_pq": round(
            statistics.median(enqueue["ours_outbox"])
            / statistics.median(enqueue["persist_queue"]), 2),
        "delivery_concurrency": args.concurrency,
        "drain_items": args.items,
        "drain_repeats": args.drain_repeats,
        "drain_s": {k: spread(v, 2) for k, v in seconds.items()},
        "drain_items_per_s": {k: round(args.items / statistics.median(v), 0)
                              for k, v in seconds.items()},
        "drain_time_ratio_ours_vs_pq": round(
            statistics.median(seconds["ours"]) / statistics.median(seconds["persist_queue"]), 2),
        "drain_cpu": {k: cpu_figures(v, args.items) for k, v in drains.items()},
        "fast_drain": {
            "server_delay_ms": args.fast_delay_ms,
            "items": args.fast_items,
            "repeats": args.fast_repeats,
            "items_per_s": {k: spread([args.fast_items / x for x in v], 0)
                            for k, v in fast_s.items()},
            "speedup_concurrent_vs_one_at_a_time": spread(
                [b / a for a, b in zip(fast_s["concurrent"], fast_s["one_at_a_time"],
                                       strict=True)], 2),
            "cpu": {k: cpu_figures(v, args.fast_items) for k, v in fast.items()},
            "server_max_in_flight": stats["max_in_flight"],
            "lost": sent - accepted,
            "duplicated": stats["replays"] - stats_before["replays"],
            "goal_items_per_s": 500,
            "goal_met": statistics.median(
                [args.fast_items / x for x in fast_s["concurrent"]]) >= 500,
        },
        # Per round, both ran back to back: the ratio of a round is less exposed to the
        # load other processes put on the shared disk than a ratio of separate medians.
        "paired_round_ratios": {
            "enqueue_ours_store_vs_pq": spread(
                [a / b for a, b in zip(enqueue["ours_store"], enqueue["persist_queue"],
                                       strict=True)], 2),
            "enqueue_ours_outbox_vs_pq": spread(
                [a / b for a, b in zip(enqueue["ours_outbox"], enqueue["persist_queue"],
                                       strict=True)], 2),
            "drain_time_ours_vs_pq": spread(
                [a / b for a, b in zip(seconds["ours"], seconds["persist_queue"],
                                       strict=True)], 2),
        },
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
