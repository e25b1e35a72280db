"""The CycleGAN part of the ``video`` benchmark (notebooks/05_video/05_cyclegan).

The notebook's recipe (``aigc_lab.video.cyclegan_recipe``: sizes, training, the judge and the flicker test)
makes the figures below the notebook's. ``figures()`` trains a CycleGAN between filled shapes (domain A) and outlined shapes
(domain B) from ``unpaired_shapes`` and returns JSON-able numbers:

- the cycle error |F(G(x)) - x| on held-out images of both domains (low is necessary, not sufficient:
  a pair of identity maps scores 0);
- the accuracy of an independent domain classifier (a small CNN trained on *real* images of both
  domains, never on the GAN's output) at calling a translated image by its target domain, beside its
  accuracy on untranslated images (what "doing nothing" scores) and on real held-out images;
- flicker when the image model is applied to a video frame by frame: the mean frame difference of the
  translated clips against the source clips' and against a hand-written outline rule's translation
  (an exact per-frame translator, whose changes are due to motion only).
"""
from __future__ import annotations

import time

from .. import runtime
from ..data.video import moving_shapes, unpaired_shapes
from ..video.cyclegan_recipe import (domain_accuracy, flicker_figures, settings, train_domain_classifier,
                                     train_translator)


def figures() -> dict:
    """Train the notebook's CycleGAN with the active profile's sizes and measure it (see the module docstring)."""
    start = time.perf_counter()
    s = settings()
    dev = runtime.device()
    a_train, b_train = unpaired_shapes(s["n_train"], size=s["size"], seed=0)
    a_test, b_test = unpaired_shapes(s["n_test"], size=s["size"], seed=1)
    model, history = train_translator(a_train, b_train, s, device=dev)
    fake_b, fake_a = model.translate(a_test, "a2b"), model.translate(b_test, "b2a")
    judge = train_domain_classifier(a_train, b_train, steps=s["classifier_steps"], device=dev)
    clips = moving_shapes(s["clips"], frames=s["frames"], size=s["size"], seed=2, plain_background=True).videos
    figures = {
        "profile": runtime.profile(), "steps": history.steps[-1], "train_seconds": history.seconds,
        "cycle_error_a": (model.translate(fake_b, "b2a") - a_test).abs().mean().item(),
        "cycle_error_b": (model.translate(fake_a, "a2b") - b_test).abs().mean().item(),
        "classifier_real_accuracy": 0.5 * (domain_accuracy(judge, a_test, 0) + domain_accuracy(judge, b_test, 1)),
        "untranslated_accuracy": 0.5 * (domain_accuracy(judge, a_test, 1) + domain_accuracy(judge, b_test, 0)),
        "translated_accuracy_a2b": domain_accuracy(judge, fake_b, 1),
        "translated_accuracy_b2a": domain_accuracy(judge, fake_a, 0),
        **flicker_figures(model, clips),
    }
    figures["translated_accuracy"] = 0.5 * (figures["translated_accuracy_a2b"] + figures["translated_accuracy_b2a"])
    figures["seconds"] = time.perf_counter() - start
    return figures
