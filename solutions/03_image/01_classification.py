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


def _preact(final_relu: bool):
    import torch.nn as nn

    class PreActBlock(nn.Module):
        def __init__(self, c_in, c_out, stride=1):
            super().__init__()
            self.bn1 = nn.BatchNorm2d(c_in)
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(c_out)
            self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
            self.shortcut = (nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False)
                             if stride != 1 or c_in != c_out else nn.Identity())

        def forward(self, x):
            pre = F.relu(self.bn1(x))                                  # (B, c_in, H, W)
            shortcut = x if isinstance(self.shortcut, nn.Identity) else self.shortcut(pre)
            out = self.conv2(F.relu(self.bn2(self.conv1(pre))))        # (B, c_out, H / stride, W / stride)
            out = out + shortcut
            return F.relu(out) if final_relu else out

    return PreActBlock


def exercise_e():
    """The pre-activation residual block (He et al. 2016, "Identity mappings in deep residual networks").

    BN and ReLU move in front of each convolution, and nothing follows the sum, so the shortcut path from one
    block to the next is a pure identity: x_{l+1} = x_l + F(x_l). Where the shapes change, the projection
    shortcut takes the pre-activated input relu(bn1(x)), as the paper's code does.
    """
    return _preact(final_relu=False)


def wrong_e():
    """Keeps the original block's ReLU after the sum (a habit from section 5's block): the shortcut path is no
    longer an identity, and the outputs are never negative."""
    return _preact(final_relu=True)
