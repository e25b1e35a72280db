"""Checks for the exercises of notebooks/05_video/04_pix2pix.

b compares the learner's shape IoU with ``pix2pix.foreground_iou`` on inputs made up here; c probes the
learner's PixelGAN discriminator (1x1 patches, conditioned on the source) and trains it briefly with the
discriminator's loss to tell real pairs from hedged ones.  (05_video.04.a, the receptive-field rule, is
retired: the notebook writes it on screen.)
"""
from __future__ import annotations

import torch

import torch.nn.functional as F

from ..data.video import KIND_COLOURS, paired_shapes
from ..video import pix2pix
from . import exercise


@exercise("05_video.04.b", kind="function",
          hint="mask = (images - 0.08).abs().amax(dim=1) > 0.15; IoU = (a & b).sum((1, 2)) / (a | b).sum((1, 2)), "
               "with the union clamped to at least 1.")
def _iou(answer) -> bool:
    generator = torch.Generator().manual_seed(6)
    predicted = torch.full((5, 3, 8, 8), 0.08)
    target = predicted.clone()
    predicted[:, :, 2:6, 2:6] += torch.rand(5, 3, 4, 4, generator=generator)
    target[:, 1, 3:7, 1:5] = 0.9
    target[:, 2, 0:2, :] = 0.3                                # a faint one-channel stripe: shape by its largest channel
    predicted[4] = 0.08                                       # one empty prediction: IoU 0
    target[4] = 0.08                                          # ... and an empty target: still 0, not NaN
    mine = torch.as_tensor(answer(predicted, target)).float()
    expected = pix2pix.foreground_iou(predicted, target).float()
    return mine.shape == expected.shape and torch.allclose(mine, expected, atol=1e-6)


# --------------------------------------------------------------------------- c: a PixelGAN discriminator
def _hedged(targets: torch.Tensor) -> torch.Tensor:
    """The targets with every shape pixel painted the mean of the three shape colours: what an L1-trained
    generator paints where it cannot tell the kind of shape."""
    shape = (targets - 0.08).abs().amax(dim=1, keepdim=True) > 0.15                  # (N, 1, H, W)
    return torch.where(shape, KIND_COLOURS.mean(dim=0)[None, :, None, None], targets)


@exercise("05_video.04.c", kind="function",
          hint="See MyPatchDiscriminator (section 'Written out: the PatchGAN'): stack torch.cat([source, image], dim=1), "
               "then nn.Conv2d(source_channels + target_channels, width, 1), nn.LeakyReLU(0.2), nn.Conv2d(width, "
               "2 * width, 1), nn.LeakyReLU(0.2), nn.Conv2d(2 * width, 1, 1): kernel 1, so every logit sees one "
               "pixel of the source and of the image, and the output keeps the image's H x W.")
def _pixel_gan(answer) -> bool:
    torch.manual_seed(0)
    disc = answer(1, 3, 16)
    source, image = torch.rand(2, 1, 9, 11), torch.rand(2, 3, 9, 11)
    with torch.no_grad():
        logits = disc(source, image)
        if logits is None:
            raise NotImplementedError                                  # forward left as the stub
        if tuple(logits.shape) != (2, 1, 9, 11):
            return False
        for poke in ("source", "image"):
            poked_source, poked_image = source.clone(), image.clone()
            (poked_source if poke == "source" else poked_image)[:, :, 4, 5] += 3.0
            changed = (disc(poked_source, poked_image) - logits).abs().amax(dim=(0, 1)) > 1e-6   # (9, 11)
            if not changed[4, 5] or changed.sum() != 1:
                return False                                           # its own pixel, of the source and of the image
    # train it briefly with L_D: real pairs -> 1, hedged pairs -> 0
    sources, targets = paired_shapes(16, size=16, seed=5)
    fakes = _hedged(targets)
    shape = ((targets - 0.08).abs().amax(dim=1, keepdim=True) > 0.15)                 # (N, 1, H, W)
    optimiser = torch.optim.Adam(disc.parameters(), lr=1e-2, betas=(0.5, 0.999))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                      # a network this small trains faster on one thread
    try:
        for _ in range(100):
            real_logits, fake_logits = disc(sources, targets), disc(sources, fakes)
            loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                    + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            real_right = (disc(sources, targets) > 0)[shape].float().mean()
            fake_right = (disc(sources, fakes) < 0)[shape].float().mean()
    finally:
        torch.set_num_threads(threads)
    return bool(real_right > 0.9 and fake_right > 0.9)
