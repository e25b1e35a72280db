"""Checks for the exercises of notebooks/03_image/07_style_transfer.

Each check runs the learner's function on feature maps made up here and compares it with the
package's own (``style.gram_matrix``, ``adain.adain``, ``adain.mean_std_loss``), so the notebook
never holds the answer.
"""
from __future__ import annotations

import torch

from ..image import adain, style
from . import exercise


def _maps(seed: int, shapes) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=generator, dtype=torch.float64) * (1 + i) + i
            for i, shape in enumerate(shapes)]


@exercise("03_image.07.a", kind="function",
          hint="Flatten the positions, F = features.reshape(B, C, H * W), multiply F by its own transpose to get "
               "(B, C, C), and divide by the number of positions H * W (not by C).")
def _gram(answer) -> bool:
    for shape in [(1, 3, 4, 5), (2, 6, 3, 3), (3, 2, 7, 2)]:
        features = _maps(1, [shape])[0]
        mine = torch.as_tensor(answer(features.clone()), dtype=torch.float64)
        reference = style.gram_matrix(features).double()
        if mine.shape != reference.shape or not torch.allclose(mine, reference, rtol=1e-4, atol=1e-6):
            return False
    return True


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
