"""Checks for the exercises of notebooks/03_image/07_style_transfer.

Each check runs the learner's function on feature maps made up here and compares it with the
package's own (``adain.adain``, ``adain.mean_std_loss``) or, for the shifted Gram matrix, with a
reference written here, so the notebook never holds the answer.  (03_image.07.a, the Gram matrix, is
retired: the notebook now writes it on screen.)
"""
from __future__ import annotations

import torch

from ..image import adain, style
from . import exercise


def _maps(seed: int, shapes) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=generator, dtype=torch.float64) * (1 + i) + i
            for i, shape in enumerate(shapes)]


@exercise("03_image.07.b", kind="function",
          hint="Take the mean and standard deviation of each channel of each sample over the positions only "
               "(dim=(2, 3), keepdim=True); normalise the content with its own, then scale and shift by the style's. "
               "Use the biased variance (unbiased=False), as instance normalisation does.")
def _adain(answer) -> bool:
    for content_shape, style_shape in [((2, 3, 4, 4), (2, 3, 5, 3)), ((1, 5, 3, 6), (1, 5, 4, 4))]:
        content, style_maps = _maps(2, [content_shape, style_shape])
        mine = torch.as_tensor(answer(content.clone(), style_maps.clone()), dtype=torch.float64)
        reference = adain.adain(content, style_maps)
        if mine.shape != reference.shape or not torch.allclose(mine, reference, rtol=1e-3, atol=1e-3):
            return False
    return True


@exercise("03_image.07.c", kind="function",
          hint="For every pair of layers, compare the per-channel means and the per-channel standard deviations "
               "(two mean squared errors), and add them up over the layers: no Gram matrices here.")
def _mean_std_loss(answer) -> bool:
    shapes = [(2, 3, 8, 8), (2, 5, 4, 4), (2, 7, 2, 2)]
    features, targets = _maps(3, shapes), _maps(4, shapes)
    mine = float(answer([f.clone() for f in features], [t.clone() for t in targets]))
    reference = float(adain.mean_std_loss(features, targets))
    return abs(mine - reference) <= 1e-3 * max(1.0, abs(reference))


def _reference_shifted_gram(features: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, C): mean over the overlapping positions of F_i[y, x] * F_j[y + dy, x + dx]."""
    b, c, h, w = features.shape
    here = features[:, :, :h - dy, :w - dx].reshape(b, c, -1)            # (B, C, M_delta)
    there = features[:, :, dy:, dx:].reshape(b, c, -1)                   # (B, C, M_delta), shifted
    return here @ there.transpose(1, 2) / here.shape[-1]


@exercise("03_image.07.d", kind="function",
          hint="Cut two views of the map that overlap after the shift: the first (H - dy) x (W - dx) block, "
               "features[:, :, :H - dy, :W - dx], and the block starting at (dy, dx), features[:, :, dy:, dx:]. "
               "Flatten both to (B, C, M), multiply the first by the transpose of the second and divide by M. "
               "torch.roll wraps round the border, which section 1's Gram matrix never does.")
def _shifted_gram(answer) -> bool:
    g = torch.Generator().manual_seed(5)
    for shape, (dy, dx) in [((1, 3, 6, 6), (0, 0)), ((2, 4, 7, 5), (2, 0)), ((2, 4, 7, 5), (0, 3)),
                            ((3, 5, 8, 9), (3, 4)), ((1, 2, 4, 4), (1, 1))]:
        features = (torch.randn(*shape, generator=g, dtype=torch.float64) + 0.5).requires_grad_()
        mine = answer(features, dy, dx)
        if not isinstance(mine, torch.Tensor) or mine.shape != (shape[0], shape[1], shape[1]):
            return False
        reference = _reference_shifted_gram(features, dy, dx)
        if not torch.allclose(mine.double(), reference, rtol=1e-6, atol=1e-9):
            return False
    # used in a loss: 40 Adam steps on the pixels of a 16 x 16 image match a source's shifted Gram matrices
    torch.manual_seed(0)
    net = style.RandomMultiScaleFeatures(kernel_sizes=(3, 5), filters=8)
    source = torch.rand(1, 3, 16, 16, generator=g)
    shifts = [(0, 0), (0, 4), (4, 0)]
    with torch.no_grad():
        targets = [[_reference_shifted_gram(f, dy, dx) for dy, dx in shifts] for f in net.features(source)]

    def loss_of(image, fn):
        return sum(((fn(f, dy, dx) - t) ** 2).sum() / (t ** 2).sum()
                   for f, ts in zip(net.features(image), targets) for (dy, dx), t in zip(shifts, ts))

    pixels = torch.rand(1, 3, 16, 16, generator=g).requires_grad_()
    with torch.no_grad():
        before = float(loss_of(pixels, _reference_shifted_gram))
    optimizer = torch.optim.Adam([pixels], lr=0.03)
    for _ in range(40):
        loss = loss_of(pixels, answer)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            pixels.clamp_(0, 1)
    with torch.no_grad():
        after = float(loss_of(pixels, _reference_shifted_gram))
    return after < 0.5 * before
