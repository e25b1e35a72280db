"""Checks for the exercises of notebooks/03_image/06_segmentation.

Each check runs the learner's function on masks, confusion matrices or convolution kernels made
up here and compares it with the package (``segmentation_metrics``, ``F.conv2d`` with dilation) or, for the
Dice loss, with a reference written here, then trains the package's ``UNet`` with the learner's loss,
so the notebook never holds the answer.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import runtime
from . import exercise


def _masks(seed: int, shape=(3, 9, 9), classes: int = 4):
    g = torch.Generator().manual_seed(seed)
    target = torch.randint(classes, shape, generator=g)
    noise = torch.randint(classes, shape, generator=g)
    predicted = torch.where(torch.rand(shape, generator=g) < 0.6, target, noise)   # right 60%+ of the time
    return predicted, target


@exercise("03_image.06.a", kind="function",
          hint="cm[t, p] counts pixels whose true class is t (the row) and predicted class is p (the column). "
               "Loop over the pixels, or turn each (t, p) pair into the single index t * C + p and count with "
               "torch.bincount(..., minlength=C * C).")
def _confusion(answer) -> bool:
    from ..image.segmentation_metrics import confusion_matrix

    for seed in range(5):
        predicted, target = _masks(seed)
        if seed == 4:
            predicted = torch.where(predicted == 3, 2, predicted)       # a class never predicted
        mine = torch.as_tensor(answer(predicted.clone(), target.clone(), 4))
        if mine.shape != (4, 4) or not torch.equal(mine.long(), confusion_matrix(predicted, target, 4)):
            return False
    return True


@exercise("03_image.06.b", kind="function",
          hint="For class c: TP is cm[c, c], FP the rest of column c (predicted c, truly something else), FN the rest "
               "of row c. IoU_c = TP / (TP + FP + FN). Average over the classes whose union is not empty; do not "
               "divide the diagonal by the row sums (that is recall) or by the total (pixel accuracy).")
def _mean_iou(answer) -> bool:
    from ..image.segmentation_metrics import confusion_matrix, iou_per_class

    cases = [confusion_matrix(*_masks(seed), 4) for seed in range(5)]
    cases.append(torch.tensor([[50, 2, 0], [3, 5, 0], [0, 0, 0]]))     # class 2 never occurs: left out of the mean
    for cm in cases:
        expected = float(iou_per_class(cm).nanmean())
        if abs(float(answer(cm.clone())) - expected) > 1e-6:
            return False
    return True


@exercise("03_image.06.c", kind="function",
          hint="A dilation of r puts r - 1 zeros between neighbouring taps: a k x k kernel becomes "
               "(r (k - 1) + 1) x (r (k - 1) + 1) with the original weights at every r-th row and column.")
def _dilate(answer) -> bool:
    g = torch.Generator().manual_seed(3)
    for rate, k in [(1, 3), (2, 3), (3, 3), (2, 5), (4, 2)]:
        weight = torch.randn(2, 3, k, k, generator=g, dtype=torch.float64)
        x = torch.randn(1, 3, 16, 16, generator=g, dtype=torch.float64)
        dilated = torch.as_tensor(answer(weight.clone(), rate))
        if dilated.shape[-1] != rate * (k - 1) + 1:
            return False
        if not torch.allclose(F.conv2d(x, dilated), F.conv2d(x, weight, dilation=rate), atol=1e-10):
            return False
    return True


def _reference_dice_loss(logits: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """1 - mean over classes of (2 sum p y + 1) / (sum p + sum y + 1), sums over every pixel of the batch."""
    p = logits.softmax(1)                                                   # (B, C, H, W)
    y = F.one_hot(masks, logits.shape[1]).permute(0, 3, 1, 2).to(p.dtype)   # (B, C, H, W)
    dims = (0, 2, 3)
    dice = (2 * (p * y).sum(dims) + 1) / (p.sum(dims) + y.sum(dims) + 1)   # (C,)
    return 1 - dice.mean()


@exercise("03_image.06.d", kind="function",
          hint="Take the softmax of the logits over the class dimension (dim 1), not an arg-max (it has no "
               "gradient); one-hot the masks into (B, C, H, W); for each class sum p*y, p and y over the batch and "
               "both pixel dimensions, form (2 sum p*y + 1) / (sum p + sum y + 1), and return 1 minus the mean over "
               "the classes. Section 2 explains why every class's region counts equally.")
def _dice_loss(answer) -> bool:
    from ..data.image import shuffled_batches
    from ..data.shapes import shapes_scenes
    from ..image.unet import UNet, UNetConfig

    g = torch.Generator().manual_seed(4)
    for shape in [(2, 4, 8, 8), (3, 3, 5, 7), (1, 2, 4, 4)]:
        logits = (torch.randn(*shape, generator=g, dtype=torch.float64) * 2).requires_grad_()
        masks = torch.randint(shape[1], (shape[0], *shape[2:]), generator=g)
        mine = answer(logits, masks.clone())
        if not isinstance(mine, torch.Tensor) or mine.dim() != 0 or not mine.requires_grad:
            return False
        expected = _reference_dice_loss(logits, masks)
        (mine_grad,) = torch.autograd.grad(mine, logits)
        (expected_grad,) = torch.autograd.grad(expected, logits)
        if not (torch.allclose(mine.detach(), expected.detach(), atol=1e-6)
                and torch.allclose(mine_grad, expected_grad, atol=1e-6)):
            return False
    # trained with it: a small U-Net learns the shapes' regions from the Dice loss alone (one thread: seconds)
    scenes = shapes_scenes(96, size=16, seed=5)
    with runtime.threads(1):
        torch.manual_seed(0)
        model = UNet(UNetConfig(in_channels=3, out_channels=4, depth=2, base_width=4))
        optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
        batches = shuffled_batches(scenes.images, scenes.masks, 16, seed=0)
        with torch.no_grad():
            before = float(_reference_dice_loss(model(scenes.images), scenes.masks))
        for _ in range(40):
            images, masks = batches()
            loss = answer(model(images), masks)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            after = float(_reference_dice_loss(model(scenes.images), scenes.masks))
    return after < before - 0.05
