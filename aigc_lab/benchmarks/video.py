"""Chapter 5 (video) benchmark: one entry that runs every video notebook's measured figures.

    aigc-lab bench video

Each part lives beside the notebook it measures and is sized by the profile (its ``settings()``
function, shared with the notebook): classification (05_video/01: frame-averaged 2D CNN against
the (2+1)D CNN on held-out clips), prediction (05_video/02: ConvLSTM against the copy-last-frame
baseline, error by horizon and centroid error), generation (05_video/03), pix2pix (05_video/04:
held-out L1 and shape IoU against L1-only and background-only) and CycleGAN (05_video/05).
"""
from __future__ import annotations

from ..bench import part_seconds, register, run_parts

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


def headline(figures: dict) -> dict:
    """The README table's row: each notebook's main figure beside what it is compared with."""
    c, p, g, t, cyc = (figures[k] for k in ("classification", "prediction", "generation", "pix2pix", "cyclegan"))

    def r(x: float) -> float:
        return round(x, 3)

    return {
        "motion accuracy: (2+1)D CNN / frame-averaged 2D CNN / majority": (
            f"{r(c['conv2plus1d_accuracy'])} / {r(c['frame_cnn_accuracy'])} / {r(c['majority'])}"),
        "next-frame MSE over copy-last, 1 and 5 frames ahead": f"{r(p['ratio_h1'])}, {r(p['ratio_h5'])}",
        "generated clips judged to move as asked (chance)": f"{r(g['generated_motion_accuracy'])} ({r(g['chance'])})",
        "pix2pix mask IoU: pix2pix / L1 only / background": (f"{r(t['pix2pix']['iou'])} / {r(t['l1_only']['iou'])} / "
                                                             f"{r(t['background_only']['iou'])}"),
        "CycleGAN clips judged as the other domain: translated / untranslated": (
            f"{r(cyc['translated_accuracy'])} / {r(cyc['untranslated_accuracy'])}"),
        **part_seconds(figures),
    }


@register("video", "chapter 5: frame-averaged 2D CNN vs (2+1)D CNN motion classification; ConvLSTM next-frame "
                   "prediction against copy-last-frame; clip generation; pix2pix L1/IoU; CycleGAN", headline=headline)
def video_benchmark() -> dict:
    return run_parts(PARTS, __package__)
