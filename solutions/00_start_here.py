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
