"""Receipt printing benchmark: bytes on the wire, render time, print time over serial.

    .venv/bin/python bench/receipt.py [--render-runs 50] [--serial-runs 3] [--slow-runs 1]
                                      [--tcp-runs 25] [--bytes-only | --tail-only]

The standard slip is `kiosk.receipts.samples.record_slip()` (12 lines of Thai and a QR).
Beside it, the real registry slip of the largest seed household (six residents, built by
the kiosk's own runners: `simulators.seed_slips.largest_registry_slip`) is measured at
80 mm raster against python-escpos ``image()`` of the same page
(``largest_registry_slip_bytes``; ``--bytes-only`` prints just these byte counts).
Modes, each rendered from the same document:

* ``native``   CP874 text + native QR (profile epson-tm-t82-thai);
* ``raster``   Sarabun/RAQM 1-bit page as strips cropped to ink and 24-dot column lines
               that skip blank columns + native QR (generic-80mm-raster);
* ``raster_image_qr``  the same, QR sent as an image (profile without native QR);
* ``naive``    baseline: the whole receipt as one anti-aliased picture, QR as an image,
               dithered and sent by python-escpos ``image()`` (what most kiosks do).

Render time = document -> job bytes (Thai segmentation and QR caches cleared each run).
Print time = first byte sent -> the virtual printer's answer to ``GS r 1`` through a serial
pseudo-terminal that reads no faster than the baud rate (8N1), with the real
`SerialTransport`; head speed is not modelled, so these are wire-bound times.
Status after a job over TCP = last job byte written -> ``GS r 1`` answered and DLE EOT
status read, with the real `NetworkTransport` into the virtual printer's TCP port, with
TCP_NODELAY (as shipped) and without it on both ends (Nagle + delayed ACK, the baseline).
Blank tail = paper between the last ink and the cut, in mm, measured on the page the
virtual printer's firmware model decodes from the job bytes, for the standard slip, the
counter ticket and the largest registry slip on every shipped profile, against the
profile's head-to-cutter distance (the target: at most 5 mm beyond it) and against the
baseline of the same page cut the old way, python-escpos ``cut()`` (six line feeds).
``--tail-only`` prints just these.
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from escpos.printer import Dummy  # noqa: E402

from drivers.printer.escpos_transports import NetworkTransport, SerialTransport  # noqa: E402
from kiosk.receipts import symbols, thai_text  # noqa: E402
from kiosk.receipts.escpos_bytes import EscposBuilder  # noqa: E402
from kiosk.receipts.model import Document  # noqa: E402
from kiosk.receipts.profiles import PrinterProfile, load_profiles  # noqa: E402
from kiosk.receipts.raster import RasterRenderer  # noqa: E402
from kiosk.receipts.render import render_receipt  # noqa: E402
from kiosk.receipts.samples import counter_ticket, record_slip  # noqa: E402
from simulators.seed_slips import largest_registry_slip  # noqa: E402
from simulators.vprinter import VirtualPrinter  # noqa: E402
from simulators.vprinter.measure import blank_tail_dots, dots_to_mm  # noqa: E402
from simulators.vprinter.offline import print_bytes  # noqa: E402

BAUDS = (9600, 38400, 115200)
TAIL_MARGIN_MM = 5.0
TARGETS = {"raster_bytes_max": 30 * 1024, "native_bytes_max": 3 * 1024, "render_ms_max": 50,
           "largest_registry_slip_bytes_max": 24 * 1024}


def largest_slip_figures(profiles: dict[str, PrinterProfile]) -> dict[str, object]:
    """Bytes of the largest seed household's registry slip (80 mm raster) and of the
    naive baseline for the same page, per language."""
    raster = profiles["generic-80mm-raster"]
    figures: dict[str, object] = {}
    for language in ("th", "en"):
        document = largest_registry_slip(language).document
        ours = len(render_receipt(document, raster, "raster"))
        naive = len(naive_bytes(document, raster))
        suffix = "" if language == "th" else "_en"
        figures[f"largest_registry_slip_bytes{suffix}"] = ours
        figures[f"largest_registry_slip_naive_bytes{suffix}"] = naive
        figures[f"ratio_naive_vs_largest_registry_slip{suffix}"] = round(naive / ours, 2)
        print(f"largest registry slip ({language}) raster 80 mm {ours} bytes; "
              f"naive image() {naive} bytes", flush=True)
    figures["largest_registry_slip_target_met"] = (
        figures["largest_registry_slip_bytes"] <= TARGETS["largest_registry_slip_bytes_max"])
    return figures


def _tail_mm(data: bytes, profile: PrinterProfile) -> float:
    (page,) = print_bytes(data, width=profile.dots_per_line, dpi=profile.dpi)
    return round(dots_to_mm(blank_tail_dots(page), profile.dpi), 2)


def _old_cut(builder: EscposBuilder) -> None:
    """The cut as it was before issue #25: python-escpos ``cut()`` (ESC d 6, then GS V),
    and an inch of feed past a tear bar."""
    if builder.profile.cutter:
        builder.align("left")
        builder._dummy.cut()
    else:
        builder.feed_dots(builder.profile.dpi)


def _render_old_cut(document: Document, profile: PrinterProfile, mode: str) -> bytes:
    with mock.patch.object(EscposBuilder, "cut", _old_cut):
        return render_receipt(document, profile, mode)


def tail_figures(profiles: dict[str, PrinterProfile]) -> dict[str, object]:
    """Blank tail after the last ink per profile and document, ours and the old cut's."""
    documents = {"record_slip": record_slip(), "counter_ticket": counter_ticket(),
                 "largest_registry_slip": largest_registry_slip("th").document}
    tails: dict[str, dict[str, float]] = {}
    old: dict[str, dict[str, float]] = {}
    worst_beyond = 0.0
    for name, profile in profiles.items():
        mode = "native" if profile.thai_native else "raster"
        key = f"{name}/{mode}"
        tails[key], old[key] = {}, {}
        for doc_name, document in documents.items():
            data = render_receipt(document, profile, mode)
            tails[key][doc_name] = ours = _tail_mm(data, profile)
            old[key][doc_name] = _tail_mm(_render_old_cut(document, profile, mode), profile)
            worst_beyond = max(worst_beyond, ours - profile.head_to_cutter_mm)
        print(f"blank tail {key:32} cutter {profile.head_to_cutter_mm:4.1f} mm: "
              + ", ".join(f"{d} {tails[key][d]:.1f} mm (old {old[key][d]:.1f})"
                          for d in documents), flush=True)
    return {
        "blank_tail_mm": tails,
        "blank_tail_old_cut_mm": old,
        "head_to_cutter_mm": {n: p.head_to_cutter_mm for n, p in profiles.items()},
        "blank_tail_max_beyond_cutter_mm": round(worst_beyond, 2),
        "blank_tail_target_met": 0 <= worst_beyond <= TAIL_MARGIN_MM,
        "ratio_old_cut_vs_tail": {k: round(old[k]["counter_ticket"] /
                                           tails[k]["counter_ticket"], 2) for k in tails},
    }


def naive_bytes(document: Document, profile: PrinterProfile) -> bytes:
    """One anti-aliased page with the QR as an image, dithered by python-escpos."""
    layout = RasterRenderer(profile, native_qr=False, antialias=True).layout(document)
    page = layout.to_image("L")
    printer = Dummy()
    printer.profile.profile_data = copy.deepcopy(printer.profile.profile_data)
    printer.profile.profile_data["media"]["width"]["pixels"] = profile.dots_per_line
    printer.image(page)  # EscposImage: convert("1") with Floyd-Steinberg dithering
    printer.cut()
    return printer.output


def modes(profiles: dict[str, PrinterProfile]) -> dict[str, Callable[[Document], bytes]]:
    raster = profiles["generic-80mm-raster"]
    no_qr = raster.model_copy(update={"native_qr": False, "name": "raster-image-qr"})
    native = profiles["epson-tm-t82-thai"]
    return {
        "native": lambda d: render_receipt(d, native, "native"),
        "raster": lambda d: render_receipt(d, raster, "raster"),
        "raster_image_qr": lambda d: render_receipt(d, no_qr, "raster"),
        "naive": lambda d: naive_bytes(d, raster),
    }


def spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        "n": len(ordered),
    }


def time_render(render: Callable[[Document], bytes], document: Document, runs: int
                ) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per render (CPU time shows the cost without the
    noise of other processes competing for this machine's two cores)."""
    render(document)  # warm-up: fonts loaded, pythainlp dictionary read
    wall, cpu = [], []
    for _ in range(runs):
        thai_text._segment.cache_clear()
        symbols._qr_matrix.cache_clear()
        symbols.qr_modules.cache_clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        render(document)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def time_serial(printer: VirtualPrinter, data: bytes, baud: int, runs: int) -> list[float]:
    assert printer.pty_path is not None
    times = []
    for _ in range(runs):
        transport = SerialTransport(printer.pty_path, baud, "rtscts", timeout_s=5.0)
        transport.open()
        try:
            transport.status()
            start = time.perf_counter()
            transport.send(data)
            status = transport.wait_processed(timeout_s=30 + 2 * len(data) * 10 / baud)
            times.append(time.perf_counter() - start)
            assert status.ready, status
        finally:
            transport.close()
    return times


class NagleNetworkTransport(NetworkTransport):
    """Baseline: the network transport as it was before it set TCP_NODELAY."""

    def _after_open(self) -> None:
        self._printer.device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)


def time_tcp_status(port: int, data: bytes, nodelay: bool, runs: int) -> list[float]:
    """Milliseconds from the job's last byte written to the confirmed status."""
    factory = NetworkTransport if nodelay else NagleNetworkTransport
    times = []
    for _ in range(runs):
        transport = factory("127.0.0.1", port, 5.0)
        transport.open()
        try:
            transport.status()
            transport.send(data)
            start = time.perf_counter()
            status = transport.wait_processed(timeout_s=5.0)
            times.append((time.perf_counter() - start) * 1000)
            assert status.ready, status
        finally:
            transport.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--render-runs", type=int, default=50)
    parser.add_argument("--serial-runs", type=int, default=3, help="at 38400 and 115200")
    parser.add_argument("--slow-runs", type=int, default=1, help="at 9600 (naive: ~55 s each)")
    parser.add_argument("--tcp-runs", type=int, default=25, help="status after a job over TCP")
    parser.add_argument("--bytes-only", action="store_true",
                        help="only the largest registry slip's byte counts (and the tails)")
    parser.add_argument("--tail-only", action="store_true",
                        help="only the blank paper after the last ink, per profile")
    from check import quick  # bench/check.py: BENCH_QUICK=1 is the short setting
    parser.set_defaults(**quick(render_runs=10, serial_runs=1, tcp_runs=5))
    args = parser.parse_args(argv)

    profiles = load_profiles(REPO / "config" / "printer-profiles.toml")
    tails = tail_figures(profiles)
    if args.tail_only:
        print(json.dumps({"bench": "receipt", **tails}, ensure_ascii=False, sort_keys=True))
        return 0
    largest = largest_slip_figures(profiles)
    if args.bytes_only:
        print(json.dumps({"bench": "receipt", **largest, **tails}, sort_keys=True))
        return 0
    document = record_slip()
    renderers = modes(profiles)
    jobs = {name: render(document) for name, render in renderers.items()}
    sizes = {name: len(data) for name, data in jobs.items()}

    render_ms, render_cpu_ms = {}, {}
    for name, render in renderers.items():
        wall, cpu = time_render(render, document, args.render_runs)
        render_ms[name], render_cpu_ms[name] = spread(wall), spread(cpu)
        print(f"render {name:16} {sizes[name]:7} bytes  median {render_ms[name]['median']:.1f} ms"
              f" (min {render_ms[name]['min']:.1f}, p90 {render_ms[name]['p90']:.1f});"
              f" cpu median {render_cpu_ms[name]['median']:.1f} ms", flush=True)

    serial_s: dict[str, dict[str, dict[str, float]]] = {name: {} for name in jobs}
    with tempfile.TemporaryDirectory() as out, VirtualPrinter(Path(out)) as printer:
        printer.start_pty()
        for baud in BAUDS:
            runs = args.slow_runs if baud == 9600 else args.serial_runs
            for name, data in jobs.items():
                measured = spread(time_serial(printer, data, baud, runs))
                measured["wire_s"] = len(data) * 10 / baud
                serial_s[name][str(baud)] = measured
                print(f"serial {baud:6} {name:16} median {measured['median']:.2f} s "
                      f"(wire {measured['wire_s']:.2f} s, n={runs})", flush=True)
        printed = printer.wait_for_receipts(len(jobs) * 3, timeout_s=5)
        assert all(r.complete for r in printed), "a benchmark receipt did not print whole"

    # A job the printer handles at once (2 KB of ESC @) shows the transport's own latency;
    # the native slip adds the virtual printer's work (text and QR drawn, PNG saved).
    tcp_jobs = {"light_2k": b"\x1b@" * 1000, "native": jobs["native"]}
    tcp_ms: dict[str, dict[str, dict[str, float]]] = {}
    for nodelay in (False, True):
        config = "nodelay" if nodelay else "nagle"
        with tempfile.TemporaryDirectory() as out, \
                VirtualPrinter(Path(out), tcp_nodelay=nodelay) as printer:
            port = printer.start_tcp("127.0.0.1", 0)
            for name, data in tcp_jobs.items():
                measured = spread(time_tcp_status(port, data, nodelay, args.tcp_runs))
                tcp_ms.setdefault(name, {})[config] = measured
                print(f"tcp {config:8} {name:10} status after job median "
                      f"{measured['median']:.1f} ms (min {measured['min']:.1f}, "
                      f"p90 {measured['p90']:.1f}, n={args.tcp_runs})", flush=True)

    figures = {
        "bench": "receipt",
        "document": "record_slip (12 Thai lines + QR)",
        "bytes": sizes,
        "render_ms": {k: round(v["median"], 2) for k, v in render_ms.items()},
        "render_ms_p90": {k: round(v["p90"], 2) for k, v in render_ms.items()},
        "render_ms_min": {k: round(v["min"], 2) for k, v in render_ms.items()},
        "render_cpu_ms": {k: round(v["median"], 2) for k, v in render_cpu_ms.items()},
        "load_avg_1min": round(os.getloadavg()[0], 2),
        "serial_s": {k: {b: round(m["median"], 3) for b, m in v.items()}
                     for k, v in serial_s.items()},
        "ratio_naive_bytes_vs": {k: round(sizes["naive"] / sizes[k], 1)
                                 for k in ("raster", "native")},
        **largest,
        **tails,
        "targets_met": {
            "raster_bytes": sizes["raster"] <= TARGETS["raster_bytes_max"],
            "native_bytes": sizes["native"] <= TARGETS["native_bytes_max"],
            "render_ms": all(render_ms[k]["median"] <= TARGETS["render_ms_max"]
                             for k in ("raster", "native")),
        },
        "tcp_status_after_job_ms": {
            name: {c: round(m["median"], 2) for c, m in v.items()} for name, v in tcp_ms.items()},
        "tcp_status_after_job_ms_p90": {
            name: {c: round(m["p90"], 2) for c, m in v.items()} for name, v in tcp_ms.items()},
        "ratio_tcp_nagle_vs_nodelay": {
            name: round(v["nagle"]["median"] / max(v["nodelay"]["median"], 1e-6), 1)
            for name, v in tcp_ms.items()},
        "runs": {"render": args.render_runs, "serial": args.serial_runs,
                 "serial_9600": args.slow_runs, "tcp": args.tcp_runs},
    }
    print(json.dumps(figures, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
