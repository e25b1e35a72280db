"""Metrics shared by every modality (modality-specific ones live with their chapter)."""
from __future__ import annotations

import math
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
    Row and column c are class id c, for c = 0 .. C-1: scikit-learn's ``confusion_matrix(..., labels=range(C))``
    (without ``labels`` it leaves out ids that occur in neither y_true nor y_pred: here they are rows of zeros).
    ``num_classes`` defaults to the largest label seen plus one.
    """
    y_true, y_pred = _labels(y_true), _labels(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in length: {tuple(y_true.shape)} vs {tuple(y_pred.shape)}")
    c = num_classes or int(max(y_true.max(), y_pred.max())) + 1
    return torch.bincount(y_true * c + y_pred, minlength=c * c).view(c, c)   # one bin per (true, predicted) pair


def _divide(a: torch.Tensor, b: torch.Tensor, zero_division: float) -> torch.Tensor:
    """a / b, with ``zero_division`` where b is 0 (scikit-learn's argument of that name)."""
    return torch.where(b > 0, a / torch.where(b > 0, b, torch.ones_like(b)), torch.full_like(a, zero_division))


def _mean(values: torch.Tensor, weights: torch.Tensor | None = None) -> float:
    """(Weighted) mean that skips nan values, as scikit-learn's averages do; plain mean if all weights are 0."""
    keep = ~torch.isnan(values)
    if not keep.any():
        return float("nan")
    values = values[keep]
    if weights is None or weights[keep].sum() == 0:
        return values.mean().item()
    weights = weights[keep]
    return ((values * weights).sum() / weights.sum()).item()


def precision_recall_f1(y_true, y_pred, *, average: str | None = None, num_classes: int | None = None,
                        positive: int = 1, zero_division: float = 0.0):
    """Precision, recall and F1, per class or averaged, as scikit-learn's ``precision_recall_fscore_support``.

    For class c, with TP = cm[c, c], FP = column c minus TP (called c, but were not), FN = row c
    minus TP (were c, but missed):
        precision = TP / (TP + FP)     recall = TP / (TP + FN)     F1 = 2 TP / (2 TP + FP + FN)
    (F1 = 2 P R / (P + R) wherever P and R are defined) and ``zero_division`` (0, 1 or nan) where a
    denominator is 0.  The classes are the ids that occur in y_true or y_pred (scikit-learn's label set),
    or, when ``num_classes`` is given, every id 0 .. num_classes - 1 (scikit-learn's ``labels=range(C)``):
    an id that never occurs counts only if you say it is a class.  ``average``:
        None        three (C,) tensors indexed by class id (nan at ids that are not classes)
        "binary"    the values of class ``positive`` only (two-class problems)
        "macro"     the plain mean over classes (each class counts the same, however rare)
        "weighted"  the mean weighted by each class's number of true examples (its support)
        "micro"     from TP, FP, FN summed over classes (for single-label data, P = R = F1 = accuracy)
    Averages are floats and skip nan values (zero_division=nan).  F1 is averaged per class, not recomputed
    from averaged P and R (as scikit-learn).
    """
    if zero_division not in (0, 1) and not (isinstance(zero_division, float) and math.isnan(zero_division)):
        raise ValueError(f"zero_division must be 0, 1 or nan, not {zero_division!r}")
    cm = confusion_matrix(y_true, y_pred, num_classes).double()
    tp = cm.diagonal()
    called = cm.sum(dim=0)                # TP + FP: examples predicted as c
    support = cm.sum(dim=1)               # TP + FN: examples that are c
    if num_classes is None:               # scikit-learn's label set: the ids seen in y_true or y_pred
        is_class = (called + support) > 0
    else:
        is_class = torch.ones_like(tp, dtype=torch.bool)
    if average == "micro":
        tp, called, support = tp[is_class].sum(), called[is_class].sum(), support[is_class].sum()
    precision = _divide(tp, called, zero_division)
    recall = _divide(tp, support, zero_division)
    f1 = _divide(2 * tp, called + support, zero_division)
    if average is None:                   # nan at the ids that are not classes
        return tuple(x.masked_fill(~is_class, float("nan")) for x in (precision, recall, f1))
    if average == "micro":
        return precision.item(), recall.item(), f1.item()
    if average == "binary":
        return precision[positive].item(), recall[positive].item(), f1[positive].item()
    if average == "macro":
        return _mean(precision[is_class]), _mean(recall[is_class]), _mean(f1[is_class])
    if average == "weighted":
        w = support[is_class]
        return _mean(precision[is_class], w), _mean(recall[is_class], w), _mean(f1[is_class], w)
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
