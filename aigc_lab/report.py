"""The README's tables and the notebooks' run-time lines, generated from ``results/runtimes.json`` and ``results/bench.json``.

Numbers in the README are never typed: ``aigc-lab run`` and ``aigc-lab bench``
record them, ``aigc-lab readme`` rewrites the text between the markers
``<!-- BEGIN NAME -->`` and ``<!-- END NAME -->``, and a test fails when the
README and the results files disagree.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .notebooks import ROOT, RESULTS as RUNTIMES
from .bench import RESULTS as BENCH, registry

README = ROOT / "README.md"
PROFILE_ORDER = ("smoke", "cpu", "gpu")


def _load(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def runtime_table(runtimes: dict | None = None) -> str:
    runtimes = _load(RUNTIMES) if runtimes is None else runtimes
    notebooks = sorted({nb for per_profile in runtimes.values() for nb in per_profile})
    if not notebooks:
        return "_No runs recorded yet: `aigc-lab run --profile smoke` records them._"
    profiles = [p for p in PROFILE_ORDER if p in runtimes]
    header = "| notebook | " + " | ".join(f"{p}: wall s (CPU s, load) / peak MB" for p in profiles) + " |"
    lines = [header, "|---|" + "---|" * len(profiles)]
    for nb in notebooks:
        cells = []
        for p in profiles:
            r = runtimes[p].get(nb)
            cells.append("not run" if r is None else
                         f"{r['seconds']:.0f}{_cpu_and_load(r)} / {r['peak_mb']:.0f}"
                         + ("" if r["status"] == "ok" else " (failed)"))
        lines.append(f"| `{nb.removeprefix('notebooks/')}` | " + " | ".join(cells) + " |")
    for p in profiles:
        entries = list(runtimes[p].values())
        machines = sorted({e["machine"] for e in entries})
        dates = sorted({e["date"] for e in entries})
        total = sum(e["seconds"] for e in entries)
        lines.append("")
        lines.append(f"{p}: {total:.0f} s in all, measured on {'; '.join(machines)}, "
                     f"{dates[0]}{' to ' + dates[-1] if len(dates) > 1 else ''}.")
    return "\n".join(lines)


def _cpu_and_load(run: dict) -> str:
    """' (24 CPU, load 14.2)' where the run recorded them: a wall time far above the CPU time means the
    machine was shared, not that the notebook is slow."""
    if not run.get("cpu_seconds"):
        return ""
    return f" ({run['cpu_seconds']:.0f} CPU, load {run.get('load', 0):.1f})"


def bench_table(bench: dict | None = None, headlines: dict | None = None) -> str:
    """The README's benchmark table from ``results/bench.json``; ``headlines`` (benchmark name -> function of
    its figures) defaults to the headlines the benchmarks register."""
    bench = _load(BENCH) if bench is None else bench
    rows = [rec for p in PROFILE_ORDER for rec in sorted(bench.get(p, {}).values(), key=lambda r: r["benchmark"])]
    if not rows:
        return "_No benchmark recorded yet: `aigc-lab bench` records them._"
    headlines = {name: b.headline for name, b in registry().items() if b.headline} if headlines is None else headlines
    lines = ["| benchmark | profile | figures | seconds | device | machine, date, commit |", "|---|---|---|---|---|---|"]
    details = []
    for rec in rows:
        headline = headlines.get(rec["benchmark"].split(" --busy")[0])   # a busy run shares its benchmark's headline
        shown = headline(rec["figures"]) if headline else rec["figures"]
        figures = "<br>".join(f"{k}: {v}" for k, v in _flat(shown))
        lines.append(f"| {rec['benchmark']} | {rec['profile']} | {figures} | {rec['seconds']:.0f} | {rec['device']} | "
                     f"{rec['machine']}, {rec['date']}, {rec['commit']} |")
        if headline:     # the table shows the headline; every figure goes in a folded list below it
            every = "\n".join(f"- {k}: {v}" for k, v in _flat(rec["figures"], depth=None))
            details.append(f"\n<details><summary>{rec['benchmark']} ({rec['profile']}): every figure</summary>\n\n"
                           f"{every}\n\n</details>")
    return "\n".join(lines + details)


def _flat(figures: dict, prefix: str = "", depth: int | None = 2):
    """(dotted name, value) for every number or string in nested figures, ``depth`` levels down (None: all);
    lists are shown as they are. With the default depth, settings dicts deeper down (a recipe's configuration)
    are left to results/bench.json."""
    for key, value in figures.items():
        if isinstance(value, dict):
            if depth is None or depth > 1:
                yield from _flat(value, f"{prefix}{key}.", None if depth is None else depth - 1)
        else:
            yield f"{prefix}{key}", value


def render(text: str, tables: dict[str, str]) -> str:
    for name, table in tables.items():
        pattern = re.compile(rf"(<!-- BEGIN {name} -->).*?(<!-- END {name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"README.md has no <!-- BEGIN {name} --> ... <!-- END {name} --> markers")
        text = pattern.sub(lambda m: f"{m.group(1)}\n{table}\n{m.group(2)}", text)
    return text


def update_readme(write: bool = True, path: Path = README) -> bool:
    """Regenerate the tables (and each notebook's run-time line); return True if anything changed (or would)."""
    old = path.read_text()
    new = render(old, {"runtimes": runtime_table(), "bench": bench_table()})
    if new != old and write:
        path.write_text(new)
    return update_notebook_runtimes(write) or new != old


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def notebook_runtime_line(notebook: str, runtimes: dict) -> str:
    """'smoke 12 s, cpu 3.0 min, gpu not measured yet (...)' for one notebook, from the runtimes file."""
    parts, machines = [], set()
    for p in PROFILE_ORDER:
        r = runtimes.get(p, {}).get(notebook)
        cpu = f" ({_duration(r['cpu_seconds'])} CPU)" if r and r.get("cpu_seconds") else ""
        parts.append(f"{p} {_duration(r['seconds'])}{cpu}" if r else f"{p} not measured yet")
        if r:
            machines.add(r["machine"].split(",")[1].strip() if r["machine"].count(",") else r["machine"])
    where = f" on {', '.join(sorted(machines))}" if machines else ""
    return f"{', '.join(parts)} (whole notebook, measured with `aigc-lab run`{where}; generated by `aigc-lab readme`)"


def update_notebook_runtimes(write: bool = True) -> bool:
    """Rewrite the text between <!-- BEGIN runtime --> and <!-- END runtime --> in every notebook."""
    import nbformat

    runtimes = _load(RUNTIMES)
    pattern = re.compile(r"(<!-- BEGIN runtime -->).*?(<!-- END runtime -->)", re.S)
    changed = False
    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        line = notebook_runtime_line(str(path.relative_to(ROOT)), runtimes)
        touched = False
        for cell in nb.cells:
            if cell.cell_type == "markdown" and pattern.search(cell.source):
                new = pattern.sub(lambda m: f"{m.group(1)}{line}{m.group(2)}", cell.source)
                touched, cell.source = touched or new != cell.source, new
        if touched:
            changed = True
            if write:
                nbformat.write(nb, path)
    return changed
