"""Run inside the test container with the installed venv (``/opt/linkage-kiosk/venv``).

    inside.py enqueue CONFIG ACCEPTED_LOG STOP_FILE
        enqueue submissions into the kiosk's real outbox until STOP_FILE exists; each key
        goes to ACCEPTED_LOG only after `enqueue` returned (durably committed): the items
        the kiosk told a citizen it accepted.
    inside.py verify CONFIG ACCEPTED_LOG SERVER_STATE_DIR
        wait until nothing is waiting, then compare with the reference server's own
        per-key counts (``/_admin/submissions``); prints one JSON line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import sys
import threading
import uuid
from pathlib import Path

import httpx

from kiosk.config import load_settings
from kiosk.linkage import models as M
from kiosk.linkage.client import tls_context
from kiosk.outbox.linkage_deliverer import encode_submission
from kiosk.outbox.model import ItemKind
from kiosk.outbox.service import Outbox
from simulators.linkage_server.data import SeedIndex

DRAIN_S = 300.0


def enqueue(config: str, accepted_log: str, stop_file: str) -> int:
    settings = load_settings(config)
    outbox = Outbox(settings.outbox, settings.kiosk.id)
    citizens = list(SeedIndex.load_default().citizen_ids())
    fd = os.open(accepted_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    pause = threading.Event()
    i = 0
    run = uuid.uuid4().hex[:8]
    try:
        while not Path(stop_file).exists():
            key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"container-test/{run}/{i}"))
            body = M.SubmissionRequest(
                kind="address-change", personalID=citizens[i % len(citizens)],
                consentedAt=dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0,
                                                            microsecond=0),
                payload={"newAddress": f"{i} ถนนราชดำเนิน", "n": i})
            outbox.enqueue(ItemKind.SUBMISSION, encode_submission(body), idempotency_key=key)
            os.write(fd, f"{key}\n".encode())
            i += 1
            pause.wait(0.2)  # a busy kiosk's pace, a few per second
    finally:
        outbox.close()
    return 0


def verify(config: str, accepted_log: str, server_state: str) -> int:
    settings = load_settings(config)
    db = settings.outbox.database
    waiting = -1
    deadline = threading.Event()
    timer = threading.Timer(DRAIN_S, deadline.set)
    timer.start()
    try:
        while not deadline.is_set():
            with sqlite3.connect(db) as conn:
                (waiting,) = conn.execute("SELECT count(*) FROM items WHERE state IN "
                                          "('pending', 'in_flight')").fetchone()
                (dead,) = conn.execute("SELECT count(*) FROM items WHERE state = 'dead'"
                                       ).fetchone()
            if waiting == 0:
                break
            deadline.wait(1.0)
    finally:
        timer.cancel()
    link = settings.linkage
    token = (Path(server_state) / "admin-token").read_text().strip()
    with httpx.Client(base_url=link.base_url, verify=tls_context(
            link.ca_file, link.client_cert_file, link.client_key_file), timeout=30) as client:
        stats = client.get("/_admin/submissions", headers={"X-Admin-Token": token}).json()
    accepted = {line for line in Path(accepted_log).read_text().splitlines() if line}
    by_key = {s["key"]: s for s in stats}
    lost = sorted(k for k in accepted if by_key.get(k, {}).get("accepted", 0) == 0)
    twice = sorted(k for k, s in by_key.items() if s["accepted"] > 1)
    print(json.dumps({"accepted": len(accepted), "server_keys": len(by_key),
                      "waiting": waiting, "dead": dead, "lost": len(lost),
                      "accepted_twice": len(twice), "lost_keys": lost[:5],
                      "replays": sum(s["replays"] for s in stats)}))
    return 0


if __name__ == "__main__":
    action, *rest = sys.argv[1:]
    sys.exit(enqueue(*rest) if action == "enqueue" else verify(*rest))
