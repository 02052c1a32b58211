"""``make fleet-update-demo``: the whole fleet-update story on this machine, step by step.

Builds v1, v2 and a v3 that fails its self-check (real .deb, dh-virtualenv); publishes them
to an aptly repository signed with a fleet key made for the demo, served on loopback; two
kiosks (Debian 12 roots, chroot) install v1 with apt: kiosk A follows canary, kiosk B hold.
A queues 20 items offline; v2 is promoted; A upgrades only once its session has ended; the
20 are delivered exactly once; v3 fails its self-check and A rolls back to v2 by itself
within the deadline, with the rollback alert firing in a real Prometheus and no queued item
lost; B stays on v1. Kiosks here run in a chroot: no systemd, so the self-check runs the
outbox check only and the demo restarts the sender after an upgrade as systemd would
(docs/fleet-updates.md says what the nspawn/systemd variant adds).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from simulators.fleet import Prometheus, free_port
from simulators.kiosk_root import KioskRoot

REPO = Path(__file__).resolve().parents[1]
DEBS = Path("/var/cache/linkage-kiosk/debs/demo")
V1, V2, V3 = "1.0.0", "1.1.0", "1.2.0"
PY = "/opt/linkage-kiosk/venv/bin/python"
KIOSK = "linkage-kiosk"
DEADLINE_S = 30
T0 = time.monotonic()
TIMES: dict[str, float] = {}


def step(text: str) -> None:
    print(f"[{time.monotonic() - T0:7.1f} s] {text}", flush=True)


def sh(args: list[str], **kw: object) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, text=True, capture_output=True, **kw)  # type: ignore[call-overload]


def tree_hash() -> str:
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], cwd=REPO, capture_output=True,
                           check=True).stdout.split(b"\0")
    h = hashlib.sha256()
    for name in sorted(f for f in files if f):
        path = REPO / name.decode()
        if path.is_file():
            h.update(name + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def build(version: str, fault: bool, prebuilt: Path | None = None) -> Path:
    if prebuilt is not None:
        deb = prebuilt / f"linkage-kiosk_{version}_amd64.deb"
        step(f"  {deb.name}: prebuilt by packaging/build-deb.sh in {prebuilt} (--prebuilt)")
        return deb
    out = DEBS / tree_hash()
    deb = out / f"linkage-kiosk_{version}_amd64.deb"
    if deb.exists():
        step(f"  {deb.name}: built before from this same tree (cache {out})")
        return deb
    started = time.monotonic()
    args = [str(REPO / "packaging/build-deb.sh"), "--out", str(out), "--version", version]
    if fault:
        args += ["--fault", "selfcheck"]
    sh(args)
    TIMES[f"build {version}"] = time.monotonic() - started
    step(f"  built {deb.name} in {TIMES[f'build {version}']:.0f} s")
    return deb


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def fleet_repo(repo: Path, *args: str) -> None:
    proc = subprocess.run([str(REPO / "packaging/fleet-repo.sh"), str(repo), *args],
                          text=True, capture_output=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"FAILED: fleet-repo.sh {' '.join(args)}: {proc.stderr.strip()}")
    out = proc.stdout.strip()
    step(f"  repo: {out.splitlines()[-1] if out else 'ok'}")


def kiosk_config(port: int) -> str:
    text = (REPO / "config/kiosk.toml").read_text()
    for old, new in (('"../.state', '"/var/lib/linkage-kiosk'),
                     ('"../seeds/', '"/opt/linkage-kiosk/share/seeds/'),
                     ('profiles_file = "printer-profiles.toml"',
                      'profiles_file = "/etc/linkage-kiosk/printer-profiles.toml"'),
                     ('services_file = "services.toml"',
                      'services_file = "/etc/linkage-kiosk/services.toml"'),
                     ("embedded_server = true", "embedded_server = false"),
                     ("https://127.0.0.1:8443", f"https://127.0.0.1:{port}")):
        text = text.replace(old, new)
    # Demo only: retry at most every 5 s, so the queue drains soon after the server is back.
    return text.replace("[outbox]\n", "[outbox]\nbackoff_cap_s = 5.0\n")


def fleet_toml(url: str, ring: str, window: tuple[str, str] = ("00:00", "23:59")) -> str:
    return (f'[repository]\nurl = "{url}"\nring = "{ring}"\n'
            'keyring = "/usr/share/keyrings/linkage-kiosk-fleet.gpg"\n'
            f'[window]\nstart = "{window[0]}"\nend = "{window[1]}"\n'
            f'[selfcheck]\ndeadline_s = {DEADLINE_S}\n'
            '# A chroot has no systemd, pcscd, printer or display: the outbox check only.\n'
            'units = []\nchecks = ["outbox"]\n')


def enrol(root: KioskRoot, url: str, ring: str, keyring: Path, port: int) -> None:
    """What a technician does once: trust the fleet key, point apt at the ring, install."""
    key = root.file("/usr/share/keyrings/linkage-kiosk-fleet.gpg")
    key.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(keyring, key)
    root.file("/etc/apt/sources.list.d/linkage-kiosk.list").write_text(
        f"deb [signed-by=/usr/share/keyrings/linkage-kiosk-fleet.gpg] {url} {ring} main\n")
    root.run(["apt-get", "-q", "update"], capture_output=True)
    started = time.monotonic()
    root.run(["apt-get", "-q", "-y", "install", f"linkage-kiosk={V1}"], capture_output=True)
    TIMES[f"apt install v1 ({root.path.name})"] = time.monotonic() - started
    root.file("/etc/linkage-kiosk/kiosk.toml").write_text(kiosk_config(port))
    root.file("/etc/linkage-kiosk/fleet.toml").write_text(fleet_toml(url, ring))
    root.run([PY, "-c", "from kiosk.config import load_settings; "
              "from kiosk.linkage.pki import ensure_demo_pki; "
              "from kiosk.outbox.crypto import ensure_outbox_key; "
              "s = load_settings('/etc/linkage-kiosk/kiosk.toml'); ensure_demo_pki(s); "
              "ensure_outbox_key(s.outbox)"], user=KIOSK, capture_output=True)
    step(f"  {root.path.name}: installed {installed(root)} from {ring} "
         f"in {TIMES[f'apt install v1 ({root.path.name})']:.0f} s")


def installed(root: KioskRoot) -> str:
    return root.run(["dpkg-query", "-W", "-f=${Version}", "linkage-kiosk"],
                    capture_output=True).stdout


def update(root: KioskRoot) -> tuple[int, str]:
    started = time.monotonic()
    proc = root.run([PY, "-m", "kiosk.fleet", "update"], check=False, capture_output=True)
    for line in proc.stdout.splitlines():
        step(f"    {line}")
    TIMES.setdefault("updater runs", 0.0)
    TIMES["updater runs"] += time.monotonic() - started
    return proc.returncode, proc.stdout


ENQUEUE = """
import sys, uuid, datetime as dt
from kiosk.config import load_settings
from kiosk.linkage import models as M
from kiosk.outbox.linkage_deliverer import encode_submission
from kiosk.outbox.model import ItemKind
from kiosk.outbox.service import Outbox
s = load_settings('/etc/linkage-kiosk/kiosk.toml')
box = Outbox(s.outbox, s.kiosk.id)
box.wait_open()
for i in range(int(sys.argv[1])):
    sub = M.SubmissionRequest(kind="certified-copy",
        serviceID=int(M.ServiceId.HOUSE_REGISTRATION), personalID=sys.argv[2],
        consentedAt=dt.datetime.now(dt.timezone.utc),
        payload={"document": "house_registration", "copies": 1,
                 "pickupOffice": s.kiosk.office_code, "kioskID": s.kiosk.id})
    key = str(uuid.uuid5(uuid.NAMESPACE_URL, sys.argv[3] + str(i)))  # the API takes UUIDs
    print(box.enqueue(ItemKind.SUBMISSION, encode_submission(sub), key).reference, key)
box.close()
"""

HOLD_SESSION = """
import sys
from pathlib import Path
from kiosk.fleet.busy import SessionLock
lock = SessionLock(Path('/var/lib/linkage-kiosk'))
lock.set_open(True)
print('open', flush=True)
sys.stdin.readline()
lock.set_open(False)
"""


def waiting(status: dict) -> int:
    counts = status.get("counts", {})
    return int(counts.get("pending", 0)) + int(counts.get("in_flight", 0))


def outbox_status(root: KioskRoot) -> dict:
    proc = root.run([PY, "-m", "kiosk", "--config", "/etc/linkage-kiosk/kiosk.toml", "outbox",
                     "status", "--json"], user=KIOSK, capture_output=True)
    return json.loads(proc.stdout)


def start_sender(root: KioskRoot, log: Path) -> subprocess.Popen:
    return root.popen([PY, "-m", "kiosk", "--config", "/etc/linkage-kiosk/kiosk.toml",
                       "outbox", "run"], user=KIOSK, stdout=log.open("a"),
                      stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def wait_for(what: str, condition, deadline_s: float) -> float:
    started = time.monotonic()
    pause = threading.Event()
    while not condition():
        if time.monotonic() - started > deadline_s:
            raise SystemExit(f"FAILED: {what} not within {deadline_s} s")
        pause.wait(0.5)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulators.fleet_update_demo",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--prebuilt", type=Path,
                        help="use v1/v2/v3 .debs already built into this folder")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="fleet-update-demo-"))
    work.chmod(0o755)  # apt's _apt sandbox user reads the repository and keyring from here
    try:
        return _story(work, args.prebuilt)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        print("times: " + json.dumps({k: round(v, 1) for k, v in TIMES.items()}))


def _story(work: Path, prebuilt: Path | None) -> int:
    from simulators.linkage_server.runner import run_in_thread

    step("1. build v1, v2 and v3 (v3 is built to fail its self-check)")
    debs = {V1: build(V1, False, prebuilt), V2: build(V2, False, prebuilt),
            V3: build(V3, True, prebuilt)}
    step("2. fleet key (private part 0700, for this demo only) and aptly repository")
    repo = work / "repo"
    fleet_repo(repo, "key")
    started = time.monotonic()
    fleet_repo(repo, "publish", str(debs[V1]))
    fleet_repo(repo, "promote", V1, "canary", "stable")
    fleet_repo(repo, "promote", V1, "canary", "hold")
    TIMES["publish v1 to 3 rings"] = time.monotonic() - started
    http, url = serve(repo / "aptly" / "public")
    step(f"  serving the signed repository on {url}")
    port = free_port()
    a_cm = KioskRoot.create(work / "kiosk-a")
    b_cm = KioskRoot.create(work / "kiosk-b")
    a, b = a_cm.__enter__(), b_cm.__enter__()
    sender = metrics = prom = server = None
    try:
        step("3. kiosk A (ring canary) and kiosk B (ring hold) install v1 with apt")
        enrol(a, url, "canary", repo / "fleet-keyring.gpg", port)
        enrol(b, url, "hold", repo / "fleet-keyring.gpg", port + 1)
        metrics_port = free_port()
        metrics = a.popen([PY, "-m", "kiosk.fleet", "metrics", "--serve", str(metrics_port)])
        prom = Prometheus({"ksk-demo-a": metrics_port}, work / "prometheus", interval_s=1.0)
        step(f"  Prometheus {prom.url} scrapes kiosk A's update metrics")

        step("4. kiosk A is offline (no Linkage server): it queues 20 submissions")
        sender = start_sender(a, work / "sender.log")
        cid = json.loads((REPO / "seeds/citizens.json").read_text())["citizens"][0]["cid"]
        lines = a.run([PY, "-c", ENQUEUE, "20", cid, "demo-v1-"], user=KIOSK,
                      capture_output=True).stdout.split("\n")
        refs = [line.split()[0] for line in lines if line.strip()]
        first_keys = {line.split()[1] for line in lines if line.strip()}
        status = outbox_status(a)
        step(f"  queued {len(refs)} items, e.g. {refs[0]}; outbox: {waiting(status)} waiting")

        step("5. the operator publishes v2 to canary")
        fleet_repo(repo, "publish", str(debs[V2]))
        step("  a citizen's session is open on kiosk A: the updater must wait")
        session = a.popen([PY, "-c", HOLD_SESSION], user=KIOSK, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE)
        assert session.stdout.readline().strip() == "open"
        _rc, out = update(a)
        assert "busy" in out and installed(a) == V1, "updated during a session!"
        step(f"  still {installed(a)} while the session is open")
        session.stdin.write("\n")
        session.stdin.close()
        session.wait(30)
        step("  the session ended; the next updater run installs v2")
        started = time.monotonic()
        for _attempt in range(10):  # the sender may be mid-attempt: busy, try again
            rc, out = update(a)
            if "no install: busy" not in out:
                break
        TIMES["upgrade v1->v2 (install + self-check)"] = time.monotonic() - started
        assert rc == 0 and installed(a) == V2, out
        stop(sender)  # what systemd's restart after the upgrade does
        sender = start_sender(a, work / "sender.log")
        step(f"  kiosk A runs {installed(a)}; kiosk B (hold):")
        update(b)
        assert installed(b) == V1

        pki = a.file("/var/lib/linkage-kiosk/pki")
        step("6. the Linkage server comes back: the 20 are delivered exactly once")
        server = run_in_thread(state_dir=work / "server", pki_dir=pki, port=port)
        took = wait_for("20 deliveries", lambda: waiting(outbox_status(a)) == 0, 180)
        stats = server.submissions()
        keys = [k for k in stats if k in first_keys]
        assert len(keys) == 20 and all(stats[k].accepted == 1 for k in keys), stats
        step(f"  delivered in {took:.0f} s: 20 keys, each accepted once, replays "
             f"{sum(stats[k].replays for k in keys)}")
        server.stop()
        server = None

        step("7. offline again, 5 more queued; the operator publishes the bad v3 to canary")
        more_lines = a.run([PY, "-c", ENQUEUE, "5", cid, "demo-v2-"], user=KIOSK,
                           capture_output=True).stdout.split("\n")
        more = {line.split()[1] for line in more_lines if line.strip()}
        fleet_repo(repo, "publish", str(debs[V3]))
        started = time.monotonic()
        rc, out = update(a)
        took = time.monotonic() - started
        TIMES["v3 install + failed self-check + rollback"] = took
        assert rc == 1 and installed(a) == V2 and "rolled back" in out, out
        step(f"  rolled back to {installed(a)} automatically {took:.0f} s after the updater "
             f"started (self-check deadline {DEADLINE_S} s)")
        stop(sender)
        sender = start_sender(a, work / "sender.log")
        step("  the rollback alert in Prometheus:")
        prom.wait_until("KioskUpdateRolledBack firing",
                        lambda: ("KioskUpdateRolledBack", "ksk-demo-a") in prom.firing(), 60)
        q = urllib.parse.quote("kiosk_update_rollbacks_total")
        value = prom.api(f"/api/v1/query?query={q}")["result"][0]["value"][1]
        step(f"  KioskUpdateRolledBack firing for ksk-demo-a; rollbacks_total={value}")
        rc, out = update(a)
        assert installed(a) == V2 and "held" in out, out
        step("  the next run leaves v3 alone: it is held on this kiosk")
        status = outbox_status(a)
        assert waiting(status) == len(more), status
        step(f"  no queued item lost: {waiting(status)} waiting after the rollback")
        server = run_in_thread(state_dir=work / "server", pki_dir=pki, port=port)
        wait_for("5 deliveries", lambda: waiting(outbox_status(a)) == 0, 180)
        stats = server.submissions()
        mine = [k for k in stats if k in first_keys | more]
        assert len(mine) == 25 and all(stats[k].accepted == 1 for k in mine), stats
        step("  all 25 delivered, each exactly once, across two upgrades and a rollback")

        step("8. kiosk B (hold) after all this:")
        update(b)
        assert installed(b) == V1
        step(f"  kiosk B still runs {installed(b)}")
        step("DONE: every step passed")
        return 0
    finally:
        for proc in (sender, metrics):
            if proc is not None:
                stop(proc)
        if server is not None:
            server.stop()
        if prom is not None:
            prom.close()
        http.shutdown()
        b_cm.__exit__(None, None, None)
        a_cm.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(main())
