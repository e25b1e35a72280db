"""Privacy tools for the FAQ "models leak data" (notebooks/01_foundations/08_faq_privacy).

Four small pieces, each readable on its own:

- ``mask_personal_data``: scrub e-mail addresses and phone numbers from text with regular expressions;
- ``membership_inference_auc``: how well a loss threshold tells training examples from unseen ones
  (0.5 = no better than a coin, 1.0 = every member found);
- ``dp_sgd_step``: one step of DP-SGD (Abadi et al. 2016): clip each example's gradient, add Gaussian noise;
- ``fedavg``: federated averaging (McMahan et al. 2017): the weighted mean of client models' weights.
"""
from __future__ import annotations

import re

import torch
import torch.nn.functional as F
from torch.func import functional_call, grad, vmap

# name@domain.tld, the usual characters on each side of the @
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# optional +country code, then 7 to 15 digits that may be split by spaces, dots, dashes or brackets;
# not the tail of a longer number (1,234,567) nor an amount after a currency sign ($1200000)
PHONE = re.compile(r"(?<![\w,.$€£¥])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d(?:[\s.-]?\d){6,14}(?![\w])")
# digit runs that fit PHONE's shape but are something else, each tried on the whole candidate
NOT_PHONE = (
    re.compile(r"\d{4}([-./])\d{1,2}\1\d{1,2}"),      # a date, year first: 2024-03-15, 2024.03.15
    re.compile(r"\d{1,2}([-./])\d{1,2}\1\d{4}"),      # a date, year last: 15.03.2024, 03-15-2024
    re.compile(r"\d{1,3}(?:\.\d{1,3}){3}"),            # an IPv4 address: 192.168.1.20
    re.compile(r"[\d\s]+\.\d{1,2}"),                   # a decimal amount: 1234567.89, 1 234 567.89
)


def _mask_phone(match: re.Match) -> str:
    candidate = match.group()
    return candidate if any(p.fullmatch(candidate) for p in NOT_PHONE) else "[PHONE]"


def mask_personal_data(text: str) -> str:
    """Replace every e-mail address with ``[EMAIL]`` and every phone number with ``[PHONE]``.

    Dates (2024-03-15, 15.03.2024), IPv4 addresses, decimal amounts and amounts after a
    currency sign have a phone's digits but are left alone.
    """
    text = EMAIL.sub("[EMAIL]", text)        # e-mails first: their digits must not look like phones
    return PHONE.sub(_mask_phone, text)


def membership_inference_auc(member_losses, non_member_losses) -> float:
    """Area under the ROC curve of the attack "a low loss means it was in the training set".

    Equals the probability that a random member has a *lower* loss than a random non-member
    (ties count one half), which is what ``sklearn.metrics.roc_auc_score`` gives with members as
    positives and the negative loss as the score.
    """
    members = torch.as_tensor(member_losses, dtype=torch.float64).flatten()
    others = torch.as_tensor(non_member_losses, dtype=torch.float64).flatten()
    lower = (members[:, None] < others[None, :]).double()        # (M, N) pairs the attack orders right
    ties = (members[:, None] == others[None, :]).double()
    return float((lower + 0.5 * ties).mean())


def per_sample_gradients(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
    """The gradient of the cross-entropy of each example on its own: {name: (B, *param.shape)}.

    torch.func makes this one line: ``grad`` differentiates the loss of ONE example, ``vmap`` maps it
    over the batch without a Python loop.
    """
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss_one(p, xi, yi):
        logits = functional_call(model, p, (xi.unsqueeze(0),))
        return F.cross_entropy(logits, yi.unsqueeze(0))

    return vmap(grad(loss_one), in_dims=(None, 0, 0))(params, x, y)


def clip_per_sample(grads: dict[str, torch.Tensor], clip: float) -> dict[str, torch.Tensor]:
    """Scale each example's whole gradient (all parameters together) so its norm is at most ``clip``."""
    flat = torch.cat([g.flatten(1) for g in grads.values()], dim=1)          # (B, n_params)
    scale = (clip / (flat.norm(dim=1) + 1e-12)).clamp(max=1.0)               # (B,)
    return {k: g * scale.view(-1, *[1] * (g.dim() - 1)) for k, g in grads.items()}


def dp_sgd_step(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *, clip: float,
                noise_multiplier: float, lr: float, generator: torch.Generator | None = None) -> None:
    """One DP-SGD step, in place: per-example gradients, clipped to ``clip``, summed, plus
    N(0, (noise_multiplier * clip)^2) noise, divided by the batch size, then plain SGD
    (algorithm 1 of Abadi et al. 2016). Opacus does the same for any model, and counts the privacy budget."""
    clipped = clip_per_sample(per_sample_gradients(model, x, y), clip)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=generator) * (noise_multiplier * clip)
            p -= lr * (clipped[name].sum(0) + noise.to(p.device)) / len(x)


def fedavg(client_states: list[dict[str, torch.Tensor]], weights) -> dict[str, torch.Tensor]:
    """The weighted mean of the clients' state dicts; ``weights`` (e.g. each client's number of
    examples) are normalised to sum to one. Only the weights travel, never the data.

    Integer and boolean entries (BatchNorm's ``num_batches_tracked``) take the weighted mean
    rounded to the nearest integer (halves to even, ``torch.round``): casting it down would
    turn three clients' 7, averaged as 6.999..., into 6.
    """
    w = torch.as_tensor(weights, dtype=torch.float64)
    w = w / w.sum()
    averaged = {}
    for k, first in client_states[0].items():
        mean = sum(wi * s[k].double() for wi, s in zip(w, client_states))
        if not first.is_floating_point():
            mean = torch.round(mean)                   # integer buffers: nearest integer, not truncation
        averaged[k] = mean.to(first.dtype)
    return averaged
