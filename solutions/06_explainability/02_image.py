"""Worked solutions for the exercises of notebooks/06_explainability/02_image.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("06_explainability.02.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch


def exercise_a():
    """The deletion curve: remove pixels most important first, score every stage in one batch.

    ``argsort(descending=True)`` gives the pixel order.  For step i, the first
    round(i * n / steps) pixels of that order form a (H, W) mask; ``torch.where`` takes
    the baseline there and the image elsewhere, broadcasting the mask over the channels
    so that a pixel's channels go together.  Scoring the stack of steps + 1 images at
    once is one forward pass instead of steps + 1.
    """
    def deletion_curve(score, image, baseline, importance, steps):
        h, w = importance.shape
        order = importance.flatten().argsort(descending=True)
        stages = []
        for i in range(steps + 1):
            removed = torch.zeros(h * w, dtype=torch.bool)
            removed[order[:round(i * h * w / steps)]] = True
            stages.append(torch.where(removed.reshape(h, w), baseline, image))
        return score(torch.stack(stages))

    return deletion_curve


def wrong_a():
    """Removes the *least* important pixels first (ascending order): the curve of the opposite ranking."""
    def deletion_curve(score, image, baseline, importance, steps):
        h, w = importance.shape
        order = importance.flatten().argsort()
        stages = []
        for i in range(steps + 1):
            removed = torch.zeros(h * w, dtype=torch.bool)
            removed[order[:round(i * h * w / steps)]] = True
            stages.append(torch.where(removed.reshape(h, w), baseline, image))
        return score(torch.stack(stages))

    return deletion_curve


def exercise_b():
    """The pointing game with a tolerance: look for evidence in a square around the top pixel.

    ``divmod(argmax, W)`` turns the flat index of the largest importance into (row, column).
    The hit counts if any evidence pixel lies within ``tolerance`` rows and columns of it;
    slicing with the bounds clipped at 0 handles the image's edges (Python slices already
    stop at the far edge).
    """
    def pointing_game(importance, evidence, tolerance):
        row, col = divmod(int(importance.argmax()), importance.shape[1])
        window = evidence[max(0, row - tolerance):row + tolerance + 1, max(0, col - tolerance):col + tolerance + 1]
        return bool(window.any())

    return pointing_game


def wrong_b():
    """Ignores the tolerance: only an exact hit counts."""
    def pointing_game(importance, evidence, tolerance):
        return bool(evidence.flatten()[importance.argmax()])

    return pointing_game


def exercise_c():
    """SmoothGrad: the average of |gradient| over noisy copies of the image.

    The noisy copies go through the model as one batch; since examples do not mix, the
    gradient of the sum of their target logits gives every copy's own gradient in one
    backward pass.  Averaging many noisy gradients cancels the speckle of a single one.
    """
    def smoothgrad(model, image, target, noise):
        noisy = (image[None] + noise).requires_grad_(True)
        (grad,) = torch.autograd.grad(model(noisy)[:, target].sum(), noisy)
        return grad.abs().mean(0)

    return smoothgrad


def wrong_c():
    """Averages the signed gradients and takes the absolute value at the end: opposite signs cancel."""
    def smoothgrad(model, image, target, noise):
        noisy = (image[None] + noise).requires_grad_(True)
        (grad,) = torch.autograd.grad(model(noisy)[:, target].sum(), noisy)
        return grad.mean(0).abs()

    return smoothgrad


def exercise_d():
    """Expected gradients: integrated gradients with a random baseline and a random point on its path, averaged.

    All n path points b_i + alpha_i (x - b_i) go through the model as one batch; the
    gradient of the sum of their target logits gives each point its own gradient (the
    points do not interact).  Each gradient is multiplied by its own x - b_i, and the n
    products are averaged.  With many draws the map adds up to about F(x) minus the
    average F over the baselines.
    """
    def expected_gradients(model, image, target, baselines, alphas):
        points = baselines + alphas.view(-1, 1, 1, 1) * (image[None] - baselines)      # (n, C, H, W)
        points = points.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(points)[:, target].sum(), points)
        return ((image[None] - baselines) * grad).mean(0)                              # (C, H, W)

    return expected_gradients


def wrong_d():
    """Multiplies the average gradient by x minus the *average* baseline: the product of means is not the mean
    of products when the baselines differ."""
    def expected_gradients(model, image, target, baselines, alphas):
        points = (baselines + alphas.view(-1, 1, 1, 1) * (image[None] - baselines)).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(points)[:, target].sum(), points)
        return (image - baselines.mean(0)) * grad.mean(0)

    return expected_gradients
