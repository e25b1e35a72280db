"""pix2pix of notebooks/05_video/04_pix2pix: shapes, the PatchGAN's receptive field, IoU, a tiny run that learns."""
from __future__ import annotations

import pytest
import torch

from aigc_lab.data.video import paired_shapes
from aigc_lab.video.pix2pix import PatchDiscriminator, Pix2Pix, Pix2PixConfig, foreground_iou, train_pix2pix

pytestmark = pytest.mark.usefixtures("one_thread")


def test_shapes():
    model = Pix2Pix(Pix2PixConfig(width=4, disc_width=4))
    x = torch.rand(2, 1, 32, 32)
    with torch.no_grad():
        y = model(x)
    assert y.shape == (2, 3, 32, 32) and 0 <= float(y.min()) and float(y.max()) <= 1
    assert model.discriminator(x, y).shape == (2, 1, 6, 6)
    assert model.loss((x, torch.rand(2, 3, 32, 32))).dim() == 0


def test_each_patch_score_sees_a_34_pixel_patch():
    disc = PatchDiscriminator(Pix2PixConfig(disc_width=4))
    for i, layer in enumerate(disc.net):           # GroupNorm's statistics mix the whole image: take them out
        if isinstance(layer, torch.nn.GroupNorm):
            disc.net[i] = torch.nn.Identity()
    x = torch.zeros(1, 1, 64, 64, requires_grad=True)
    disc(x, torch.zeros(1, 3, 64, 64))[0, 0, 7, 7].backward()
    rows, cols = torch.nonzero(x.grad[0, 0].abs() > 0, as_tuple=True)
    assert int(rows.max() - rows.min() + 1) == 34 and int(cols.max() - cols.min() + 1) == 34


def test_foreground_iou():
    a = torch.full((2, 3, 8, 8), 0.08)
    b = a.clone()
    a[0, 0, :4, :4] = 1.0                                     # 16 pixels
    b[0, 2, :4, :2] = 1.0                                     # 8 of them
    iou = foreground_iou(a, b)
    assert torch.allclose(iou, torch.tensor([0.5, 0.0]))       # empty against empty: 0, not NaN


def test_a_tiny_run_learns():
    torch.manual_seed(0)
    x, y = paired_shapes(64, seed=0)
    model = Pix2Pix(Pix2PixConfig(width=8, disc_width=8, depth=2))
    generator = torch.Generator().manual_seed(0)

    def batch():
        idx = torch.randint(0, 64, (16,), generator=generator)
        return x[idx], y[idx]

    before = float(foreground_iou(model.translate(x), y).mean())
    train_pix2pix(model, batch, steps=60, lr=2e-3, log_every=5)
    after = float(foreground_iou(model.translate(x), y).mean())
    assert after > 0.6 and after > before + 0.3


def test_generator_step_leaves_the_discriminator_frozen():
    """Each step accumulates into D's gradients once (its own step) and into G's once; D trainable again after."""
    torch.manual_seed(0)
    x, y = paired_shapes(16, seed=0)
    model = Pix2Pix(Pix2PixConfig(width=4, disc_width=4, depth=2))
    counts = {"D": [0] * len(list(model.discriminator.parameters())),
              "G": [0] * len(list(model.generator.parameters()))}
    for name, part in (("D", model.discriminator), ("G", model.generator)):
        for i, p in enumerate(part.parameters()):
            p.register_post_accumulate_grad_hook(lambda _p, c=counts[name], i=i: c.__setitem__(i, c[i] + 1))
    train_pix2pix(model, lambda: (x[:8], y[:8]), steps=3, log_every=1)
    assert counts["D"] == [3] * len(counts["D"])
    assert counts["G"] == [3] * len(counts["G"])
    assert all(p.requires_grad for p in model.discriminator.parameters())


def test_bad_input_fails_clearly():
    model = Pix2Pix(Pix2PixConfig(width=4, disc_width=4, depth=3))
    with pytest.raises(ValueError, match="divisible"):
        model(torch.rand(1, 1, 30, 30))
