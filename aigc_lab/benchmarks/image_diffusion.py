"""The diffusion part of the ``image`` benchmark: the model of notebooks/03_image/04_diffusion, judged.

A class-conditional DDPM is trained on 16x16 digits by the notebook's recipe (``image.diffusion_recipe``,
same sizes), then sampled with
DDIM (50 steps, eta 0) and classifier-free guidance, one sample per requested class in turn. The samples
are scored by the independent judge of ``image.judge`` beside real held-out digits and the two classical
baselines (per-class KDE, per-class PCA Gaussian), all with the same number of samples.

The cpu profile's bars: Fréchet distance and train-on-generated accuracy better than the KDE baseline,
judge accuracy of at least 0.95, and a memorisation ratio of at least 0.8.

    from aigc_lab.benchmarks.image_diffusion import figures
    figures()              # AIGC_LAB_PROFILE=smoke for a quick check of the harness
"""
from __future__ import annotations

import os
import time

import torch

from .. import runtime
from ..data.image import load_digits
from ..image import judge as digit_judge_module
from ..image.diffusion_recipe import diffusion_settings, train_diffusion
from ..image.samplers import DDIMSampler


def figures() -> dict:
    s = diffusion_settings()
    digits = load_digits(16)
    dev = runtime.device()
    model, ema, history = train_diffusion(digits, s, device=dev)

    labels = digit_judge_module.balanced_labels(s["samples"])
    started = time.perf_counter()
    out = DDIMSampler(steps=s["ddim_steps"]).sample(ema.model, labels=labels, guidance=s["guidance"], frames=0,
                                                    generator=torch.Generator().manual_seed(0))
    sample_seconds = time.perf_counter() - started

    judge = digit_judge_module.digit_judge(digits)
    scores = digit_judge_module.score_samples((out.images + 1) / 2, labels, data=digits, judge=judge)
    baselines = digit_judge_module.baseline_scores(s["samples"], data=digits, judge=judge)
    kde = baselines["per-class KDE"]
    return {
        "sampler": f"DDIM, {s['ddim_steps']} steps, eta 0, guidance {s['guidance']}",
        "diffusion": scores,
        **baselines,
        "bars": {
            "frechet_below_kde": scores["frechet"] < kde["frechet"],
            "train_on_generated_above_kde": scores["train_on_generated"] > kde["train_on_generated"],
            "judge_accuracy_at_least_0.95": scores["judge_accuracy"] >= 0.95,
            "memorisation_ratio_at_least_0.8": scores["memorisation_ratio"] >= 0.8,
        },
        "params": runtime.count_params(model),
        "train_steps": history.step,
        "final_loss": round(history.final_loss, 4),
        "train_seconds": round(history.seconds, 1),
        "sample_seconds": round(sample_seconds, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
