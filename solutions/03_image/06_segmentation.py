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


def exercise_d():
    """The soft Dice loss.

    Softmax turns the logits into class probabilities p (B, C, H, W); one-hot turns the masks
    into y of the same shape. For every class, sum over the batch and both pixel dimensions:
    the overlap sum p*y, and the two region sizes sum p and sum y. Dice_c = (2 overlap + 1) /
    (sum p + sum y + 1) (the 1s keep an absent class defined); the loss is 1 minus their mean,
    so each class's region counts equally, however few pixels it has.
    """
    import torch.nn.functional as F

    def dice_loss(logits, masks):
        p = logits.softmax(1)                                                   # (B, C, H, W)
        y = F.one_hot(masks, logits.shape[1]).permute(0, 3, 1, 2).to(p.dtype)   # (B, C, H, W)
        overlap = (p * y).sum((0, 2, 3))                                        # (C,)
        dice = (2 * overlap + 1) / (p.sum((0, 2, 3)) + y.sum((0, 2, 3)) + 1)
        return 1 - dice.mean()

    return dice_loss


def wrong_d():
    """Uses the arg-max prediction instead of the softmax: the right value for hard masks, but no gradient."""
    import torch.nn.functional as F

    def dice_loss(logits, masks):
        c = logits.shape[1]
        p = F.one_hot(logits.argmax(1), c).permute(0, 3, 1, 2).to(logits.dtype)
        y = F.one_hot(masks, c).permute(0, 3, 1, 2).to(logits.dtype)
        dice = (2 * (p * y).sum((0, 2, 3)) + 1) / (p.sum((0, 2, 3)) + y.sum((0, 2, 3)) + 1)
        return 1 - dice.mean()

    return dice_loss
