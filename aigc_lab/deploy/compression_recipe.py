"""The recipe of notebooks/01_foundations/03_workflow: a TextCNN on cleaned reviews, then made small and fast.

``workflow_settings()`` holds the sizes per profile; ``train_text_cnn`` trains the float teacher (or, given a
teacher, a distilled student) and ``prune_and_finetune`` its pruned copy.  The notebook and the
``foundations`` benchmark both use these; ``compression.compare`` measures the versions.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import runtime, train
from ..data.image import shuffled_batches
from ..settings import Settings
from ..text.text_cnn import TextCNN, TextCNNConfig
from . import compression as cz


@dataclass
class WorkflowSettings(Settings):
    n_train: int             # generated sentences, before cleaning
    n_test: int
    teacher: dict            # TextCNNConfig's embed and channels for the float model
    student: dict            # ... and for the distilled student
    steps: int               # teacher and student training steps
    lr: float
    batch: int
    sparsity: float          # fraction of each weight matrix pruned
    finetune_steps: int      # after pruning
    temperature: float       # distillation
    alpha: float             # distillation: weight of the teacher's soft targets
    repeats: int             # latency: calls timed per measurement
    compile: bool            # also time torch.compile (slow to compile)


def workflow_settings() -> WorkflowSettings:
    """The per-profile sizes the workflow notebook and the benchmark share."""
    return WorkflowSettings(
        n_train=runtime.pick(smoke=1500, cpu=4000, gpu=4000),
        n_test=runtime.pick(smoke=500, cpu=1000, gpu=1000),
        teacher=dict(embed=runtime.pick(32, 64, 64), channels=runtime.pick(64, 128, 128)),
        student=dict(embed=16, channels=16),
        steps=runtime.pick(smoke=100, cpu=600, gpu=1000),
        lr=1e-2,
        batch=64,
        sparsity=runtime.pick(smoke=0.7, cpu=0.8, gpu=0.8),
        finetune_steps=runtime.pick(smoke=30, cpu=200, gpu=300),
        temperature=4.0,
        alpha=0.7,
        repeats=runtime.pick(smoke=10, cpu=30, gpu=30),
        compile=runtime.pick(smoke=False, cpu=True, gpu=True),
    )


def train_text_cnn(config: TextCNNConfig, x: torch.Tensor, y: torch.Tensor, s: WorkflowSettings, *, teacher=None,
                   device=None) -> TextCNN:
    """Train a TextCNN on (x, y) with ``fit``: from the labels alone, or distilled from ``teacher``."""
    runtime.seed_everything(0)
    model = TextCNN(config)
    runtime.set_threads(params=runtime.count_params(model))
    trainee = model if teacher is None else cz.Distillation(model, teacher, temperature=s["temperature"],
                                                            alpha=s["alpha"])
    train.fit(trainee, shuffled_batches(x, y, s["batch"]), steps=s["steps"], lr=s["lr"], warmup=s["steps"] // 10,
              device=device, progress=False)
    return model.cpu().eval()


def prune_and_finetune(model: TextCNN, x: torch.Tensor, y: torch.Tensor, s: WorkflowSettings, *,
                       device=None) -> TextCNN:
    """A copy of ``model`` with ``s.sparsity`` of each weight matrix zeroed by magnitude, fine-tuned on (x, y)
    with the zeros kept."""
    pruned, masks = cz.magnitude_prune(model, s["sparsity"])
    runtime.seed_everything(0)
    train.fit(pruned, shuffled_batches(x, y, s["batch"]), steps=s["finetune_steps"], lr=3e-3, device=device,
              on_step_end=lambda step, m: cz.apply_masks(m, masks), progress=False)
    return pruned.cpu().eval()
