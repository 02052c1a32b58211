"""One simulated fleet, one real Prometheus and one real Alertmanager (Debian's packages),
shared by the fleet and dashboard tests. Alertmanager runs the shipped example config with
its receivers pointed at a webhook in this process."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator

import pytest

from fleet.alerting import Webhook, alertmanager_config, start_webhook
from simulators.fleet import FAULTS, Fleet, Prometheus, free_port, plan_fleet


@pytest.fixture(scope="session")
def webhook_and_alertmanager(tmp_path_factory: pytest.TempPathFactory
                             ) -> Iterator[tuple[Webhook, str]]:
    exe = shutil.which("prometheus-alertmanager")
    if exe is None:
        pytest.fail("prometheus-alertmanager not found: install Debian's "
                    "`prometheus-alertmanager` package (make system)")
    server, hook = start_webhook()
    work = tmp_path_factory.mktemp("alertmanager")
    (work / "alertmanager.yml").write_text(alertmanager_config(hook.url))
    port = free_port()
    log = (work / "alertmanager.log").open("wb")
    process = subprocess.Popen(
        [exe, f"--config.file={work / 'alertmanager.yml'}", f"--storage.path={work / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
         "--log.level=warn"], stdout=log, stderr=subprocess.STDOUT, cwd=work)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail("alertmanager exited:\n"
                            + (work / "alertmanager.log").read_text()[-2000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("alertmanager not ready within 60 s")
                time.sleep(0.2)
        yield hook, f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def fleet_and_prometheus(tmp_path_factory: pytest.TempPathFactory,
                         webhook_and_alertmanager: tuple[Webhook, str]
                         ) -> Iterator[tuple[Fleet, Prometheus]]:
    fleet = Fleet(plan_fleet(len(FAULTS) + 3, seed=5))
    try:
        # 2 s: short enough for a quick test, long enough that a loaded CI machine still
        # answers a scrape within the (equal) scrape timeout.
        prom = Prometheus(fleet.targets, tmp_path_factory.mktemp("prometheus"), interval_s=2.0,
                          alertmanager=webhook_and_alertmanager[1])
        try:
            prom.settle(len(fleet.states), deadline_s=120)
            yield fleet, prom
        finally:
            prom.close()
    finally:
        fleet.close()
