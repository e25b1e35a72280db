"""Checks for notebooks/00_start_here.ipynb."""
from __future__ import annotations

import torch

from .. import runtime, train
from . import exercise


@exercise("00_start_here.00.a", kind="function",
          hint="loss(batch) must return one scalar tensor: the mean squared error between the prediction w * x and y.")
def _(model_class) -> bool:
    generator = torch.Generator().manual_seed(123)
    x = torch.randn(256, generator=generator)
    y = -2.5 * x + 0.05 * torch.randn(256, generator=generator)
    model = model_class()
    if model.loss((x, y)) is None:   # the body is still `...`
        raise NotImplementedError
    train.fit(model, [(x, y)], steps=200, lr=0.1, device="cpu", progress=False)
    return abs(model.w.detach().item() + 2.5) < 0.05


@exercise("00_start_here.00.b", kind="value", hint="pick() falls back to the cpu value when no gpu value is given.")
def _(answer) -> bool:
    return answer == runtime.pick(smoke=50, cpu=500, profile_name="gpu")


def _small_regression(seed: int):
    """A two-layer network (with matrices, vectors and large early gradients) and one fixed batch."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(64, 3, generator=generator)
    y = (x @ torch.tensor([2.0, -3.0, 0.5]) + 4.0)[:, None] ** 2 / 4      # far from the initial prediction

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(seed)
            self.layers = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))

        def loss(self, batch):
            inputs, targets = batch
            return torch.mean((self.layers(inputs) - targets) ** 2)

    return Net, (x, y)


@exercise("00_start_here.00.c", kind="function",
          hint="Re-read the bare loop and the list of what fit adds: build AdamW(betas=(0.9, 0.95)) with the two "
               "parameter groups; at each step s set every group's lr to lr * (s + 1) / warmup while s < warmup "
               "(then lr), and call clip_grad_norm_ after loss.backward() and before optimizer.step().")
def _(answer) -> bool:
    for seed, steps, lr, warmup, grad_clip in [(0, 12, 0.05, 5, 0.5), (1, 8, 0.02, 1, 10.0), (2, 10, 0.03, 20, 0.1)]:
        net_class, batch = _small_regression(seed)
        mine, reference = net_class(), net_class()
        trained = answer(mine, batch, steps, lr, warmup, grad_clip)
        train.fit(reference, [batch], steps=steps, lr=lr, warmup=warmup, min_lr_ratio=1.0, grad_clip=grad_clip,
                  device="cpu", progress=False)
        try:
            torch.testing.assert_close(dict(trained.state_dict()), dict(reference.state_dict()))
        except AssertionError:
            return False
    return True
