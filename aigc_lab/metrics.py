"""Metrics shared by every modality (modality-specific ones live with their chapter)."""
from __future__ import annotations

import torch


@torch.no_grad()
def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *, batch: int = 512) -> float:
    """Fraction of ``model.predict(x)`` equal to ``y``, in batches on the model's device."""
    dev = next(model.parameters()).device
    model.eval()
    correct = 0
    for i in range(0, len(y), batch):
        correct += (model.predict(x[i:i + batch].to(dev)).cpu() == y[i:i + batch]).sum().item()
    return correct / len(y)


def majority_baseline(y_train: torch.Tensor, y_test: torch.Tensor) -> float:
    """Accuracy of always answering the most common training class."""
    majority = torch.bincount(y_train).argmax()
    return (y_test == majority).float().mean().item()
