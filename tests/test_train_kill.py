"""`aigc-lab train char-lm` killed for real (SIGKILL, SIGTERM) at random moments, then resumed to the end.

A learner's run dies to a closed terminal, a container stop or an out-of-memory kill. Whatever the moment,
the checkpoint folder must hold a valid checkpoint no older than ``--checkpoint-seconds``, and ``--resume``
must carry on from it: the step count continues and, for a step-budgeted run, the end is the same as
an uninterrupted run's.
"""
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import torch

from aigc_lab import checkpoint
from aigc_lab.text.char_lm_recipe import course_recipe
from aigc_lab.text.char_lm import load_char_lm
from conftest import ROOT

SEED = random.randrange(10**6)   # printed on failure, so a failing moment can be replayed


def command(corpus, out, *args):
    return [sys.executable, "-m", "aigc_lab.cli", "train", "char-lm", "--text", str(corpus), "--profile", "smoke",
            "--out", str(out), *args]


def environment():
    return {**os.environ, "AIGC_LAB_THREADS": "1", "OMP_NUM_THREADS": "1"}


def run_to_end(corpus, out, *args) -> dict:
    result = subprocess.run(command(corpus, out, *args), cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env=environment())
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def start_and_kill(corpus, out, sig, *args, after_step: int, rng: random.Random) -> subprocess.Popen:
    """Start a run, wait until it has saved past ``after_step``, then send ``sig`` at a random moment."""
    process = subprocess.Popen(command(corpus, out, *args), cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=environment())
    state, deadline = out / checkpoint.STATE_FILE, time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if state.exists() and json.loads(state.read_text())["step"] > after_step:
            break
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.4))
    assert process.poll() is None, f"the run ended before it could be killed (seed {SEED}): {process.stderr.read()[-2000:]}"
    process.send_signal(sig)
    process.wait(timeout=60)
    return process


def corpus_file(tmp_path):
    corpus = tmp_path / "fox.txt"
    corpus.write_text("The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs. " * 40)
    return corpus


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_to_the_end(tmp_path, monkeypatch):
    rng, corpus, out = random.Random(SEED), corpus_file(tmp_path), tmp_path / "ckpt"
    budget = ("--minutes", "0.06", "--checkpoint-seconds", "0.25")
    saved = [0]
    for kill in range(2):
        process = start_and_kill(corpus, out, signal.SIGKILL, *budget, *(["--resume"] if kill else []),
                                 after_step=saved[-1], rng=rng)
        assert process.returncode == -signal.SIGKILL
        state = checkpoint.read_state(out)                  # valid: checksums match, nothing half-written
        load_char_lm(out)
        assert state["step"] > saved[-1], f"each resumed run trained and saved further (seed {SEED})"
        saved.append(state["step"])
    report = run_to_end(corpus, out, *budget, "--resume")
    assert report["steps"] > saved[-1] and report["stopped"] == "time", (report, saved, SEED)
    state = checkpoint.read_state(out)
    assert state["step"] == report["steps"]
    # --minutes counts the whole run across resumes, and the schedule decays over it to its floor
    assert 0.06 * 60 <= report["seconds"] < 0.06 * 60 + 3
    monkeypatch.setenv("AIGC_LAB_PROFILE", "smoke")
    recipe = course_recipe()
    assert state["extra"]["history"]["lr"][-1] == pytest.approx(recipe.min_lr_ratio * recipe.lr, rel=0.1)


@pytest.mark.slow
def test_sigterm_then_resume_ends_with_the_uninterrupted_weights(tmp_path):
    rng, corpus = random.Random(SEED), corpus_file(tmp_path)
    steps = ("--steps", "150", "--checkpoint-seconds", "0.25")
    straight = run_to_end(corpus, tmp_path / "straight", *steps)
    assert straight["steps"] == 150

    process = start_and_kill(corpus, tmp_path / "cut", signal.SIGTERM, *steps, after_step=0, rng=rng)
    assert process.returncode == 0, process.stderr.read()[-2000:]
    stopped = json.loads(process.stdout.read().strip().splitlines()[-1])
    assert stopped["stopped"] == "terminated" and 0 < stopped["steps"] < 150
    assert checkpoint.read_state(tmp_path / "cut")["step"] == stopped["steps"]

    resumed = run_to_end(corpus, tmp_path / "cut", *steps, "--resume")
    assert resumed["steps"] == 150
    a, _ = load_char_lm(tmp_path / "straight", device="cpu")
    b, _ = load_char_lm(tmp_path / "cut", device="cpu")
    for x, y in zip(a.state_dict().values(), b.state_dict().values()):
        torch.testing.assert_close(x, y, msg=f"resumed after SIGTERM at step {stopped['steps']} (seed {SEED})")
