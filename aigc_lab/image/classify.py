"""The image-classification recipe every chapter shares: train a classifier with ``fit``, then score it."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import metrics, runtime, train
from ..data.image import ImageSplit, shuffled_batches


@dataclass
class ClassifierResult:
    history: train.History
    test_accuracy: float
    majority_accuracy: float     # the trivial baseline: always answer the commonest class
    params: int
    seconds: float


def train_classifier(model: torch.nn.Module, data: ImageSplit, *, steps: int, batch: int = 64, lr: float = 3e-3,
                     max_seconds: float | None = None, device=None, seed: int = 0, progress: bool = True) -> ClassifierResult:
    """Train ``model`` on ``data.x_train`` with AdamW and report test accuracy against the majority baseline."""
    runtime.seed_everything(seed)
    runtime.set_threads(params=runtime.count_params(model))
    history = train.fit(model, shuffled_batches(data.x_train, data.y_train, batch, seed=seed), steps=steps, lr=lr,
                        warmup=min(50, steps // 10), max_seconds=max_seconds, device=device, progress=progress)
    return ClassifierResult(
        history=history,
        test_accuracy=metrics.accuracy(model, data.x_test, data.y_test),
        majority_accuracy=metrics.majority_baseline(data.y_train, data.y_test),
        params=runtime.count_params(model),
        seconds=history.seconds,
    )
