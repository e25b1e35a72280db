"""The multimodal recipe of notebooks/01_foundations/04_outlook: CLIP and a caption-conditioned VAE on shapes.

A CLIP-style model (``multimodal.clip``) learns to match shapes scenes with their captions (retrieval both
ways, and with part of the captions shuffled: data quality); a caption VAE (``multimodal.text_to_image``)
draws scenes from captions, judged by a small CNN trained on real shapes only.  The notebook and the
``foundations`` benchmark both use these.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import runtime, train
from ..data.image import shuffled_batches
from ..data.shapes import COLOUR_NAMES, SHAPES, shapes_scenes, single_shapes
from ..settings import Settings
from .captions import CaptionTokenizer
from .clip import CLIPConfig, ShapesCLIP, retrieval_accuracy
from .text_to_image import CaptionVAE, TextToImageConfig, judge_class, shape_judge


@dataclass
class MultimodalSettings(Settings):
    image_size: int          # scene side, pixels
    n_train_scenes: int
    n_test_scenes: int       # the retrieval pool
    clip_steps: int
    clip_batch: int
    caption_noise: float     # share of training captions shuffled (the data-quality run)
    t2i_steps: int           # the caption VAE
    t2i_channels: int
    judge_steps: int         # the shape judge
    n_drawings: int          # captions drawn and judged


def multimodal_settings() -> MultimodalSettings:
    """Per-profile sizes shared by the outlook notebook and the benchmark."""
    return MultimodalSettings(
        image_size=24,
        n_train_scenes=runtime.pick(smoke=600, cpu=3000, gpu=10000),
        n_test_scenes=runtime.pick(smoke=200, cpu=500, gpu=1000),
        clip_steps=runtime.pick(smoke=100, cpu=600, gpu=3000),
        clip_batch=runtime.pick(smoke=32, cpu=64, gpu=256),
        caption_noise=0.5,
        t2i_steps=runtime.pick(smoke=300, cpu=1000, gpu=4000),
        t2i_channels=runtime.pick(smoke=16, cpu=24, gpu=64),
        judge_steps=runtime.pick(smoke=300, cpu=1500, gpu=3000),
        n_drawings=runtime.pick(smoke=60, cpu=300, gpu=1000),
    )


def scene_splits(s: MultimodalSettings, *, max_objects: int = 3, plain_background: bool = False):
    """Training scenes (seed 0) and held-out scenes (seed 1)."""
    kw = dict(size=s["image_size"], max_objects=max_objects, plain_background=plain_background)
    return shapes_scenes(s["n_train_scenes"], seed=0, **kw), shapes_scenes(s["n_test_scenes"], seed=1, **kw)


def train_clip(images: torch.Tensor, captions: list[str], s: MultimodalSettings, *, device=None, seed: int = 0) -> ShapesCLIP:
    runtime.seed_everything(seed)
    model = ShapesCLIP(CLIPConfig(image_size=s["image_size"]))
    ids = CaptionTokenizer().encode(captions)
    train.fit(model, shuffled_batches(images, ids, s["clip_batch"]), steps=s["clip_steps"], lr=2e-3,
              warmup=s["clip_steps"] // 10, device=device, progress=False, log_every=max(1, s["clip_steps"] // 10))
    return model.cpu().eval()


@torch.no_grad()
def clip_retrieval(model: ShapesCLIP, test) -> tuple[float, float]:
    """(image -> text, text -> image) top-1 accuracy over the held-out pool."""
    similarity = model.similarity(test.images, CaptionTokenizer().encode(test.captions))
    return retrieval_accuracy(similarity, test.captions)


def train_text_to_image(s: MultimodalSettings, *, device=None, seed: int = 0) -> tuple[CaptionVAE, object]:
    """A caption VAE on plain-background scenes with one or two objects; returns (model, held-out scenes)."""
    train_scenes, test_scenes = scene_splits(s, max_objects=2, plain_background=True)
    runtime.seed_everything(seed)
    model = CaptionVAE(TextToImageConfig(image_size=s["image_size"], channels=s["t2i_channels"]))
    ids = CaptionTokenizer().encode(train_scenes.captions)
    train.fit(model, shuffled_batches(train_scenes.images, ids, 64), steps=s["t2i_steps"], lr=2e-3,
              warmup=s["t2i_steps"] // 10, device=device, progress=False, log_every=max(1, s["t2i_steps"] // 10))
    return model.cpu().eval(), test_scenes


def train_judge(s: MultimodalSettings, *, device=None, seed: int = 0):
    """The independent judge: a SmallCNN trained on real plain-background single shapes (15 classes).
    Returns (judge, accuracy on held-out real shapes)."""
    n = max(1000, s["n_train_scenes"])
    real, shape_ids = single_shapes(n, size=s["image_size"], seed=2, plain_background=True)
    held, held_ids = single_shapes(300, size=s["image_size"], seed=3, plain_background=True)
    target = lambda scenes, shapes: torch.tensor([judge_class(int(k), int(c[0])) for k, c in  # noqa: E731
                                                  zip(shapes, scenes.colours)])
    runtime.seed_everything(seed)
    judge = shape_judge(s["image_size"])
    train.fit(judge, shuffled_batches(real.images, target(real, shape_ids), 64), steps=s["judge_steps"], lr=3e-3,
              device=device, progress=False, log_every=max(1, s["judge_steps"] // 5))
    judge = judge.cpu().eval()
    with torch.no_grad():
        accuracy = (judge(held.images).argmax(1) == target(held, held_ids)).float().mean().item()
    return judge, accuracy


def drawing_prompts(n: int, *, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n`` one-object captions and ``n`` two-object captions with two different colours, drawn at random."""
    g = torch.Generator().manual_seed(seed)
    pick = lambda k: torch.randint(k, (1,), generator=g).item()  # noqa: E731
    singles, pairs = [], []
    relations = ("left of", "right of", "above", "below")
    for _ in range(n):
        singles.append(f"a {COLOUR_NAMES[pick(5)]} {SHAPES[pick(3)]}")
        c1 = pick(5)
        c2 = (c1 + 1 + pick(4)) % 5
        pairs.append(f"a {COLOUR_NAMES[c1]} {SHAPES[pick(3)]} {relations[pick(4)]} a {COLOUR_NAMES[c2]} {SHAPES[pick(3)]}")
    return singles, pairs
