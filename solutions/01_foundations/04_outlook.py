"""Worked solutions for the exercises of notebooks/01_foundations/04_outlook."""
from __future__ import annotations


def exercise_a():
    """C ~= 6 N D: 6 x 1e8 parameters x 2e9 tokens = 1.2e18 floating-point operations."""
    return 6 * 1e8 * 2e9


def wrong_a():
    """Counts only the forward pass (2 N D), forgetting that the backward pass costs about twice as much."""
    return 2 * 1e8 * 2e9


def exercise_b():
    """A pure power law L = a N^-b is a straight line on log-log axes, log L = log a - b log N:
    fit the line by least squares and return minus its slope."""
    import numpy as np

    def power_law_exponent(n, loss):
        slope, _ = np.polyfit(np.log(n), np.log(loss), 1)
        return -slope

    return power_law_exponent


def wrong_b():
    """Fits the line on linear axes: the slope of L against N is not the exponent."""
    import numpy as np

    def power_law_exponent(n, loss):
        slope, _ = np.polyfit(n, loss, 1)
        return -slope

    return power_law_exponent


def exercise_c():
    """Symmetric InfoNCE: the matching pairs sit on the diagonal, so the target of row i (and of column i) is i;
    average the image->text (rows) and text->image (columns) cross-entropies."""
    import torch
    import torch.nn.functional as F

    def symmetric_info_nce(logits):
        labels = torch.arange(len(logits))
        return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2

    return symmetric_info_nce


def wrong_c():
    """Only one direction (image -> text): CLIP's loss is symmetric."""
    import torch
    import torch.nn.functional as F

    def symmetric_info_nce(logits):
        return F.cross_entropy(logits, torch.arange(len(logits)))

    return symmetric_info_nce


def exercise_d():
    """2 N^-0.1 + 1 = 1.5  =>  N^-0.1 = 0.25  =>  N = 0.25^-10 = 4^10 = 1,048,576 parameters."""
    return 4.0 ** 10


def wrong_d():
    """Forgets the floor c = 1 and solves 2 N^-0.1 = 1.5."""
    return (2 / 1.5) ** 10
