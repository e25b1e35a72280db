"""Scoring segmentations: the confusion matrix, per-class intersection over union, mean IoU.

For class c, over all pixels of a data set: IoU_c = TP_c / (TP_c + FP_c + FN_c), the overlap of the
predicted and true regions of c divided by their union.  In a confusion matrix ``cm[true, predicted]``
TP_c is the diagonal entry, FP_c the rest of column c and FN_c the rest of row c.  Mean IoU averages
IoU_c over the classes that occur (in the truth or the prediction), so a small class counts as much as
the background: an all-background prediction scores well on pixel accuracy and badly on mean IoU.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


def confusion_matrix(predicted: torch.Tensor, target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(num_classes, num_classes) int64 counts, ``cm[t, p]`` = pixels of true class t predicted as p."""
    if predicted.shape != target.shape:
        raise ValueError(f"predicted {tuple(predicted.shape)} and target {tuple(target.shape)} differ in shape")
    index = target.flatten().long() * num_classes + predicted.flatten().long()
    return torch.bincount(index, minlength=num_classes * num_classes).view(num_classes, num_classes)


def iou_per_class(cm: torch.Tensor) -> torch.Tensor:
    """(C,) IoU of each class from a confusion matrix; nan for a class absent from truth and prediction."""
    cm = cm.double()
    tp = cm.diagonal()
    union = cm.sum(0) + cm.sum(1) - tp                 # predicted as c + truly c - counted twice
    return torch.where(union > 0, tp / union.clamp(min=1), torch.full_like(tp, float("nan")))


@dataclass
class SegmentationScores:
    mean_iou: float
    per_class: list[float]        # IoU of each class (nan where the class never occurs)
    pixel_accuracy: float
    confusion: torch.Tensor

    def __repr__(self) -> str:
        classes = ", ".join(f"{x:.3f}" for x in self.per_class)
        return f"mean IoU {self.mean_iou:.3f} (per class {classes}), pixel accuracy {self.pixel_accuracy:.3f}"


def segmentation_scores(predicted: torch.Tensor, target: torch.Tensor, num_classes: int) -> SegmentationScores:
    """Mean IoU, per-class IoU and pixel accuracy of predicted (N, H, W) class maps against the target maps."""
    cm = confusion_matrix(predicted, target, num_classes)
    iou = iou_per_class(cm)
    return SegmentationScores(mean_iou=float(iou.nanmean()), per_class=iou.tolist(),
                              pixel_accuracy=float(cm.diagonal().sum() / cm.sum().clamp(min=1)), confusion=cm)


def mean_iou(predicted: torch.Tensor, target: torch.Tensor, num_classes: int) -> float:
    """Mean over the occurring classes of IoU_c = TP / (TP + FP + FN), all pixels of the set pooled."""
    return segmentation_scores(predicted, target, num_classes).mean_iou


@torch.no_grad()
def predict_all(model: torch.nn.Module, images: torch.Tensor, *, batch: int = 256) -> torch.Tensor:
    """``model.predict`` over a whole set of images, in batches on the model's device: (N, H, W) on the CPU."""
    dev = next(model.parameters()).device
    model.eval()
    return torch.cat([model.predict(images[i:i + batch].to(dev)).cpu() for i in range(0, len(images), batch)])
