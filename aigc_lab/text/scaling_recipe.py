"""The scaling recipe of notebooks/01_foundations/04_outlook: a family of character GPTs of growing width.

Same corpus (Python's docs), same tokens for every member: held-out loss against non-embedding parameters
N and compute C = 6 N D, a fitted power law L = a N^-b + c (``aigc_lab.scaling``), its prediction for a
model about 10x larger, and that model trained to check it.  The notebook and the ``foundations``
benchmark both use these.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from .. import runtime, scaling, train
from ..data.text import CharTokenizer, LMBatches, python_docs_text, split_ids, unigram_entropy
from ..settings import Settings
from .gpt import GPT, GPTConfig
from .sampling import evaluate_loss


@dataclass
class ScalingSettings(Settings):
    widths: list[int]        # the family's GPT widths (n_embd), 2 heads each
    n_layer: int             # depth of every member
    check_width: int         # the ~10x larger model that tests the fit: same depth, wider
    block: int               # context, characters
    batch: int
    steps: int               # every member trains on the same number of tokens
    val_windows: int         # held-out windows scored per model


def scaling_settings() -> ScalingSettings:
    """Per-profile sizes shared by the outlook notebook and the benchmark."""
    return ScalingSettings(
        widths=runtime.pick(smoke=[8, 16, 24, 32], cpu=[8, 16, 24, 32, 48], gpu=[32, 48, 64, 96, 128]),
        n_layer=runtime.pick(smoke=1, cpu=2, gpu=4),
        check_width=runtime.pick(smoke=104, cpu=152, gpu=400),   # width is the family's only variable
        block=runtime.pick(smoke=32, cpu=64, gpu=128),
        batch=runtime.pick(smoke=8, cpu=16, gpu=64),
        steps=runtime.pick(smoke=60, cpu=500, gpu=2000),
        val_windows=runtime.pick(smoke=20, cpu=100, gpu=400),
    )


def char_corpus() -> tuple[CharTokenizer, torch.Tensor, torch.Tensor]:
    """The bundled Python-docs text, character ids, last 10% held out."""
    text = python_docs_text()
    tokenizer = CharTokenizer(text)
    train_ids, val_ids = split_ids(tokenizer.encode(text), 0.1)
    return tokenizer, train_ids, val_ids


def train_gpt_size(config: GPTConfig, train_ids: torch.Tensor, val_ids: torch.Tensor, s: ScalingSettings, *,
                   device=None, seed: int = 0) -> dict:
    """Train one member of the family for ``s.steps`` steps and score it on held-out text."""
    runtime.seed_everything(seed)
    model = GPT(config)
    data = LMBatches(train_ids, block=config.block_size, batch=s["batch"], seed=seed)
    started = time.process_time()
    history = train.fit(model, data, steps=s["steps"], lr=3e-3, warmup=s["steps"] // 10, device=device,
                        progress=False, log_every=max(1, s["steps"] // 10))
    cpu_seconds = time.process_time() - started
    tokens = history.step * s["batch"] * config.block_size
    params = scaling.non_embedding_params(model)
    return {"n_embd": config.n_embd, "n_layer": config.n_layer, "params": params,
            "all_params": runtime.count_params(model), "tokens": tokens,
            "flops": float(scaling.training_flops(params, tokens)),
            "val_loss": evaluate_loss(model, val_ids, block=config.block_size, max_windows=s["val_windows"]),
            "seconds": history.seconds, "cpu_seconds": cpu_seconds}


def gpt_config(vocab_size: int, n_embd: int, n_layer: int, block: int) -> GPTConfig:
    return GPTConfig(vocab_size, block_size=block, n_layer=n_layer, n_head=2, n_embd=n_embd)


def scaling_runs(s: ScalingSettings | None = None, *, device=None) -> dict:
    """Train the family, fit the law, predict the ~10x model and train it: everything the scaling section shows."""
    s = s or scaling_settings()
    tokenizer, train_ids, val_ids = char_corpus()
    runtime.set_threads(1)
    runs = [train_gpt_size(gpt_config(tokenizer.vocab_size, w, s["n_layer"], s["block"]), train_ids, val_ids, s,
                           device=device) for w in s["widths"]]
    law = scaling.fit_power_law([r["params"] for r in runs], [r["val_loss"] for r in runs])
    check_config = gpt_config(tokenizer.vocab_size, s["check_width"], s["n_layer"], s["block"])
    check_params = scaling.non_embedding_params(GPT(check_config))
    predicted = law(check_params)
    check = train_gpt_size(check_config, train_ids, val_ids, s, device=device)
    return {"runs": runs, "law": law, "check": check, "predicted": predicted,
            "unigram_entropy": unigram_entropy(train_ids)}
