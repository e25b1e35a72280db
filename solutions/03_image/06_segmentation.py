"""Worked solutions for the exercises of notebooks/03_image/06_segmentation.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("03_image.06.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch


def exercise_a():
    """The confusion matrix of a segmentation, rows = true class, columns = predicted class.

    Every pixel is one (true, predicted) pair; encoding the pair as the single number
    true * C + predicted lets torch.bincount count all pairs at once, and reshaping the
    C * C counts gives the matrix.
    """
    def confusion(predicted, target, num_classes):
        index = target.flatten() * num_classes + predicted.flatten()
        return torch.bincount(index, minlength=num_classes * num_classes).view(num_classes, num_classes)

    return confusion


def wrong_a():
    """Rows and columns swapped: cm[predicted, true]."""
    def confusion(predicted, target, num_classes):
        index = predicted.flatten() * num_classes + target.flatten()
        return torch.bincount(index, minlength=num_classes * num_classes).view(num_classes, num_classes)

    return confusion


def exercise_b():
    """Mean IoU from a confusion matrix cm[true, predicted].

    TP_c is the diagonal; column sums are everything predicted as c (TP + FP), row sums
    everything truly c (TP + FN). Their sum counts TP twice, so union = col + row - TP.
    A class with an empty union never occurred and is left out of the mean.
    """
    def mean_iou(cm):
        cm = cm.double()
        tp = cm.diagonal()
        union = cm.sum(0) + cm.sum(1) - tp
        present = union > 0
        return float((tp[present] / union[present]).mean())

    return mean_iou


def wrong_b():
    """Averages per-class recall TP / (TP + FN), forgetting the false positives."""
    def mean_iou(cm):
        cm = cm.double()
        present = cm.sum(1) > 0
        return float((cm.diagonal()[present] / cm.sum(1)[present]).mean())

    return mean_iou


def exercise_c():
    """A dilated kernel built by hand.

    With dilation r the taps sit r pixels apart, so a k-tap row spans r (k - 1) + 1 pixels;
    writing the weights into every r-th row and column of a zero kernel of that size gives
    an ordinary kernel that computes the same convolution.
    """
    def dilate(weight, rate):
        o, i, kh, kw = weight.shape
        out = weight.new_zeros(o, i, rate * (kh - 1) + 1, rate * (kw - 1) + 1)
        out[:, :, ::rate, ::rate] = weight
        return out

    return dilate


def wrong_c():
    """Inserts r zeros between taps instead of r - 1."""
    def dilate(weight, rate):
        o, i, kh, kw = weight.shape
        out = weight.new_zeros(o, i, (rate + 1) * (kh - 1) + 1, (rate + 1) * (kw - 1) + 1)
        out[:, :, ::rate + 1, ::rate + 1] = weight
        return out

    return dilate
