"""Metrics shared by every modality (modality-specific ones live with their chapter)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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


# --------------------------------------------------------------------------- precision, recall, F1, calibration
# Written out so that a learner can read every count; tests/test_workflow_metrics.py checks each
# against scikit-learn (precision_recall_fscore_support, confusion_matrix, calibration_curve).
def _labels(y) -> torch.Tensor:
    return torch.as_tensor(y).long().flatten().cpu()


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> torch.Tensor:
    """(C, C) counts: entry [i, j] is how many examples of true class i were predicted as class j.

    Rows are the truth, columns the prediction (scikit-learn's layout); the diagonal is what is right.
    ``num_classes`` defaults to the largest label seen plus one.
    """
    y_true, y_pred = _labels(y_true), _labels(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in length: {tuple(y_true.shape)} vs {tuple(y_pred.shape)}")
    c = num_classes or int(max(y_true.max(), y_pred.max())) + 1
    return torch.bincount(y_true * c + y_pred, minlength=c * c).view(c, c)   # one bin per (true, predicted) pair


def _safe_divide(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a / b, with 0 where b is 0 (scikit-learn's zero_division=0)."""
    return torch.where(b > 0, a / torch.where(b > 0, b, torch.ones_like(b)), torch.zeros_like(a))


def precision_recall_f1(y_true, y_pred, *, average: str | None = None, num_classes: int | None = None,
                        positive: int = 1):
    """Precision, recall and F1, per class or averaged.

    For class c, with TP = cm[c, c], FP = column c minus TP (called c, but were not), FN = row c
    minus TP (were c, but missed):
        precision = TP / (TP + FP)     recall = TP / (TP + FN)     F1 = 2 P R / (P + R)
    and 0 where a denominator is 0.  ``average``:
        None        three (C,) tensors, one value per class
        "binary"    the values of class ``positive`` only (two-class problems)
        "macro"     the plain mean over classes (each class counts the same, however rare)
        "weighted"  the mean weighted by each class's number of true examples (its support)
        "micro"     from TP, FP, FN summed over classes (for single-label data, P = R = F1 = accuracy)
    Averages are floats.  F1 is averaged per class, not recomputed from averaged P and R (as scikit-learn).
    """
    cm = confusion_matrix(y_true, y_pred, num_classes).double()
    tp = cm.diagonal()
    fp = cm.sum(dim=0) - tp
    fn = cm.sum(dim=1) - tp
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    precision = _safe_divide(tp, tp + fp)
    recall = _safe_divide(tp, tp + fn)
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    if average is None:
        return precision, recall, f1
    if average == "micro":
        return precision.item(), recall.item(), f1.item()
    if average == "binary":
        return precision[positive].item(), recall[positive].item(), f1[positive].item()
    if average == "macro":
        return precision.mean().item(), recall.mean().item(), f1.mean().item()
    if average == "weighted":
        support = cm.sum(dim=1)
        weights = support / support.sum()
        return (precision * weights).sum().item(), (recall * weights).sum().item(), (f1 * weights).sum().item()
    raise ValueError(f"average must be None, 'binary', 'macro', 'weighted' or 'micro', not {average!r}")


@dataclass
class Reliability:
    """A reliability diagram's data: per confidence bin, how sure the model was and how often it was right."""

    edges: torch.Tensor        # (bins + 1,) bin edges from 0 to 1
    confidence: torch.Tensor   # (bins,) mean confidence in each bin (nan where the bin is empty)
    accuracy: torch.Tensor     # (bins,) fraction correct in each bin (nan where empty)
    counts: torch.Tensor       # (bins,) examples in each bin

    @property
    def ece(self) -> float:
        """Expected calibration error: sum over bins of (bin share) * |accuracy - confidence|."""
        seen = self.counts > 0
        weights = self.counts[seen].double() / self.counts.sum()
        return (weights * (self.accuracy[seen] - self.confidence[seen]).abs()).sum().item()


def reliability(confidence, correct, bins: int = 10) -> Reliability:
    """Bin predictions by confidence into ``bins`` equal-width bins of [0, 1] and compare with accuracy.

    ``confidence`` (N,) is the probability the model gave its answer (for a classifier, the largest
    softmax probability); ``correct`` (N,) is whether that answer was right.  Bins are (lo, hi]
    except the first, which also holds 0: the bins of scikit-learn's ``calibration_curve``.
    A calibrated model is right 80% of the time when it says 0.8: its points lie on the diagonal.
    """
    confidence = torch.as_tensor(confidence).double().flatten().cpu()
    correct = torch.as_tensor(correct).double().flatten().cpu()
    if confidence.numel() and (confidence.min() < 0 or confidence.max() > 1):
        raise ValueError("confidence must lie in [0, 1]")
    edges = torch.from_numpy(np.linspace(0.0, 1.0, bins + 1))        # numpy's edges, to the last bit
    which = torch.searchsorted(edges[1:-1], confidence)              # bin index of each prediction
    counts = torch.bincount(which, minlength=bins)
    total_confidence = torch.bincount(which, weights=confidence, minlength=bins)
    total_correct = torch.bincount(which, weights=correct, minlength=bins)
    empty = counts == 0
    mean = lambda total: torch.where(empty, torch.full_like(total, float("nan")), total / counts.clamp(min=1))
    return Reliability(edges, mean(total_confidence), mean(total_correct), counts)


def expected_calibration_error(confidence, correct, bins: int = 10) -> float:
    """ECE (Naeini et al. 2015; Guo et al. 2017): how far stated confidence is from observed accuracy, on average."""
    return reliability(confidence, correct, bins).ece
