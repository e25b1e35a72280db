"""The algorithms under every model in the course, written from scratch in plain PyTorch.

notebooks/01_foundations/02_algorithms walks through these one at a time; each has
a parity test in tests/test_from_scratch.py against the library function it imitates.

    gradient descent   gradient_descent, adam             vs torch.optim.SGD / torch.optim.Adam
    back-propagation   mlp_forward, mlp_backward           vs autograd
    convolution        conv2d                              vs F.conv2d
    pooling            max_pool2d                          vs F.max_pool2d
    self-attention     attention, multi_head_self_attention  vs F.scaled_dot_product_attention
    embeddings         embedding_lookup, nearest_neighbours  vs F.embedding / scikit-learn

Convention: weights are stored the way the equations are written, ``y = x @ W + b``
with ``W`` of shape (in, out).  ``nn.Linear`` stores the transpose, (out, in), so
``W = linear.weight.T``.  Shapes are commented as (B, ...) with B the batch size.
Nothing here is tuned for speed: it is written to be read and stepped through.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F

Tensor = torch.Tensor


# --------------------------------------------------------------------------- gradient descent
def gradient_descent(grad: Callable[[Tensor], Tensor], start: Tensor, *, lr: float, steps: int,
                     momentum: float = 0.0) -> Tensor:
    """Follow the negative gradient from ``start``; return the path, (steps + 1, *start.shape).

    Plain:      w <- w - lr * g
    Momentum:   v <- momentum * v + g;  w <- w - lr * v
    (the "heavy ball" form torch.optim.SGD uses; v starts at zero, so the first step is plain).
    ``grad(w)`` returns dL/dw at ``w``.
    """
    w = start.detach().clone()
    velocity = torch.zeros_like(w)
    path = [w.clone()]
    for _ in range(steps):
        g = grad(w)
        velocity = momentum * velocity + g      # a running sum of past gradients, decayed by `momentum`
        w = w - lr * velocity
        path.append(w.clone())
    return torch.stack(path)


def adam(grad: Callable[[Tensor], Tensor], start: Tensor, *, lr: float, steps: int,
         betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> Tensor:
    """Adam (Kingma & Ba 2015, Algorithm 1); return the path, (steps + 1, *start.shape).

    m <- b1 m + (1 - b1) g           first moment: a smoothed gradient (direction)
    v <- b2 v + (1 - b2) g^2         second moment: a smoothed squared gradient (scale)
    w <- w - lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - b1^t),  v_hat = v / (1 - b2^t)
    Dividing by sqrt(v) gives every coordinate a step of about ``lr``, however steep it is.
    """
    b1, b2 = betas
    w = start.detach().clone()
    m, v = torch.zeros_like(w), torch.zeros_like(w)
    path = [w.clone()]
    for t in range(1, steps + 1):
        g = grad(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)               # bias correction: m and v start at zero
        v_hat = v / (1 - b2 ** t)
        w = w - lr * m_hat / (v_hat.sqrt() + eps)
        path.append(w.clone())
    return torch.stack(path)


# --------------------------------------------------------------------------- back-propagation
def cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean of -log softmax(logits)[target]: (B, C) logits, (B,) class ids -> scalar.

    log softmax(z)_i = z_i - log sum_j exp(z_j); the max is subtracted first so exp never overflows.
    """
    z = logits - logits.max(dim=1, keepdim=True).values          # (B, C), same softmax
    log_probs = z - z.exp().sum(dim=1, keepdim=True).log()        # (B, C)
    return -log_probs[torch.arange(len(targets)), targets].mean()


def init_mlp(n_in: int, n_hidden: int, n_out: int, *, generator: torch.Generator | None = None) -> dict[str, Tensor]:
    """Weights of a 2-layer MLP, scaled by 1/sqrt(fan-in) so activations keep their size (as nn.Linear does)."""
    return {
        "W1": torch.randn(n_in, n_hidden, generator=generator) / math.sqrt(n_in),       # (in, hidden)
        "b1": torch.zeros(n_hidden),
        "W2": torch.randn(n_hidden, n_out, generator=generator) / math.sqrt(n_hidden),  # (hidden, out)
        "b2": torch.zeros(n_out),
    }


def mlp_forward(x: Tensor, params: dict[str, Tensor], targets: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    """Forward pass of Linear -> ReLU -> Linear -> cross-entropy; return (loss, cache for the backward pass).

    z1 = x W1 + b1      (B, H)
    h  = relu(z1)       (B, H)
    z2 = h W2 + b2      (B, C)   the logits
    L  = mean_b -log softmax(z2_b)[y_b]
    """
    z1 = x @ params["W1"] + params["b1"]
    h = z1.clamp(min=0)
    z2 = h @ params["W2"] + params["b2"]
    loss = cross_entropy(z2, targets)
    return loss, {"x": x, "z1": z1, "h": h, "z2": z2, "targets": targets}


@torch.no_grad()  # the gradients are computed by hand here: no autograd graph needed
def mlp_backward(params: dict[str, Tensor], cache: dict[str, Tensor]) -> dict[str, Tensor]:
    """The chain rule applied by hand, from the loss back to each weight; return dL/dparam for each param.

    dL/dz2 = (softmax(z2) - onehot(y)) / B          the famous "probabilities minus targets"
    dL/dW2 = h^T dL/dz2,   dL/db2 = sum_b dL/dz2
    dL/dh  = dL/dz2 W2^T
    dL/dz1 = dL/dh * [z1 > 0]                       ReLU passes the gradient where it was active
    dL/dW1 = x^T dL/dz1,   dL/db1 = sum_b dL/dz1
    """
    x, z1, h, z2, y = cache["x"], cache["z1"], cache["h"], cache["z2"], cache["targets"]
    B = len(y)
    dz2 = torch.softmax(z2, dim=1)                        # (B, C)
    dz2[torch.arange(B), y] -= 1
    dz2 /= B
    dW2 = h.T @ dz2                                       # (H, B) @ (B, C) -> (H, C)
    db2 = dz2.sum(dim=0)                                  # (C,)
    dh = dz2 @ params["W2"].T                             # (B, C) @ (C, H) -> (B, H)
    dz1 = dh * (z1 > 0).to(dh.dtype)                      # (B, H)
    dW1 = x.T @ dz1                                       # (D, B) @ (B, H) -> (D, H)
    db1 = dz1.sum(dim=0)                                  # (H,)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


# --------------------------------------------------------------------------- convolution and pooling
def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, *, stride: int = 1, padding: int = 0) -> Tensor:
    """2-D convolution (strictly, cross-correlation, as in every deep-learning library), like F.conv2d.

    x (B, C, H, W), weight (O, C, kH, kW), bias (O,) -> (B, O, H_out, W_out) with
    H_out = (H + 2 padding - kH) // stride + 1, and
    out[b, o, i, j] = bias[o] + sum_{c, p, q} weight[o, c, p, q] * x[b, c, i*stride + p, j*stride + q].

    Rather than loop over the output pixels, loop over the kH * kW filter taps: each tap
    multiplies a shifted, strided view of the whole image by one (C, O) slice of the filter.
    """
    B, C, H, W = x.shape
    O, C_w, kH, kW = weight.shape
    if C != C_w:
        raise ValueError(f"input has {C} channels but the filters expect {C_w}")
    x = F.pad(x, (padding, padding, padding, padding))              # zeros around the border
    H_out = (H + 2 * padding - kH) // stride + 1
    W_out = (W + 2 * padding - kW) // stride + 1
    out = torch.zeros(B, H_out, W_out, O, dtype=x.dtype, device=x.device)
    for p in range(kH):
        for q in range(kW):
            # the input pixels that filter tap (p, q) sees, for every output position
            patch = x[:, :, p:p + stride * (H_out - 1) + 1:stride, q:q + stride * (W_out - 1) + 1:stride]  # (B, C, H_out, W_out)
            out = out + patch.permute(0, 2, 3, 1) @ weight[:, :, p, q].T    # (B, H_out, W_out, C) @ (C, O)
    if bias is not None:
        out = out + bias
    return out.permute(0, 3, 1, 2)                                   # (B, O, H_out, W_out)


def max_pool2d(x: Tensor, kernel: int = 2, stride: int | None = None) -> Tensor:
    """Max pooling like F.max_pool2d (no padding): the largest value in each kernel x kernel window.

    x (B, C, H, W) -> (B, C, H_out, W_out), H_out = (H - kernel) // stride + 1; stride defaults to kernel.
    The gradient flows only to the winning pixel of each window (that is what max's gradient is).
    """
    stride = stride or kernel
    B, C, H, W = x.shape
    H_out = (H - kernel) // stride + 1
    W_out = (W - kernel) // stride + 1
    windows = [x[:, :, p:p + stride * (H_out - 1) + 1:stride, q:q + stride * (W_out - 1) + 1:stride]
               for p in range(kernel) for q in range(kernel)]       # kernel^2 views, each (B, C, H_out, W_out)
    return torch.stack(windows).max(dim=0).values


# --------------------------------------------------------------------------- self-attention
def causal_mask(T: int, device: torch.device | str | None = None) -> Tensor:
    """(T, T) booleans, True where query t may look at key s, i.e. s <= t (no peeking at the future)."""
    return torch.ones(T, T, dtype=torch.bool, device=device).tril()


def attention(q: Tensor, k: Tensor, v: Tensor, *, causal: bool = False) -> tuple[Tensor, Tensor]:
    """Scaled dot-product attention (Vaswani et al. 2017, eq. 1); return (output, weights).

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d) + M) V
    q (..., T, d), k (..., S, d), v (..., S, d_v) -> output (..., T, d_v), weights (..., T, S).
    M is 0 where allowed and -inf where masked, so masked keys get weight exactly 0.
    Dividing by sqrt(d) keeps the scores' spread near 1 whatever d is, so softmax does not saturate.
    """
    d = q.size(-1)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)                  # (..., T, S): how well each query matches each key
    if causal:
        T, S = scores.shape[-2:]
        allowed = torch.ones(T, S, dtype=torch.bool, device=q.device).tril()
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)                            # each row sums to 1
    return weights @ v, weights


def multi_head_self_attention(x: Tensor, W_qkv: Tensor, b_qkv: Tensor, W_out: Tensor, b_out: Tensor, *,
                             n_head: int, causal: bool = True) -> Tensor:
    """The attention layer of a GPT (aigc_lab.text.gpt.CausalSelfAttention), written out.

    x (B, T, C); W_qkv (C, 3C), W_out (C, C) in the ``x @ W`` convention.
    1. project x to queries, keys and values: [Q | K | V] = x W_qkv + b_qkv, each (B, T, C)
    2. split C into n_head heads of d = C / n_head: (B, heads, T, d); each head attends on its own
    3. join the heads back to (B, T, C) and mix them: out = y W_out + b_out
    """
    B, T, C = x.shape
    if C % n_head:
        raise ValueError(f"width {C} is not divisible by n_head={n_head}")
    d = C // n_head
    q, k, v = (x @ W_qkv + b_qkv).split(C, dim=-1)                   # each (B, T, C)
    q, k, v = (t.reshape(B, T, n_head, d).transpose(1, 2) for t in (q, k, v))   # each (B, heads, T, d)
    y, _ = attention(q, k, v, causal=causal)                            # (B, heads, T, d)
    y = y.transpose(1, 2).reshape(B, T, C)                              # (B, T, C)
    return y @ W_out + b_out


# --------------------------------------------------------------------------- embeddings
def embedding_lookup(ids: Tensor, table: Tensor) -> Tensor:
    """Rows of ``table`` (V, D) for integer ``ids`` (any shape) -> (*ids.shape, D), like F.embedding.

    Written as a matrix product to show what a lookup *is*: onehot(id) @ table picks row id.
    (Libraries index the row directly, which gives the same values and gradients without the zeros.)
    """
    one_hot = F.one_hot(ids, num_classes=table.size(0)).to(table.dtype)   # (*ids.shape, V)
    return one_hot @ table


@torch.no_grad()
def nearest_neighbours(table: Tensor, index: int, k: int = 5) -> tuple[Tensor, Tensor]:
    """The ``k`` rows of ``table`` (V, D) most similar to row ``index`` by cosine; return (indices, similarities).

    cos(a, b) = a . b / (|a| |b|): 1 for the same direction, 0 for unrelated (orthogonal).
    The row itself is left out.
    """
    unit = F.normalize(table, dim=1)                 # (V, D), every row of length 1
    similarity = unit @ unit[index]                  # (V,)
    similarity[index] = float("-inf")                # not its own neighbour
    top = torch.topk(similarity, k)
    return top.indices, top.values
