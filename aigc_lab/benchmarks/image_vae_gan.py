"""The VAE and GAN part of the ``image`` benchmark (notebooks/03_image/02_vae and 03_gan).

``figures()`` trains the notebooks' models by their recipes (``image.vae_recipe``, ``image.gan_recipe``,
the notebooks' sizes) and returns JSON-able numbers: the VAE's test ELBO in
nats on binarised digits against the independent-pixel baseline, and the judge's figures
(``aigc_lab.image.judge``) for the VAE's samples, the class-conditional DCGAN's and the small
StyleGAN's, beside the judge's classical baselines. The ``image`` benchmark calls it.
"""
from __future__ import annotations

import time

import torch

from .. import runtime
from ..data.image import load_digits
from ..image import judge as judging
from ..image.gan_recipe import conditional_gans, gan_settings, train_conditional_gan
from ..image.vae import binarise, evaluate, importance_weighted_log_likelihood, independent_pixel_nats
from ..image.vae_recipe import train_vae, vae_settings


def vae_figures(data=None, judge=None) -> dict:
    """The 8-D VAE of the notebook: test ELBO, its two terms and the importance-weighted bound, in nats,
    and the judge's figures for 1,000 samples (pixel probabilities decoded from z ~ N(0, I))."""
    s = vae_settings()
    data = load_digits(16) if data is None else data
    x_test = binarise(data.x_test, generator=torch.Generator().manual_seed(0))
    vae, history = train_vae(data, s)
    vae.cpu()
    result = evaluate(vae, x_test, samples=10)
    k = s["iw_k"][-1]
    return {
        "vae_decoder": "Bernoulli on stochastically binarised 16x16 digits (test binarisation seed 0)",
        "vae_test_elbo_nats": round(result["elbo"], 2),
        "vae_test_reconstruction_nats": round(result["reconstruction"], 2),
        "vae_test_kl_nats": round(result["kl"], 2),
        f"vae_test_log_likelihood_iw{k}_nats": round(float(importance_weighted_log_likelihood(vae, x_test, k=k).mean()), 2),
        "independent_pixel_nats": round(independent_pixel_nats(data.x_train, x_test), 2),
        "vae_steps": history.step,
        "vae_seconds": round(history.seconds, 1),
        "vae_judge": judging.unconditional_scores(
            vae.sample(s["samples"], generator=torch.Generator().manual_seed(2)),
            data=data, judge=judging.digit_judge(data) if judge is None else judge),
    }


def gan_figures(data=None) -> dict:
    """The class-conditional DCGAN and the conditional small StyleGAN, scored by the judge beside its baselines."""
    s = gan_settings()
    data = load_digits(16) if data is None else data
    judge = judging.digit_judge(data)
    labels = judging.balanced_labels(s["samples"])
    figures = {"baselines": judging.baseline_scores(s["samples"], data=data, judge=judge)}
    for name in conditional_gans(s):
        G, history = train_conditional_gan(name, data, s)
        scores = judging.score_samples(G.cpu().sample(s["samples"], labels, seed=0), labels, data=data, judge=judge)
        figures[name] = {**scores, "steps": history.step, "seconds": round(history.seconds, 1)}
    kde = figures["baselines"]["per-class KDE"]["train_on_generated"]
    figures["conditional DCGAN train-on-generated >= KDE baseline"] = (
        figures["conditional DCGAN"]["train_on_generated"] >= kde)
    return figures


def figures() -> dict:
    """Every figure of this part, with the profile and the total time."""
    started = time.perf_counter()
    data = load_digits(16)
    out = {"profile": runtime.profile(), **vae_figures(data), "gan": gan_figures(data)}
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out
