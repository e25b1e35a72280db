"""``aigc-lab``: the course's one command-line face.

    aigc-lab doctor                      is this machine ready? (exit 1 with a fix for each problem)
    aigc-lab run [PATHS] [--profile P]   execute notebooks headless; table of status, seconds, peak memory
    aigc-lab bench [NAMES]               run chapter benchmarks; one JSON object per benchmark
    aigc-lab clean [PATHS] [--check]     strip outputs (except nbval-checked cells) from notebooks
    aigc-lab readme [--check]            regenerate the tables in README.md, results/BENCHMARKS.md, docs/instructors.md
    aigc-lab train char-lm --text FILE   train a character-level GPT on your own text
    aigc-lab sample --ckpt DIR           continue a prompt with a trained model
    aigc-lab student OUT                 hand-out copy for learners: outputs cleared, no solutions
    aigc-lab instructor OUT              copy with each exercise's solution filled in below it
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import runtime
from .checkpoint import CheckpointError


# --------------------------------------------------------------------------- doctor
def _checks():
    """Yield (name, ok, detail, fix) for everything the course needs."""
    import importlib
    import importlib.util

    yield ("python >= 3.10", sys.version_info >= (3, 10), sys.version.split()[0], "install Python 3.10 or newer")
    import torch

    major_minor = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2])
    yield ("torch >= 2.4", major_minor >= (2, 4), torch.__version__, "pip install 'torch>=2.4' (see README, CPU install)")
    try:
        name = runtime.profile()
        yield ("profile", True, name, "")
    except runtime.ProfileError as err:
        yield ("profile", False, str(err), f"unset {runtime.PROFILE_VARIABLE} or set it to smoke, cpu or gpu")
    try:
        dev = runtime.device()
        yield ("device", True, str(dev) + (f" ({torch.cuda.get_device_name(0)})" if dev.type == "cuda" else
                                           " (no CUDA GPU: notebooks use the cpu profile sizes)"), "")
    except runtime.DeviceError as err:
        yield ("device", False, str(err), f"unset {runtime.DEVICE_VARIABLE} or set it to auto")
    for module, why in [("nbclient", "aigc-lab run"), ("ipywidgets", "interactive panels"),
                        ("safetensors", "checkpoints"), ("sklearn", "digits and classical models"),
                        ("skimage", "sample images"), ("matplotlib", "plots")]:
        found = importlib.util.find_spec(module) is not None
        yield (f"package {module}", found, f"needed for {why}", "make lab (or pip install -r requirements.txt)")
    # offline data sources
    try:
        from pydoc_data.topics import topics

        yield ("data: Python docs corpus", len(topics) > 10, f"{sum(map(len, topics.values())):,} characters",
               "your Python lacks pydoc_data; install a full CPython")
    except ImportError:
        yield ("data: Python docs corpus", False, "pydoc_data missing", "install a full CPython (with pydoc_data)")
    try:
        from sklearn.datasets import load_digits

        yield ("data: scikit-learn digits", len(load_digits().target) == 1797, "1,797 images", "")
    except Exception as err:  # noqa: BLE001 -- report any failure with its fix
        yield ("data: scikit-learn digits", False, str(err), "pip install scikit-learn")
    from .data.image import offline_image_status

    images = offline_image_status()
    missing = [f"{name} ({error})" for name, error in images.items() if error != "ok"]
    yield ("data: bundled photographs", not missing, f"{len(images) - len(missing)}/{len(images)} load offline",
           "pip install -r requirements.txt (scikit-image, scikit-learn); missing: " + "; ".join(missing))
    # the speech chapter's voices: eSpeak NG from the espeakng-loader wheel, driven through ctypes
    from .data import espeak

    try:
        info = espeak.engine_info()
        pinned = info["package"] == espeak.PINNED_VERSION
        yield ("speech engine (eSpeak NG)", True,
               f"espeakng-loader {info['package']}, eSpeak NG {info['espeak_ng']}, {info['sample_rate']} Hz"
               + ("" if pinned else f" (the course pins {espeak.PINNED_VERSION}; cached speech will be regenerated)"), "")
    except espeak.SpeechEngineError as err:
        yield ("speech engine (eSpeak NG)", False, str(err).split(". Fix:")[0], espeak.FIX)


def doctor() -> int:
    problems = 0
    for name, ok, detail, fix in _checks():
        mark = "ok " if ok else "FAIL"
        print(f"[{mark}] {name:32s} {detail}")
        if not ok:
            problems += 1
            print(f"       fix: {fix}")
    print("all good: the course can run here." if not problems else f"{problems} problem(s) found.")
    return 1 if problems else 0


# --------------------------------------------------------------------------- run / clean
def run(paths: list[str], profile: str, update_checked: bool, record: bool, timeout: int) -> int:
    from . import notebooks

    runtime.pick(1, 1, 1, profile_name=profile)  # validates the name with a clear message
    targets = notebooks.find_notebooks(paths)
    out_dir = notebooks.ROOT / "build" / "executed"
    results = []
    print(f"{'notebook':58s} {'status':7s} {'seconds':>8s} {'peak MB':>8s}   (profile {profile})")
    for path in targets:
        result, executed = notebooks.run_notebook(path, profile, timeout=timeout, out_dir=out_dir)
        results.append(result)
        print(f"{result.notebook:58s} {result.status:7s} {result.seconds:8.1f} {result.peak_mb:8.0f}", flush=True)
        if result.error:
            print(f"    {result.error}")
        if update_checked and result.status == "ok":
            notebooks.update_checked_outputs(path, executed)
    total = sum(r.seconds for r in results)
    failed = [r for r in results if r.status != "ok"]
    print(f"{len(results)} notebook(s), {len(failed)} failed, {total:.1f} s in all; executed copies in {out_dir}")
    if record:
        notebooks.record(results)
    return 1 if failed else 0


def clean(paths: list[str], check_only: bool) -> int:
    import nbformat

    from . import notebooks

    dirty = []
    for path in notebooks.find_notebooks(paths):
        nb = nbformat.read(path, as_version=4)
        if notebooks.clean(nb):
            dirty.append(path)
            if not check_only:
                nbformat.write(nb, path)
    for path in dirty:
        print(("would clean " if check_only else "cleaned ") + notebooks._relative(path))
    if check_only and dirty:
        print("run `aigc-lab clean` to strip outputs and execution counts")
        return 1
    return 0


# --------------------------------------------------------------------------- bench / readme
def bench(names: list[str], record: bool, busy: int = 0) -> int:
    from . import bench as benchmarks

    records = []
    for rec in benchmarks.run(names, busy=busy):
        print(json.dumps(rec), flush=True)
        records.append(rec)
    if record:
        benchmarks.record(records)
    return 0


def readme(check_only: bool) -> int:
    from . import report

    stale = [str(p.relative_to(report.ROOT)) for p in report.stale_files(write=not check_only)]
    notebooks = report.update_notebook_runtimes(write=not check_only)
    if notebooks:
        stale.append("the notebooks' run-time lines")
    if check_only and stale:
        print(f"out of date with results/*.json: {', '.join(stale)}: run `aigc-lab readme`")
        return 1
    print(f"regenerated: {', '.join(stale)}" if stale else
          "generated tables are up to date (README.md, results/BENCHMARKS.md, docs/instructors.md, notebooks)")
    return 0


# --------------------------------------------------------------------------- train / sample
def train_char_lm(text_file: str, minutes: float, out: str, resume: bool, steps: int | None = None,
                  checkpoint_seconds: float = 60.0) -> int:
    """The course's character-GPT recipe (``aigc_lab.text.char_lm_recipe.course_recipe``) on any UTF-8 file.

    A time-budgeted run (``--minutes``): the learning rate warms up, then follows a cosine over the
    fraction of the budget used (``fit(..., steps=None, max_seconds=...)``), so it decays fully and
    fills the budget however busy the machine is; no step plan is guessed. ``--minutes`` counts the
    whole run: ``--resume`` trains only what is left of it (pass a larger value to train longer).
    With ``steps`` the run is step-budgeted instead (a step schedule, no time limit: the same command
    gives the same model), and a resume keeps that schedule. The checkpoint in ``out`` is saved every
    ``checkpoint_seconds`` and on SIGTERM, so a killed run can ``--resume`` where it was.
    """
    from dataclasses import replace
    from pathlib import Path

    from . import checkpoint
    from .text.char_lm_recipe import course_recipe
    from .data.text import CharTokenizer, read_text_file
    from .text import char_lm

    if minutes <= 0:
        raise ValueError(f"--minutes must be positive, got {minutes}")
    if steps is not None and steps < 1:
        raise ValueError(f"--steps must be at least 1, got {steps}")
    if steps is None and resume and (Path(out) / checkpoint.STATE_FILE).exists():
        steps = checkpoint.read_state(out)["config"].get("steps")   # a step-budgeted run keeps its schedule
    text = read_text_file(text_file)
    recipe = course_recipe()
    tokenizer = CharTokenizer(text)
    config = replace(recipe.config, vocab_size=tokenizer.vocab_size)
    seconds = None if steps is not None else minutes * 60
    budget = f"for {steps} steps" if steps is not None else f"for {minutes:g} min in all"
    print(f"training a character GPT on {text_file} ({len(text):,} characters) {budget}; checkpoint in {out}",
          file=sys.stderr)
    result = char_lm.train_char_lm(text, config, steps=steps, batch=recipe.batch, lr=recipe.lr, warmup=recipe.warmup,
                                   max_seconds=seconds, checkpoint_dir=out, resume=resume,
                                   checkpoint_seconds=checkpoint_seconds)
    print(json.dumps({"val_loss": round(result.val_loss, 4), "unigram_entropy": round(result.unigram_entropy, 4),
                      "params": result.params, "tokens_per_s": round(result.tokens_per_s), "seconds": round(result.seconds, 1),
                      "steps": result.history.step, "schedule": "steps" if steps is not None else "time",
                      "stopped": result.history.stopped, "device": str(next(result.model.parameters()).device),
                      "checkpoint": out}))
    return 0


def sample(ckpt: str, prompt: str, temperature: float, tokens: int, top_k: int | None, seed: int) -> int:
    import torch

    from .text.char_lm import load_char_lm
    from .text.sampling import generate

    model, tokenizer = load_char_lm(ckpt)
    ids = generate(model, tokenizer.encode(prompt), tokens, temperature=temperature, top_k=top_k,
                   generator=torch.Generator().manual_seed(seed))
    print(tokenizer.decode(ids))
    return 0


# --------------------------------------------------------------------------- student / instructor copies
def handout(kind: str, out: str) -> int:
    from . import handouts

    print(handouts.summary(handouts.write_handout(kind, out)))
    return 0


# --------------------------------------------------------------------------- entry point
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aigc-lab", description="AIGC Lab: run, check and benchmark the course.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("doctor", help="check that this machine can run the course")

    p = sub.add_parser("run", help="execute notebooks headless and time them")
    p.add_argument("paths", nargs="*", help="notebooks or folders (default: notebooks/)")
    p.add_argument("--profile", choices=runtime.PROFILES, default=None, help="smoke, cpu or gpu (default: this machine's)")
    p.add_argument("--update-checked", action="store_true",
                   help="copy the outputs of NBVAL_CHECK_OUTPUT cells back into the notebooks (maintainers)")
    p.add_argument("--no-record", action="store_true", help="do not write results/runtimes.json")
    p.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell (default 1800)")

    p = sub.add_parser("bench", help="run chapter benchmarks and print their figures as JSON")
    p.add_argument("names", nargs="*", help="benchmark names (default: all)")
    p.add_argument("--profile", choices=runtime.PROFILES, default=None)
    p.add_argument("--no-record", action="store_true", help="do not write results/bench.json")
    p.add_argument("--busy", type=int, default=0, metavar="N",
                   help="run beside N CPU-bound processes, as on a laptop that is not idle; recorded as 'NAME --busy N'")

    p = sub.add_parser("clean", help="strip outputs and execution counts from notebooks")
    p.add_argument("paths", nargs="*")
    p.add_argument("--check", action="store_true", help="only report; exit 1 if any notebook needs cleaning")

    p = sub.add_parser("readme", help="regenerate the tables in README.md, results/BENCHMARKS.md, docs/instructors.md "
                                      "and the notebooks' run-time lines from results/*.json")
    p.add_argument("--check", action="store_true", help="only report; exit 1 if any of them is out of date")

    p = sub.add_parser("train", help="train a model on your own data")
    p.add_argument("model", choices=["char-lm"], help="what to train: char-lm (a character-level GPT)")
    p.add_argument("--text", required=True, help="a UTF-8 text file; its last 10%% is held out for validation")
    p.add_argument("--minutes", type=float, default=4.0,
                   help="training-time budget of the whole run, resumes included (default 4)")
    p.add_argument("--profile", choices=runtime.PROFILES, default=None, help="model size (default: this machine's)")
    p.add_argument("--out", default="checkpoints/char-lm", help="checkpoint folder (default checkpoints/char-lm)")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    p.add_argument("--steps", type=int, default=None,
                   help="train exactly this many steps on a step schedule instead of --minutes (reproducible)")
    p.add_argument("--checkpoint-seconds", type=float, default=60.0,
                   help="save the checkpoint this often, in seconds of training (default 60; also on SIGTERM)")

    p = sub.add_parser("sample", help="continue a prompt with a trained character model")
    p.add_argument("--ckpt", required=True, help="checkpoint folder written by `aigc-lab train char-lm`")
    p.add_argument("--prompt", default="\n")
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--tokens", type=int, default=300)
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)

    p = sub.add_parser("student", help="write a hand-out copy for learners: outputs cleared, no solutions")
    p.add_argument("out", help="a new or empty folder, outside notebooks/")
    p = sub.add_parser("instructor", help="write a copy with each exercise's solution filled in below it")
    p.add_argument("out", help="a new or empty folder, outside notebooks/")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "profile", None):
        os.environ[runtime.PROFILE_VARIABLE] = args.profile
    try:
        if args.command == "doctor":
            return doctor()
        if args.command == "run":
            return run(args.paths, args.profile or runtime.profile(), args.update_checked, not args.no_record, args.timeout)
        if args.command == "bench":
            return bench(args.names, not args.no_record, args.busy)
        if args.command == "clean":
            return clean(args.paths, args.check)
        if args.command == "readme":
            return readme(args.check)
        if args.command == "train":
            return train_char_lm(args.text, args.minutes, args.out, args.resume, args.steps, args.checkpoint_seconds)
        if args.command == "sample":
            return sample(args.ckpt, args.prompt, args.temperature, args.tokens, args.top_k, args.seed)
        if args.command in ("student", "instructor"):
            return handout(args.command, args.out)
    except (FileNotFoundError, ValueError, KeyError, runtime.DeviceError, CheckpointError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"aigc-lab {args.command}: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
