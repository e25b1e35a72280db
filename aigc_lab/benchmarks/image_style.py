"""Figures for the ``image`` benchmark's style part: texture synthesis, Gatys style transfer and AdaIN.

The same functions and sizes as notebooks/03_image/07_style_transfer.ipynb (``image.style_recipe``):

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

from .. import metrics, runtime
from ..data.image import SKIMAGE_IMAGES, natural_image
from ..image.adain import stylisation_scores
from ..image.style import (RandomMultiScaleFeatures, TinyVGG, TinyVGGConfig, colour_histogram_distance, gram_matrix,
                           noise_image, spectrum_distance, style_loss, style_transfer, synthesise_texture)
from ..image.style_recipe import HELD_OUT, TEXTURES, adain_pairs, patch_data, settings, train_adain, train_feature_net


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
    x_train, y_train, x_test, y_test = patch_data(stack, s)
    trained, history = train_feature_net(x_train, y_train, len(training), s, device=device)
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
    pairs = adain_pairs(stack, s)
    out["adain"] = {}
    for name in ["TinyVGG, trained", "TinyVGG, untrained"]:
        model, history = train_adain(nets[name], pairs, s, device=device)
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
