"""Solutions to the exercises of notebooks/00_start_here.ipynb."""
import torch


def exercise_a():
    """A model is any nn.Module with a ``loss(batch)`` method returning a scalar tensor.

    Unpack the batch, predict w * x, and return the mean squared error; ``fit``
    does the rest (gradients, AdamW, schedule).
    """

    class ThroughOrigin(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))

        def loss(self, batch):
            x, y = batch
            return torch.mean((self.w * x - y) ** 2)

    return ThroughOrigin


def wrong_a():
    """A plausible mistake: predicting x + w (a shift) instead of w * x, which cannot find a slope."""

    class Shifted(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))

        def loss(self, batch):
            x, y = batch
            return torch.mean((x + self.w - y) ** 2)

    return Shifted


def exercise_b():
    """``runtime.pick`` uses the cpu value for the gpu profile unless a gpu value is given: 500."""
    from aigc_lab import runtime

    return runtime.pick(smoke=50, cpu=500, profile_name="gpu")


def wrong_b():
    """A plausible mistake: assuming an unset gpu value means the smoke value."""
    return 50


def exercise_c():
    """The bare loop plus a linear warm-up and gradient clipping, which is what ``fit`` does with
    ``min_lr_ratio=1.0`` (no decay after the warm-up).

    The learning rate is set on every parameter group at the start of each step: it climbs as
    lr * (s + 1) / warmup for the first ``warmup`` steps, then stays at lr. Clipping rescales the
    gradients that ``backward`` just filled in, so it sits between ``backward`` and ``step``.
    """

    def my_fit(model, batch, steps, lr, warmup, grad_clip):
        decay = [p for p in model.parameters() if p.dim() >= 2]
        no_decay = [p for p in model.parameters() if p.dim() < 2]
        optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.0},
                                       {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.95))
        for step in range(steps):
            for group in optimizer.param_groups:
                group["lr"] = lr * (step + 1) / warmup if step < warmup else lr
            loss = model.loss(batch)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            optimizer.step()
        return model

    return my_fit


def wrong_c():
    """A plausible mistake: clipping after ``optimizer.step()``, when the step has already used the full gradient."""

    def my_fit(model, batch, steps, lr, warmup, grad_clip):
        decay = [p for p in model.parameters() if p.dim() >= 2]
        no_decay = [p for p in model.parameters() if p.dim() < 2]
        optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.0},
                                       {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.95))
        for step in range(steps):
            for group in optimizer.param_groups:
                group["lr"] = lr * (step + 1) / warmup if step < warmup else lr
            loss = model.loss(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        return model

    return my_fit
