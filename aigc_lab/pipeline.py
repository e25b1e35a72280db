"""Model parallelism at its simplest: a two-stage pipeline, one stage per process (GPipe's schedule).

Data parallelism copies the whole model into every process. When the model itself does
not fit one device, split it: the first layers live in process 0, the rest in process 1.

    stage 0:  x_m -> layers[:k] -> a_m  --send a_m-->        (for every micro-batch m)
    stage 1:                     a_m -> layers[k:] -> loss_m, backward  --send dL/da_m-->
    stage 0:  a_m.backward(dL/da_m)                           (gradients reach layers[:k])
    both:     optimizer.step()

A batch is cut into micro-batches so stage 0 computes micro-batch m + 1 while stage 1
works on m (Huang et al. 2019, GPipe). Here the processes talk over gloo on one CPU, so
this shows the mechanics and their cost, not a speed-up; on GPUs the same code runs over
NCCL with each stage on its own GPU.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.distributed as dist
import torch.nn as nn


def split_sequential(model: nn.Sequential, boundary: int) -> tuple[nn.Sequential, nn.Sequential]:
    """The layers before ``boundary`` and the layers from it on (sharing the same parameter tensors)."""
    if not 0 < boundary < len(model):
        raise ValueError(f"boundary must fall inside the model's {len(model)} layers, got {boundary}")
    return model[:boundary], model[boundary:]


def pipeline_step(stage: nn.Module, rank: int, x: torch.Tensor | None, y: torch.Tensor | None, *,
                  micro_batches: int, boundary_shape: tuple[int, ...],
                  loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> float | None:
    """One training step's forward and backward across two processes; returns the loss on rank 1.

    rank 0 holds the first stage and the inputs ``x`` (B, ...); rank 1 holds the second stage and
    the targets ``y`` (B, ...). ``boundary_shape`` is one example's activation shape between the
    stages (rank 1 must know what it will receive). Gradients end up in each stage's parameters
    exactly as if one process had run the whole model on the whole batch (mean loss).
    """
    if rank == 0:
        activations, sends = [], []
        for piece in x.chunk(micro_batches):               # all forwards first: stage 1 starts on piece 0 at once
            a = stage(piece)                               # (b, *boundary_shape)
            # isend, not send: a blocking send of piece 1 would wait for stage 1, which waits to send
            # us piece 0's gradient -- each process stuck waiting for the other (a deadlock)
            sends.append(dist.isend(a.detach().contiguous(), dst=1))
            activations.append(a)
        for a in activations:                              # then the backward passes, in the same order
            grad = torch.empty_like(a)
            dist.recv(grad, src=1)                         # dL/da for this micro-batch
            a.backward(grad)
        for request in sends:
            request.wait()
        return None

    total, sends = 0.0, []
    for target in y.chunk(micro_batches):
        a = torch.empty(len(target), *boundary_shape)
        dist.recv(a, src=0)
        a.requires_grad_(True)                             # we need dL/da to send back
        loss = loss_fn(stage(a), target) * len(target) / len(y)   # weight so the sum is the full batch's mean
        loss.backward()
        sends.append(dist.isend(a.grad.contiguous(), dst=0))
        total += loss.item()
    for request in sends:
        request.wait()
    return total
