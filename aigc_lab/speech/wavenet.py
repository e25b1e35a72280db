"""WaveNet (van den Oord et al. 2016), tiny: a waveform one sample at a time, each sample one of 256 classes.

    p(x_1 .. x_T | c) = prod_t p(x_t | x_1 .. x_{t-1}, c)          (eq. 1; c: a log-mel spectrogram)

- **mu-law** (eq. 2) squeezes a sample in [-1, 1] into 256 levels, dense near zero where
  speech spends most of its time; each level is a class, so the output is a softmax.
- A stack of **causal** 1-D convolutions (output t sees inputs <= t only) with dilations
  1, 2, 4, ... doubles the receptive field per layer at the same cost per layer.
- **Gated activations** ``z = tanh(W_f * x + V_f c) . sigmoid(W_g * x + V_g c)`` (eq. 3, with the
  local conditioning of eq. 6), where c is the log-mel spectrogram interpolated to the sample rate: local conditioning,
  the "neural vocoder" use of Tacotron 2 and Deep Voice.
- Residual and skip 1x1 convolutions; the summed skips go through ReLU, 1x1, ReLU, 1x1 to the logits.

Training is parallel (teacher forcing: every t in one pass).  Generation is not: sample t
needs sample t - 1, so :func:`generate` runs the network once per sample.  The plain way
recomputes the whole receptive field each step; the fast way (Paine et al. 2016, "Fast
WaveNet") keeps, per layer, a queue of that layer's last few inputs, so each step costs one
column of each layer.  Both give the same samples for a seed; neither escapes the loop.

    model = WaveNet(WaveNetConfig(n_mels=32, hop=64))
    loss = model.loss((mu_law_encode(wave), log_mel))    # wave (B, T), log_mel (B, n_mels, T // hop + 1)
    wave = generate(model, log_mel[0])                   # ((frames - 1) * hop,) in [-1, 1]
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


# --------------------------------------------------------------------------- mu-law companding, eq. (2)
def mu_law_encode(wave: torch.Tensor, classes: int = 256) -> torch.Tensor:
    """[-1, 1] -> {0 .. classes-1}: ``y = sign(x) ln(1 + mu |x|) / ln(1 + mu)``, mu = classes - 1, then
    ``floor((y + 1) / 2 * mu + 1/2)`` (round half up, as torchaudio).  Values outside [-1, 1] are clipped."""
    if not torch.is_floating_point(wave):
        raise TypeError(f"mu_law_encode expects a float waveform in [-1, 1], got dtype {wave.dtype}")
    mu = classes - 1
    x = wave.clamp(-1.0, 1.0)
    y = torch.sign(x) * torch.log1p(mu * x.abs()) / math.log1p(mu)
    return torch.floor((y + 1) / 2 * mu + 0.5).long()


def mu_law_decode(codes: torch.Tensor, classes: int = 256) -> torch.Tensor:
    """{0 .. classes-1} -> [-1, 1], the inverse: ``y = 2 code / mu - 1``, ``x = sign(y) ((1 + mu)^|y| - 1) / mu``."""
    if torch.is_floating_point(codes) or codes.numel() and (codes.min() < 0 or codes.max() >= classes):
        raise ValueError(f"mu_law_decode expects integer codes in [0, {classes - 1}]")
    mu = classes - 1
    y = codes.double() / mu * 2 - 1
    return (torch.sign(y) * ((1 + mu) ** y.abs() - 1) / mu).float()


# --------------------------------------------------------------------------- the network
@dataclass
class WaveNetConfig:
    classes: int = 256                        # mu-law levels (8 bits)
    channels: int = 32                        # residual channels C
    skip_channels: int = 64                   # skip channels S
    kernel: int = 2                           # taps per dilated convolution
    dilations: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128)   # one layer each
    n_mels: int = 32                          # conditioning features (0: unconditional)
    hop: int = 64                             # samples per conditioning frame (frame f sits at sample f * hop)


def receptive_field(config: WaveNetConfig) -> int:
    """Past inputs one output depends on: ``1 + (kernel - 1) * sum(dilations)`` (256 for the default)."""
    return 1 + (config.kernel - 1) * sum(config.dilations)


class WaveNet(nn.Module):
    def __init__(self, config: WaveNetConfig):
        super().__init__()
        c = self.config = config
        self.embed = nn.Embedding(c.classes, c.channels)       # = a 1x1 convolution on the one-hot input
        self.dilated = nn.ModuleList(nn.Conv1d(c.channels, 2 * c.channels, c.kernel, dilation=d) for d in c.dilations)
        # one 1x1 convolution makes every layer's V_f c and V_g c at once: (B, n_mels, T) -> (B, L * 2C, T)
        self.condition = nn.Conv1d(c.n_mels, len(c.dilations) * 2 * c.channels, 1) if c.n_mels else None
        self.residual_skip = nn.ModuleList(nn.Conv1d(c.channels, c.channels + c.skip_channels, 1) for _ in c.dilations)
        self.head = nn.Sequential(nn.ReLU(), nn.Conv1d(c.skip_channels, c.skip_channels, 1), nn.ReLU(),
                                  nn.Conv1d(c.skip_channels, c.classes, 1))

    # ---- conditioning: frames -> one vector per sample
    def upsample(self, log_mel: torch.Tensor, length: int) -> torch.Tensor:
        """(B, n_mels, frames) -> (B, n_mels, length), linear between frames: sample t sits at frame t / hop
        (a centred STFT's frame f is centred on sample f * hop); past the last frame, the last frame."""
        frames = log_mel.shape[-1]
        up = F.interpolate(log_mel, size=(frames - 1) * self.config.hop + 1, mode="linear", align_corners=True)
        if up.shape[-1] < length:
            up = torch.cat([up, up[..., -1:].expand(*up.shape[:-1], length - up.shape[-1])], dim=-1)
        return up[..., :length]

    def layer_conditions(self, log_mel: torch.Tensor | None, length: int) -> list[torch.Tensor | None]:
        """Per layer, ``V_f c`` and ``V_g c`` at every sample: L tensors (B, 2C, length) (None: unconditional)."""
        if self.condition is None:
            return [None] * len(self.dilated)
        if log_mel is None or log_mel.dim() != 3 or log_mel.shape[1] != self.config.n_mels or log_mel.shape[-1] < 2:
            got = None if log_mel is None else tuple(log_mel.shape)
            raise ValueError(f"log_mel must be (B, n_mels={self.config.n_mels}, frames >= 2), got {got}")
        return list(self.condition(self.upsample(log_mel, length)).chunk(len(self.dilated), dim=1))

    def gate(self, i: int, h: torch.Tensor, cond: torch.Tensor | None):
        """Layer i after its dilated convolution h (B, 2C, T): eq. (3), then (residual (B, C, T), skip (B, S, T))."""
        if cond is not None:
            h = h + cond
        filt, gate = h.chunk(2, dim=1)
        z = torch.tanh(filt) * torch.sigmoid(gate)                             # (B, C, T), eqs. (3) and (6)
        return self.residual_skip[i](z).split([self.config.channels, self.config.skip_channels], dim=1)

    def forward(self, codes: torch.Tensor, log_mel: torch.Tensor | None = None) -> torch.Tensor:
        """codes (B, T) of samples 0 .. T-1 -> logits (B, classes, T) for samples 1 .. T.

        Output t sees inputs <= t only, and the conditioning of the sample it predicts (t + 1).
        """
        if codes.dim() != 2 or torch.is_floating_point(codes):
            raise ValueError(f"codes must be a (B, T) integer tensor of mu-law classes, "
                             f"got {tuple(codes.shape)} {codes.dtype}")
        if codes.numel() and (codes.min() < 0 or codes.max() >= self.config.classes):
            raise ValueError(f"codes must lie in [0, {self.config.classes - 1}]")
        conds = self.layer_conditions(log_mel, codes.shape[1] + 1)
        return self.stack(codes, [None if v is None else v[..., 1:] for v in conds])

    def stack(self, codes: torch.Tensor, conds: list) -> torch.Tensor:
        """The layers proper: codes (B, T), per-layer conditioning (B, 2C, T) or None -> logits (B, classes, T)."""
        x = self.embed(codes).transpose(1, 2)                                  # (B, C, T)
        skips = 0
        for i, conv in enumerate(self.dilated):
            h = conv(F.pad(x, (conv.dilation[0] * (conv.kernel_size[0] - 1), 0)))   # left padding only: causal
            residual, skip = self.gate(i, h, conds[i])                         # (B, C, T), (B, S, T)
            x = x + residual
            skips = skips + skip
        return self.head(skips)

    def loss(self, batch) -> torch.Tensor:
        """batch = (codes (B, T), log_mel (B, n_mels, frames) or None): mean cross-entropy (nats) of
        sample t + 1 given samples <= t, i.e. -log p(x) / (T - 1) from eq. (1)."""
        codes, log_mel = batch
        return F.cross_entropy(self(codes[:, :-1], log_mel), codes[:, 1:])


# --------------------------------------------------------------------------- sampling
@torch.no_grad()
def generate(model: WaveNet, log_mel: torch.Tensor | None = None, *, length: int | None = None,
             temperature: float = 1.0, seed: int = 0, fast: bool = True) -> torch.Tensor:
    """Sample a waveform one sample per step: log_mel (n_mels, frames) -> (length,) float32 in [-1, 1].

    length defaults to ``(frames - 1) * hop`` (the clip the frames came from).  Each step draws
    Gumbel noise g from a generator seeded with ``seed``: ``argmax(logits / temperature + g)`` is a
    sample of ``softmax(logits / temperature)``, and the fast and plain paths draw the same noise.
    fast=True costs one column per layer per step; fast=False recomputes the receptive field (R
    columns per layer, R = 256 by default), which shows why caching matters; both loop over samples.
    """
    c = model.config
    if log_mel is not None and (log_mel.dim() != 2 or log_mel.shape[0] != c.n_mels):
        raise ValueError(f"log_mel must be (n_mels={c.n_mels}, frames), got {tuple(log_mel.shape)}")
    if log_mel is None and c.n_mels:
        raise ValueError("this WaveNet is conditioned on a log-mel spectrogram; pass log_mel")
    if length is None:
        if log_mel is None:
            raise ValueError("pass length for an unconditional WaveNet")
        length = (log_mel.shape[-1] - 1) * c.hop
    if length < 1 or temperature <= 0:
        raise ValueError(f"length must be >= 1 and temperature > 0, got {length} and {temperature}")
    model.eval()
    device, dtype = next(model.parameters()).device, next(model.parameters()).dtype
    mel = None if log_mel is None else log_mel[None].to(device, dtype)
    generator = torch.Generator().manual_seed(seed)

    def sample(logits: torch.Tensor) -> int:                           # logits (classes,) -> a class
        u = torch.rand(c.classes, generator=generator, dtype=torch.float64).clamp(1e-12, 1 - 1e-12)
        return int((logits.double().cpu() / temperature - torch.log(-torch.log(u))).argmax())

    codes = (_fast_steps if fast else _plain_steps)(model, mel, length, sample)
    return mu_law_decode(torch.tensor(codes), c.classes)


def _plain_steps(model: WaveNet, mel, length: int, sample) -> list[int]:
    """Recompute everything the next sample can see: the stack over the last receptive-field inputs, every step."""
    window = receptive_field(model.config)
    conds = model.layer_conditions(mel, length + 1)                       # L x (1, 2C, length + 1), all at once
    codes = torch.full((1, length + 1), model.config.classes // 2, device=next(model.parameters()).device)
    for t in range(length):                                               # codes[0, 0]: silence (mu-law of 0)
        lo = max(0, t + 1 - window)
        window_conds = [None if v is None else v[..., lo + 1:t + 2] for v in conds]
        logits = model.stack(codes[:, lo:t + 1], window_conds)[0, :, -1]  # (classes,): only the last column is new
        codes[0, t + 1] = sample(logits)
    return codes[0, 1:].tolist()


def _fast_steps(model: WaveNet, mel, length: int, sample) -> list[int]:
    """Paine et al. 2016: layer i keeps a queue of its last ``(kernel - 1) * d_i`` inputs.

    A step feeds one column (C,) up the stack: layer i's dilated convolution needs only its
    input now and the queued ones d_i, 2 d_i ... steps ago, a single matrix-vector product;
    then the new input joins the queue and the oldest leaves.  Zeros to start with are the
    causal padding.  Every convolution becomes a matrix, so each step is a few small products.
    """
    c = model.config
    conds = model.layer_conditions(mel, length + 1)                       # L x (1, 2C, length + 1), all at once
    layers = []
    for i, conv in enumerate(model.dilated):
        k, d = conv.kernel_size[0], conv.dilation[0]
        weight = conv.weight.permute(0, 2, 1).reshape(2 * c.channels, k * c.channels)   # taps side by side: (2C, k C)
        queue = [torch.zeros(c.channels, dtype=weight.dtype, device=weight.device)] * ((k - 1) * d)
        cond = None if conds[i] is None else conds[i][0].T + conv.bias           # (length + 1, 2C), bias folded in
        layers.append((d, weight, conv.bias if cond is None else None, queue, cond,
                       model.residual_skip[i].weight[:, :, 0], model.residual_skip[i].bias))
    head = [(m.weight[:, :, 0], m.bias) for m in model.head if isinstance(m, nn.Conv1d)]
    code, codes = c.classes // 2, []                                      # input 0: silence (mu-law of 0)
    for t in range(length):
        x = model.embed.weight[code]                                      # (C,): input t
        skips = 0
        for d, weight, bias, queue, cond, w_rs, b_rs in layers:
            taps = torch.cat([*queue[::d], x])                            # inputs t - (k-1) d, ..., t - d, t: (k C,)
            h = F.linear(taps, weight, bias) if cond is None else F.linear(taps, weight) + cond[t + 1]   # (2C,)
            queue.pop(0)
            queue.append(x)
            filt, gate = h.chunk(2)
            out = F.linear(torch.tanh(filt) * torch.sigmoid(gate), w_rs, b_rs)   # eq. (3), then 1x1: (C + S,)
            x = x + out[:c.channels]
            skips = skips + out[c.channels:]
        logits = F.linear(torch.relu(F.linear(torch.relu(skips), *head[0])), *head[1])   # (classes,)
        code = sample(logits)
        codes.append(code)
    return codes
