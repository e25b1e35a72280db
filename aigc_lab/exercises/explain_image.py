"""Checks for the exercises of notebooks/06_explainability/02_image.

Each check compares the learner's function with the package's own
(``explain.scoring.deletion_curve``, ``explain.scoring.pointing_game``,
``explain.attributions.saliency``) on images and models made up here.  Exercise d (expected gradients)
is compared with a reference written here and, for one baseline at alphas 1/4 and 3/4, with two-point
integrated gradients (``explain.attributions.integrated_gradients``).
"""
from __future__ import annotations

import torch

from ..explain import attributions, scoring
from ..image.cnn import CNNConfig, SmallCNN
from . import exercise


@exercise("06_explainability.02.a", kind="function",
          hint="Order the pixels by importance.flatten().argsort(descending=True); for each step i, build a (H, W) "
               "mask of the first round(i * H * W / steps) of them, use torch.where(mask, baseline, image), "
               "and score the stack of all steps + 1 images.")
def _deletion_curve(answer) -> bool:
    generator = torch.Generator().manual_seed(0)
    weights = torch.rand(3, 6, 6, generator=generator)
    score = lambda batch: (batch * weights).sum((1, 2, 3))                     # noqa: E731  a linear "model"
    for steps in (36, 9, 5):
        image = torch.rand(3, 6, 6, generator=generator)
        baseline = torch.rand(3, 6, 6, generator=generator) * 0.1
        importance = torch.randperm(36, generator=generator).float().reshape(6, 6)
        expected = scoring.deletion_curve(score, image, baseline, importance, steps=steps)
        mine = torch.as_tensor(answer(score, image.clone(), baseline.clone(), importance.clone(), steps)).reshape(-1)
        if mine.shape != expected.shape or not torch.allclose(mine.float(), expected, atol=1e-4):
            return False
    return True


@exercise("06_explainability.02.b", kind="function",
          hint="Find the (row, column) of importance.argmax(); then ask whether evidence has any True entry in "
               "rows row-tolerance .. row+tolerance and columns col-tolerance .. col+tolerance (clip at the edges).")
def _pointing_game(answer) -> bool:
    generator = torch.Generator().manual_seed(1)
    for trial in range(40):
        importance = torch.randperm(100, generator=generator).float().reshape(10, 10)
        evidence = torch.zeros(10, 10, dtype=torch.bool)
        top, left = torch.randint(0, 8, (2,), generator=generator).tolist()
        evidence[top:top + 3, left:left + 2] = True
        for tolerance in (0, 1, 2):
            expected = scoring.pointing_game(importance, evidence, tolerance=tolerance)
            if bool(answer(importance.clone(), evidence.clone(), tolerance)) != expected:
                return False
    return True


@exercise("06_explainability.02.c", kind="function",
          hint="For each noise sample, compute |gradient| of model(image + noise[i])[0, target] with respect to "
               "that noisy image (torch.autograd.grad), and average the n results.")
def _smoothgrad(answer) -> bool:
    torch.manual_seed(0)
    model = SmallCNN(CNNConfig(in_channels=3, size=8, classes=3)).double().eval()
    generator = torch.Generator().manual_seed(2)
    for target in (0, 2):
        image = torch.rand(3, 8, 8, generator=generator, dtype=torch.float64)
        noise = torch.randn(5, 3, 8, 8, generator=generator, dtype=torch.float64) * 0.1
        expected = attributions.saliency(model, image[None] + noise, target).mean(0)
        mine = torch.as_tensor(answer(model, image.clone(), target, noise.clone()))
        if mine.shape != expected.shape or not torch.allclose(mine.double(), expected, atol=1e-8):
            return False
    return True


def _expected_gradients_reference(model, image, target, baselines, alphas):
    """mean over i of (x - b_i) * dF_target/dx at b_i + alpha_i (x - b_i), one batch of n path points."""
    points = (baselines + alphas.view(-1, 1, 1, 1) * (image[None] - baselines)).detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(model(points)[:, target].sum(), points)
    return ((image[None] - baselines) * grad).mean(0)


@exercise("06_explainability.02.d", kind="function",
          hint="Make the n path points b_i + alpha_i (x - b_i) in one batch (alphas.view(-1, 1, 1, 1)), take the "
               "gradient of the sum of their target logits with respect to the points, multiply by x - b_i (each "
               "point by its own baseline) and average over the n points. The integrated-gradients cell of the "
               "notebook does the same with one black baseline and fixed alphas.")
def _expected_gradients(answer) -> bool:
    torch.manual_seed(0)
    model = SmallCNN(CNNConfig(in_channels=3, size=16, classes=3)).eval()
    generator = torch.Generator().manual_seed(6)
    for n, target in ((5, 0), (12, 2)):
        image = torch.rand(3, 16, 16, generator=generator)
        baselines = torch.rand(n, 3, 16, 16, generator=generator)
        alphas = torch.rand(n, generator=generator)
        expected = _expected_gradients_reference(model, image, target, baselines, alphas)
        mine = torch.as_tensor(answer(model, image.clone(), target, baselines.clone(), alphas.clone())).float()
        if mine.shape != expected.shape or not torch.allclose(mine, expected, rtol=1e-4, atol=1e-6):
            return False
    image, baseline = torch.rand(3, 16, 16, generator=generator), torch.rand(1, 3, 16, 16, generator=generator)
    two_points = attributions.integrated_gradients(model, image[None], 1, baseline=baseline, steps=2,
                                                   method="riemann_middle")[0]   # alphas 1/4 and 3/4
    mine = torch.as_tensor(answer(model, image.clone(), 1, baseline.repeat(2, 1, 1, 1),
                                  torch.tensor([0.25, 0.75]))).float()
    return mine.shape == two_points.shape and torch.allclose(mine, two_points, rtol=1e-4, atol=1e-6)
