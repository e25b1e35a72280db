"""The model-parameter randomisation test (Adebayo et al. 2018, "Sanity checks for saliency maps").

An explanation is meant to describe what the *model* learned.  So re-initialise the
model's weights, explain the same input again, and compare the two maps: if they
still look alike (a high rank correlation, ``scoring.rank_correlation``), the method
was describing the input, not the model.  Edge detectors pass this test on looks
alone, which is why the paper measures it.

    random_model = randomised_copy(model, seed=1)                 # every layer re-initialised
    top_only = randomised_copy(model, seed=1, layers=["head"])    # the cascade's first step: the top layer only
"""
from __future__ import annotations

import copy
from typing import Iterable

import torch


def randomised_copy(model: torch.nn.Module, *, seed: int = 0, layers: Iterable[str] | None = None) -> torch.nn.Module:
    """A deep copy of ``model`` with the parameters of ``layers`` (submodule names; default every layer)
    drawn afresh by each layer's own initialiser (``reset_parameters``), seeded by ``seed``.

    The original model is untouched.  Raises if a named layer has no initialiser.
    """
    clone = copy.deepcopy(model)
    modules = dict(clone.named_modules())
    names = [n for n, m in modules.items() if hasattr(m, "reset_parameters")] if layers is None else list(layers)
    unknown = [n for n in names if n not in modules or not hasattr(modules[n], "reset_parameters")]
    if unknown:
        raise ValueError(f"no layer with its own initialiser named {unknown}; "
                         f"layers: {[n for n, m in modules.items() if hasattr(m, 'reset_parameters')]}")
    if not names:
        raise ValueError(f"{type(model).__name__} has no layer with a reset_parameters initialiser")
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        with torch.no_grad():
            for name in names:
                modules[name].reset_parameters()
    finally:
        torch.random.set_rng_state(state)   # leave the caller's random stream as it was
    return clone.eval()
