"""Attribution methods written out in plain PyTorch: saliency, gradient x input, integrated gradients, occlusion.

Each method answers "how much did each input feature contribute to the score of
class ``target``?" for a differentiable ``forward``, a function from a batch of
inputs (B, ...) to class scores (B, classes), such as a model's logits:

    attr = integrated_gradients(model, images, target=labels, steps=32)   # (B, C, H, W)
    attr.sum(dim=1)                                                         # (B, H, W): one number per pixel

For a text model the input is a sentence's word embeddings, not its word ids (which
have no gradient); ``embedding_forward`` turns a model that reads ids into a function
of embeddings.  ``tests/test_explain_attributions.py`` checks integrated gradients
against captum's ``IntegratedGradients`` for every quadrature rule (captum's trapezoid
weights add up to 1 - 1/n, ours to 1), and the completeness axiom (attributions add up
to F(x) - F(baseline)).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

Forward = Callable[[torch.Tensor], torch.Tensor]   # (B, ...) inputs -> (B, classes) scores

IG_METHODS = ("riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid", "gausslegendre")


def _targets(target, batch: int) -> torch.Tensor:
    """An int or a (B,) tensor of class indices -> (B,) int64."""
    target = torch.as_tensor(target, dtype=torch.long).reshape(-1)
    return target.expand(batch) if target.numel() == 1 else target


def class_score(forward: Forward, x: torch.Tensor, target) -> torch.Tensor:
    """(B,) the score of each example's target class."""
    out = forward(x)
    return out[torch.arange(len(x)), _targets(target, len(x)).to(out.device)]


def gradients(forward: Forward, x: torch.Tensor, target) -> torch.Tensor:
    """d score_target / d x for each example, the shape of x.  Examples do not mix, so one backward pass does all."""
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(class_score(forward, x, target).sum(), x)
    return grad


# --------------------------------------------------------------------------- gradient methods
def saliency(forward: Forward, x: torch.Tensor, target) -> torch.Tensor:
    """|d score / d x| (Simonyan, Vedaldi and Zisserman 2014): how sensitive the score is to each feature."""
    return gradients(forward, x, target).abs()


def gradient_x_input(forward: Forward, x: torch.Tensor, target, baseline: torch.Tensor | None = None) -> torch.Tensor:
    """(x - baseline) * d score / d x (Shrikumar et al. 2016): a first-order estimate of each feature's contribution.

    It multiplies by the input, so a feature that is large *in the input* looks
    important whatever the model does with it; the randomisation test exposes this.
    """
    baseline = torch.zeros_like(x) if baseline is None else baseline
    return (x - baseline) * gradients(forward, x, target)


def path_points(steps: int, method: str = "riemann_middle") -> tuple[torch.Tensor, torch.Tensor]:
    """Where along the path to evaluate the gradient (alphas in [0, 1]) and each point's weight.

    The rules of captum (``captum.attr._utils.approximation_methods``): left, right and
    middle Riemann sums (weight 1/steps each); the trapezoid rule (alphas 0 .. 1
    inclusive); and Gauss-Legendre quadrature, exact for polynomials of degree below
    2 * steps.  Every rule's weights add up to 1, so a constant gradient integrates exactly.

    The trapezoid rule's ``steps`` points cut [0, 1] into ``n = steps - 1`` intervals:
    weight 1/n each, halved at the two ends, exact when the gradient is linear along the
    path (a quadratic model).  captum weights its n points by 1/n (ends halved), which adds
    up to 1 - 1/n: its trapezoid attributions are ours times (steps - 1) / steps.
    """
    if method not in IG_METHODS:
        raise ValueError(f"method must be one of {IG_METHODS}, not {method!r}")
    if steps < 2:
        raise ValueError("integrated gradients needs at least two steps")
    weights = torch.full((steps,), 1.0 / steps, dtype=torch.float64)
    if method == "riemann_left":
        alphas = torch.arange(steps, dtype=torch.float64) / steps
    elif method == "riemann_right":
        alphas = torch.arange(1, steps + 1, dtype=torch.float64) / steps
    elif method == "riemann_middle":
        alphas = (torch.arange(steps, dtype=torch.float64) + 0.5) / steps
    elif method == "riemann_trapezoid":
        alphas = torch.linspace(0, 1, steps, dtype=torch.float64)
        weights = torch.full((steps,), 1.0 / (steps - 1), dtype=torch.float64)   # steps - 1 intervals
        weights[0] /= 2
        weights[-1] /= 2
    else:  # Gauss-Legendre nodes and weights on [-1, 1], mapped to [0, 1]
        nodes, w = np.polynomial.legendre.leggauss(steps)
        alphas, weights = torch.from_numpy(0.5 * (1 + nodes)), torch.from_numpy(0.5 * w)
    return alphas, weights


def integrated_gradients(forward: Forward, x: torch.Tensor, target, *, baseline: torch.Tensor | None = None,
                         steps: int = 32, method: str = "riemann_middle", internal_batch: int = 512) -> torch.Tensor:
    """Integrated gradients (Sundararajan, Taly and Yan 2017), eq. (1) of the paper, as a sum:

        IG_i(x) = (x_i - x'_i) * integral over a from 0 to 1 of dF(x' + a (x - x')) / dx_i
                ~ (x_i - x'_i) * sum_k w_k dF(x' + a_k (x - x')) / dx_i

    x' is the ``baseline`` (default zeros: a black image, all-zero embeddings).  The
    attributions add up to about F(x) - F(x') (completeness; ``completeness_gap``).
    All ``steps`` points of all examples go through the model in batches of
    ``internal_batch`` inputs.
    """
    baseline = torch.zeros_like(x) if baseline is None else baseline.expand_as(x)
    alphas, weights = path_points(steps, method)
    alphas, weights = alphas.to(x.dtype).to(x.device), weights.to(x.dtype).to(x.device)
    targets = _targets(target, len(x))
    total = torch.zeros_like(x)
    per_chunk = max(1, internal_batch // len(x))                 # path points per forward pass
    for start in range(0, steps, per_chunk):
        a = alphas[start:start + per_chunk]                      # (k,)
        shape = (len(a),) + (1,) * x.dim()
        points = baseline + a.view(shape) * (x - baseline)       # (k, B, ...): k points on each example's path
        grad = gradients(forward, points.reshape(-1, *x.shape[1:]), targets.repeat(len(a)))
        total += (weights[start:start + per_chunk].view(shape) * grad.view(points.shape)).sum(0)
    return (x - baseline) * total


def completeness_gap(forward: Forward, x: torch.Tensor, target, attributions: torch.Tensor,
                     baseline: torch.Tensor | None = None) -> torch.Tensor:
    """(B,) sum of attributions minus (F(x) - F(baseline)): near 0 for integrated gradients (axiom 'completeness')."""
    baseline = torch.zeros_like(x) if baseline is None else baseline.expand_as(x)
    with torch.no_grad():
        change = class_score(forward, x, target) - class_score(forward, baseline, target)
    return attributions.reshape(len(x), -1).sum(1) - change


# --------------------------------------------------------------------------- perturbation methods
@torch.no_grad()
def occlusion(forward: Forward, images: torch.Tensor, target, *, window: int = 4, stride: int = 2,
              value: float = 0.0) -> torch.Tensor:
    """(B, H, W): how much the target score drops when a ``window`` x ``window`` patch is set to ``value``.

    Zeiler and Fergus (2014).  Each pixel gets the mean drop over the windows that
    cover it, as captum's ``Occlusion`` does.  Costs one forward pass per window position.
    """
    b, _, h, w = images.shape
    targets = _targets(target, b)
    reference = class_score(forward, images, targets)                  # (B,)
    total = torch.zeros(b, h, w, dtype=images.dtype, device=images.device)
    count = torch.zeros(h, w, dtype=images.dtype, device=images.device)
    tops = list(range(0, h - window + 1, stride))
    lefts = list(range(0, w - window + 1, stride))
    for top in tops:
        occluded = []
        for left in lefts:
            patched = images.clone()
            patched[:, :, top:top + window, left:left + window] = value
            occluded.append(patched)
        scores = class_score(forward, torch.cat(occluded), targets.repeat(len(lefts))).view(len(lefts), b)
        for i, left in enumerate(lefts):
            total[:, top:top + window, left:left + window] += (reference - scores[i])[:, None, None]
            count[top:top + window, left:left + window] += 1
    return total / count.clamp(min=1)


@torch.no_grad()
def feature_ablation(forward: Forward, x: torch.Tensor, target, groups: torch.Tensor,
                     baseline: torch.Tensor) -> torch.Tensor:
    """Score drop when each group of features is replaced by ``baseline``; one number per feature.

    ``groups`` has the shape of x's last dimensions and numbers features 0..G-1 (one
    group per token gives leave-one-out; superpixels give segment ablation).  Returns
    (B, *groups.shape), every feature carrying its group's drop.
    """
    targets = _targets(target, len(x))
    reference = class_score(forward, x, targets)
    n_groups = int(groups.max()) + 1
    drops = []
    for g in range(n_groups):
        removed = torch.where(groups == g, baseline, x)                # broadcasts over leading dimensions
        drops.append(reference - class_score(forward, removed, targets))
    drops = torch.stack(drops, dim=1)                                  # (B, G)
    return drops[:, groups.reshape(-1)].reshape(len(x), *groups.shape)


# --------------------------------------------------------------------------- text models
def embedding_forward(model: torch.nn.Module, ids: torch.Tensor, layer: torch.nn.Module | None = None) -> Forward:
    """A function of word embeddings for a model that reads word ids.

    ``forward(embeddings)`` runs ``model(ids)`` with the output of its embedding
    ``layer`` (default ``model.embedding``) replaced by ``embeddings`` (B', T, E), by
    a forward hook, the way captum's layer attributions do.  B' may be a multiple of
    len(ids): the ids are repeated to match (integrated gradients sends many points of
    the path at once).  Padding masks computed from the ids stay as they were.
    """
    layer = model.embedding if layer is None else layer

    def forward(embeddings: torch.Tensor) -> torch.Tensor:
        repeats = embeddings.shape[0] // ids.shape[0]
        handle = layer.register_forward_hook(lambda module, inputs, output: embeddings)
        try:
            return model(ids.repeat(repeats, 1))
        finally:
            handle.remove()

    return forward


def token_attribution(embedding_attribution: torch.Tensor) -> torch.Tensor:
    """(B, T, E) attributions of embedding entries -> (B, T) per token, summed over the embedding.

    A sum keeps completeness: the tokens' attributions still add up to F(x) - F(x').
    """
    return embedding_attribution.sum(dim=-1)


def token_saliency(embedding_gradient: torch.Tensor) -> torch.Tensor:
    """(B, T, E) gradients -> (B, T) per-token saliency: the gradient's Euclidean length for each token."""
    return embedding_gradient.norm(dim=-1)
