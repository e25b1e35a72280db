"""The GAN game: its losses and one flat training loop with two optimisers.

``aigc_lab.train.fit`` trains one model on one loss. A GAN has two players with opposite
goals, so it needs two optimisers and alternating steps:

    1. discriminator step: raise D's score on real images, lower it on G(z)   (G frozen)
    2. generator step:     raise D's score on G(z)                            (D frozen)

Losses (Goodfellow et al. 2014), written with logits l = D(x) and sigmoid(l) = "probability real":

    D:  -log sigmoid(l_real) - log(1 - sigmoid(l_fake)) = softplus(-l_real) + softplus(l_fake)
    G, minimax (the original game):  log(1 - sigmoid(l_fake)) = -softplus(l_fake)
    G, non-saturating (what everyone uses): -log sigmoid(l_fake) = softplus(-l_fake)

Both G losses have the same fixed point, but the minimax one has almost no gradient when D
confidently rejects the fakes (early in training), so G barely learns; see the notebook.

    history = train_gan(G, D, augmented_batches(x, y, 64), steps=2000)

``train_gan`` reads like ``fit``: set-up (device, precision, two Adam optimisers), then one
``for`` loop, then logging, evaluation and the single hook ``on_step_end(step, G, D)``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from .. import runtime
from ..train import EMA, _batches, to_device

G_LOSSES = ("non_saturating", "minimax")


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy with target 1 for real images and 0 for fakes, from logits."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: torch.Tensor, kind: str = "non_saturating") -> torch.Tensor:
    """G's loss on D's logits for its fakes: ``non_saturating`` -log D(G(z)) or ``minimax`` log(1 - D(G(z)))."""
    if kind == "non_saturating":
        return F.softplus(-fake_logits).mean()
    if kind == "minimax":
        return -F.softplus(fake_logits).mean()
    raise ValueError(f"unknown generator loss {kind!r}; choose one of {G_LOSSES}")


def r1_penalty(D: nn.Module, real: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): mean squared gradient norm of D's logit at real images. Penalising it
    keeps D smooth around the data, which steadies the game (StyleGAN uses it)."""
    real = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(real, labels).sum(), real, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


def mode_seeking_loss(fake_a: torch.Tensor, fake_b: torch.Tensor, z_a: torch.Tensor, z_b: torch.Tensor,
                      eps: float = 1e-5) -> torch.Tensor:
    """Mode seeking (Mao et al. 2019, MSGAN): ``1 / (ratio + eps)`` with ``ratio = mean_i d_img(i) / d_z(i)``,
    where for pair i ``d_img`` is the mean absolute pixel difference of G(z_a) and G(z_b) (same labels) and
    ``d_z`` the mean absolute difference of the two codes. A generator that maps different codes to nearly the
    same image (within-class mode collapse) has a small ratio and pays a large loss."""
    ratio = (fake_a - fake_b).abs().flatten(1).mean(1) / (z_a - z_b).abs().flatten(1).mean(1)   # (B,)
    return 1 / (ratio.mean() + eps)


@dataclass
class GANHistory:
    """What ``train_gan`` returns: both losses by step, evaluations, time, and why it stopped."""

    steps: list[int] = field(default_factory=list)        # step of each logged pair of losses
    d_loss: list[float] = field(default_factory=list)      # mean discriminator loss since the previous log
    g_loss: list[float] = field(default_factory=list)      # mean generator loss since the previous log
    evals: list[dict] = field(default_factory=list)        # {"step": s, **metrics}
    seconds: float = 0.0
    step: int = 0
    stopped: str = ""                                      # "steps" | "time" | "interrupted"


def train_gan(
    G: nn.Module,
    D: nn.Module,
    data,
    *,
    steps: int,
    lr_g: float = 2e-4,
    lr_d: float = 2e-4,
    betas: tuple[float, float] = (0.5, 0.99),
    g_loss: str = "non_saturating",
    g_steps: int = 1,
    r1_gamma: float = 0.0,
    diversity: float = 0.0,
    ema: float | None = None,
    max_seconds: float | None = None,
    device: torch.device | str | None = None,
    amp: bool | None = None,
    eval_fn: Callable[[nn.Module], dict] | None = None,
    eval_every: int = 0,
    log_every: int = 20,
    on_step_end: Callable[[int, nn.Module, nn.Module], None] | None = None,
    progress: bool = True,
) -> GANHistory:
    """Train generator ``G`` against discriminator ``D`` by alternating Adam steps; return a ``GANHistory``.

    data        batches (images in [0, 1], labels): a callable or an iterable, as for ``fit``
    g_loss      "non_saturating" (default) or "minimax" (the original, saturating game)
    g_steps     generator steps per discriminator step (more than 1 invites mode collapse)
    r1_gamma    weight of the R1 gradient penalty on D (0: off)
    diversity   weight of the mode-seeking term on G (``mode_seeking_loss``; 0: off), which costs one more
                generator pass per step
    ema         if set (e.g. 0.99), G ends holding an exponential moving average of its weights
                (``aigc_lab.train.EMA``), which gives smoother samples than the last, noisy iterate (as in
                StyleGAN). Batch-norm statistics are the last iterate's: recomputing them for the averaged
                weights (BigGAN's "standing statistics") changed train-on-generated accuracy by less than
                its run-to-run noise here (+0.003 on the test split, -0.003 on a validation split)
    eval_fn     ``eval_fn(G) -> {"name": value}`` every ``eval_every`` steps and at the end
    """
    if g_loss not in G_LOSSES:
        raise ValueError(f"unknown generator loss {g_loss!r}; choose one of {G_LOSSES}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    next_batch = _batches(data)
    conditional = bool(G.config.classes)

    # ---- where and how: one visible place for device and precision
    dev = runtime.device(device) if not isinstance(device, torch.device) else device
    G.to(dev)
    D.to(dev)
    precision = runtime.autocast(dev, enabled=amp)
    opt_g = torch.optim.Adam(G.parameters(), lr=lr_g, betas=betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=lr_d, betas=betas)
    average = EMA(G, decay=ema) if ema else None

    history = GANHistory()

    def evaluate(step: int) -> None:
        model = average.model if average is not None else G
        model.eval()
        with torch.no_grad(), precision:
            metrics = {k: float(v) for k, v in eval_fn(model).items()}
        G.train()
        history.evals.append({"step": step, **metrics})
        bar.set_postfix(**{k: f"{v:.3f}" for k, v in metrics.items()})

    # ---- the loop
    G.train()
    D.train()
    bar = tqdm(total=steps, disable=not progress, desc=f"{type(G).__name__} vs {type(D).__name__}")
    running_d, running_g = torch.zeros((), device=dev), torch.zeros((), device=dev)
    since_log, started = 0, time.perf_counter()
    history.stopped = "steps"
    try:
        for step in range(steps):
            real, labels = to_device(next_batch(), dev)
            labels = labels if conditional else None
            b = real.shape[0]

            # 1. discriminator: real -> 1, fake -> 0 (fakes detached: this step does not change G)
            with precision:
                z = torch.randn(b, G.config.latent, device=dev)
                fake = G(z, labels)
                loss_d = discriminator_loss(D(real, labels), D(fake.detach(), labels))
            if r1_gamma:
                loss_d = loss_d + r1_gamma / 2 * r1_penalty(D, real, labels)
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()

            # 2. generator: make D call the fakes real. The first step reuses the fakes of step 1, now
            #    scored by the updated D; further steps draw fresh ones. D is frozen: gradients flow
            #    through it to G, but none are computed for its own weights.
            D.requires_grad_(False)
            for k in range(g_steps):
                with precision:
                    if k > 0:
                        z = torch.randn(b, G.config.latent, device=dev)
                        fake = G(z, labels)
                    loss_g = generator_loss(D(fake, labels), g_loss)
                    if diversity:                                        # a second batch for the same labels
                        z_other = torch.randn(b, G.config.latent, device=dev)
                        loss_g = loss_g + diversity * mode_seeking_loss(fake, G(z_other, labels), z, z_other)
                opt_g.zero_grad(set_to_none=True)
                loss_g.backward()
                opt_g.step()
            D.requires_grad_(True)
            if average is not None:
                average.update(step + 1, G)                              # avg <- decay avg + (1 - decay) G

            running_d += loss_d.detach().float()
            running_g += loss_g.detach().float()
            since_log += 1
            history.step = step + 1
            if since_log == log_every or step + 1 == steps:              # the only host sync
                history.steps.append(step + 1)
                history.d_loss.append(running_d.item() / since_log)
                history.g_loss.append(running_g.item() / since_log)
                running_d.zero_()
                running_g.zero_()
                bar.update(since_log)
                since_log = 0
            if eval_fn is not None and eval_every and (step + 1) % eval_every == 0:
                evaluate(step + 1)
            if on_step_end is not None:
                on_step_end(step + 1, G, D)
            if max_seconds is not None and time.perf_counter() - started >= max_seconds:
                history.stopped = "time"
                break
    except KeyboardInterrupt:
        history.stopped = "interrupted"
    finally:
        if since_log:
            history.steps.append(history.step)
            history.d_loss.append(running_d.item() / since_log)
            history.g_loss.append(running_g.item() / since_log)
            bar.update(since_log)
        history.seconds = time.perf_counter() - started
        bar.close()
    if average is not None:
        G.load_state_dict(average.model.state_dict())                    # G ends as its moving average
    if eval_fn is not None and history.stopped != "interrupted" and (
            not history.evals or history.evals[-1]["step"] != history.step):
        evaluate(history.step)
    G.eval()
    D.eval()
    return history
