"""Benchmarks: one per chapter, each calling the same functions its notebook uses.

A chapter registers a function that returns its quality figures::

    @register("concepts", "Part 1: an MLP and a CNN on digits, a GPT on Python's docs")
    def concepts() -> dict:
        ...
        return {"cnn_test_accuracy": 0.97, ...}

``run(names)`` times each one and yields a record with the figures, the seconds,
the profile, the device, the machine, the date and the commit.  ``aigc-lab bench``
prints one JSON object per benchmark and merges them into ``results/bench.json``,
from which the README's tables are generated (never typed by hand).

A benchmark with many figures may also register a ``headline``: a function from its
figures to the few that the README's table shows (its bars, say); every figure is
still listed under the table.

``aigc-lab bench NAME --busy 1`` runs a benchmark beside one CPU-bound process (a laptop
that is not idle) and records it as ``NAME --busy 1``, next to the idle record.
"""
from __future__ import annotations

import contextlib
import importlib
import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterator

from . import runtime

RESULTS = Path(__file__).resolve().parent.parent / "results" / "bench.json"

# Modules whose import registers benchmarks; each chapter adds its own here.
BENCHMARK_MODULES = ["aigc_lab.benchmarks"]


@dataclass(frozen=True)
class Benchmark:
    name: str
    description: str
    fn: Callable[[], dict]
    headline: Callable[[dict], dict] | None = None    # figures -> the few the README's table shows


_REGISTRY: dict[str, Benchmark] = {}


def register(name: str, description: str, *, headline: Callable[[dict], dict] | None = None) -> Callable:
    def wrap(fn: Callable[[], dict]) -> Callable[[], dict]:
        _REGISTRY[name] = Benchmark(name, description, fn, headline)
        return fn
    return wrap


def run_parts(parts: dict[str, str], package: str = "aigc_lab.benchmarks") -> dict:
    """A chapter's benchmark made of parts: ``{group: module.figures()}`` for each ``group: module`` in
    ``parts`` (modules under ``package``), in order, plus ``seconds_by_part``."""
    out, seconds = {}, {}
    for group, module in parts.items():
        with runtime.Stopwatch() as watch:
            out[group] = importlib.import_module(f"{package}.{module}").figures()
        seconds[group] = round(watch.seconds, 1)
    return {**out, "seconds_by_part": seconds}


def part_seconds(figures: dict) -> dict:
    """For a headline: ``{"seconds by part": "a 12, b 30"}`` from ``run_parts`` figures ({} when absent)."""
    seconds = figures.get("seconds_by_part")
    return {"seconds by part": ", ".join(f"{part} {s:.0f}" for part, s in seconds.items())} if seconds else {}


@contextlib.contextmanager
def busy_processes(n: int) -> Iterator[list[subprocess.Popen]]:
    """Keep ``n`` CPU-bound processes running (each spins one core) while the block runs, then end them."""
    if n < 0:
        raise ValueError(f"the number of busy processes must be 0 or more, got {n}")
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"], stdin=subprocess.DEVNULL)
                for _ in range(n)]
    try:
        yield spinners
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def registry() -> dict[str, Benchmark]:
    for module in BENCHMARK_MODULES:
        importlib.import_module(module)
    return dict(_REGISTRY)


def run(names: list[str] | None = None, *, busy: int = 0) -> Iterator[dict]:
    """Run the named benchmarks (all when empty); yield one record each.

    ``busy``: run each beside that many CPU-bound processes; the record is named ``NAME --busy N``.
    """
    from .notebooks import _commit, machine_description

    known = registry()
    unknown = [n for n in names or [] if n not in known]
    if unknown:
        raise KeyError(f"unknown benchmark(s) {', '.join(unknown)}; registered: {', '.join(sorted(known))}")
    profile = runtime.profile()
    dev = runtime.device()
    for name in names or sorted(known):
        with busy_processes(busy), runtime.Stopwatch() as watch:
            figures = known[name].fn()
        yield {
            "benchmark": f"{name} --busy {busy}" if busy else name,
            "busy_processes": busy,
            "figures": figures,
            "seconds": round(watch.seconds, 1),
            "profile": profile,
            "device": str(dev) + (f" ({runtime.describe().get('gpu')})" if dev.type == "cuda" else ""),
            "machine": machine_description(),
            "date": date.today().isoformat(),
            "commit": _commit(),
        }


def record(records: list[dict], path: Path = RESULTS) -> None:
    """Merge records into the results file: {profile: {benchmark: record}}."""
    data = json.loads(path.read_text()) if path.exists() else {}
    for rec in records:
        data.setdefault(rec["profile"], {})[rec["benchmark"]] = rec
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")

