"""Chapter 5 (video) benchmark: one entry that runs every video notebook's measured figures.

    aigc-lab bench video

Each part lives beside the notebook it measures and is sized by the profile (its ``settings()``
function, shared with the notebook): classification (05_video/01: frame-averaged 2D CNN against
the (2+1)D CNN on held-out clips), prediction (05_video/02: ConvLSTM against the copy-last-frame
baseline, error by horizon and centroid error), generation (05_video/03), pix2pix (05_video/04:
held-out L1 and shape IoU against L1-only and background-only) and CycleGAN (05_video/05).
"""
from __future__ import annotations

from ..bench import register, run_parts

PARTS = {                         # figure group -> module under aigc_lab.benchmarks with a figures() function
    "classification": "video_classification",
    "prediction": "video_prediction",
    "generation": "video_generation",
    "pix2pix": "video_pix2pix",
    "cyclegan": "video_cyclegan",
}


def classification_figures() -> dict:
    """Deprecated alias (kept for one release): use ``aigc_lab.benchmarks.video_classification.figures``."""
    from .video_classification import figures

    return figures()


@register("video", "chapter 5: frame-averaged 2D CNN vs (2+1)D CNN motion classification; ConvLSTM next-frame "
                   "prediction against copy-last-frame; clip generation; pix2pix L1/IoU; CycleGAN")
def video_benchmark() -> dict:
    return run_parts(PARTS, __package__)
