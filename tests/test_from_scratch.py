"""Parity of every from-scratch piece in aigc_lab.from_scratch with the library function it imitates.

Values, and gradients where the piece is differentiable, in float64 on the CPU.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from aigc_lab import from_scratch as fs
from aigc_lab.text.gpt import CausalSelfAttention, GPTConfig

DT = torch.float64


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def _grads(fn, *tensors):
    """Gradients of sum(fn(*tensors) * fixed random weights) with respect to each tensor."""
    leaves = [t.detach().clone().requires_grad_(True) for t in tensors]
    out = fn(*leaves)
    out = out[0] if isinstance(out, tuple) else out
    weights = torch.randn(out.shape, dtype=out.dtype, generator=torch.Generator().manual_seed(1))
    return torch.autograd.grad((out * weights).sum(), leaves)


def _same_grads(mine, ref, *tensors, atol=1e-10):
    return all(torch.allclose(a, b, atol=atol) for a, b in zip(_grads(mine, *tensors), _grads(ref, *tensors)))


# --------------------------------------------------------------------------- gradient descent
def _quadratic():
    A = torch.tensor([[3.0, 1.2], [1.2, 1.0]], dtype=DT)

    def loss(w):
        return 0.5 * w @ A @ w + torch.sin(w).sum()

    def grad(w):
        w = w.detach().requires_grad_(True)
        return torch.autograd.grad(loss(w), w)[0]

    return loss, grad


def _torch_path(optimizer_cls, loss, start, steps, **kwargs):
    w = start.clone().requires_grad_(True)
    opt = optimizer_cls([w], **kwargs)
    path = [w.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        loss(w).backward()
        opt.step()
        path.append(w.detach().clone())
    return torch.stack(path)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_gradient_descent_matches_torch_sgd(momentum):
    loss, grad = _quadratic()
    start = torch.tensor([2.0, -1.5], dtype=DT)
    mine = fs.gradient_descent(grad, start, lr=0.05, steps=30, momentum=momentum)
    ref = _torch_path(torch.optim.SGD, loss, start, 30, lr=0.05, momentum=momentum)
    assert mine.shape == (31, 2)
    assert torch.allclose(mine, ref, atol=1e-12)


def test_adam_matches_torch_adam():
    loss, grad = _quadratic()
    start = torch.tensor([2.0, -1.5], dtype=DT)
    mine = fs.adam(grad, start, lr=0.1, steps=40, betas=(0.8, 0.99))
    ref = _torch_path(torch.optim.Adam, loss, start, 40, lr=0.1, betas=(0.8, 0.99))
    assert torch.allclose(mine, ref, atol=1e-10)


def test_gradient_descent_descends():
    loss, grad = _quadratic()
    path = fs.gradient_descent(grad, torch.tensor([2.0, -1.5], dtype=DT), lr=0.05, steps=100)
    assert loss(path[-1]) < loss(path[0]) - 1.0


# --------------------------------------------------------------------------- back-propagation
def test_cross_entropy_matches_torch():
    logits = torch.randn(7, 5, dtype=DT) * 30      # large logits: the max-subtraction must hold
    targets = torch.randint(5, (7,))
    assert torch.allclose(fs.cross_entropy(logits, targets), F.cross_entropy(logits, targets), atol=1e-12)
    assert _same_grads(lambda z: fs.cross_entropy(z, targets), lambda z: F.cross_entropy(z, targets), logits)


def test_mlp_backward_matches_autograd():
    x, y = torch.randn(16, 12, dtype=DT), torch.randint(4, (16,))
    params = {k: v.to(DT) for k, v in fs.init_mlp(12, 9, 4, generator=torch.Generator().manual_seed(0)).items()}
    params["b1"] += 0.1 * torch.randn(9, dtype=DT)
    loss, cache = fs.mlp_forward(x, params, y)
    mine = fs.mlp_backward(params, cache)

    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    ref_loss = F.cross_entropy(F.linear(F.relu(F.linear(x, leaves["W1"].T, leaves["b1"])), leaves["W2"].T, leaves["b2"]), y)
    ref = dict(zip(leaves, torch.autograd.grad(ref_loss, list(leaves.values()))))
    assert torch.allclose(loss, ref_loss.detach(), atol=1e-12)
    for name in params:
        assert mine[name].shape == params[name].shape, name
        assert torch.allclose(mine[name], ref[name], atol=1e-12), name


def test_hand_backprop_learns_xor():
    """A tiny training run with the hand-written gradients and plain gradient descent must fit XOR."""
    x = torch.tensor([[0.0, 0], [0, 1], [1, 0], [1, 1]]).repeat(8, 1)
    y = torch.tensor([0, 1, 1, 0]).repeat(8)
    params = fs.init_mlp(2, 16, 2, generator=torch.Generator().manual_seed(0))
    first, _ = fs.mlp_forward(x, params, y)
    for _ in range(500):
        loss, cache = fs.mlp_forward(x, params, y)
        for name, grad in fs.mlp_backward(params, cache).items():
            params[name] -= 0.5 * grad
    _, cache = fs.mlp_forward(x, params, y)
    assert loss < 0.1 * first
    assert torch.equal(cache["z2"].argmax(dim=1), y)


def test_init_mlp_shapes():
    params = fs.init_mlp(256, 64, 10)
    assert [tuple(params[k].shape) for k in ("W1", "b1", "W2", "b2")] == [(256, 64), (64,), (64, 10), (10,)]


# --------------------------------------------------------------------------- convolution and pooling
@pytest.mark.parametrize("stride,padding", [(1, 0), (1, 1), (2, 1), (3, 2)])
def test_conv2d_matches_torch(stride, padding):
    x, w, b = torch.randn(2, 3, 9, 8, dtype=DT), torch.randn(4, 3, 3, 2, dtype=DT), torch.randn(4, dtype=DT)
    mine = fs.conv2d(x, w, b, stride=stride, padding=padding)
    ref = F.conv2d(x, w, b, stride=stride, padding=padding)
    assert mine.shape == ref.shape
    assert torch.allclose(mine, ref, atol=1e-12)
    assert _same_grads(lambda *t: fs.conv2d(*t, stride=stride, padding=padding),
                       lambda *t: F.conv2d(*t, stride=stride, padding=padding), x, w, b)


def test_conv2d_without_bias_and_bad_channels():
    x, w = torch.randn(1, 2, 5, 5, dtype=DT), torch.randn(3, 2, 3, 3, dtype=DT)
    assert torch.allclose(fs.conv2d(x, w), F.conv2d(x, w), atol=1e-12)
    with pytest.raises(ValueError, match="channels"):
        fs.conv2d(x, torch.randn(3, 4, 3, 3, dtype=DT))


@pytest.mark.parametrize("kernel,stride", [(2, None), (3, 1), (3, 2)])
def test_max_pool2d_matches_torch(kernel, stride):
    x = torch.randn(2, 3, 8, 7, dtype=DT)   # random floats: no ties, so the gradient is unique
    mine = fs.max_pool2d(x, kernel, stride)
    ref = F.max_pool2d(x, kernel, stride)
    assert mine.shape == ref.shape
    assert torch.equal(mine, ref)
    assert _same_grads(lambda t: fs.max_pool2d(t, kernel, stride), lambda t: F.max_pool2d(t, kernel, stride), x)


# --------------------------------------------------------------------------- self-attention
@pytest.mark.parametrize("causal", [False, True])
def test_attention_matches_sdpa(causal):
    q, k, v = (torch.randn(2, 3, 6, 4, dtype=DT) for _ in range(3))
    out, weights = fs.attention(q, k, v, causal=causal)
    assert torch.allclose(out, F.scaled_dot_product_attention(q, k, v, is_causal=causal), atol=1e-12)
    assert torch.allclose(weights.sum(-1), torch.ones(2, 3, 6, dtype=DT))
    if causal:
        assert (weights.triu(diagonal=1) == 0).all()
    assert _same_grads(lambda *t: fs.attention(*t, causal=causal)[0],
                       lambda *t: F.scaled_dot_product_attention(*t, is_causal=causal), q, k, v)


def test_multi_head_rejects_indivisible_width():
    x = torch.randn(1, 3, 10, dtype=DT)
    with pytest.raises(ValueError, match="divisible"):
        fs.multi_head_self_attention(x, torch.randn(10, 30, dtype=DT), torch.zeros(30, dtype=DT),
                                     torch.randn(10, 10, dtype=DT), torch.zeros(10, dtype=DT), n_head=3)


def test_causal_mask():
    assert torch.equal(fs.causal_mask(3), torch.tensor([[1, 0, 0], [1, 1, 0], [1, 1, 1]], dtype=torch.bool))


def test_multi_head_self_attention_matches_gpt_layer():
    layer = CausalSelfAttention(GPTConfig(vocab_size=10, n_embd=12, n_head=3)).to(DT).eval()
    x = torch.randn(2, 5, 12, dtype=DT)
    mine = fs.multi_head_self_attention(x, layer.qkv.weight.T, layer.qkv.bias, layer.proj.weight.T, layer.proj.bias,
                                        n_head=3, causal=True)
    assert torch.allclose(mine, layer(x), atol=1e-12)
    # gradients with respect to the input and to the layer's weights
    probe = torch.randn(mine.shape, dtype=DT)
    x_leaf = x.clone().requires_grad_(True)
    wrt = [x_leaf, layer.qkv.weight, layer.qkv.bias, layer.proj.weight, layer.proj.bias]
    mine_grads = torch.autograd.grad((fs.multi_head_self_attention(x_leaf, layer.qkv.weight.T, layer.qkv.bias,
                                                                   layer.proj.weight.T, layer.proj.bias, n_head=3)
                                      * probe).sum(), wrt)
    ref_grads = torch.autograd.grad((layer(x_leaf) * probe).sum(), wrt)
    assert all(torch.allclose(a, b, atol=1e-12) for a, b in zip(mine_grads, ref_grads))


# --------------------------------------------------------------------------- embeddings
def test_embedding_lookup_matches_f_embedding():
    table, ids = torch.randn(11, 4, dtype=DT), torch.randint(11, (3, 5))
    assert torch.allclose(fs.embedding_lookup(ids, table), F.embedding(ids, table), atol=1e-12)
    assert fs.embedding_lookup(ids, table).shape == (3, 5, 4)
    assert _same_grads(lambda t: fs.embedding_lookup(ids, t), lambda t: F.embedding(ids, t), table)


def test_nearest_neighbours_match_sklearn():
    from sklearn.neighbors import NearestNeighbors

    table = torch.randn(30, 6, dtype=DT)
    indices, similarities = fs.nearest_neighbours(table, 4, k=5)
    nn = NearestNeighbors(n_neighbors=6, metric="cosine", algorithm="brute").fit(table.numpy())
    distances, ref = nn.kneighbors(table[4:5].numpy())
    ref_indices = [i for i in ref[0] if i != 4][:5]
    assert indices.tolist() == ref_indices
    assert torch.allclose(similarities, 1 - torch.tensor(distances[0][1:]), atol=1e-10)
    assert (similarities[:-1] >= similarities[1:]).all()
