"""The image chapter's benchmark: one entry that runs every notebook's measured figures.

Each part lives beside the notebook it measures and is sized by the profile:
classification (03_image/01), VAE and GANs (02, 03), diffusion (04), detection and
segmentation (05, 06), style transfer (07). Generators are scored by the independent
judge of ``aigc_lab.image.judge`` against real digits and two classical baselines.
"""
from __future__ import annotations

from ..bench import part_seconds, register, run_parts

PARTS = {                         # figure group -> module under aigc_lab.benchmarks with a figures() function
    "classification": "image_classification",
    "vae_gan": "image_vae_gan",
    "diffusion": "image_diffusion",
    "detection_segmentation": "image_detection",
    "style": "image_style",
}


def headline(figures: dict) -> dict:
    """The issue's bars and the figures they compare, read from the full figures (the README table's row)."""
    classification, vae_gan, diffusion = figures["classification"], figures["vae_gan"], figures["diffusion"]
    gan, scenes = vae_gan["gan"], figures["detection_segmentation"]
    kde = gan["baselines"]["per-class KDE"]
    networks = {name: r["accuracy"] for name, r in classification.items()
                if name.startswith("digits ") and isinstance(r, dict) and "params" in r}
    best = max(networks, key=networks.get)

    def judged(r: dict) -> str:
        return (f"judge {r['judge_accuracy']}, Fréchet {r['frechet']}, train-on-generated {r['train_on_generated']}, "
                f"memorisation {r['memorisation_ratio']}")

    out = {
        "best digit network": f"{best.removeprefix('digits ')}, accuracy {networks[best]}",
        "VAE test ELBO, nats": vae_gan["vae_test_elbo_nats"],
        "per-class KDE": judged(kde),
        "conditional DCGAN": judged(gan["conditional DCGAN"]),
        "bar: DCGAN train-on-generated >= KDE": gan["conditional DCGAN train-on-generated >= KDE baseline"],
        f"diffusion ({diffusion['sampler']})": judged(diffusion["diffusion"]),
        **{f"bar: diffusion {name}": met for name, met in diffusion["bars"].items()},
        "detection mAP@0.5, CenterNet / two-stage": (f"{scenes['detection_map50_centernet']} / "
                                                    f"{scenes['detection_map50_two_stage']}"),
        "bar: detection mAP@0.5 >= 0.8": max(scenes["detection_map50_centernet"],
                                             scenes["detection_map50_two_stage"]) >= 0.8,
        "segmentation mean IoU, U-Net": scenes["segmentation_mean_iou_unet"],
        "bar: segmentation mean IoU >= 0.85": scenes["segmentation_mean_iou_unet"] >= 0.85,
    }
    return {**out, **part_seconds(figures)}


@register("image", "image chapter: classifiers, VAE/GAN/diffusion judged against baselines, detection mAP, "
                   "segmentation mIoU, style transfer", headline=headline)
def image() -> dict:
    return run_parts(PARTS, __package__)
