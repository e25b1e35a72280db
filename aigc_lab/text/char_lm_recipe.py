"""Recipes for the character-level GPT: a well-known small recipe and the course's, trained by one function.

A recipe is a model size plus how to train it. ``train_recipe`` trains any recipe on
character ids for a wall-clock budget and scores it on held-out characters, so two
recipes compared through it differ only in what the recipes say::

    result = train_recipe(course_recipe(), train_ids, val_ids, vocab_size=103, seconds=150)
    result["val_loss_nats_per_char"]

The reference recipe is the small GPT recipe people know (4 layers, 4 heads, 128 wide,
context 64, batch 12, AdamW at a constant 1e-3 for 2,000 steps; 0.8M parameters). The
course's keeps the model that small (on two CPU cores a bigger one sees too few tokens in
the time) and changes how it trains: twice the context, a larger batch, a three times
higher peak rate with a linear warm-up, and a cosine decay over the *fraction of the time
budget used* (``train.fit(steps=None, max_seconds=...)``), so the rate reaches its floor
just as the time runs out however busy the laptop is; and it keeps re-checking whether one
thread or every core runs its steps faster (``runtime.ThreadChooser``), because on a two-core
laptop with another program running two threads can be far slower than one.

``aigc-lab train char-lm`` trains the course's recipe on any text file.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import torch

from .. import runtime, train
from ..data.text import LMBatches
from ..settings import Settings
from .gpt import GPT, GPTConfig
from .sampling import evaluate_loss


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
    steps: int | None = None      # a step schedule of this many steps; None: train to the time budget (the
                                  # cosine then follows the fraction of the time used)
    threads: str = "auto"         # "auto": by model size (runtime.set_threads); "recheck": runtime.ThreadChooser

    def __post_init__(self):
        if self.schedule not in ("constant", "cosine"):
            raise ValueError(f"schedule must be 'constant' or 'cosine', got {self.schedule!r}")
        if self.threads not in ("auto", "recheck"):
            raise ValueError(f"threads must be 'auto' or 'recheck', got {self.threads!r}")


@dataclass
class ComparisonSettings(Settings):
    """How two recipes are compared: the same training time each, scored on the same held-out characters."""

    seconds: float                # training time for each recipe
    val_chars: int | None         # held-out characters that score them; None: the whole held-out 10%


def comparison_settings() -> ComparisonSettings:
    return ComparisonSettings(seconds=runtime.pick(smoke=6, cpu=150, gpu=120),
                              val_chars=runtime.pick(smoke=4_000, cpu=None, gpu=None))


def _small(name: str, **kw) -> Recipe:
    """The smoke profile's stand-in: the same recipe on a 2-layer, 64-wide GPT, so the harness runs in seconds."""
    return Recipe(name, GPTConfig(0, block_size=kw.pop("block_size"), n_layer=2, n_head=4, n_embd=64), **kw)


def reference_recipe() -> Recipe:
    """The well-known small recipe (0.8M parameters on the CPU; nanoGPT's Shakespeare size on a GPU)."""
    return runtime.pick(
        smoke=_small("reference", block_size=64, batch=12, lr=1e-3, steps=2000),
        cpu=Recipe("reference", GPTConfig(0, block_size=64, n_layer=4, n_head=4, n_embd=128), batch=12, lr=1e-3,
                   steps=2000),
        gpu=Recipe("reference", GPTConfig(0, block_size=256, n_layer=6, n_head=6, n_embd=384), batch=64, lr=1e-3,
                   steps=5000),
    )


def course_recipe() -> Recipe:
    """The course's recipe: longer context, bigger batch, higher peak rate, warm-up, then a cosine over the time
    budget; on the CPU the thread count is re-checked while it trains."""
    return runtime.pick(
        smoke=_small("course", block_size=128, batch=16, lr=3e-3, schedule="cosine", warmup=10, threads="recheck"),
        cpu=Recipe("course", GPTConfig(0, block_size=128, n_layer=4, n_head=4, n_embd=128), batch=16, lr=3e-3,
                   schedule="cosine", warmup=100, threads="recheck"),
        gpu=Recipe("course", GPTConfig(0, block_size=256, n_layer=6, n_head=6, n_embd=384), batch=64, lr=2e-3,
                   schedule="cosine", warmup=200, weight_decay=0.1),
    )


def train_recipe(recipe: Recipe, train_ids: torch.Tensor, val_ids: torch.Tensor, *, vocab_size: int, seconds: float,
                 device=None, seed: int = 0) -> dict:
    """Train one recipe for at most ``seconds`` of training time and score it; every recipe goes through here.

    Returns the validation loss in nats per character and how the time was spent.
    """
    dev = runtime.device(device)
    config = replace(recipe.config, vocab_size=vocab_size)
    recipe = replace(recipe, config=config)
    runtime.seed_everything(seed)
    model = GPT(config)
    threads = runtime.set_threads(params=runtime.count_params(model))
    chooser = runtime.ThreadChooser() if recipe.threads == "recheck" and dev.type == "cpu" else None
    warmup = recipe.warmup if recipe.schedule == "cosine" else 0
    min_lr_ratio = recipe.min_lr_ratio if recipe.schedule == "cosine" else 1.0   # ratio 1: a constant rate

    data = LMBatches(train_ids, block=config.block_size, batch=recipe.batch, seed=seed)
    history = train.fit(model, data, steps=recipe.steps, lr=recipe.lr, warmup=warmup, min_lr_ratio=min_lr_ratio,
                        weight_decay=recipe.weight_decay, max_seconds=seconds, device=dev, log_every=50,
                        progress=False, on_step_end=chooser)
    val_loss = evaluate_loss(model, val_ids, block=config.block_size, max_windows=None)   # characters: nats/char
    tokens = history.step * recipe.batch * config.block_size
    return {
        "val_loss_nats_per_char": round(val_loss, 4),
        "params": runtime.count_params(model),
        "steps": history.step,
        "schedule": "steps" if recipe.steps is not None else "time",
        "stopped": history.stopped,
        "final_lr": history.lr[-1] if history.lr else None,
        "ms_per_step": round(1000 * history.seconds / max(history.step, 1), 1),
        "tokens_per_s": round(tokens / max(history.seconds, 1e-9)),
        "seconds": round(history.seconds, 1),
        "threads": chooser.threads if chooser else threads,
        "thread_switches": chooser.switches if chooser else 0,
        "median_ms_by_threads": ({n: round(ms, 1) for n, ms in chooser.median_ms.items()} if chooser else {}),
        "recipe": {k: v for k, v in asdict(recipe).items() if k != "name"},
    }
