"""Run, time and clean the course's notebooks (behind ``aigc-lab run`` and ``aigc-lab clean``).

``run_notebooks`` executes each notebook headless with nbclient in a chosen
profile, writes the executed copy under ``build/executed/<profile>/``, and
measures wall seconds, the kernel's CPU seconds (with the child processes it waited
for) and its peak memory (its maximum resident set, read inside the kernel after the
last cell), and notes the load average, since wall time on a shared machine says as
much about the neighbours as about the notebook.  Results are merged into
``results/runtimes.json``, from which the README's run-time table is generated.

Notebooks are stored without outputs or execution counts, except cells marked
``# NBVAL_CHECK_OUTPUT``, whose outputs nbval compares; ``clean`` enforces that,
and ``update_checked=True`` refreshes those stored outputs from a smoke run.
"""
from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

CHECK_MARK = "NBVAL_CHECK_OUTPUT"
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results" / "runtimes.json"

_PEAK_CELL = (
    "import resource as _r, sys as _s\n"
    "print('AIGC_LAB_PEAK_KB', _r.getrusage(_r.RUSAGE_SELF).ru_maxrss // (1024 if _s.platform == 'darwin' else 1))\n"
    # CPU seconds of the kernel and of the processes it waited for (torchrun recipes): unlike wall time,
    # barely changed when other programs share the cores, so the smoke budget is checked on it
    "_u, _c = _r.getrusage(_r.RUSAGE_SELF), _r.getrusage(_r.RUSAGE_CHILDREN)\n"
    "print('AIGC_LAB_CPU_S', _u.ru_utime + _u.ru_stime + _c.ru_utime + _c.ru_stime)"
)


@dataclass
class RunResult:
    notebook: str     # path relative to the repository root
    profile: str
    status: str       # "ok" or "failed"
    seconds: float
    peak_mb: float
    error: str = ""
    cpu_seconds: float = 0.0   # CPU time of the kernel and its waited-for child processes
    load: float = 0.0          # the machine's 1-minute load average when the run ended


def find_notebooks(paths: list[str] | None = None) -> list[Path]:
    """Notebooks under the given files/folders (default: notebooks/), in course order."""
    paths = paths or [str(ROOT / "notebooks")]
    found: list[Path] = []
    for p in map(Path, paths):
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such notebook or folder")
        if p.is_dir():
            found += sorted(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
        elif p.suffix == ".ipynb":
            found.append(p)
        else:
            raise ValueError(f"{p} is not a notebook (.ipynb) or a folder")
    if not found:
        raise FileNotFoundError(f"no notebooks found under {', '.join(paths)}")
    return found


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def run_notebook(path: Path, profile: str, *, timeout: int = 1800, out_dir: Path | None = None):
    """Execute one notebook; return (RunResult, executed notebook)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_PEAK_CELL))
    env_before = os.environ.get("AIGC_LAB_PROFILE")
    os.environ["AIGC_LAB_PROFILE"] = profile   # the kernel inherits this process's environment
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    status, error, start = "ok", "", time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        status, error = "failed", str(err).strip().splitlines()[-1][:300] if str(err).strip() else "cell failed"
    except Exception as err:  # kernel died, timeout, ...
        status, error = "failed", f"{type(err).__name__}: {err}"[:300]
    finally:
        if env_before is None:
            os.environ.pop("AIGC_LAB_PROFILE", None)
        else:
            os.environ["AIGC_LAB_PROFILE"] = env_before
    seconds = time.perf_counter() - start
    peak_cell = nb.cells.pop()
    printed = "".join(output.get("text", "") for output in peak_cell.get("outputs", []))  # may arrive in pieces
    match = re.search(r"AIGC_LAB_PEAK_KB (\d+)", printed)
    peak_mb = int(match.group(1)) / 1024 if match else 0.0
    cpu_match = re.search(r"AIGC_LAB_CPU_S ([\d.]+)", printed)
    cpu_seconds = float(cpu_match.group(1)) if cpu_match else 0.0
    if out_dir is not None:
        target = out_dir / profile / _relative(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
    return RunResult(_relative(path), profile, status, round(seconds, 1), round(peak_mb, 1), error,
                     round(cpu_seconds, 1), round(os.getloadavg()[0], 1)), nb


def clean(nb, *, keep_checked: bool = True) -> bool:
    """Strip outputs and execution counts in place; return True if anything changed.

    Checked cells (``# NBVAL_CHECK_OUTPUT``) keep their outputs, and carry the
    fixed execution count 1: nbval skips a cell it believes was never run, and a
    fixed number keeps diffs quiet.
    """
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        keep = keep_checked and CHECK_MARK in cell.source and bool(cell.get("outputs"))
        count = 1 if keep else None
        if cell.get("execution_count") != count:
            cell.execution_count, changed = count, True
        for output in cell.get("outputs", []):
            if "execution_count" in output and output["execution_count"] != count:
                output["execution_count"], changed = count, True
        if cell.get("outputs") and not keep:
            cell.outputs, changed = [], True
        if cell.metadata.pop("execution", None) is not None:
            changed = True
    return changed


def update_checked_outputs(source: Path, executed) -> None:
    """Copy the outputs of the NBVAL_CHECK_OUTPUT cells of an executed run back into the source notebook."""
    import nbformat

    nb = nbformat.read(source, as_version=4)
    for cell, ran in zip(nb.cells, executed.cells):
        if cell.cell_type == "code" and CHECK_MARK in cell.source:
            cell.outputs = [o for o in ran.get("outputs", []) if o.get("output_type") != "display_data"]
    clean(nb)
    nbformat.write(nb, source)


def machine_description() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores{', ' + cpu if cpu else ''}"


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def record(results: list[RunResult], path: Path = RESULTS) -> None:
    """Merge run results into the runtimes file: {profile: {notebook: {...}}} plus machine, date, commit."""
    data = json.loads(path.read_text()) if path.exists() else {}
    for r in results:
        entry = asdict(r)
        entry.update(machine=machine_description(), date=date.today().isoformat(), commit=_commit())
        data.setdefault(r.profile, {})[r.notebook] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
