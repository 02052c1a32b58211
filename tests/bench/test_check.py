"""The regression gate's comparison (bench/check.py): a slowed figure is flagged, an equal
one passes, noise is judged as documented. Pure logic: no bench is run here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import check  # bench/check.py
from check import Figure, compare, judge, mad, pick, summarise

POOLED = Figure("pooled_overhead_median_ms", "lower", floor=0.1)
RATIO = Figure("median_ratio_new_connection_vs_pooled", "higher", kind="ratio")


def _baseline(runs: list[dict[str, object]], bench: str = "linkage_client") -> dict:
    # Through the same code path as `make bench-baseline`, then a JSON round trip.
    return json.loads(json.dumps(summarise({bench: runs}, {bench: 1.0})))


RUNS = [
    {"pooled_overhead_min_ms": 0.41, "pooled_overhead_median_ms": 0.80,
     "new_connection_overhead_median_ms": 4.6,
     "median_ratio_new_connection_vs_pooled": 5.75},
    {"pooled_overhead_min_ms": 0.43, "pooled_overhead_median_ms": 0.84,
     "new_connection_overhead_median_ms": 4.9,
     "median_ratio_new_connection_vs_pooled": 5.83},
    {"pooled_overhead_min_ms": 0.40, "pooled_overhead_median_ms": 0.78,
     "new_connection_overhead_median_ms": 4.5,
     "median_ratio_new_connection_vs_pooled": 5.77},
]


def test_an_equal_run_passes() -> None:
    verdicts = compare(_baseline(RUNS), {"linkage_client": [RUNS[0]]})
    assert {v.figure.path for v in verdicts} == {f.path for f in check.WATCH["linkage_client"]}
    assert [v.status for v in verdicts] == ["ok"] * len(verdicts)


def test_a_client_slowed_by_2_ms_is_flagged() -> None:
    slowed = {"pooled_overhead_min_ms": 2.42, "pooled_overhead_median_ms": 2.81,
              "new_connection_overhead_median_ms": 6.6,
              "median_ratio_new_connection_vs_pooled": 2.35}
    verdicts = {v.figure.path: v for v in compare(_baseline(RUNS),
                                                  {"linkage_client": [slowed]})}
    assert all(v.status == "worse" for v in verdicts.values())
    assert "WORSE" in verdicts["pooled_overhead_median_ms"].line.upper()


def test_better_is_never_flagged() -> None:
    faster = {"pooled_overhead_min_ms": 0.1, "pooled_overhead_median_ms": 0.2,
              "new_connection_overhead_median_ms": 1.0,
              "median_ratio_new_connection_vs_pooled": 9.0}
    assert [v.status for v in compare(_baseline(RUNS), {"linkage_client": [faster]})] == \
        ["ok"] * 4


def test_allowed_is_the_largest_of_mad_tolerance_and_floor() -> None:
    base = {"median": 10.0, "mad": 1.0}
    # 3 x MAD = 3.0 beats 35 % of 10 = 3.5? No: 3.5 is larger, so 13.5 passes, 13.6 fails.
    assert judge("b", Figure("x", "lower"), base, [13.5]).status == "ok"
    assert judge("b", Figure("x", "lower"), base, [13.6]).status == "worse"
    noisy = {"median": 10.0, "mad": 2.0}  # 3 x MAD = 6 > 3.5
    assert judge("b", Figure("x", "lower"), noisy, [15.9]).status == "ok"
    assert judge("b", Figure("x", "lower"), noisy, [16.1]).status == "worse"
    # A floor: 0.05 ms more on a 0.02 ms figure is not a regression below 0.1 ms.
    tiny = {"median": 0.02, "mad": 0.0}
    assert judge("b", Figure("x", "lower", floor=0.1), tiny, [0.07]).status == "ok"
    assert judge("b", Figure("x", "lower", floor=0.1), tiny, [0.13]).status == "worse"


def test_ratios_get_the_tighter_tolerance() -> None:
    base = {"median": 5.0, "mad": 0.0}
    assert judge("b", RATIO, base, [4.3]).status == "ok"      # -14 %
    assert judge("b", RATIO, base, [4.2]).status == "worse"   # -16 %
    absolute = Figure("y", "higher")
    assert judge("b", absolute, base, [3.4]).status == "ok"   # -32 % of an absolute figure


def test_a_zero_growth_figure_with_no_floor_flags_one_more() -> None:
    threads = Figure("growth.threads", "lower")
    assert judge("soak", threads, {"median": 0, "mad": 0}, [0]).status == "ok"
    assert judge("soak", threads, {"median": 0, "mad": 0}, [1]).status == "worse"


def test_the_check_takes_the_median_of_its_runs() -> None:
    base = {"median": 1.0, "mad": 0.0}
    # one outlier among three runs does not flag; two do
    assert judge("b", POOLED, base, [1.0, 1.1, 9.0]).status == "ok"
    assert judge("b", POOLED, base, [1.0, 9.0, 9.0]).status == "worse"


def test_missing_and_new_figures_are_reported() -> None:
    verdicts = compare(_baseline(RUNS), {"linkage_client": [{"rounds": 2}]})
    assert {v.status for v in verdicts} == {"missing"}
    fresh = compare({"benches": {}}, {"linkage_client": [RUNS[0]]})
    assert {v.status for v in fresh} == {"new"}


def test_pick_and_mad() -> None:
    figures = {"a": {"b": 2, "flag": True}, "c": "text"}
    assert pick(figures, "a.b") == 2.0
    assert pick(figures, "a.flag") is None  # a bool is not a figure
    assert pick(figures, "c") is None
    assert pick(figures, "a.b.c") is None
    assert mad([1.0, 2.0, 10.0]) == 1.0
    assert mad([5.0]) == 0.0


def test_summarise_keeps_every_run() -> None:
    base = _baseline(RUNS)
    entry = base["benches"]["linkage_client"]["figures"]["pooled_overhead_median_ms"]
    assert entry["runs"] == [0.80, 0.84, 0.78]
    assert entry["median"] == 0.80
    assert entry["mad"] == pytest.approx(0.02)


def test_quick_is_empty_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BENCH_QUICK", raising=False)
    assert check.quick(runs=2) == {}
    monkeypatch.setenv("BENCH_QUICK", "1")
    assert check.quick(runs=2) == {"runs": 2}


def test_every_bench_file_takes_the_short_setting() -> None:
    """Each bench under bench/ honours BENCH_QUICK through `quick` (a new bench must too)."""
    for name in check.bench_names():
        text = (check.BENCH_DIR / f"{name}.py").read_text("utf-8")
        assert "parser.set_defaults(**quick(" in text, name


def test_the_committed_baseline_names_only_watched_figures() -> None:
    base = json.loads(check.BASELINE.read_text("utf-8"))
    for bench, entry in base["benches"].items():
        watched = {f.path for f in check.WATCH.get(bench, ())}
        assert set(entry["figures"]) <= watched, bench
        for values in entry["figures"].values():
            assert len(values["runs"]) >= 1
