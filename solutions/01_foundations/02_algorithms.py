"""Worked solutions for the exercises of notebooks/01_foundations/02_algorithms.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("01_foundations.02.x", ...)`` and ``wrong_x()`` returns a plausible mistake
that the check must reject.
"""
from __future__ import annotations

import math

import torch


def exercise_a():
    """Gradient of f(w) = (w0 w1 - 1)^2 + 0.1 w0^2 by the chain rule.

    Let u = w0 w1 - 1. Then f = u^2 + 0.1 w0^2, df/du = 2u, du/dw0 = w1, du/dw1 = w0, so
    df/dw0 = 2u w1 + 0.2 w0 and df/dw1 = 2u w0.
    """
    def grad_f(w):
        u = w[0] * w[1] - 1
        return torch.stack([2 * u * w[1] + 0.2 * w[0], 2 * u * w[0]])

    return grad_f


def wrong_a():
    """Forgets the inner derivative of the square (du/dw)."""
    def grad_f(w):
        u = w[0] * w[1] - 1
        return torch.stack([2 * u + 0.2 * w[0], 2 * u])

    return grad_f


def exercise_b():
    """Backward pass of a linear layer y = x W + b, given g = dL/dy.

    Each y[n, j] = sum_i x[n, i] W[i, j] + b[j], so dL/dx[n, i] = sum_j g[n, j] W[i, j]
    (g W^T), dL/dW[i, j] = sum_n x[n, i] g[n, j] (x^T g), and since every row used the
    same b, dL/db[j] = sum_n g[n, j]. Each gradient has the shape of what it is for.
    """
    def linear_backward(x, W, grad_out):
        return grad_out @ W.T, x.T @ grad_out, grad_out.sum(dim=0)

    return linear_backward


def wrong_b():
    """Averages the bias gradient over the batch instead of summing it."""
    def linear_backward(x, W, grad_out):
        return grad_out @ W.T, x.T @ grad_out, grad_out.mean(dim=0)

    return linear_backward


def exercise_c():
    """Output size of a convolution.

    The padded input has size + 2 padding pixels; the kernel's first position is at 0
    and its last at most size + 2 padding - kernel, in jumps of stride, so it fits
    (size + 2 padding - kernel) // stride + 1 times.
    """
    def conv_output_size(size, kernel, stride, padding):
        return (size + 2 * padding - kernel) // stride + 1

    return conv_output_size


def wrong_c():
    """Pads only one side."""
    def conv_output_size(size, kernel, stride, padding):
        return (size + padding - kernel) // stride + 1

    return conv_output_size


def exercise_d():
    """Causal attention weights softmax(q k^T / sqrt(d) + mask).

    The scores compare every query with every key; dividing by sqrt(d) keeps them
    near unit scale; -inf above the diagonal stops position t from seeing later
    positions; the softmax over each row turns scores into weights that sum to 1.
    """
    def attention_weights(q, k):
        T, d = q.shape
        scores = q @ k.T / math.sqrt(d)
        future = torch.ones(T, T, dtype=torch.bool).triu(diagonal=1)
        return torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)

    return attention_weights


def wrong_d():
    """Forgets to divide the scores by sqrt(d)."""
    def attention_weights(q, k):
        T, d = q.shape
        scores = q @ k.T
        future = torch.ones(T, T, dtype=torch.bool).triu(diagonal=1)
        return torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)

    return attention_weights
