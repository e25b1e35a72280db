"""The image chapter's benchmark: one entry that runs every notebook's measured figures.

Each part lives beside the notebook it measures and is sized by the profile:
classification (03_image/01), VAE and GANs (02, 03), diffusion (04), detection and
segmentation (05, 06), style transfer (07). Generators are scored by the independent
judge of ``aigc_lab.image.judge`` against real digits and two classical baselines.
"""
from __future__ import annotations

import importlib

from ..bench import register

PARTS = {                         # figure group -> module under aigc_lab.benchmarks with a figures() function
    "classification": "image_classification",
    "vae_gan": "image_vae_gan",
    "diffusion": "image_diffusion",
    "detection_segmentation": "image_detection",
    "style": "image_style",
}


@register("image", "image chapter: classifiers, VAE/GAN/diffusion judged against baselines, detection mAP, "
                   "segmentation mIoU, style transfer")
def image() -> dict:
    return {name: importlib.import_module(f"{__package__}.{module}").figures() for name, module in PARTS.items()}
