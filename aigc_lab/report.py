"""Every measured number in the course's documents, generated from ``results/runtimes.json`` and ``results/bench.json``.

Numbers in the documents are never typed: ``aigc-lab run`` and ``aigc-lab bench``
record them, ``aigc-lab readme`` rewrites the text between the markers
``<!-- BEGIN NAME -->`` and ``<!-- END NAME -->`` in each file of :func:`generated`
(the README, ``results/BENCHMARKS.md`` and ``docs/instructors.md``) and the run-time
line of every notebook, and a test (and ``aigc-lab readme --check``) fails when a
file and the results files disagree.

Where a profile has no record yet (the gpu profile, so far) the tables say
"not yet measured" rather than leave it out.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .notebooks import ROOT, RESULTS as RUNTIMES
from .bench import RESULTS as BENCH, registry

README = ROOT / "README.md"
BENCHMARKS = ROOT / "results" / "BENCHMARKS.md"
INSTRUCTORS = ROOT / "docs" / "instructors.md"
PROFILE_ORDER = ("smoke", "cpu", "gpu")
NOT_MEASURED = "not yet measured"

# The one-day workshop path: (session, notebook, the exercises that suit a room: short functions, quick checks).
# The README and docs/instructors.md show it with each notebook's measured time; a test checks that every
# notebook exists and every exercise is a current ID in aigc_lab/exercises/ids.txt.
WORKSHOP = (
    ("morning", "notebooks/00_start_here.ipynb", "ab"),
    ("morning", "notebooks/01_foundations/02_algorithms.ipynb", "acd"),
    ("morning", "notebooks/02_text/01_generation.ipynb", "fd"),
    ("afternoon", "notebooks/03_image/02_vae.ipynb", "d"),
    ("afternoon", "notebooks/03_image/04_diffusion.ipynb", "ac"),
    ("afternoon", "notebooks/04_speech/01_classification.ipynb", "ab"),
    ("afternoon", "notebooks/06_explainability/01_text.ipynb", "a"),
)

# What the profiles are for (typed: these are intentions, not measurements; the measured column is generated).
PROFILES = {
    "smoke": ("CI (nbval) on 2 CPU cores", "about 30 s: every cell runs, results beat a trivial baseline"),
    "cpu": ("a learner's laptop", "a few minutes: the chapter's quality bar"),
    "gpu": ("one CUDA GPU", "a few minutes: bigger models, bf16 autocast"),
}

# The README keeps a handful of headline figures per benchmark (the start of each figure's name, in its headline);
# results/BENCHMARKS.md has them all.
README_FIGURES = {
    "concepts": ("cnn_test_accuracy", "gpt_val_loss_nats_per_char"),
    "explain": ("text: best method", "image: best method", "audio: best method"),
    "foundations": ("float32:", "student:", "shapes CLIP"),
    "image": ("best digit network", "diffusion (", "detection mAP", "segmentation mean IoU"),
    "speech": ("spoken words", "CTC recogniser", "text to speech, round-trip"),
    "text": ("course.val_loss_nats_per_char", "reference.val_loss_nats_per_char", "unigram_entropy"),
    "video": ("motion accuracy", "next-frame", "generated clips"),
}


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
    lines += [f"\n{p}: {NOT_MEASURED}." for p in PROFILE_ORDER if p not in profiles]
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
    missing = [p for p in PROFILE_ORDER if p != "smoke" and not bench.get(p)]
    lines += [f"\n{p} profile: {NOT_MEASURED}." for p in missing]
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


def render(text: str, tables: dict[str, str], name: str = "README.md") -> str:
    for marker, table in tables.items():
        pattern = re.compile(rf"(<!-- BEGIN {marker} -->).*?(<!-- END {marker} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"{name} has no <!-- BEGIN {marker} --> ... <!-- END {marker} --> markers")
        text = pattern.sub(lambda m: f"{m.group(1)}\n{table}\n{m.group(2)}", text)
    return text


# --------------------------------------------------------------------------- the learner's tables (README)
def _part(notebook: str) -> str:
    """'notebooks/02_text/01_generation.ipynb' -> '02_text'; 'notebooks/00_start_here.ipynb' -> '00_start_here'."""
    return notebook.removeprefix("notebooks/").split("/")[0].removesuffix(".ipynb")


def part_label(part: str) -> str:
    """'02_text' -> '2 Text', '00_start_here' -> '0 Start here'."""
    number, _, name = part.partition("_")
    return f"{int(number)} {name.replace('_', ' ').capitalize()}"


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _total(runtimes: dict, profile: str, notebooks: list[str]) -> str:
    """The summed wall time of ``notebooks`` in ``profile``, saying how many are measured when not all are."""
    runs = [runtimes.get(profile, {}).get(nb) for nb in notebooks]
    measured = [r["seconds"] for r in runs if r]
    if not measured:
        return NOT_MEASURED
    partial = "" if len(measured) == len(runs) else f" ({len(measured)} of {len(runs)} notebooks measured)"
    return _minutes(sum(measured)) + partial


def _machines(runtimes: dict, profiles: tuple[str, ...]) -> str:
    """'Linux x86_64, 2 cores (AMD EPYC; Intel(R) Xeon(R) ...)': the machines' kinds, each with its processors."""
    kinds: dict[str, set[str]] = {}
    for p in profiles:
        for r in runtimes.get(p, {}).values():
            # machine_description(): "System machine, N cores[, processor]"
            kind, _, cpu = r["machine"].rpartition(", ") if r["machine"].count(",") >= 2 else (r["machine"], "", "")
            kinds.setdefault(kind, set()).add(cpu)
    return "; ".join(f"{k} ({'; '.join(sorted(c for c in cpus if c))})" if any(cpus) else k
                     for k, cpus in sorted(kinds.items()))


def parts_table(runtimes: dict | None = None) -> str:
    """Time per part: the summed run time of its notebooks in each profile (cpu: what a laptop takes)."""
    runtimes = _load(RUNTIMES) if runtimes is None else runtimes
    course = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").rglob("*.ipynb"))
    parts: dict[str, list[str]] = {}
    for nb in course:
        parts.setdefault(_part(nb), []).append(nb)
    lines = ["| part | notebooks | on a laptop (cpu profile) | in CI (smoke profile) | on a GPU (gpu profile) |",
             "|---|---|---|---|---|"]
    for part, notebooks in parts.items():
        lines.append(f"| {part_label(part)} | {len(notebooks)} | " +
                     " | ".join(_total(runtimes, p, notebooks) for p in ("cpu", "smoke", "gpu")) + " |")
    lines.append(f"| **whole course** | {len(course)} | " +
                 " | ".join(f"**{_total(runtimes, p, course)}**" for p in ("cpu", "smoke", "gpu")) + " |")
    measured = tuple(p for p in ("cpu", "smoke") if runtimes.get(p))
    lines.append("")
    lines.append("The time the notebooks take to run, not counting reading and exercises"
                 + (f", measured on {_machines(runtimes, measured)}" if measured else "")
                 + ("" if runtimes.get("gpu") else f"; gpu profile: {NOT_MEASURED}") + ".")
    return "\n".join(lines)


def profiles_table(runtimes: dict | None = None) -> str:
    """The three profiles, each with the whole course's measured run time (or "not yet measured")."""
    runtimes = _load(RUNTIMES) if runtimes is None else runtimes
    course = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").rglob("*.ipynb"))
    lines = ["| profile | who runs it | budget per notebook | whole course, measured |", "|---|---|---|---|"]
    for p in PROFILE_ORDER:
        who, budget = PROFILES[p]
        lines.append(f"| `{p}` | {who} | {budget} | {_total(runtimes, p, course)} |")
    return "\n".join(lines)


def _exercise_ids(notebook: str, letters: str) -> list[str]:
    """('notebooks/02_text/01_generation.ipynb', 'bd') -> ['02_text.01.b', '02_text.01.d'] (the IDs' scheme)."""
    part = _part(notebook)
    number = Path(notebook).name[:2] if "/" in notebook.removeprefix("notebooks/") else "00"
    return [f"{part}.{number}.{letter}" for letter in letters]


def workshop_exercises() -> list[str]:
    """Every exercise ID the workshop path suggests."""
    return [i for _, nb, letters in WORKSHOP for i in _exercise_ids(nb, letters)]


def workshop_table(runtimes: dict | None = None) -> str:
    """The one-day workshop path with each notebook's measured time and the exercises that suit a room."""
    runtimes = _load(RUNTIMES) if runtimes is None else runtimes
    lines = ["| session | notebook | on a laptop (cpu profile) | exercises for the room |", "|---|---|---|---|"]
    for session, nb, letters in WORKSHOP:
        r = runtimes.get("cpu", {}).get(nb)
        exercises = ", ".join(f"`{i}`" for i in _exercise_ids(nb, letters))
        lines.append(f"| {session} | `{nb.removeprefix('notebooks/')}` | "
                     f"{_duration(r['seconds']) if r else NOT_MEASURED} | {exercises} |")
    total = _total(runtimes, "cpu", [nb for _, nb, _ in WORKSHOP])
    lines.append(f"| | **{len(WORKSHOP)} notebooks** | **{total}** | |")
    return "\n".join(lines)


def headline_table(bench: dict | None = None, headlines: dict | None = None) -> str:
    """A handful of headline figures per benchmark, cpu profile, with the gpu profile's state beside them."""
    bench = _load(BENCH) if bench is None else bench
    if headlines is None:
        headlines = {name: b.headline for name, b in registry().items() if b.headline}
    names = sorted({n for p in ("cpu", "gpu") for n in bench.get(p, {}) if " --busy" not in n})
    if not names:
        return "_No benchmark recorded yet: `aigc-lab bench` records them._"

    def figures(rec: dict | None) -> str:
        if rec is None:
            return NOT_MEASURED
        headline = headlines.get(rec["benchmark"])
        flat = list(_flat(headline(rec["figures"]) if headline else rec["figures"]))
        starts = README_FIGURES.get(rec["benchmark"], ())
        picked = [(k, v) for k, v in flat if k.startswith(starts)] if starts else []
        return "<br>".join(f"{k}: {v}" for k, v in (picked or flat[:2]))

    def seconds(rec: dict | None) -> str:
        return f"{rec['seconds']:.0f}" if rec else "–"

    lines = ["| benchmark | cpu profile: headline figures | cpu s | gpu profile | gpu s |", "|---|---|---|---|---|"]
    for name in names:
        cpu, gpu = bench.get("cpu", {}).get(name), bench.get("gpu", {}).get(name)
        lines.append(f"| {name} | {figures(cpu)} | {seconds(cpu)} | {figures(gpu)} | {seconds(gpu)} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- every generated file
def generated(runtimes: dict | None = None, bench: dict | None = None) -> dict[Path, dict[str, str]]:
    """Each file with generated tables -> {marker name: table}."""
    runtimes = _load(RUNTIMES) if runtimes is None else runtimes
    bench = _load(BENCH) if bench is None else bench
    return {
        README: {"profiles": profiles_table(runtimes), "parts": parts_table(runtimes),
                 "workshop": workshop_table(runtimes), "headlines": headline_table(bench)},
        BENCHMARKS: {"runtimes": runtime_table(runtimes), "bench": bench_table(bench)},
        INSTRUCTORS: {"parts": parts_table(runtimes), "workshop": workshop_table(runtimes)},
    }


def stale_files(runtimes: dict | None = None, bench: dict | None = None, write: bool = False) -> list[Path]:
    """The generated files whose tables disagree with the results (rewritten when ``write``)."""
    stale = []
    for path, tables in generated(runtimes, bench).items():
        old = path.read_text()
        new = render(old, tables, str(path.relative_to(ROOT)))
        if new != old:
            stale.append(path)
            if write:
                path.write_text(new)
    return stale


def update_readme(write: bool = True) -> bool:
    """Regenerate every generated table (README, results/BENCHMARKS.md, docs/instructors.md) and each notebook's
    run-time line; return True if anything changed (or would)."""
    changed = bool(stale_files(write=write))
    return update_notebook_runtimes(write) or changed


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
