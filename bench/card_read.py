"""Card read benchmark over the real stack: pcscd + vpcd + the virtual card + pyscard.

Side by side in one run, for the same seed citizen, through the same driver transport
(``PcscCardReader.run``: SHARED connection, one PC/SC transaction per read):

* **ours**: identity in 7 exchanges (SELECT + 3 combined reads), then the chip number the
  session binds consent to (GET DATA, 1 exchange, timed on its own as ``chip``), the photo
  on demand (40 exchanges);
* **baseline**, the common way of open-source readers: SELECT, then one READ + GET RESPONSE
  per field (citizen ID, Thai name, English name, birth date, gender, issuer, issue date,
  expiry date, 100-byte address = 19 exchanges), then always the photo (40 more); such a
  reader hands the identity to its caller only when it returns, i.e. after the photo.

Each configuration runs ``--reads`` insert/read/remove cycles, first with the virtual card
answering at once, then with ``latency=15`` ms per exchange (a real reader's order of
magnitude). Times are medians and 95th percentiles in milliseconds:

* ``insert_to_event``: card inserted -> ``CardInserted`` (pcscd polls vpcd every ~400 ms;
  identical for both methods, no fixed sleeps of ours in it);
* ``identity``: ``CardInserted`` -> identity available to the caller;
* ``identity_with_chip`` (ours): ``CardInserted`` -> identity and chip number, which is
  what the session waits for before it shows the identity;
* ``insert_to_identity``: the two together;
* ``photo``: the photo read.

Next to the one-piece card, in the same run and through the same driver, cards that frame
their answers otherwise (ISO 7816 allows it; :mod:`simulators.vcard.framing`): ``chain64``
(``61 40`` chains of 64-byte GET RESPONSE pieces), ``6c_get_response`` (GET RESPONSE must
ask exactly the 128 bytes the card will give: ``6C 80`` first) and ``6c_read`` (T=1-style
direct answers of at most 128 bytes a READ, Le exact: ``6C 80`` first). Their exchanges and
times, and the ratio of their times to the one-piece card's, are under ``framings``.

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.card import apdu, thai_id
from drivers.card.pcsc import PcscCardReader
from drivers.card.protocol import CardEvent, CardInserted, CardRemoved
from simulators.seeds import load_seeds
from simulators.vcard.card import ThaiIdCardEmulator
from simulators.vcard.framing import Framing
from simulators.vcard.pcsc_stack import PcscStack
from simulators.vcard.profile import CardProfile, Faults
from simulators.vcard.vpcd import VirtualCard

FRAMINGS = {
    "one_piece": Framing(),
    "chain64": Framing(offer=64, piece=64),
    "6c_get_response": Framing(strict_le=True, piece=128),
    "6c_read": Framing(direct=True, strict_le=True, read_max=128),
}
BASELINE_FIELDS = [  # (offset, length): what common readers fetch, one command each
    (0x0004, 13), (0x0011, 100), (0x0075, 100), (0x00D9, 8), (0x00E1, 1),
    (0x00F6, 100), (0x0167, 8), (0x016F, 8), (0x1579, 100),
]  # fmt: skip


def baseline_fields(session: thai_id.CardSession) -> dict[int, bytes]:
    session.select(apdu.MOI_AID, required=True)
    return {offset: session.read(offset, length) for offset, length in BASELINE_FIELDS}


def baseline_photo(session: thai_id.CardSession) -> bytes:
    return b"".join(
        session.read(thai_id.PHOTO_OFFSET + i * thai_id.PHOTO_CHUNK, thai_id.PHOTO_CHUNK)
        for i in range(thai_id.PHOTO_CHUNKS)
    )


def stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(p95 * 1000, 3),
        "min_ms": round(ordered[0] * 1000, 3),
        "n": len(ordered),
    }


class Waiter:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.events: list[tuple[float, CardEvent]] = []

    def __call__(self, event: CardEvent) -> None:
        with self.cond:
            self.events.append((time.perf_counter(), event))
            self.cond.notify_all()

    def wait(self, kind: type, reader: str, since: int, timeout: float = 5.0) -> float:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for stamp, event in self.events[since:]:
                    if isinstance(event, kind) and event.reader == reader:
                        return stamp
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no {kind.__name__} on {reader}")
                self.cond.wait(remaining)


def run_config(
    driver: PcscCardReader,
    waiter: Waiter,
    slot: VirtualCard,
    reader: str,
    profile: CardProfile,
    method: str,
    latency_ms: float,
    reads: int,
    framing: str = "one_piece",
) -> dict[str, Any]:
    series: dict[str, list[float]] = {
        k: []
        for k in ("insert_to_event", "identity", "insert_to_identity", "chip",
                  "identity_with_chip", "photo", "fields")
    }
    exchanges: dict[str, int] = {}
    for _ in range(reads):
        card = ThaiIdCardEmulator(profile, faults=Faults(latency_ms=latency_ms),
                                  framing=FRAMINGS[framing])
        mark = len(waiter.events)
        t_insert = time.perf_counter()
        slot.insert(card)
        t_event = waiter.wait(CardInserted, reader, mark)
        if method == "ours":
            identity = driver.read_identity(reader)
            t_identity = time.perf_counter()
            exchanges["identity"] = driver.last_exchanges
            assert identity.citizen_id.digits == profile.cid
            chip_no = driver.read_chip_no(reader)
            t_chip = time.perf_counter()
            exchanges["chip"] = driver.last_exchanges
            assert chip_no == profile.chip_no
            series["chip"].append(t_chip - t_identity)
            series["identity_with_chip"].append(t_chip - t_event)
            photo = driver.read_photo(reader)
            t_photo = time.perf_counter()
            exchanges["photo"] = driver.last_exchanges
            series["photo"].append(t_photo - t_chip)
        else:
            box: dict[str, float] = {}

            def common_read(
                session: thai_id.CardSession, box: dict[str, float] = box
            ) -> tuple[dict[int, bytes], bytes]:
                fields = baseline_fields(session)
                box["fields_done"] = time.perf_counter()
                box["fields_exchanges"] = session.exchanges
                return fields, baseline_photo(session)

            fields, photo = driver.run(reader, common_read)
            t_identity = time.perf_counter()  # the common reader returns only now
            exchanges["fields"] = int(box["fields_exchanges"])
            exchanges["identity"] = driver.last_exchanges
            exchanges["photo"] = driver.last_exchanges - exchanges["fields"]
            assert fields[0x0004] == profile.cid.encode()
            series["fields"].append(box["fields_done"] - t_event)
            series["photo"].append(t_identity - box["fields_done"])
        assert photo.startswith(profile.photo)
        exchanges["card_side"] = card.exchanges  # counted by the card itself
        series["insert_to_event"].append(t_event - t_insert)
        series["identity"].append(t_identity - t_event)
        series["insert_to_identity"].append(t_identity - t_insert)
        mark = len(waiter.events)
        slot.remove()
        waiter.wait(CardRemoved, reader, mark)
    return {
        "method": method,
        "framing": framing,
        "latency_ms": latency_ms,
        "exchanges": exchanges,
        **{name: stats(values) for name, values in series.items() if values},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=50, help="insert/read cycles per config")
    parser.add_argument("--citizen", type=int, default=0, help="seed citizen index")
    from check import quick  # bench/check.py: BENCH_QUICK=1 is the short setting
    parser.set_defaults(**quick(reads=5))
    args = parser.parse_args()

    profile = CardProfile.from_seed(load_seeds().citizens[args.citizen])
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, PcscStack(Path(tmp)) as stack:
        waiter = Waiter()
        driver = PcscCardReader()
        driver.start(waiter)
        slot = VirtualCard(stack.slots[0].port)
        reader = stack.slots[0].reader
        try:
            for latency in (0.0, 15.0):
                for method in ("ours", "baseline"):
                    result = run_config(
                        driver, waiter, slot, reader, profile, method, latency, args.reads
                    )
                    results.append(result)
                    _print_row(result)
                for framing in list(FRAMINGS)[1:]:
                    result = run_config(driver, waiter, slot, reader, profile, "ours",
                                        latency, args.reads, framing)  # fmt: skip
                    results.append(result)
                    _print_row(result)
        finally:
            slot.remove()
            driver.stop()

    def pick(method: str, latency: float, framing: str = "one_piece") -> dict[str, Any]:
        return next(r for r in results if r["method"] == method
                    and r["latency_ms"] == latency and r["framing"] == framing)  # fmt: skip

    summary: dict[str, Any] = {"bench": "card_read", "reads_per_config": args.reads}
    for latency in (0.0, 15.0):
        ours, base = pick("ours", latency), pick("baseline", latency)
        key = f"latency_{latency:g}ms"
        summary[key] = {
            "ours": ours,
            "baseline": base,
            "identity_ratio_vs_baseline": round(
                ours["identity"]["median_ms"] / base["identity"]["median_ms"], 3
            ),
            "identity_with_chip_ratio_vs_baseline": round(
                ours["identity_with_chip"]["median_ms"] / base["identity"]["median_ms"], 3
            ),
            "identity_ratio_vs_baseline_fields_only": round(
                ours["identity"]["median_ms"] / base["fields"]["median_ms"], 3
            ),
            "insert_to_identity_ratio": round(
                ours["insert_to_identity"]["median_ms"] / base["insert_to_identity"]["median_ms"],
                3,
            ),
        }
        one = pick("ours", latency)
        summary[key]["framings"] = {
            name: {
                "exchanges": r["exchanges"],
                "identity_median_ms": r["identity"]["median_ms"],
                "identity_p95_ms": r["identity"]["p95_ms"],
                "photo_median_ms": r["photo"]["median_ms"],
                "photo_p95_ms": r["photo"]["p95_ms"],
                "identity_ratio_vs_one_piece": round(
                    r["identity"]["median_ms"] / one["identity"]["median_ms"], 3),
                "photo_ratio_vs_one_piece": round(
                    r["photo"]["median_ms"] / one["photo"]["median_ms"], 3),
            }
            for name in FRAMINGS
            for r in [pick("ours", latency, name)]
        }
    l15 = summary["latency_15ms"]
    summary["targets"] = {
        "identity_exchanges_le_8": l15["ours"]["exchanges"]["identity"] <= 8,
        "identity_plus_chip_exchanges_le_8": (
            l15["ours"]["exchanges"]["identity"] + l15["ours"]["exchanges"]["chip"] <= 8
        ),
        "identity_ratio_le_one_third_at_15ms": l15["identity_ratio_vs_baseline"] <= 1 / 3,
        "photo_exchanges_eq_40": l15["ours"]["exchanges"]["photo"] == 40,
    }
    print(json.dumps(summary, separators=(",", ":")))
    return 0


def _print_row(r: dict[str, Any]) -> None:
    def ms(name: str) -> str:
        s = r.get(name)
        return f"{s['median_ms']:9.2f} / {s['p95_ms']:9.2f}" if s else " " * 21

    print(
        f"{r['method']:8} {r['framing']:15} latency={r['latency_ms']:4.0f}ms  "
        f"exchanges={r['exchanges']}\n"
        f"    insert->event {ms('insert_to_event')}   identity {ms('identity')}   "
        f"insert->identity {ms('insert_to_identity')}   photo {ms('photo')}"
        + (f"   fields-only {ms('fields')}" if "fields" in r else "")
        + (f"   chip {ms('chip')}   identity+chip {ms('identity_with_chip')}"
           if "chip" in r else ""),
        file=sys.stderr,
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
