"""Status modes benchmark: a status-less printer prints the slip with no added wait.

    /work/main/.venv/bin/python bench/printer_status.py [--runs 7]

The record slip (`kiosk.receipts.samples.record_slip`, 80 mm raster) is printed through
the real `PrintService` and transports into the virtual printer, over TCP and over a
serial pty at 115200 baud, by a printer that answers DLE EOT and GS r (status mode
``dle_eot``: the baseline) and by one that answers nothing (``write_only``, found by the
``auto`` probe: status mode ``none``). Per run:

* ``outcome_s``: ``print_receipt`` called -> outcome known (the citizen's screen changes);
* ``on_paper_s``: ``print_receipt`` called -> the virtual printer has cut the slip.

Median and spread (min-max) over the runs; ratios none / dle_eot in the same run. The
probe time of each printer (once, at start) is reported separately. The last line printed
is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from drivers.printer.escpos_transports import NetworkTransport, SerialTransport  # noqa: E402
from kiosk.crypto_at_rest import AtRestCipher  # noqa: E402
from kiosk.printing.journal import PrintJournal  # noqa: E402
from kiosk.printing.service import PrintService  # noqa: E402
from kiosk.receipts.profiles import load_profiles  # noqa: E402
from kiosk.receipts.samples import record_slip  # noqa: E402
from simulators.vprinter import VirtualPrinter  # noqa: E402

BAUD = 115200


def run_case(kind: str, answers: str, runs: int, tmp: Path) -> dict[str, object]:
    profile = load_profiles(REPO / "config" / "printer-profiles.toml")["generic-80mm-raster"]
    journal = PrintJournal(tmp / f"{kind}-{answers}.sqlite3", AtRestCipher(b"k" * 32),
                           retention_days=1)
    outcome_s, paper_s, outcomes = [], [], []
    with VirtualPrinter(tmp / f"{kind}-{answers}") as printer:
        printer.set_answers(answers)
        if kind == "network":
            port = printer.start_tcp("127.0.0.1", 0)
            factory = lambda: NetworkTransport("127.0.0.1", port, 2.0)  # noqa: E731
        else:
            path = printer.start_pty()
            factory = lambda: SerialTransport(path, BAUD, "rtscts", 2.0,  # noqa: E731
                                              write_timeout_s=10.0)
        service = PrintService(factory, profile, journal, timeout_s=2.0)
        probed = service.probe()
        assert not isinstance(probed, Exception), probed
        document = record_slip()
        for i in range(runs + 1):  # the first run warms the caches and is not counted
            start = time.perf_counter()
            outcome = service.print_receipt(uuid.uuid4().hex, document)
            done = time.perf_counter()
            receipts = printer.wait_for_receipts(i + 1, 30)  # returns once the slip is cut
            on_paper = time.perf_counter()
            if i:
                outcome_s.append(done - start)
                paper_s.append(max(on_paper, done) - start)
                outcomes.append(outcome.outcome.value)
            assert len(receipts) > i and receipts[i].complete, f"{kind}/{answers}: slip {i}"
    journal.close()

    def figure(values: list[float]) -> dict[str, float]:
        return {"median": round(statistics.median(values), 4),
                "min": round(min(values), 4), "max": round(max(values), 4)}

    return {"mode": probed.mode.value, "probe_s": round(probed.took_s, 3),
            "outcomes": sorted(set(outcomes)), "outcome_s": figure(outcome_s),
            "on_paper_s": figure(paper_s)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    from check import quick  # bench/check.py: BENCH_QUICK=1 is the short setting
    parser.set_defaults(**quick(runs=2))
    args = parser.parse_args()
    result: dict[str, object] = {"bench": "printer_status", "runs": args.runs, "baud": BAUD}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("network", "serial"):
            cases = {answers: run_case(kind, answers, args.runs, Path(tmp))
                     for answers in ("all", "write_only")}
            base, silent = cases["all"], cases["write_only"]
            ratios = {
                f"ratio_{what}_none_vs_dle_eot":
                    round(silent[what]["median"] / base[what]["median"], 3)  # type: ignore[index]
                for what in ("outcome_s", "on_paper_s")}
            result[kind] = {"dle_eot": base, "none": silent, **ratios}
            print(f"{kind}: dle_eot on paper {base['on_paper_s']['median']} s, "  # type: ignore[index]
                  f"none on paper {silent['on_paper_s']['median']} s "  # type: ignore[index]
                  f"(ratio {ratios['ratio_on_paper_s_none_vs_dle_eot']}); "
                  f"silent printer probed in {silent['probe_s']} s", flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
