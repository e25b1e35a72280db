"""Worked solutions for the exercises of notebooks/03_image/07_style_transfer.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("03_image.07.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def exercise_b():
    """Adaptive instance normalisation, eq. (8) of Huang and Belongie (2017).

    Each channel of each sample is normalised with its own mean and standard deviation over
    positions (instance normalisation), then given the style's: sigma(s) * (c - mu(c)) / sigma(c) + mu(s).
    """
    def my_adain(content, style, eps=1e-5):
        c_mean = content.mean(dim=(2, 3), keepdim=True)
        c_std = (content.var(dim=(2, 3), keepdim=True, unbiased=False) + eps).sqrt()
        s_mean = style.mean(dim=(2, 3), keepdim=True)
        s_std = (style.var(dim=(2, 3), keepdim=True, unbiased=False) + eps).sqrt()
        return s_std * (content - c_mean) / c_std + s_mean

    return my_adain


def wrong_b():
    """Takes the statistics over channels and positions together (layer norm), not per channel."""
    def my_adain(content, style, eps=1e-5):
        c_mean, c_std = content.mean(dim=(1, 2, 3), keepdim=True), content.std(dim=(1, 2, 3), keepdim=True) + eps
        s_mean, s_std = style.mean(dim=(1, 2, 3), keepdim=True), style.std(dim=(1, 2, 3), keepdim=True) + eps
        return s_std * (content - c_mean) / c_std + s_mean

    return my_adain


def exercise_c():
    """AdaIN's style loss, eq. (12): for every layer, the mean squared error between the per-channel
    means plus that between the per-channel standard deviations, summed over the layers."""
    def style_loss(features, targets):
        total = 0.0
        for a, b in zip(features, targets):
            a_std = (a.var(dim=(2, 3), unbiased=False) + 1e-5).sqrt()
            b_std = (b.var(dim=(2, 3), unbiased=False) + 1e-5).sqrt()
            total = total + F.mse_loss(a.mean(dim=(2, 3)), b.mean(dim=(2, 3))) + F.mse_loss(a_std, b_std)
        return total

    return style_loss


def wrong_c():
    """Matches only the means, forgetting the standard deviations."""
    def style_loss(features, targets):
        return sum(F.mse_loss(a.mean(dim=(2, 3)), b.mean(dim=(2, 3))) for a, b in zip(features, targets))

    return style_loss


def exercise_d():
    """The shifted Gram matrix (Berger and Memisevic 2016).

    Only positions where both F[y, x] and F[y + dy, x + dx] lie inside the map count: take
    the first (H - dy) x (W - dx) block and the block that starts at (dy, dx), flatten each
    to (B, C, M) and form here @ there^T / M. With no shift it is the ordinary Gram matrix;
    with a shift it says which channel fires dy, dx pixels away from which, i.e. some layout.
    """
    def shifted_gram(features, dy, dx):
        b, c, h, w = features.shape
        here = features[:, :, :h - dy, :w - dx].reshape(b, c, -1)       # (B, C, M)
        there = features[:, :, dy:, dx:].reshape(b, c, -1)              # (B, C, M), shifted by (dy, dx)
        return here @ there.transpose(1, 2) / here.shape[-1]            # (B, C, C)

    return shifted_gram


def wrong_d():
    """Shifts with torch.roll, which wraps the far border round to the near one, and averages over all H W."""
    def shifted_gram(features, dy, dx):
        b, c, h, w = features.shape
        there = torch.roll(features, shifts=(-dy, -dx), dims=(2, 3))
        return features.reshape(b, c, -1) @ there.reshape(b, c, -1).transpose(1, 2) / (h * w)

    return shifted_gram
