"""The diffusion part of the ``image`` benchmark: the model of notebooks/03_image/04_diffusion, judged.

A class-conditional DDPM (``image.ddpm.DDPM`` around ``image.diffusion_unet.DiffusionUNet``) is trained
on 16x16 digits exactly as in the notebook (same sizes, from ``diffusion_settings()``), then sampled with
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

from .. import runtime, train
from ..data.image import augmented_batches, load_digits
from ..image import judge as digit_judge_module
from ..image.ddpm import DDPM, EMA, NoiseSchedule
from ..image.diffusion_unet import DiffusionUNet, UNetConfig
from ..image.samplers import DDIMSampler


def diffusion_settings() -> dict:
    """The per-profile sizes that the notebook and this benchmark share."""
    return {
        "unet": UNetConfig(image_size=16, patch=2, base=runtime.pick(smoke=16, cpu=32, gpu=64), mults=(1, 2),
                           num_classes=10),
        "T": runtime.pick(smoke=100, cpu=1000, gpu=1000),   # diffusion steps of the forward process
        "schedule": "cosine",
        # optimiser steps (the lr schedule's length); cpu: 1,500 steps tied the KDE baseline's train-on-generated
        # accuracy (0.978 and 0.984 against 0.980 in two runs); 2,000 (about 45 more CPU seconds; the notebook
        # 4.6 CPU min) scored 0.984 in the notebook and 0.973 in this benchmark, and 0.982 with seed 1: still a
        # tie within the spread (one standard error at 0.98 on 449 test digits is 0.007). Training on unwarped
        # digits, which helped the GAN, did not help here: on the validation split 0.987 and 0.973 against 0.983
        # and 0.983 with warps (the KDE: 0.990), and 0.982 on the test split.
        "steps": runtime.pick(smoke=100, cpu=2000, gpu=6000),
        "warmup": runtime.pick(smoke=10, cpu=100, gpu=200),     # steps of linear learning-rate warm-up
        # No wall-clock limit on the CPU: on a shared, busy machine a limit cut training to a third of its
        # steps (and its learning-rate schedule short), so the figures depended on the load, not the recipe.
        "max_seconds": runtime.pick(smoke=None, cpu=None, gpu=120),
        "batch": runtime.pick(smoke=32, cpu=64, gpu=256),
        "lr": runtime.pick(smoke=5e-3, cpu=2e-3, gpu=2e-3),
        "ema_decay": runtime.pick(smoke=0.9, cpu=0.999, gpu=0.9995),
        "samples": runtime.pick(smoke=200, cpu=1000, gpu=2000),   # benchmark protocol: at least 1,000
        "ddim_steps": runtime.pick(smoke=10, cpu=50, gpu=50),
        # Classifier-free guidance scale, chosen on a validation split, not on the scored test split: a model
        # trained (cpu recipe, 1,500 steps) on the training digits less 300 held out, sampled 1,000 times per
        # scale, taught an SVM to recognise those 300 with accuracy 0.977 at scale 1.0, 0.980 at 1.5, 0.977 at
        # 2.0 and 0.970 at 2.5 (judge accuracy 0.94, 0.99, 0.998, 0.999).
        "guidance": 1.5,
    }


def make_model(settings: dict) -> DDPM:
    """The U-Net wrapped as a DDPM with the settings' noise schedule, its weights stored channels-last
    (height, width, then channels in memory), which made its convolutions 25-35% faster on CPUs as well as GPUs."""
    schedule = getattr(NoiseSchedule, settings["schedule"])(settings["T"])
    return DDPM(DiffusionUNet(settings["unet"]), schedule, p_uncond=0.1).to(memory_format=torch.channels_last)


def model_batches(x01: torch.Tensor, y: torch.Tensor, batch: int, *, seed: int = 0):
    """Mini-batches of lightly warped digits, scaled from [0, 1] to the model's range [-1, 1]."""
    warped = augmented_batches(x01, y, batch, seed=seed, max_shift=0.06, max_rotate_deg=8.0, scale=(0.95, 1.05))

    def next_batch():
        x, labels = warped()
        return x * 2 - 1, labels

    return next_batch


def figures() -> dict:
    s = diffusion_settings()
    digits = load_digits(16)
    dev = runtime.device()
    runtime.seed_everything(0)
    model = make_model(s)
    if dev.type == "cpu":
        runtime.set_threads(params=runtime.count_params(model))
    ema = EMA(model, decay=s["ema_decay"])
    history = train.fit(model, model_batches(digits.x_train, digits.y_train, s["batch"]), steps=s["steps"],
                        lr=s["lr"], warmup=s["warmup"], max_seconds=s["max_seconds"], on_step_end=ema.update,
                        device=dev, progress=False)

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
