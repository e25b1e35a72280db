"""Benchmark ``text``: a well-known small GPT recipe against the course's recipe, same corpus, same harness, same time.

Both recipes train a character-level GPT on Python's bundled documentation
(``python_docs_text``, last 10% held out) with ``aigc_lab.train.fit`` for the
same wall-clock budget, and both are scored by the same function on the same
held-out characters.  The figures are validation loss in nats per character,
parameters, steps, milliseconds per step, tokens per second and seconds, plus
the machine's load average, since on a shared machine the times depend on it.

The reference recipe (issue 3): GPT with 4 layers, 4 heads, 128 wide, context
64, batch 12, dropout 0, AdamW at a constant learning rate of 1e-3, 2,000 steps;
0.8M parameters.  The course's recipe keeps the model small (on two CPU cores a
bigger model sees too few tokens in the time) and changes how it is trained:
twice the context, a larger batch, a three times higher peak learning rate with
a linear warm-up, a cosine decay whose length is fitted to the time budget by
timing a few steps first, and the faster of one thread or all cores (on a busy
two-core machine two threads can run many times slower than one).  In the smoke
profile both recipes run on a 2-layer, 64-wide stand-in, which only proves that
the harness works; its losses mean little.

    aigc-lab bench text            # AIGC_LAB_PROFILE=smoke for a 20-second check
"""
from __future__ import annotations

import copy
import os
import time
from dataclasses import asdict, dataclass, replace

import torch

from .. import runtime, train
from ..bench import register
from ..data.text import CharTokenizer, LMBatches, python_docs_text, split_ids, unigram_entropy
from ..text.gpt import GPT, GPTConfig
from ..text.sampling import evaluate_loss


@dataclass
class Recipe:
    """How to train a character GPT: its size and its optimisation."""

    name: str
    config: GPTConfig             # vocab_size is filled in from the corpus
    batch: int                    # sequences per step
    lr: float                     # peak learning rate (AdamW)
    schedule: str = "constant"    # "constant", or "cosine": linear warm-up then cosine decay to lr * min_lr_ratio
    warmup: int = 0               # warm-up steps (cosine only)
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.0
    steps: int | None = None      # fixed step count; None: as many as the time allows, measured by a timing probe
    threads: str = "auto"         # "auto": runtime.set_threads by model size; "fastest": time 1 thread and all cores


def _small(name: str, **kw) -> Recipe:
    """The smoke profile's stand-in: the same recipe on a 2-layer, 64-wide GPT, so the harness runs in seconds."""
    return Recipe(name, GPTConfig(0, block_size=kw.pop("block_size"), n_layer=2, n_head=4, n_embd=64), **kw)


def reference_recipe() -> Recipe:
    """The well-known small recipe of issue 3 (0.8M parameters); nanoGPT-sized on a GPU."""
    return runtime.pick(
        smoke=_small("reference", block_size=64, batch=12, lr=1e-3, steps=2000),
        cpu=Recipe("reference", GPTConfig(0, block_size=64, n_layer=4, n_head=4, n_embd=128), batch=12, lr=1e-3,
                   steps=2000),
        gpu=Recipe("reference", GPTConfig(0, block_size=256, n_layer=6, n_head=6, n_embd=384), batch=64, lr=1e-3,
                   steps=5000),
    )


def course_recipe() -> Recipe:
    """The course's recipe: longer context, bigger batch, higher peak lr, warm-up and cosine decay sized to the time,
    and the faster of one thread or all cores."""
    return runtime.pick(
        smoke=_small("course", block_size=128, batch=16, lr=3e-3, schedule="cosine", warmup=10, threads="fastest"),
        cpu=Recipe("course", GPTConfig(0, block_size=128, n_layer=4, n_head=4, n_embd=128), batch=16, lr=3e-3,
                   schedule="cosine", warmup=100, threads="fastest"),
        gpu=Recipe("course", GPTConfig(0, block_size=256, n_layer=6, n_head=6, n_embd=384), batch=64, lr=2e-3,
                   schedule="cosine", warmup=200, weight_decay=0.1),
    )


def text_settings() -> dict:
    """Per-profile budget: seconds of training per recipe, and how many held-out characters score it."""
    return {
        "seconds": runtime.pick(smoke=6, cpu=150, gpu=120),
        "val_chars": runtime.pick(smoke=4_000, cpu=None, gpu=None),   # None: the whole held-out 10%
    }


def seconds_per_step(recipe: Recipe, train_ids: torch.Tensor, dev: torch.device, budget: float) -> float:
    """Time up to 8 optimiser steps of a throwaway copy of the model, stopping after ``budget`` seconds.

    The first two steps are left out of the average: they pay for one-off work
    (allocations, lazy imports) and would make the schedule too short.
    """
    model = GPT(copy.deepcopy(recipe.config))
    data = LMBatches(train_ids, block=recipe.config.block_size, batch=recipe.batch, seed=123)
    ends = []
    history = train.fit(model, data, steps=8, lr=recipe.lr, device=dev, progress=False, log_every=8,
                        max_seconds=budget, on_step_end=lambda step, m: ends.append(time.perf_counter()))
    if len(ends) >= 4:
        return (ends[-1] - ends[1]) / (len(ends) - 2)
    return history.seconds / history.step


def train_recipe(recipe: Recipe, train_ids: torch.Tensor, val_ids: torch.Tensor, *, vocab_size: int, seconds: float,
                 device=None, seed: int = 0) -> dict:
    """Train one recipe for ``seconds`` of wall time and score it; every recipe goes through this one function.

    The timing probes (choosing threads, sizing the schedule) count against the recipe's time.
    """
    dev = runtime.device(device)
    config = replace(recipe.config, vocab_size=vocab_size)
    recipe = replace(recipe, config=config)
    started = time.perf_counter()
    threads = runtime.set_threads(params=runtime.count_params(GPT(config)))
    per_step, budget = None, max(0.5, 0.03 * seconds)     # each timing probe takes at most 3% of the time
    if recipe.threads == "fastest" and dev.type == "cpu":   # on a busy machine two threads can be far slower than one
        timings = {}
        for n in sorted({1, os.cpu_count() or 1}):
            runtime.set_threads(n)
            timings[n] = seconds_per_step(recipe, train_ids, dev, budget)
        threads = runtime.set_threads(min(timings, key=timings.get))
        per_step = timings[threads]
    steps = recipe.steps
    if steps is None:                                  # size the schedule so that it ends when the time does
        per_step = per_step or seconds_per_step(recipe, train_ids, dev, budget)
        steps = max(10, int((seconds - (time.perf_counter() - started)) / per_step))
    probe_seconds = time.perf_counter() - started
    warmup = recipe.warmup if recipe.schedule == "cosine" else 0
    min_lr_ratio = recipe.min_lr_ratio if recipe.schedule == "cosine" else 1.0   # ratio 1: a constant rate

    runtime.seed_everything(seed)
    model = GPT(config)
    data = LMBatches(train_ids, block=config.block_size, batch=recipe.batch, seed=seed)
    history = train.fit(model, data, steps=steps, lr=recipe.lr, warmup=warmup, min_lr_ratio=min_lr_ratio,
                        weight_decay=recipe.weight_decay, max_seconds=max(seconds - probe_seconds, 1.0), device=dev,
                        log_every=50, progress=False)
    val_loss = evaluate_loss(model, val_ids, block=config.block_size, max_windows=None)   # characters: nats/char
    tokens = history.step * recipe.batch * config.block_size
    return {
        "val_loss_nats_per_char": round(val_loss, 4),
        "params": runtime.count_params(model),
        "steps": history.step,
        "planned_steps": steps,
        "ms_per_step": round(1000 * history.seconds / max(history.step, 1), 1),
        "tokens_per_s": round(tokens / max(history.seconds, 1e-9)),
        "seconds": round(history.seconds + probe_seconds, 1),
        "probe_seconds": round(probe_seconds, 1),
        "threads": threads,
        "recipe": {k: v for k, v in asdict(recipe).items() if k != "name"},
    }


@register("text", "Part 2 text: a reference small GPT recipe against the course's, same corpus and time, nats/char")
def text_benchmark() -> dict:
    settings = text_settings()
    text = python_docs_text()
    tokenizer = CharTokenizer(text)
    train_ids, val_ids = split_ids(tokenizer.encode(text), 0.1)
    if settings["val_chars"] is not None:
        val_ids = val_ids[:settings["val_chars"]]
    load_before = os.getloadavg()[0]
    results = {}
    for recipe in (reference_recipe(), course_recipe()):
        results[recipe.name] = train_recipe(recipe, train_ids, val_ids, vocab_size=tokenizer.vocab_size,
                                            seconds=settings["seconds"])
    return {
        "reference": results["reference"],
        "course": results["course"],
        "course_minus_reference_nats_per_char": round(
            results["course"]["val_loss_nats_per_char"] - results["reference"]["val_loss_nats_per_char"], 4),
        "unigram_entropy_nats_per_char": round(unigram_entropy(train_ids), 4),
        "budget_seconds_each": settings["seconds"],
        "val_chars": len(val_ids),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],   # before and after: others' work
    }
