"""Train the course's character GPT data-parallel: the same ``fit`` call on one process or many.

    python -m aigc_lab.recipes.ddp_char_lm --steps 50 --out build/ddp                      # one process
    torchrun --nproc_per_node 2 -m aigc_lab.recipes.ddp_char_lm --steps 50 --out build/ddp   # two (gloo on CPU)
    torchrun --nproc_per_node 8 -m aigc_lab.recipes.ddp_char_lm ...                          # eight GPUs (NCCL)

Every process draws ``--batch`` windows per step, so N processes see N times the data per step.
Rank 0 writes ``summary.json`` to ``--out``: the loss curve, seconds in the training loop
(start-up excluded) and characters per second across all processes.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from aigc_lab import distributed, runtime, train
from aigc_lab.data.text import CharTokenizer, LMBatches, python_docs_text, split_ids
from aigc_lab.text.gpt import GPT, GPTConfig


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--batch", type=int, default=16, help="windows per process per step")
    parser.add_argument("--block", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    parser.add_argument("--out", required=True, help="folder for summary.json")
    args = parser.parse_args(argv)

    where = distributed.place()
    torch.set_num_threads(args.threads)
    runtime.seed_everything(0)                         # same initial weights in every process
    text = python_docs_text()
    tokenizer = CharTokenizer(text)
    train_ids, _ = split_ids(tokenizer.encode(text), 0.1)
    model = GPT(GPTConfig(vocab_size=tokenizer.vocab_size, block_size=args.block, n_layer=args.layers,
                          n_head=4, n_embd=args.width))
    # the same seed everywhere: fit's sharding hands each process a different batch of one shared stream
    history = train.fit(model, LMBatches(train_ids, block=args.block, batch=args.batch, seed=0), steps=args.steps,
                        lr=3e-3, warmup=min(10, args.steps // 5), log_every=5, progress=where.is_main)
    summary = {
        "processes": where.world_size,
        "steps": history.step,
        "seconds": history.seconds,
        "chars_per_s": history.step * args.batch * args.block * where.world_size / history.seconds,
        "loss_steps": history.steps,
        "train_loss": history.train_loss,
    }
    if where.is_main:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


if __name__ == "__main__":
    main()
