"""Health report: probes run in parallel with a deadline; built-in probes see real faults."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from kiosk.maintenance import vpcd
from kiosk.maintenance.health import (
    HealthItem,
    HealthMonitor,
    HealthReport,
    Status,
    disk_probe,
    gather,
    uptime_probe,
    version_probe,
    vpcd_probe,
)


def test_gather_turns_late_and_raising_probes_into_fail_items() -> None:
    release = threading.Event()

    def hung() -> HealthItem:
        release.wait(10)
        return HealthItem("hung", Status.OK, "never seen")

    def broken() -> HealthItem:
        raise OSError("device 1101700207030 gone")

    try:
        report = gather({"hung": hung, "broken": broken, "version": version_probe},
                        timeout_s=0.3)
    finally:
        release.set()
    assert report.item("hung").status is Status.FAIL
    assert "no answer" in report.item("hung").summary
    assert report.item("broken").status is Status.FAIL
    assert "1101700207030" not in report.item("broken").summary
    assert report.item("version").status is Status.OK
    assert report.overall is Status.FAIL
    assert [i["key"] for i in report.to_dict()["items"]] == ["hung", "broken", "version"]


def test_overall_is_the_worst_item() -> None:
    items = (HealthItem("a", Status.OK, ""), HealthItem("b", Status.WARN, ""))
    assert HealthReport(items, 0).overall is Status.WARN
    assert HealthReport((), 0).overall is Status.OK


def test_disk_probe_thresholds(tmp_path: Path) -> None:
    assert disk_probe(tmp_path)().status in (Status.OK, Status.WARN, Status.FAIL)
    # Thresholds above any disk's size: the same real free space now counts as too little.
    huge = 1 << 60
    assert disk_probe(tmp_path, warn_bytes=huge * 2, fail_bytes=huge)().status is Status.FAIL
    assert disk_probe(tmp_path, warn_bytes=huge, fail_bytes=0)().status is Status.WARN
    ok = disk_probe(tmp_path / "not" / "yet", warn_bytes=0, fail_bytes=0)()
    assert ok.status is Status.OK and ok.detail["free_mb"] > 0


def test_uptime_and_version() -> None:
    up = uptime_probe()
    assert up.status is Status.OK and up.detail["app_s"] >= 0
    assert version_probe().detail["version"] not in ("", None)


VPCD_CONF = """\
# a commented reader
#LIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:0x{port:X}
LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
CHANNELID    0x{port:X}
"""

OTHER_CONF = """\
FRIENDLYNAME "Some CCID"
DEVICENAME /dev/ttyS0
LIBPATH /usr/lib/pcsc/drivers/serial/libccidtwin.so
"""


def test_vpcd_config_is_found_and_port_parsed(tmp_path: Path) -> None:
    (tmp_path / "ccid").write_text(OTHER_CONF)
    assert vpcd.parse_reader_conf(tmp_path / "ccid") == []
    (tmp_path / "vpcd").write_text(VPCD_CONF.format(port=0x8C7B))
    assert vpcd.parse_reader_conf(tmp_path / "vpcd") == [vpcd.VpcdEntry(tmp_path / "vpcd", 35963)]


def test_vpcd_probe_ok_without_config(tmp_path: Path) -> None:
    item = vpcd_probe((tmp_path,))()
    # A machine-wide pcscd with vpcd from another test run may listen right now; then the
    # probe must say so, otherwise it must be OK.
    found = vpcd.find_vpcd((tmp_path,))
    assert item.status is (Status.FAIL if found.present else Status.OK)


def test_vpcd_probe_flags_a_configured_reader_listening_on_the_network(tmp_path: Path) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("0.0.0.0", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        (tmp_path / "vpcd").write_text(VPCD_CONF.format(port=port))
        item = vpcd_probe((tmp_path,))()
        assert item.status is Status.FAIL
        assert str(port) in item.summary and "network" in item.summary
        found = vpcd.find_vpcd((tmp_path,))
        assert port in found.listening_ports
    finally:
        listener.close()
    item = vpcd_probe((tmp_path,))()
    assert item.status is Status.FAIL  # still configured, even when nothing listens


def test_vpcd_cli_config_only(tmp_path: Path) -> None:
    assert vpcd.main(["--config-only", "--conf-dir", str(tmp_path)]) == 0
    (tmp_path / "vpcd").write_text(VPCD_CONF.format(port=0x8C7B))
    assert vpcd.main(["--config-only", "--conf-dir", str(tmp_path)]) == 1


def test_monitor_refreshes_live() -> None:
    reports: list[HealthReport] = []
    got_two = threading.Event()
    state = {"n": 0}

    def counting() -> HealthItem:
        state["n"] += 1
        return HealthItem("count", Status.OK, str(state["n"]))

    def listener(report: HealthReport) -> None:
        reports.append(report)
        if len(reports) >= 2:
            got_two.set()

    monitor = HealthMonitor({"count": counting}, listener, interval_s=0.05)
    monitor.start()
    thread = monitor._thread
    try:
        assert got_two.wait(10)
    finally:
        monitor.stop()
    assert reports[0].item("count").summary != reports[1].item("count").summary
    # Stopped means stopped: the refreshing thread has ended, so no report can follow.
    assert thread is not None and not thread.is_alive()


def test_ui_faults_item_names_the_references_and_the_out_of_service() -> None:
    from kiosk.maintenance.health import ui_faults_probe

    refs: list[str] = []
    stopped = [False]
    probe = ui_faults_probe(lambda: refs, lambda: stopped[0])
    assert probe().status is Status.OK
    refs.append("F-0000abcd")
    item = probe()
    assert item.status is Status.WARN and "F-0000abcd" in item.summary
    assert item.detail == {"faults": 1, "last": "F-0000abcd"}
    refs.extend(["F-00000002", "F-00000003"])
    stopped[0] = True
    item = probe()
    assert item.status is Status.FAIL and "out of service after 3" in item.summary
    assert "F-00000003" in item.summary and "Restart app" in item.summary
