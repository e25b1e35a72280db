"""Worked solutions for the exercises of notebooks/03_image/01_classification.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("03_image.01.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch.nn.functional as F


def exercise_a():
    """Weights of an Inception branch, with and without its 1x1 bottleneck (no biases: BatchNorm follows).

    A k x k convolution from a to b channels holds a * b * k * k weights. Without a
    bottleneck that is c_in * c_out * k * k. With one, a 1x1 layer first maps c_in to
    c_reduce channels (c_in * c_reduce weights), and the k x k layer then runs on only
    c_reduce channels (c_reduce * c_out * k * k weights).
    """
    def branch_params(c_in, c_out, k, c_reduce=None):
        if c_reduce is None:
            return c_in * c_out * k * k
        return c_in * c_reduce + c_reduce * c_out * k * k

    return branch_params


def wrong_a():
    """Counts the k x k layer after the bottleneck but forgets the 1x1 layer's own weights."""
    def branch_params(c_in, c_out, k, c_reduce=None):
        return (c_in if c_reduce is None else c_reduce) * c_out * k * k

    return branch_params


def exercise_b():
    """Receptive field of a stack of (kernel, stride) layers.

    Walk the layers from the input up. ``jump`` is how many input pixels one step of the
    current layer's input spans (the product of the strides so far); each layer widens the
    field by (kernel - 1) such steps: r = 1 + sum_i (k_i - 1) * prod_{j<i} s_j.
    """
    def receptive_field(layers):
        field, jump = 1, 1
        for kernel, stride in layers:
            field += (kernel - 1) * jump
            jump *= stride
        return field

    return receptive_field


def wrong_b():
    """Ignores the strides: right for stacks of stride-1 layers only."""
    def receptive_field(layers):
        return 1 + sum(kernel - 1 for kernel, _ in layers)

    return receptive_field


def exercise_c():
    """The forward pass of a basic residual block, eq. (1) of He et al. (2015).

    The residual branch is conv -> BN -> ReLU -> conv -> BN; the shortcut (identity, or a
    strided 1x1 convolution when the shape changes) is added to it, and the ReLU comes
    after the sum, so the block can pass x through unchanged when F(x) is near zero.
    """
    def residual_forward(block, x):
        out = F.relu(block.bn1(block.conv1(x)))
        out = block.bn2(block.conv2(out))
        return F.relu(out + block.shortcut(x))

    return residual_forward


def wrong_c():
    """Applies the last ReLU to the residual branch before adding the shortcut."""
    def residual_forward(block, x):
        out = F.relu(block.bn1(block.conv1(x)))
        out = F.relu(block.bn2(block.conv2(out)))
        return out + block.shortcut(x)

    return residual_forward


def exercise_d():
    """Length of a HOG vector.

    The image holds size // cell cells per side (a leftover strip is ignored). A block of
    b x b cells slides one cell at a time, so it takes cells - b + 1 positions per side;
    each position contributes b * b histograms of ``orientations`` bins.
    """
    def hog_length(size, cell, block, orientations):
        positions = size // cell - block + 1
        return positions * positions * block * block * orientations

    return hog_length


def wrong_d():
    """Treats the blocks as non-overlapping tiles."""
    def hog_length(size, cell, block, orientations):
        tiles = (size // cell) // block
        return tiles * tiles * block * block * orientations

    return hog_length
