"""Checks for the exercises of notebooks/05_video/02_prediction.

Each check compares the learner's function with the package's own (``convlstm.ConvLSTMCell``,
``convlstm.copy_last_frame`` with ``convlstm.error_by_horizon``, ``convlstm.centroids``) on inputs
made up here.
"""
from __future__ import annotations

import torch

from ..video import convlstm
from . import exercise


@exercise("05_video.02.a", kind="function",
          hint="i, f, g, o = conv(torch.cat([x, h], dim=1)).chunk(4, dim=1); "
               "c' = sigmoid(f) * c + sigmoid(i) * tanh(g); h' = sigmoid(o) * tanh(c'). Return (h', c').")
def _convlstm_step(answer) -> bool:
    generator = torch.Generator().manual_seed(3)
    for c_in, hidden, kernel, size in ((2, 4, 3, 6), (1, 3, 5, 8), (3, 2, 1, 4)):
        torch.manual_seed(c_in * 10 + hidden)
        cell = convlstm.ConvLSTMCell(c_in, hidden, kernel)
        x = torch.randn(2, c_in, size, size, generator=generator)
        h = torch.randn(2, hidden, size, size, generator=generator)
        c = torch.randn(2, hidden, size, size, generator=generator)
        expected_h, expected_c = cell(x, (h, c))
        mine_h, mine_c = answer(x, h, c, cell.gates)
        if not (torch.allclose(torch.as_tensor(mine_h), expected_h, atol=1e-5)
                and torch.allclose(torch.as_tensor(mine_c), expected_c, atol=1e-5)):
            return False
    return True


@exercise("05_video.02.b", kind="function",
          hint="The baseline repeats videos[:, k - 1] for every future frame videos[:, k:]; square the difference and "
               "average over clips, channels, height and width (everything but the horizon).")
def _copy_last_error(answer) -> bool:
    generator = torch.Generator().manual_seed(4)
    for n, frames, k in ((5, 8, 3), (2, 6, 5), (7, 10, 1)):
        videos = torch.rand(n, frames, 1, 6, 6, generator=generator)
        expected = convlstm.error_by_horizon(convlstm.copy_last_frame(videos[:, :k], frames - k), videos[:, k:])
        mine = torch.as_tensor(answer(videos, k)).float()
        if mine.shape != expected.shape or not torch.allclose(mine, expected, atol=1e-6):
            return False
    return True


@exercise("05_video.02.c", kind="function",
          hint="Sum the channels to a (N, H, W) mass; x = sum(mass * (j + 0.5)) / sum(mass) over columns j, "
               "likewise y over rows i. Stack (x, y).")
def _centroid(answer) -> bool:
    generator = torch.Generator().manual_seed(5)
    for n, channels, h, w in ((4, 1, 8, 8), (3, 3, 6, 10)):
        frames = torch.rand(n, channels, h, w, generator=generator) ** 4       # lumpy, so the centre moves
        mine = torch.as_tensor(answer(frames)).float()
        expected = convlstm.centroids(frames)
        if mine.shape != expected.shape or not torch.allclose(mine, expected, atol=1e-4):
            return False
    return True
