"""The benchmark regression gate: `make bench-check` and `make bench-baseline`.

Every ``bench/*.py`` (but this file) is run at its short setting (``BENCH_QUICK=1``: each
bench lowers its own repeat counts through `quick`; an argument given on the command line
still wins), its last stdout line is read as JSON, and the figures named in `WATCH` are
compared with ``bench/baseline.json``.

Noise, explicitly. The baseline holds each watched figure from ``--runs`` (default 3)
repeated quick runs: their median and their median absolute deviation (MAD). A figure of a
check run (the median of its own ``--runs``, default 1) is worse than noise allows when it
is worse than the baseline median, in the figure's bad direction, by more than

    allowed = max(3 × MAD of the baseline runs, tolerance × |baseline median|, floor)

``tolerance`` is per figure: ratios measured in the same run (ours vs a baseline path,
both under the same machine load) get 15 %; absolute times 35 % (a shared 2-core machine
moves medians by that much); ``floor`` is an absolute amount below which a change is not a
regression (e.g. 3 MB of soak RSS, 0 threads). Everything worse than allowed is printed;
the exit status is 1 if anything is, 2 if a bench failed to run or a watched figure is
missing from its output.

    python bench/check.py check [--runs N] [--only NAME ...] [--baseline FILE]
    python bench/check.py baseline [--runs N] [--only NAME ...]   # writes the baseline
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
BASELINE = BENCH_DIR / "baseline.json"
RATIO_TOLERANCE = 0.15
ABSOLUTE_TOLERANCE = 0.35
MAD_FACTOR = 3.0


def quick(**defaults: object) -> dict[str, object]:
    """A bench's short setting: ``parser.set_defaults(**quick(runs=5))`` before parsing.
    Empty unless ``BENCH_QUICK`` is set, so the full run is unchanged."""
    return dict(defaults) if os.environ.get("BENCH_QUICK") else {}


@dataclass(frozen=True)
class Figure:
    """One watched figure: a dotted path into the bench's JSON line."""

    path: str
    better: Literal["lower", "higher"]
    kind: Literal["ratio", "absolute"] = "absolute"
    floor: float = 0.0
    tolerance: float | None = None

    @property
    def relative(self) -> float:
        if self.tolerance is not None:
            return self.tolerance
        return RATIO_TOLERANCE if self.kind == "ratio" else ABSOLUTE_TOLERANCE


def _lo(path: str, **kw: Any) -> Figure:
    return Figure(path, "lower", **kw)


def _hi(path: str, **kw: Any) -> Figure:
    return Figure(path, "higher", **kw)


# The figures each bench is judged by (the file's stem -> figures). A bench not named here
# is still run (it must finish and print its JSON line) but has no figure compared.
WATCH: dict[str, tuple[Figure, ...]] = {
    "linkage_client": (
        _lo("pooled_overhead_min_ms", floor=0.3),
        _lo("pooled_overhead_median_ms", floor=0.1),
        _lo("new_connection_overhead_median_ms", floor=0.2),
        _hi("median_ratio_new_connection_vs_pooled", kind="ratio"),
    ),
    "session": (
        _lo("event_to_menu.median_ms", floor=5.0),
        _lo("menu_to_printed.median_ms", floor=10.0),
        _lo("ratio_printed_vs_direct", kind="ratio"),
    ),
    "outbox": (
        _lo("enqueue_ratio_ours_outbox_vs_pq", kind="ratio"),
        _lo("drain_time_ratio_ours_vs_pq", kind="ratio"),
        _hi("drain_items_per_s.ours"),
    ),
    "holder": (
        _lo("poll.median_ms", floor=5.0),
    ),
    "receipt": (
        _lo("bytes.native", tolerance=0.02),
        _lo("bytes.raster", tolerance=0.02),
        _lo("render_ms.native", floor=1.0),
    ),
    "printer_status": (),
    "card_read": (),
    "ui": (
        _lo("figures.max_stall_ms.median", floor=10.0),
        _lo("ratios.max_stall_vs_bare_kivy_max_frame", kind="ratio"),
        _lo("ratios.rss_vs_bare_kivy", kind="ratio", tolerance=0.05),
    ),
    "access": (
        _lo("figures.key_to_ring_ms.quiet.median", floor=20.0),
        _lo("figures.key_to_first_audio_frame_ms.quiet.median", floor=5.0),
    ),
    "soak": (
        _lo("growth.threads"),
        _lo("growth.open_fds"),
        _lo("growth.rss_after_trim_mb", floor=3.0),
        _lo("seconds_per_session", floor=0.1),
    ),
}


def pick(figures: Mapping[str, Any], path: str) -> float | None:
    """The number at a dotted path, or None when it is absent or not a number."""
    value: Any = figures
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def mad(values: Sequence[float]) -> float:
    """Median absolute deviation (0 for fewer than two values)."""
    if len(values) < 2:
        return 0.0
    centre = statistics.median(values)
    return statistics.median(abs(v - centre) for v in values)


@dataclass(frozen=True)
class Verdict:
    bench: str
    figure: Figure
    baseline: float | None
    value: float | None
    allowed: float
    status: Literal["ok", "worse", "missing", "new"]

    @property
    def line(self) -> str:
        f = self.figure
        if self.status == "missing":
            return f"{self.bench}: {f.path} missing from the bench's output"
        if self.status == "new":
            return f"{self.bench}: {f.path} = {self.value:g} (no baseline yet)"
        assert self.value is not None and self.baseline is not None
        change = self.value - self.baseline
        pct = f" ({change / abs(self.baseline):+.0%})" if self.baseline else ""
        return (f"{self.bench}: {f.path} = {self.value:g}, baseline {self.baseline:g}, "
                f"change {change:+g}{pct}, allowed {self.allowed:g} "
                f"({f.better} is better) -> {self.status.upper()}")


def judge(bench: str, figure: Figure, base: Mapping[str, Any] | None,
          values: Sequence[float]) -> Verdict:
    """Compare the median of ``values`` with a baseline entry ``{"median", "mad"}``."""
    if not values:
        return Verdict(bench, figure, None, None, 0.0, "missing")
    value = statistics.median(values)
    if base is None:
        return Verdict(bench, figure, None, value, 0.0, "new")
    median, spread = float(base["median"]), float(base.get("mad", 0.0))
    allowed = max(MAD_FACTOR * spread, figure.relative * abs(median), figure.floor)
    worse_by = value - median if figure.better == "lower" else median - value
    return Verdict(bench, figure, median, value, round(allowed, 6),
                   "worse" if worse_by > allowed else "ok")


def compare(baseline: Mapping[str, Any], results: Mapping[str, Sequence[Mapping[str, Any]]]
            ) -> list[Verdict]:
    """Every watched figure of every bench in ``results`` (bench -> its runs' JSON)."""
    verdicts = []
    for bench, runs in results.items():
        base_figures = baseline.get("benches", {}).get(bench, {}).get("figures", {})
        for figure in WATCH.get(bench, ()):
            values = [v for v in (pick(run, figure.path) for run in runs) if v is not None]
            verdicts.append(judge(bench, figure, base_figures.get(figure.path), values))
    return verdicts


def summarise(results: Mapping[str, Sequence[Mapping[str, Any]]],
              seconds: Mapping[str, float]) -> dict[str, Any]:
    """The baseline file's content from repeated runs."""
    benches: dict[str, Any] = {}
    for bench, runs in results.items():
        figures = {}
        for figure in WATCH.get(bench, ()):
            values = [v for v in (pick(run, figure.path) for run in runs) if v is not None]
            if values:
                figures[figure.path] = {"median": statistics.median(values),
                                        "mad": mad(values), "runs": values}
        benches[bench] = {"figures": figures, "seconds": round(seconds.get(bench, 0.0), 1)}
    return {"written": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "commit": _git_head(), "cpus": os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 2), "quick": True,
            "benches": benches}


def _git_head() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True,
                              capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def bench_names() -> list[str]:
    return sorted(p.stem for p in BENCH_DIR.glob("*.py") if p.stem != "check")


class BenchFailed(RuntimeError):
    pass


def run_bench(name: str, log_dir: Path, timeout_s: float, nice: int = 0) -> dict[str, Any]:
    """One quick run of bench/<name>.py; its last stdout line as JSON. ``nice`` < 0 (root)
    runs it ahead of other work on a shared machine; use the same for baseline and check."""
    env = {**os.environ, "BENCH_QUICK": "1"}
    log = log_dir / f"{name}.log"
    with log.open("a") as err:
        done = subprocess.run([sys.executable, str(BENCH_DIR / f"{name}.py")], cwd=REPO,
                              env=env, stdout=subprocess.PIPE, stderr=err, text=True,
                              timeout=timeout_s,
                              preexec_fn=(lambda: os.nice(nice)) if nice else None)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        raise BenchFailed(f"bench/{name}.py exited {done.returncode}; stderr in {log}")
    try:
        figures = json.loads(lines[-1])
    except json.JSONDecodeError as exc:
        raise BenchFailed(f"bench/{name}.py: last line is not JSON ({exc})") from exc
    if not isinstance(figures, dict):
        raise BenchFailed(f"bench/{name}.py: last line is not a JSON object")
    with (log_dir / f"{name}.jsonl").open("a") as out:  # every run's figures, kept
        out.write(lines[-1] + "\n")
    return figures


def run_all(names: Sequence[str], runs: int, log_dir: Path, timeout_s: float,
            nice: int = 0) -> tuple[dict[str, list[dict[str, Any]]], dict[str, float], list[str]]:
    results: dict[str, list[dict[str, Any]]] = {}
    seconds: dict[str, float] = {}
    failed: list[str] = []
    for name in names:
        started = time.monotonic()
        try:
            for n in range(runs):
                print(f"bench-check: {name} run {n + 1}/{runs}", file=sys.stderr, flush=True)
                results.setdefault(name, []).append(run_bench(name, log_dir, timeout_s, nice))
        except (BenchFailed, subprocess.TimeoutExpired) as exc:
            failed.append(f"{name}: {exc}")
            results.pop(name, None)
        seconds[name] = time.monotonic() - started
        print(f"bench-check: {name} took {seconds[name]:.0f} s", file=sys.stderr, flush=True)
    return results, seconds, failed


def from_logs(names: Sequence[str], runs: int, log_dir: Path
              ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, float], list[str]]:
    """The figures of earlier runs, as `run_all` returns them (no time recorded)."""
    results: dict[str, list[dict[str, Any]]] = {}
    failed = []
    for name in names:
        path = log_dir / f"{name}.jsonl"
        lines = path.read_text("utf-8").splitlines() if path.exists() else []
        if lines:
            results[name] = [json.loads(line) for line in lines[-runs:]]
        else:
            failed.append(f"{name}: no runs recorded in {path}")
    return results, {}, failed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("check", "baseline"))
    parser.add_argument("--runs", type=int, default=None,
                        help="runs per bench (check: 1, baseline: 3)")
    parser.add_argument("--only", nargs="+", default=None, metavar="NAME",
                        help="these benches only (file stems, e.g. linkage_client)")
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per bench run")
    parser.add_argument("--log-dir", type=Path, default=BENCH_DIR / "out")
    parser.add_argument("--from-logs", action="store_true",
                        help="run nothing: use the last --runs JSON lines each bench left in "
                             "--log-dir (<name>.jsonl) by earlier runs")
    parser.add_argument("--nice", type=int, default=0,
                        help="niceness increment for the benches (e.g. -10 as root)")
    args = parser.parse_args(argv)
    names = args.only or bench_names()
    unknown = sorted(set(names) - set(bench_names()))
    if unknown:
        parser.error(f"no such bench: {', '.join(unknown)}")
    runs = args.runs or (3 if args.mode == "baseline" else 1)
    args.log_dir.mkdir(parents=True, exist_ok=True)
    if args.from_logs:
        results, seconds, failed = from_logs(names, runs, args.log_dir)
    else:
        results, seconds, failed = run_all(names, runs, args.log_dir, args.timeout,
                                           args.nice)
    for line in failed:
        print(f"FAILED {line}")
    if args.mode == "baseline":
        if failed:
            print("baseline not written: a bench failed")
            return 2
        content = summarise(results, seconds)
        if args.only and args.baseline.exists():  # refresh the named benches only
            old = json.loads(args.baseline.read_text("utf-8"))
            content["benches"] = {**old.get("benches", {}), **content["benches"]}
        args.baseline.write_text(json.dumps(content, indent=1, sort_keys=True) + "\n",
                                 "utf-8")
        print(f"baseline written: {args.baseline} ({runs} runs per bench, "
              f"{sum(seconds.values()):.0f} s)")
        return 0
    if not args.baseline.exists():
        print(f"no baseline at {args.baseline}: run `make bench-baseline` first")
        return 2
    verdicts = compare(json.loads(args.baseline.read_text("utf-8")), results)
    for v in verdicts:
        if v.status == "ok":
            print(f"  ok    {v.line}")
    bad = [v for v in verdicts if v.status in ("worse", "missing")]
    for v in verdicts:
        if v.status == "new":
            print(f"  new   {v.line}")
    for v in bad:
        print(f"  WORSE {v.line}" if v.status == "worse" else f"  MISSING {v.line}")
    print(f"bench-check: {len(verdicts)} figures, {len(bad)} worse than noise allows or "
          f"missing, {len(failed)} bench(es) failed; {sum(seconds.values()):.0f} s")
    if failed or any(v.status == "missing" for v in bad):
        return 2
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
