"""A ConvLSTM next-frame predictor (Shi et al. 2015, "Convolutional LSTM network"), cell written out.

    model = ConvLSTMPredictor(ConvLSTMConfig(context=5))
    loss = model.loss(videos)                          # videos (B, T, C, H, W) in [0, 1]
    future = predict_frames(model, videos[:, :5], 5)   # (B, 5, C, H, W): the next five frames

An LSTM keeps a memory ``c`` and a hidden state ``h`` and updates them with four gates. A ConvLSTM
is the same cell with every matrix product replaced by a convolution, so ``h`` and ``c`` are feature
*maps* (B, hidden, H, W) and each position's gates see only its neighbourhood: motion is local.
Without the paper's peephole terms (PyTorch's nn.LSTM has none either), eq. (3) of the paper reads

    i = sigma(W_xi * x + W_hi * h + b_i)        input gate
    f = sigma(W_xf * x + W_hf * h + b_f)        forget gate
    g = tanh (W_xg * x + W_hg * h + b_g)        candidate memory
    o = sigma(W_xo * x + W_ho * h + b_o)        output gate
    c' = f . c + i . g                          ("." is the elementwise product, "*" a convolution)
    h' = o . tanh(c')

With a 1x1 kernel on a 1x1 map the convolutions are matrix products and the cell is exactly
``nn.LSTMCell``; ``ConvLSTMCell.load_lstm`` copies an ``nn.LSTM``'s weights in to prove it.

The predictor wraps the cell: an encoder halves the frame (32x32 -> 16x16 features), the ConvLSTM
runs there, and a decoder upsamples ``h`` back and joins it with the current frame's full-size
features (a skip connection, as in a U-Net) so that sharp edges need not pass through the memory.
It outputs logits of the next frame's pixels; ``loss`` is binary cross-entropy against the true next
frame. After ``context`` true frames it feeds its own predictions back in ("closed loop"), in training
as at test time, so it learns to roll forward from its own guesses.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvLSTMCell(nn.Module):
    """One ConvLSTM step: x (B, C_in, H, W), state (h, c) each (B, hidden, H, W) -> new (h, c)."""

    def __init__(self, in_channels: int, hidden: int, kernel: int = 3):
        super().__init__()
        if kernel % 2 != 1:
            raise ValueError(f"kernel must be odd so the maps keep their size, got {kernel}")
        self.hidden = hidden
        # one convolution computes all four gates from [x, h]: W_x* x + W_h* h + b, 4 * hidden maps
        # in nn.LSTM's order (input, forget, candidate, output)
        self.gates = nn.Conv2d(in_channels + hidden, 4 * hidden, kernel, padding=kernel // 2)

    def initial_state(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        zeros = x.new_zeros(x.shape[0], self.hidden, *x.shape[2:])      # (B, hidden, H, W)
        return zeros, zeros.clone()

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        h, c = self.initial_state(x) if state is None else state
        i, f, g, o = self.gates(torch.cat([x, h], dim=1)).chunk(4, dim=1)   # each (B, hidden, H, W)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)         # c' = f.c + i.g
        h = torch.sigmoid(o) * torch.tanh(c)                                # h' = o.tanh(c')
        return h, c

    @torch.no_grad()
    def load_lstm(self, lstm: nn.LSTM | nn.LSTMCell) -> "ConvLSTMCell":
        """Copy a one-layer ``nn.LSTM`` (or ``nn.LSTMCell``) into this cell; needs a 1x1 kernel.

        nn.LSTM computes W_ih x + b_ih + W_hh h + b_hh with W_ih (4H, C_in), W_hh (4H, H): side by
        side they are the 1x1 convolution's weight (4H, C_in + H, 1, 1), and the biases add up.
        """
        suffix = "_l0" if isinstance(lstm, nn.LSTM) else ""
        w_ih, w_hh = getattr(lstm, "weight_ih" + suffix), getattr(lstm, "weight_hh" + suffix)
        if self.gates.kernel_size != (1, 1) or w_hh.shape[1] != self.hidden or \
                w_ih.shape[1] + self.hidden != self.gates.in_channels:
            raise ValueError("load_lstm needs a 1x1 kernel and matching input and hidden sizes")
        self.gates.weight.copy_(torch.cat([w_ih, w_hh], dim=1)[:, :, None, None])
        self.gates.bias.copy_(getattr(lstm, "bias_ih" + suffix) + getattr(lstm, "bias_hh" + suffix))
        return self


@dataclass
class ConvLSTMConfig:
    in_channels: int = 1      # channels of a frame (1 for moving digits)
    features: int = 16        # encoder feature maps (at full size and at half size)
    hidden: int = 32          # ConvLSTM hidden and memory maps, at half size
    kernel: int = 5           # ConvLSTM kernel: how far (in half-size pixels) one step can look
    context: int = 5          # true frames seen before the model feeds itself its own predictions


class ConvLSTMPredictor(nn.Module):
    def __init__(self, config: ConvLSTMConfig):
        super().__init__()
        self.config = config
        c, hid = config.features, config.hidden
        self.encode_full = nn.Sequential(nn.Conv2d(config.in_channels, c, 3, padding=1), nn.ReLU())   # (B, c, H, W)
        self.encode_half = nn.Sequential(nn.Conv2d(c, c, 3, stride=2, padding=1), nn.ReLU())          # (B, c, H/2, W/2)
        self.cell = ConvLSTMCell(c, hid, config.kernel)
        self.upsample = nn.Sequential(nn.ConvTranspose2d(hid, c, 4, stride=2, padding=1), nn.ReLU())  # back to H, W
        self.decode = nn.Sequential(nn.Conv2d(2 * c, c, 3, padding=1), nn.ReLU(),
                                    nn.Conv2d(c, config.in_channels, 3, padding=1))   # next-frame logits

    def step(self, frame: torch.Tensor, state=None):
        """One frame (B, C, H, W) in -> logits of the next frame (B, C, H, W) and the new state."""
        full = self.encode_full(frame)
        h, c = self.cell(self.encode_half(full), state)
        logits = self.decode(torch.cat([self.upsample(h), full], dim=1))
        return logits, (h, c)

    def forward(self, videos: torch.Tensor, context: int | None = None) -> torch.Tensor:
        """Logits of frames 1..T-1 (B, T-1, C, H, W) of (B, T, C, H, W) ``videos``: the first ``context``
        frames are read from the clip, later inputs are the model's own previous predictions."""
        context = self.config.context if context is None else context
        if videos.dim() != 5 or videos.shape[2] != self.config.in_channels:
            raise ValueError(f"expected videos (B, T, {self.config.in_channels}, H, W), got {tuple(videos.shape)}")
        state, outputs, frame = None, [], videos[:, 0]
        for t in range(videos.shape[1] - 1):
            logits, state = self.step(frame, state)
            outputs.append(logits)
            # teacher forcing inside the context, then closed loop on the model's own guess
            frame = videos[:, t + 1] if t + 1 < context else torch.sigmoid(logits)
        return torch.stack(outputs, dim=1)

    def loss(self, batch) -> torch.Tensor:
        videos = batch[0] if isinstance(batch, (tuple, list)) else batch      # (B, T, C, H, W)
        return F.binary_cross_entropy_with_logits(self(videos), videos[:, 1:])


@torch.no_grad()
def predict_frames(model: ConvLSTMPredictor, context_frames: torch.Tensor, horizon: int) -> torch.Tensor:
    """Roll the model ``horizon`` frames past (B, K, C, H, W) context frames -> (B, horizon, C, H, W) in [0, 1]."""
    if horizon < 1 or context_frames.shape[1] < 1:
        raise ValueError(f"need at least one context frame and horizon >= 1, got {context_frames.shape[1]}, {horizon}")
    state, frame = None, None
    for t in range(context_frames.shape[1]):                          # read the context, keep the last guess
        frame, state = model.step(context_frames[:, t], state)
    future = [torch.sigmoid(frame)]
    for _ in range(horizon - 1):                                      # then feed each guess back in
        frame, state = model.step(future[-1], state)
        future.append(torch.sigmoid(frame))
    return torch.stack(future, dim=1)


def copy_last_frame(context_frames: torch.Tensor, horizon: int) -> torch.Tensor:
    """The baseline: the last context frame, repeated ``horizon`` times -> (B, horizon, C, H, W)."""
    return context_frames[:, -1:].expand(-1, horizon, *context_frames.shape[2:])


def error_by_horizon(predicted: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """(horizon,) mean squared error per future step of (B, horizon, C, H, W) predictions."""
    return ((predicted.float() - truth.float()) ** 2).mean(dim=(0, 2, 3, 4))


def centroids(frames: torch.Tensor) -> torch.Tensor:
    """Intensity-weighted centre (x, y) of (..., C, H, W) frames -> (..., 2), in pixels, pixel j at j + 0.5.

    For one object on a black background this is where the object is; compared with the generator's
    known positions it says whether a prediction put the object in the right place, which a
    per-pixel error does not (a blurred frame can have a low error and no clear place)."""
    mass = frames.float().sum(dim=-3)                                 # (..., H, W) summed over channels
    h, w = mass.shape[-2:]
    ys = torch.arange(h, dtype=mass.dtype, device=mass.device) + 0.5
    xs = torch.arange(w, dtype=mass.dtype, device=mass.device) + 0.5
    total = mass.sum(dim=(-2, -1)).clamp_min(1e-8)
    x = (mass.sum(dim=-2) * xs).sum(dim=-1) / total
    y = (mass.sum(dim=-1) * ys).sum(dim=-1) / total
    return torch.stack([x, y], dim=-1)
