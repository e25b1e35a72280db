"""Train a digits MLP split across two processes (``aigc_lab.pipeline``), and check it against one process.

    torchrun --nproc_per_node 2 -m aigc_lab.recipes.pipeline_mlp --steps 100 --out build/pipeline

Stage 0 (rank 0) holds the first layers and the images, stage 1 (rank 1) the last layers and
the labels. After training, rank 1 writes ``summary.json``: losses, seconds, and whether the
weights equal those of the same model trained in one process (they must: the pipeline
changes where the work happens, not what is computed).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

from aigc_lab.data.image import load_digits
from aigc_lab.pipeline import pipeline_step, split_sequential


def make_mlp(width: int) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(256, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                         nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10))


BOUNDARY = 4   # stage 0: Flatten, Linear, ReLU, Linear; stage 1: ReLU, Linear, ReLU, Linear


def batches(steps: int, batch: int):
    data = load_digits(16)
    g = torch.Generator().manual_seed(0)
    for _ in range(steps):
        idx = torch.randint(len(data.y_train), (batch,), generator=g)
        yield data.x_train[idx], data.y_train[idx]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--micro-batches", type=int, default=4)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    dist.init_process_group("gloo")
    rank = dist.get_rank()
    if dist.get_world_size() != 2:
        raise SystemExit("this recipe needs exactly two processes: torchrun --nproc_per_node 2 ...")
    stage = split_sequential(make_mlp(args.width), BOUNDARY)[rank]
    optimizer = torch.optim.SGD(stage.parameters(), lr=0.05, momentum=0.9)
    losses, started = [], time.perf_counter()
    for x, y in batches(args.steps, args.batch):
        optimizer.zero_grad(set_to_none=True)
        loss = pipeline_step(stage, rank, x, y, micro_batches=args.micro_batches, boundary_shape=(args.width,),
                             loss_fn=F.cross_entropy)
        optimizer.step()
        if loss is not None:
            losses.append(loss)
    seconds = time.perf_counter() - started

    # the same training in this one process, for the parity check
    reference = make_mlp(args.width)
    reference_optimizer = torch.optim.SGD(reference.parameters(), lr=0.05, momentum=0.9)
    reference_started = time.perf_counter()
    for x, y in batches(args.steps, args.batch):
        reference_optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(reference(x), y).backward()
        reference_optimizer.step()
    reference_seconds = time.perf_counter() - reference_started
    mine = split_sequential(reference, BOUNDARY)[rank]
    same = all(torch.allclose(a, b, atol=1e-4) for a, b in zip(stage.parameters(), mine.parameters()))
    both_same = torch.tensor(float(same))
    dist.all_reduce(both_same, op=dist.ReduceOp.MIN)
    summary = {"steps": args.steps, "micro_batches": args.micro_batches, "pipeline_seconds": seconds,
               "one_process_seconds": reference_seconds, "matches_one_process": bool(both_same.item()),
               "train_loss": losses}
    if rank == 1:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.json").write_text(json.dumps(summary, indent=1))
    dist.destroy_process_group()
    return summary


if __name__ == "__main__":
    main()
