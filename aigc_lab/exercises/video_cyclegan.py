"""Checks for the exercises of notebooks/05_video/05_cyclegan.

c compares the learner's flicker ratio with one built from ``data.video.frame_difference`` on clips made up
here; d probes the learner's residual generator (the identity before training) and trains it briefly.
(05_video.05.a, the two-way cycle loss, and 05_video.05.b, the least-squares discriminator loss, are retired:
the notebook writes both on screen, in one CycleGAN iteration.)
"""
from __future__ import annotations

import torch

from ..data.video import frame_difference, unpaired_shapes
from . import exercise


@exercise("05_video.05.c", kind="function",
          hint="frame_difference(videos) gives one number per clip; take the mean over clips for both, then divide.")
def _flicker_ratio(answer) -> bool:
    generator = torch.Generator().manual_seed(4)
    for n, t in ((3, 5), (1, 2), (6, 8)):
        translated = torch.rand(n, t, 3, 8, 8, generator=generator)
        reference = torch.rand(n, t, 3, 8, 8, generator=generator) * 0.5
        expected = frame_difference(translated).mean() / frame_difference(reference).mean()
        mine = answer(translated, reference)
        if mine is None or abs(float(mine) - float(expected)) > 1e-5:
            return False
    return True


@exercise("05_video.05.d", kind="function",
          hint="See section 'The model': U = nn.Sequential(nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(), "
               "nn.Conv2d(width, width, 3, padding=1), nn.ReLU(), nn.Conv2d(width, channels, 3, padding=1)); "
               "nn.init.zeros_ on the last convolution's weight and bias; forward returns "
               "torch.sigmoid(torch.logit(x.clamp(0.01, 0.99)) + U(x)).")
def _residual_generator(answer) -> bool:
    torch.manual_seed(0)
    generator = answer(3, 16)
    x = torch.rand(2, 3, 12, 10)
    with torch.no_grad():
        y = generator(x)
        if y is None:
            raise NotImplementedError                              # forward left as the stub
        if tuple(y.shape) != tuple(x.shape) or not torch.allclose(y, x.clamp(0.01, 0.99), atol=1e-5):
            return False                                           # untrained: the identity
    # train it briefly with L1 to swap the colour channels of filled shapes (a per-pixel translation)
    images, _ = unpaired_shapes(32, size=16, seed=3)
    targets = images[:, [1, 2, 0]]
    optimiser = torch.optim.Adam(generator.parameters(), lr=1e-2)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                      # a network this small trains faster on one thread
    try:
        with torch.no_grad():
            first = (generator(images) - targets).abs().mean().item()
        for _ in range(100):
            loss = (generator(images) - targets).abs().mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            last = (generator(images) - targets).abs().mean().item()
    finally:
        torch.set_num_threads(threads)
    return last < 0.35 * first
