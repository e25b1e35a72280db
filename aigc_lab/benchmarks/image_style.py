"""Figures for the ``image`` benchmark's style part: texture synthesis, Gatys style transfer and AdaIN.

The same functions and sizes as notebooks/03_image/07_style_transfer.ipynb:

* a ``TinyVGG`` learns which of 11 training photos a patch comes from (accuracy on patches from a strip
  of each photo it never saw, against the majority class);
* textures (brick, gravel) are synthesised from noise with three feature nets (random multi-scale
  filters, TinyVGG trained, TinyVGG untrained), the same number of steps each; reported: each net's
  own Gram loss at the start and the end, the loss judged by the random multi-scale filters, the
  power-spectrum and colour-histogram distances to the source, with the noise's as the baseline;
* Gatys style transfer of the held-out cat into a held-out style, for two nets: losses and seconds;
* AdaIN decoders (trained and untrained TinyVGG encoders): training loss and seconds, then scores of
  the held-out cat in two held-out styles against the trivial answers, and milliseconds per image.

    from aigc_lab.benchmarks.image_style import figures
    figures()      # AIGC_LAB_PROFILE=smoke for a quick check
"""
from __future__ import annotations

import time

import torch

from .. import metrics, runtime, train
from ..data.image import SKIMAGE_IMAGES, natural_image, shuffled_batches
from ..image.adain import AdaINConfig, AdaINStyleTransfer, PatchPairs, stylisation_scores
from ..image.style import (RandomMultiScaleFeatures, TinyVGG, TinyVGGConfig, colour_histogram_distance, gram_matrix,
                           noise_image, photo_patches, spectrum_distance, style_loss, style_transfer,
                           synthesise_texture)

HELD_OUT = ("chelsea", "gravel", "immunohistochemistry")   # content, and two unseen styles
TEXTURES = ("brick", "gravel")


def settings(profile_name: str | None = None) -> dict:
    """Sizes per profile: the notebook's ``settings()`` too, so its figures are the benchmark's."""
    pick = lambda smoke, cpu, gpu: runtime.pick(smoke, cpu, gpu, profile_name=profile_name)   # noqa: E731
    return {
        "size": pick(32, 96, 192),             # side of every synthesised or stylised image
        "steps": pick(60, 300, 600),           # optimisation steps on the pixels (texture and Gatys transfer)
        "classifier_steps": pick(150, 600, 1500),
        "adain_steps": pick(150, 1000, 3000),
        "adain_patch": pick(16, 32, 64),
        "adain_batch": pick(4, 8, 16),
        "content_weights": {"random multi-scale": 0.1, "TinyVGG, trained": 0.3},   # Gatys: weight of the content loss
    }


def _round(value: float, digits: int = 5) -> float:
    return float(f"{value:.{digits}g}")


def figures() -> dict:
    """JSON-able figures: classifier, textures, Gatys transfer and AdaIN, with seconds for each part."""
    s, device, started = settings(), runtime.device(), time.perf_counter()
    runtime.set_threads(params=80_000)    # every net has under 80,000 weights: one CPU thread is fastest
    photos = {name: natural_image(name, s["size"]) for name in SKIMAGE_IMAGES}
    training = [name for name in SKIMAGE_IMAGES if name not in HELD_OUT]
    stack = torch.stack([photos[n] for n in training])
    out: dict = {"profile": runtime.profile(), "device": str(device), "size": s["size"], "steps": s["steps"]}

    # ---- the trained feature net
    x_train, y_train = photo_patches(stack, 4096, s["size"] // 4, part="train", seed=0)
    x_test, y_test = photo_patches(stack, 1024, s["size"] // 4, part="test", seed=1)
    runtime.seed_everything(0)
    trained = TinyVGG(TinyVGGConfig(classes=len(training)))
    history = train.fit(trained, shuffled_batches(x_train, y_train, 32), steps=s["classifier_steps"], lr=3e-3,
                        warmup=20, device=device, progress=False)
    out["classifier"] = {"accuracy": _round(metrics.accuracy(trained, x_test, y_test), 4),
                         "majority": _round(metrics.majority_baseline(y_train, y_test), 4),
                         "seconds": round(history.seconds, 2)}
    nets = {"random multi-scale": RandomMultiScaleFeatures(), "TinyVGG, trained": trained,
            "TinyVGG, untrained": TinyVGG(TinyVGGConfig(classes=len(training)))}
    judge = nets["random multi-scale"].to(device)

    # ---- texture synthesis
    out["texture"] = {}
    for source in TEXTURES:
        noise = noise_image(s["size"], like=photos[source])
        with torch.no_grad():
            judge_grams = [gram_matrix(f) for f in judge.features(photos[source][None].to(device))]
        entry = {"noise": {"spectrum": _round(spectrum_distance(noise, photos[source]), 4),
                           "colour": _round(colour_histogram_distance(noise, photos[source]), 4)}}
        for name, net in nets.items():
            result = synthesise_texture(photos[source], net, size=s["size"], steps=s["steps"], device=device,
                                        progress=False)
            with torch.no_grad():
                judged = style_loss(judge.features(result.image[None].to(device)), judge_grams).item()
            entry[name] = {"gram_loss_start": _round(result.style_losses[0]),
                           "gram_loss_end": _round(result.final_style_loss),
                           "gram_loss_judged_by_random_filters": _round(judged),
                           "spectrum": _round(spectrum_distance(result.image, photos[source]), 4),
                           "colour": _round(colour_histogram_distance(result.image, photos[source]), 4),
                           "seconds": round(result.seconds, 2)}
        out["texture"][source] = entry

    # ---- Gatys style transfer: the held-out cat in a held-out style
    content, style = photos["chelsea"], photos["immunohistochemistry"]
    out["gatys"] = {}
    for name in ["random multi-scale", "TinyVGG, trained"]:
        result = style_transfer(content, style, nets[name], steps=s["steps"], content_weight=s["content_weights"][name],
                                device=device, progress=False)
        out["gatys"][name] = {"style_loss_start": _round(result.style_losses[0]),
                              "style_loss_end": _round(result.final_style_loss),
                              "content_loss_end": _round(result.content_losses[-1]),
                              "seconds": round(result.seconds, 2)}

    # ---- AdaIN: one decoder per encoder, tested on the held-out cat and styles
    pairs = PatchPairs(stack, stack, patch=s["adain_patch"], batch=s["adain_batch"], seed=0)
    out["adain"] = {}
    for name in ["TinyVGG, trained", "TinyVGG, untrained"]:
        runtime.seed_everything(0)
        model = AdaINStyleTransfer(nets[name], AdaINConfig(depth=2))
        history = train.fit(model, pairs, steps=s["adain_steps"], lr=3e-3, warmup=20, device=device, progress=False)
        entry = {"final_loss": _round(history.final_loss), "train_seconds": round(history.seconds, 2)}
        for style_name in HELD_OUT[1:]:
            tick = time.perf_counter()
            output = model.stylise(content, photos[style_name])
            milliseconds = 1000 * (time.perf_counter() - tick)
            scores = stylisation_scores(model, content, photos[style_name], output)
            entry[style_name] = {k: _round(v, 4) for k, v in scores.items()} | {"ms": round(milliseconds, 1)}
        out["adain"][name] = entry
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out
