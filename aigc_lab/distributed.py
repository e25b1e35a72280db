"""Data-parallel training across processes: what ``fit`` does when launched by ``torchrun``.

    torchrun --nproc_per_node 2 train_script.py        # two CPU processes (gloo) on a laptop
    torchrun --nproc_per_node 8 train_script.py        # eight GPUs (NCCL), the same script
    torchrun --nnodes 4 --nproc_per_node 8 --rdzv-endpoint HOST:PORT train_script.py   # four machines

``torchrun`` starts one process per device and tells each its place through environment
variables (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``). When ``WORLD_SIZE`` is above one,
``fit`` joins the process group (NCCL on CUDA, gloo on CPU), wraps the model in
``DistributedDataParallel`` (which averages gradients across processes during
``backward``), gives every process a different share of the batches, and lets only rank 0
print, evaluate and save. Nothing else in the course changes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Place:
    rank: int = 0          # this process among all processes
    world_size: int = 1    # how many processes train together
    local_rank: int = 0    # this process among those on its machine (picks its GPU)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def place() -> Place:
    """Where this process sits, read from the variables ``torchrun`` sets (one process if unset)."""
    try:
        return Place(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
                     int(os.environ.get("LOCAL_RANK", 0)))
    except ValueError as error:
        raise ValueError(f"RANK / WORLD_SIZE / LOCAL_RANK must be whole numbers: {error}") from None


def join(where: Place, dev: torch.device) -> torch.device:
    """Join the process group once (NCCL for CUDA, gloo for CPU); return this process's device."""
    if dev.type == "cuda":
        dev = torch.device("cuda", where.local_rank)
        torch.cuda.set_device(dev)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
    return dev


class LossModule(torch.nn.Module):
    """Makes ``model.loss(batch)`` the forward pass, because DDP synchronises gradients only for
    computations that go through the wrapped module's ``forward``."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, batch):
        return self.model.loss(batch)


def shard(next_batch, where: Place):
    """Every process draws the same stream of batches and keeps every ``world_size``-th one, starting at
    its rank: processes never share a batch, and together they see exactly the single-process stream."""
    if not where.distributed:
        return next_batch

    def next_shard():
        batches = [next_batch() for _ in range(where.world_size)]
        return batches[where.rank]

    return next_shard


def mean_across(value: torch.Tensor) -> torch.Tensor:
    """Average a tensor over all processes (a no-op in one process)."""
    if dist.is_initialized() and dist.get_world_size() > 1:
        value = value.clone()
        dist.all_reduce(value, op=dist.ReduceOp.SUM)
        value /= dist.get_world_size()
    return value


def any_across(flag: bool, dev: torch.device) -> bool:
    """True on every process if it is true on any (so all stop at the same step)."""
    if not (dist.is_initialized() and dist.get_world_size() > 1):
        return flag
    value = torch.tensor(float(flag), device=dev)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())
