"""Checks for the exercises of notebooks/03_image/01_classification.

Each check compares the learner's answer with what PyTorch or scikit-image compute
on inputs made up here: parameter counts of real ``nn.Conv2d`` layers (with and
without an Inception bottleneck), receptive
fields measured by back-propagating from one output pixel, the length of
``skimage.feature.hog``'s vector, and a pre-activation residual block against a reference written here, then
trained inside a small ResNet.  The notebook never holds the answer.  (Exercise 01.c, a basic residual block's
forward pass, is written out in the notebook itself now: its ID is retired.)
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn

from .. import runtime
from . import exercise


@exercise("03_image.01.a", kind="function",
          hint="A k x k convolution from a to b channels has a * b * k * k weights. With a bottleneck there are two "
               "layers: the 1x1 one (c_in to c_reduce) and then the k x k one (c_reduce to c_out).")
def _branch_params(answer) -> bool:
    for c_in, c_out, k, c_reduce in [(64, 16, 5, None), (64, 16, 5, 8), (32, 32, 3, 16), (3, 8, 1, None),
                                     (40, 24, 3, 12), (10, 7, 5, 3)]:
        layers = [nn.Conv2d(c_in, c_out, k, bias=False)] if c_reduce is None else \
            [nn.Conv2d(c_in, c_reduce, 1, bias=False), nn.Conv2d(c_reduce, c_out, k, bias=False)]
        expected = sum(p.numel() for layer in layers for p in layer.parameters())
        if int(answer(c_in, c_out, k, c_reduce)) != expected:
            return False
    return True


def _measured_receptive_field(layers: list[tuple[int, int]], size: int = 96) -> int:
    """Build the stack with all-ones kernels, back-propagate from the centre output pixel and count the
    input pixels that receive gradient along one side."""
    x = torch.ones(1, 1, size, size, requires_grad=True)
    y = x
    for kernel, stride in layers:
        conv = nn.Conv2d(1, 1, kernel, stride=stride, bias=False)
        nn.init.ones_(conv.weight)
        y = conv(y)
    h, w = y.shape[-2:]
    y[0, 0, h // 2, w // 2].backward()
    rows = (x.grad[0, 0].abs().sum(dim=1) > 0).nonzero()
    return int(rows.max() - rows.min() + 1)


@exercise("03_image.01.b", kind="function",
          hint="A layer adds (kernel - 1) steps to the field, but after a stride-2 layer one step of the next "
               "layer spans 2 input pixels: multiply by the product of all earlier strides.")
def _receptive_field(answer) -> bool:
    stacks = [
        [(3, 1)],
        [(3, 1), (3, 1)],
        [(3, 1), (3, 1), (2, 2), (3, 1), (3, 1), (2, 2)],
        [(5, 1), (2, 2), (3, 1), (2, 2), (3, 1)],
        [(3, 2), (3, 2), (3, 1)],
    ]
    return all(int(answer(list(stack))) == _measured_receptive_field(stack) for stack in stacks)


@exercise("03_image.01.d", kind="function",
          hint="Blocks overlap: a block of b x b cells slides one cell at a time, so there are (cells - b + 1) "
               "positions per side, and each block holds b * b histograms of `orientations` bins.")
def _hog_length(answer) -> bool:
    from skimage.feature import hog

    for size, cell, block, orientations in [(16, 4, 2, 9), (32, 8, 2, 9), (28, 4, 3, 8), (24, 6, 1, 12), (20, 3, 2, 6)]:
        expected = hog(np.zeros((size, size)), orientations=orientations, pixels_per_cell=(cell, cell),
                       cells_per_block=(block, block)).size
        if int(answer(size, cell, block, orientations)) != expected:
            return False
    return True


def _preact_reference(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """He et al. 2016, "Identity mappings in deep residual networks": BN and ReLU before each convolution, the
    sum left as it is (no ReLU after it); a projection shortcut takes the pre-activated input."""
    import torch.nn.functional as F

    pre = F.relu(block.bn1(x))
    shortcut = x if isinstance(block.shortcut, nn.Identity) else block.shortcut(pre)
    return block.conv2(F.relu(block.bn2(block.conv1(pre)))) + shortcut


@exercise("03_image.01.e", kind="function",
          hint="Section 5's residual block puts BN and ReLU after each convolution and a ReLU after the sum; the "
               "pre-activation block moves them before: relu(bn1(x)), conv1, relu(bn2(.)), conv2, then add the "
               "shortcut and return the sum as it is (no ReLU). The shortcut is x itself, or block.shortcut applied to "
               "relu(bn1(x)) where the shapes change.")
def _preact_block(answer) -> bool:
    from .. import train
    from ..data.image import load_digits, shuffled_batches
    from ..image.resnet import ResNet, ResNetConfig

    # 1. the same weights give the reference's outputs, with and without a projection shortcut, in both modes
    torch.manual_seed(0)
    for c_in, c_out, stride in [(8, 8, 1), (8, 16, 2)]:
        block = answer(c_in, c_out, stride)
        for bn in [m for m in block.modules() if isinstance(m, nn.BatchNorm2d)]:
            bn.running_mean.uniform_(-0.5, 0.5)                 # give eval-mode BatchNorm something to do
            bn.running_var.uniform_(0.5, 2.0)
            nn.init.uniform_(bn.weight, 0.5, 1.5)
            nn.init.uniform_(bn.bias, -0.5, 0.5)
        x = torch.randn(2, c_in, 8, 8)
        for training in (False, True):
            block.train(training)
            with torch.no_grad():
                got = block(x)
                if got is None:
                    raise NotImplementedError
                expected = _preact_reference(block, x)
            if not torch.is_tensor(got) or got.shape != expected.shape or not torch.allclose(got, expected, atol=1e-5):
                return False
    # 2. dropped into a small ResNet in place of its basic blocks, it trains on the digits
    digits = load_digits(16)
    with runtime.threads(1):                       # a model this small trains fastest on one thread
        torch.manual_seed(0)
        model = ResNet(ResNetConfig(widths=(8, 16), blocks=(1, 1)))
        for i, old in enumerate(model.blocks):
            model.blocks[i] = answer(old.conv1.in_channels, old.conv1.out_channels, old.conv1.stride[0])
        history = train.fit(model, shuffled_batches(digits.x_train, digits.y_train, 32), steps=60, lr=1e-2,
                            device="cpu", progress=False)
    return history.final_loss < 1.9               # from ln 10 = 2.30 at the start (the solution: about 1.5)
