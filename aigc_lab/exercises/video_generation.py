"""Checks for the exercises of notebooks/05_video/03_generation.

b compares the learner's composition with ``clip_generator.compose_two_stream`` on inputs made up here; d probes
the learner's two-stream output head (shapes, the composition, a background that ignores the frames' order) and
trains it briefly.  (05_video.03.a, the KL term, and 05_video.03.c, the reparameterisation trick, are retired: the
notebook writes both on screen, in the clip generator's loss.)
"""
from __future__ import annotations

import torch
import torch.nn as nn

from ..video import clip_generator
from . import exercise


def _close(mine, expected) -> bool:
    if mine is None:
        return False
    mine = torch.as_tensor(mine, dtype=torch.float32)
    return mine.shape == expected.shape and torch.allclose(mine, expected, atol=1e-5)


@exercise("05_video.03.b", kind="function",
          hint="m * f + (1 - m) * b, with the still background given a time axis: background[:, None].")
def _compose(answer) -> bool:
    generator = torch.Generator().manual_seed(7)
    for b, t, c, s in ((2, 4, 3, 5), (1, 8, 1, 4)):
        mask = torch.rand(b, t, 1, s, s, generator=generator)
        foreground = torch.rand(b, t, c, s, s, generator=generator)
        background = torch.rand(b, c, s, s, generator=generator)
        if not _close(answer(mask, foreground, background),
                      clip_generator.compose_two_stream(mask, foreground, background)):
            return False
    return True


# --------------------------------------------------------------------------- d: VideoGAN's two-stream output head
def _dot_over_texture(n: int, generator: torch.Generator, frames: int = 4, size: int = 8) -> torch.Tensor:
    """(n, frames, 3, size, size): a still random texture per clip, and a white dot moving one column a frame."""
    background = 0.2 + 0.4 * torch.rand(n, 3, size, size, generator=generator)
    videos = background[:, None].repeat(1, frames, 1, 1, 1)
    rows = torch.randint(0, size, (n,), generator=generator)
    for i in range(n):
        for t in range(frames):
            videos[i, t, :, rows[i], t] = 1.0
    return videos


@exercise("05_video.03.d", kind="function",
          hint="See exercise b and exercise d's equations: self.foreground = nn.Conv3d(width, channels, 1), self.mask = "
               "nn.Conv3d(width, 1, 1), self.background = nn.Conv2d(width, channels, 1); f = sigmoid(foreground(h)) "
               "and m = sigmoid(mask(h)), both permuted from (B, C, T, H, W) to (B, T, C, H, W); b = "
               "sigmoid(background(h.mean(dim=2))); video = m * f + (1 - m) * b[:, None].")
def _two_stream_head(answer) -> bool:
    torch.manual_seed(0)
    head = answer(6, 3)
    h = torch.randn(2, 6, 5, 4, 7)                                     # (B, width, T, H, W)
    with torch.no_grad():
        out = head(h)
        if out is None:
            raise NotImplementedError                                  # forward left as the stub
        video, mask, foreground, background = out
        shapes = [tuple(t.shape) for t in (video, mask, foreground, background)]
        if shapes != [(2, 5, 3, 4, 7), (2, 5, 1, 4, 7), (2, 5, 3, 4, 7), (2, 3, 4, 7)]:
            return False
        if not torch.allclose(video, clip_generator.compose_two_stream(mask, foreground, background), atol=1e-6):
            return False
        if float(mask.min()) < 0 or float(mask.max()) > 1:
            return False
        background_reversed = head(h.flip(2))[3]                       # the frames in the other order
        if not torch.allclose(background_reversed, background, atol=1e-5):
            return False                                               # one still image, whatever the order
    # train it briefly, with free features per clip, to draw a dot moving over a still texture
    generator = torch.Generator().manual_seed(0)
    videos = _dot_over_texture(16, generator)
    torch.manual_seed(0)
    head = answer(8, 3)
    features = nn.Parameter(0.1 * torch.randn(16, 8, 4, 8, 8))
    optimiser = torch.optim.Adam([*head.parameters(), features], lr=5e-2)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                      # a network this small trains faster on one thread
    try:
        with torch.no_grad():
            first = ((head(features)[0] - videos) ** 2).mean().item()
        for _ in range(150):
            loss = ((head(features)[0] - videos) ** 2).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    finally:
        torch.set_num_threads(threads)
    return loss.item() < 0.1 * first
