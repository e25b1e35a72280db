"""Worked solutions for the exercises of notebooks/01_foundations/03_workflow.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("01_foundations.03.x", ...)`` and ``wrong_x()`` returns a plausible mistake
that the check must reject.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def exercise_a():
    """Expected calibration error, written out.

    Bin edges 0, 1/bins, ..., 1; a confidence c goes to the bin whose upper edge is the first one
    >= c (so bins are (lo, hi], and 0 joins the first bin): that is ``searchsorted`` on the inner
    edges.  For each non-empty bin, the gap |fraction correct - mean confidence| is weighted by the
    bin's share of all predictions, and the weighted gaps are summed.
    """
    def ece(confidence, correct, bins=10):
        confidence = torch.as_tensor(confidence, dtype=torch.float64)
        correct = torch.as_tensor(correct, dtype=torch.float64)
        inner_edges = torch.linspace(0, 1, bins + 1, dtype=torch.float64)[1:-1]
        which = torch.searchsorted(inner_edges, confidence)
        total = 0.0
        for b in range(bins):
            in_bin = which == b
            if in_bin.any():
                share = in_bin.double().mean()
                total += share * (correct[in_bin].mean() - confidence[in_bin].mean()).abs()
        return float(total)

    return ece


def wrong_a():
    """Averages the gaps of the bins without weighting them by how many predictions each holds."""
    def ece(confidence, correct, bins=10):
        confidence = torch.as_tensor(confidence, dtype=torch.float64)
        correct = torch.as_tensor(correct, dtype=torch.float64)
        which = torch.searchsorted(torch.linspace(0, 1, bins + 1, dtype=torch.float64)[1:-1], confidence)
        gaps = [(correct[which == b].mean() - confidence[which == b].mean()).abs()
                for b in range(bins) if (which == b).any()]
        return float(torch.stack(gaps).mean())

    return ece


def exercise_b():
    """Symmetric per-row int8 quantisation followed by dequantisation.

    Each output row gets its own step size, scale = max|w| / 127.5, so the largest weight of the
    row lands on the edge of the int8 range; dividing by the scale, rounding and clamping to
    [-128, 127] gives the stored integers, and multiplying back gives what the int8 model computes with.
    """
    def quantize_dequantize(w):
        scale = w.abs().amax(dim=1, keepdim=True) / 127.5
        q = torch.clamp(torch.round(w / scale), -128, 127)
        return q * scale

    return quantize_dequantize


def wrong_b():
    """Uses one scale for the whole matrix: rows with small weights lose most of their precision."""
    def quantize_dequantize(w):
        scale = w.abs().max() / 127.5
        return torch.clamp(torch.round(w / scale), -128, 127) * scale

    return quantize_dequantize


def exercise_c():
    """Magnitude pruning mask: drop the k = round(sparsity * n) weights nearest zero.

    ``topk(largest=False)`` on the flattened |w| finds their positions; the mask starts all True
    (kept) and is set False there, then reshaped like ``w``.
    """
    def prune_mask(w, sparsity):
        k = round(sparsity * w.numel())
        keep = torch.ones(w.numel(), dtype=torch.bool)
        if k:
            keep[torch.topk(w.abs().flatten(), k, largest=False).indices] = False
        return keep.view_as(w)

    return prune_mask


def wrong_c():
    """Ranks the weights by signed value, not by size, so large negative weights are pruned first."""
    def prune_mask(w, sparsity):
        k = round(sparsity * w.numel())
        keep = torch.ones(w.numel(), dtype=torch.bool)
        if k:
            keep[torch.topk(w.flatten(), k, largest=False).indices] = False
        return keep.view_as(w)

    return prune_mask


def exercise_d():
    """Knowledge-distillation loss of Hinton et al. (2015).

    Soften both sets of logits by the temperature T; the soft term is the KL divergence from the
    teacher's softened distribution to the student's (batch mean), scaled by T^2 so its gradients
    keep their size as T changes; the hard term is the ordinary cross-entropy with the labels;
    alpha mixes the two.
    """
    def kd_loss(student_logits, teacher_logits, labels, temperature, alpha):
        soft = F.kl_div(F.log_softmax(student_logits / temperature, dim=1),
                        F.softmax(teacher_logits / temperature, dim=1), reduction="batchmean")
        hard = F.cross_entropy(student_logits, labels)
        return alpha * temperature ** 2 * soft + (1 - alpha) * hard

    return kd_loss


def wrong_d():
    """Forgets the T^2 factor, so the soft term shrinks as the temperature grows."""
    def kd_loss(student_logits, teacher_logits, labels, temperature, alpha):
        soft = F.kl_div(F.log_softmax(student_logits / temperature, dim=1),
                        F.softmax(teacher_logits / temperature, dim=1), reduction="batchmean")
        return alpha * soft + (1 - alpha) * F.cross_entropy(student_logits, labels)

    return kd_loss
