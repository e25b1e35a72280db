"""Generated video: moving digits and moving shapes whose motion is known, plus image-to-image pairs.

    clips = moving_shapes(256, frames=8, size=32, seed=0)
    clips.videos       # (N, T, 3, 32, 32) float32 in [0, 1]
    clips.motions      # (N,) int64 index into MOTIONS: what the object does over the clip
    clips.positions    # (N, T, K, 2) float32 centre (x, y) of each of the K objects in every frame
    clips.content      # (N, K) int64: shape kind (or digit class for moving_digits)
    clips.captions     # "a red square moving left"

    digits = moving_digits(256, frames=10, size=32)    # Moving-MNIST-style: digits bounce off the walls

    edges, images = paired_shapes(512)                  # pix2pix: outline (N, 1, S, S) -> filled image (N, 3, S, S)
    flat, outline = unpaired_shapes(512)                # CycleGAN: two renderings, different scenes

Clip ``i`` of seed ``s`` is drawn from its own random stream, so it is the same whatever
``n`` is; use different seeds for training and held-out clips. The labels come from the
generator itself, so a model's predicted positions can be scored against the truth.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .image import load_digits
from .shapes import COLOUR_NAMES, SHAPES, Shape, background, random_layout, render, shape_mask

# What the object in a moving_shapes clip does. Left and right (or the two rotations) look the
# same in any single frame and in the average of all frames: only the order of frames tells them apart.
MOTIONS = ("left", "right", "up", "down", "clockwise", "anticlockwise")
_VELOCITY = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}


@dataclass
class Clips:
    videos: torch.Tensor      # (N, T, C, H, W) float32 in [0, 1]
    motions: torch.Tensor     # (N,) int64 motion class (MOTIONS for shapes; 0 for bouncing digits)
    positions: torch.Tensor   # (N, T, K, 2) float32 object centres (x, y) in pixels
    content: torch.Tensor     # (N, K) int64 what each object is
    captions: list[str]

    def __len__(self) -> int:
        return len(self.videos)


def _motion_track(rng: np.random.Generator, motion: str, size: int, frames: int, radius: float, speed: float
                  ) -> tuple[list[tuple[float, float]], list[float]]:
    """Centres and angles of one object over ``frames`` frames, starting where the motion fits in the frame."""
    if motion in _VELOCITY:
        vx, vy = (speed * v for v in _VELOCITY[motion])
        travel_x, travel_y = abs(vx) * (frames - 1), abs(vy) * (frames - 1)
        low, high = radius + 1, size - radius - 1
        x0 = rng.uniform(low + (travel_x if vx < 0 else 0), high - (travel_x if vx > 0 else 0))
        y0 = rng.uniform(low + (travel_y if vy < 0 else 0), high - (travel_y if vy > 0 else 0))
        return [(x0 + vx * t, y0 + vy * t) for t in range(frames)], [0.0] * frames
    spin = 0.25 * (1 if motion == "clockwise" else -1)            # radians per frame; y points down, so + is clockwise
    cx, cy = rng.uniform(radius + 1, size - radius - 1, 2)
    start = rng.uniform(0, 2 * math.pi)
    return [(cx, cy)] * frames, [start + spin * t for t in range(frames)]


def moving_shapes(n: int, *, frames: int = 8, size: int = 32, seed: int = 0, motions: tuple[str, ...] = MOTIONS,
                  speed: tuple[float, float] = (1.0, 2.0), colour_change: bool = False, plain_background: bool = False
                  ) -> Clips:
    """``n`` clips of one shape doing one of ``motions`` (left, right, up, down, or spinning either way).

    Spinning objects are squares or triangles (a spinning circle looks still). With ``colour_change``
    the object switches to another colour half-way through, a change a model must carry over time.
    """
    unknown = set(motions) - set(MOTIONS)
    if unknown or frames < 2 or size < 16:
        raise ValueError(f"need motions from {MOTIONS}, frames >= 2 and size >= 16; got {sorted(unknown)}, "
                         f"{frames}, {size}")
    videos, labels, positions, content, captions = [], [], [], [], []
    for index in range(n):
        rng = np.random.default_rng([seed, index, 7])
        motion = motions[int(rng.integers(len(motions)))]
        step = rng.uniform(*speed)
        radius = rng.uniform(0.16, 0.22) * size
        kind = int(rng.integers(1, 3)) if motion in ("clockwise", "anticlockwise") else int(rng.integers(3))
        colour = int(rng.integers(len(COLOUR_NAMES)))
        second_colour = (colour + 1 + int(rng.integers(len(COLOUR_NAMES) - 1))) % len(COLOUR_NAMES)
        centres, angles = _motion_track(rng, motion, size, frames, radius, step)
        base = background(rng, size, plain=plain_background)
        clip = []
        for t, ((cx, cy), angle) in enumerate(zip(centres, angles)):
            now = second_colour if colour_change and t >= frames // 2 else colour
            image, _ = render([Shape(kind, now, cx, cy, radius, angle)], size, base)
            clip.append(image)
        videos.append(torch.stack(clip))
        labels.append(MOTIONS.index(motion))
        positions.append(torch.tensor(centres, dtype=torch.float32)[:, None, :])
        content.append([kind])
        verb = f"moving {motion}" if motion in _VELOCITY else f"spinning {motion}"
        change = f", turning {COLOUR_NAMES[second_colour]}" if colour_change else ""
        captions.append(f"a {COLOUR_NAMES[colour]} {SHAPES[kind]} {verb}{change}")
    return Clips(torch.stack(videos) if videos else torch.zeros(0, frames, 3, size, size),
                 torch.tensor(labels, dtype=torch.long),
                 torch.stack(positions) if positions else torch.zeros(0, frames, 1, 2),
                 torch.tensor(content, dtype=torch.long).view(n, 1), captions)


def _bounce(position: float, velocity: float, room: float) -> tuple[float, float]:
    if position < 0:
        return -position, -velocity
    if position > room:
        return 2 * room - position, -velocity
    return position, velocity


def moving_digits(n: int, *, frames: int = 10, size: int = 32, digits: int = 1, seed: int = 0,
                  split: str = "train", digit_size: int = 12, speed: tuple[float, float] = (1.0, 2.5)) -> Clips:
    """Moving-MNIST-style clips from scikit-learn's digits: ``digits`` sprites of ``digit_size`` pixels drift
    in straight lines and bounce off the walls of a ``size`` square; overlapping digits add (clamped to 1).

    ``split`` picks digits from the train or test part of ``load_digits`` so held-out clips also hold
    unseen handwriting.
    """
    if split not in ("train", "test") or digit_size >= size:
        raise ValueError(f"split must be 'train' or 'test' and digit_size < size; got {split!r}, {digit_size}, {size}")
    data = load_digits(digit_size)
    pool_x, pool_y = (data.x_train, data.y_train) if split == "train" else (data.x_test, data.y_test)
    room = size - digit_size                             # top-left corner stays in [0, room]
    videos, positions, content, captions = [], [], [], []
    for index in range(n):
        rng = np.random.default_rng([seed, index, 11])
        canvas = torch.zeros(frames, 1, size, size)
        centres = torch.zeros(frames, digits, 2)
        chosen = []
        for k in range(digits):
            pick = int(rng.integers(len(pool_y)))
            sprite = pool_x[pick, 0]                      # (digit_size, digit_size)
            chosen.append(int(pool_y[pick]))
            x, y = rng.uniform(0, room, 2)
            angle = rng.uniform(0, 2 * math.pi)
            v = rng.uniform(*speed)
            vx, vy = v * math.cos(angle), v * math.sin(angle)
            for t in range(frames):
                left, top = int(round(x)), int(round(y))
                canvas[t, 0, top:top + digit_size, left:left + digit_size] += sprite
                centres[t, k] = torch.tensor([left + digit_size / 2, top + digit_size / 2])
                x, y = x + vx, y + vy
                x, vx = _bounce(x, vx, room)              # off a wall: mirror the position, reverse the velocity
                y, vy = _bounce(y, vy, room)
        videos.append(canvas.clamp(0, 1))
        positions.append(centres)
        content.append(chosen)
        captions.append(" and ".join(f"a {d}" for d in chosen) + " bouncing")
    return Clips(torch.stack(videos) if videos else torch.zeros(0, frames, 1, size, size),
                 torch.zeros(n, dtype=torch.long),
                 torch.stack(positions) if positions else torch.zeros(0, frames, digits, 2),
                 torch.tensor(content, dtype=torch.long).view(n, digits), captions)


# Colours for paired_shapes' targets: the colour tells which shape it is, so a model must
# recognise the outline's shape to colour it in.
KIND_COLOURS = torch.tensor([[0.92, 0.20, 0.18], [0.25, 0.80, 0.30], [0.25, 0.45, 0.98]])   # circle, square, triangle


def paired_shapes(n: int, *, size: int = 32, seed: int = 0, max_objects: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """pix2pix pairs: a one-pixel outline drawing (N, 1, S, S) and the filled image (N, 3, S, S) whose
    colour is set by each shape's kind (circle red, square green, triangle blue) on a dark plain background."""
    sources, targets = [], []
    for index in range(n):
        rng = np.random.default_rng([seed, index, 13])
        objects = random_layout(rng, size, int(rng.integers(1, max_objects + 1)))
        edges = torch.zeros(1, size, size)
        image = torch.full((3, size, size), 0.08)
        for shape in objects:
            inside = shape_mask(shape, size)
            shrunk = shape_mask(shape.moved(radius=max(shape.radius - 1.2, 0.5)), size)
            edges[0, inside & ~shrunk] = 1.0
            image[:, inside] = KIND_COLOURS[shape.kind][:, None]
        sources.append(edges)
        targets.append(image)
    return torch.stack(sources), torch.stack(targets)


def unpaired_shapes(n: int, *, size: int = 32, seed: int = 0, max_objects: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """CycleGAN's two domains: filled shapes (N, 3, S, S) and outlined shapes (N, 3, S, S), drawn from
    different scenes, so no image in one domain has its counterpart in the other."""
    from .shapes import shapes_scenes

    flat = shapes_scenes(n, size=size, max_objects=max_objects, seed=seed * 2 + 1000, plain_background=True)
    outline = shapes_scenes(n, size=size, max_objects=max_objects, seed=seed * 2 + 1001, plain_background=True,
                            style="outline")
    return flat.images, outline.images


def frame_difference(videos: torch.Tensor) -> torch.Tensor:
    """(N,) mean absolute change between consecutive frames of (N, T, C, H, W) clips: a flicker measure."""
    return (videos[:, 1:] - videos[:, :-1]).abs().mean(dim=(1, 2, 3, 4))


def resize_clips(videos: torch.Tensor, size: int) -> torch.Tensor:
    """(N, T, C, H, W) -> (N, T, C, size, size), bilinear."""
    n, t = videos.shape[:2]
    frames = F.interpolate(videos.flatten(0, 1), size=(size, size), mode="bilinear", align_corners=False)
    return frames.view(n, t, *frames.shape[1:])
