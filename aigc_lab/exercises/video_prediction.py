"""Checks for the exercises of notebooks/05_video/02_prediction.

Checks b and c compare the learner's function with the package's own (``convlstm.copy_last_frame`` with
``convlstm.error_by_horizon``, ``convlstm.centroids``) on inputs made up here; d checks the learner's ConvGRU cell
against the equations, computed from its own convolutions, then trains it briefly to predict a moving dot.
(05_video.02.a, one ConvLSTM step, is retired: the notebook writes that step on screen.)
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..video import convlstm
from . import exercise


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


# --------------------------------------------------------------------------- d: a ConvGRU cell
def _convgru_reference(cell, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """One ConvGRU step from the learner's own two convolutions: gates (update z, then reset r) and candidate."""
    z, r = torch.sigmoid(cell.gates(torch.cat([x, h], dim=1))).chunk(2, dim=1)      # (B, hidden, H, W) each
    candidate = torch.tanh(cell.candidate(torch.cat([x, r * h], dim=1)))
    return (1 - z) * h + z * candidate


def _moving_dots(n: int, generator: torch.Generator, frames: int = 6, size: int = 8) -> torch.Tensor:
    """(n, frames, 1, size, size): one bright pixel moving one column right each frame, on its own row."""
    videos = torch.zeros(n, frames, 1, size, size)
    rows = torch.randint(0, size, (n,), generator=generator)
    starts = torch.randint(0, size - frames + 1, (n,), generator=generator)
    for i in range(n):
        for t in range(frames):
            videos[i, t, 0, rows[i], starts[i] + t] = 1.0
    return videos


@exercise("05_video.02.d", kind="function",
          hint="See the ConvLSTM cell's section and exercise d's equations: self.gates = nn.Conv2d(c_in + hidden, "
               "2 * hidden, kernel, padding=kernel // 2) and self.candidate = nn.Conv2d(c_in + hidden, hidden, kernel, "
               "padding=kernel // 2); z, r = torch.sigmoid(self.gates(torch.cat([x, h], 1))).chunk(2, 1); the candidate "
               "reads torch.cat([x, r * h], 1) through tanh; return (1 - z) * h + z * candidate.")
def _convgru(answer) -> bool:
    torch.manual_seed(0)
    for c_in, hidden, kernel, size in ((2, 4, 3, 6), (1, 3, 5, 7)):
        cell = answer(c_in, hidden, kernel)
        x, h = torch.randn(2, c_in, size, size), torch.randn(2, hidden, size, size)
        with torch.no_grad():
            mine = cell(x, h)
            if mine is None:
                raise NotImplementedError                              # forward left as the stub
            if tuple(mine.shape) != (2, hidden, size, size):
                return False
            if not torch.allclose(mine, _convgru_reference(cell, x, h), atol=1e-5):
                return False
    # train it briefly: read a moving dot frame by frame and predict the next frame (teacher-forced)
    generator = torch.Generator().manual_seed(0)
    videos, test_videos = _moving_dots(32, generator), _moving_dots(32, generator)
    torch.manual_seed(0)
    cell, readout = answer(1, 8, 3), nn.Conv2d(8, 1, 1)
    optimiser = torch.optim.Adam([*cell.parameters(), *readout.parameters()], lr=2e-2)

    def next_frame_logits(clips):                                      # (N, T, 1, H, W) -> logits of frames 1..T-1
        h = clips.new_zeros(clips.shape[0], 8, *clips.shape[-2:])
        out = []
        for t in range(clips.shape[1] - 1):
            h = cell(clips[:, t], h)
            out.append(readout(h))
        return torch.stack(out, 1)

    threads = torch.get_num_threads()
    torch.set_num_threads(1)                      # a network this small trains faster on one thread
    try:
        for _ in range(100):
            loss = F.binary_cross_entropy_with_logits(next_frame_logits(videos), videos[:, 1:])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            predicted = torch.sigmoid(next_frame_logits(test_videos))
    finally:
        torch.set_num_threads(threads)
    model_error = ((predicted - test_videos[:, 1:]) ** 2).mean()
    copy_last_error = ((test_videos[:, :-1] - test_videos[:, 1:]) ** 2).mean()
    return bool(model_error < 0.5 * copy_last_error)
