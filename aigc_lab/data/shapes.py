"""Shapes scenes: coloured circles, squares and triangles on varied backgrounds, generated.

Every scene knows everything about itself, so one generator feeds classification,
generation, detection, segmentation, captioning, video and explainability:

    scenes = shapes_scenes(512, size=32, seed=0)
    scenes.images      # (N, 3, 32, 32) float32 in [0, 1]
    scenes.masks       # (N, 32, 32) int64: 0 background, 1 circle, 2 square, 3 triangle
    scenes.boxes[i]    # (k, 4) float32 boxes (x0, y0, x1, y1) in pixels, x1/y1 exclusive
    scenes.labels[i]   # (k,) int64 shape ids: 0 circle, 1 square, 2 triangle
    scenes.colours[i]  # (k,) int64 colour ids into COLOURS
    scenes.captions[i] # "a red circle left of a blue square"

Scene ``i`` is drawn from its own random stream ``(seed, i)``, so it is the same
whatever ``n`` is: the first 100 of 1,000 scenes are the 100 scenes of
``shapes_scenes(100)``. Objects never overlap, which keeps boxes, masks and
captions unambiguous. ``render`` draws any list of ``Shape`` objects, so the
video chapter can move them frame by frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import torch

SHAPES = ("circle", "square", "triangle")
COLOURS = {                      # name -> RGB in [0, 1]; bright, so they stand out on the dark backgrounds
    "red": (0.92, 0.20, 0.18),
    "green": (0.25, 0.80, 0.30),
    "blue": (0.25, 0.45, 0.98),
    "yellow": (0.97, 0.88, 0.25),
    "magenta": (0.90, 0.35, 0.85),
}
COLOUR_NAMES = tuple(COLOURS)


@dataclass(frozen=True)
class Shape:
    """One object: what it is, where it is (in pixels), how big and how turned."""
    kind: int            # index into SHAPES
    colour: int          # index into COLOUR_NAMES
    cx: float            # centre, pixels (x to the right, y downwards)
    cy: float
    radius: float        # half the object's extent, pixels
    angle: float = 0.0   # rotation, radians (circles ignore it)

    def moved(self, **changes) -> "Shape":
        return replace(self, **changes)


@dataclass
class Scenes:
    images: torch.Tensor                 # (N, 3, H, W) float32 in [0, 1]
    masks: torch.Tensor                  # (N, H, W) int64, 0 = background, 1 + shape id elsewhere
    boxes: list[torch.Tensor]            # per scene (k, 4) float32 xyxy
    labels: list[torch.Tensor]           # per scene (k,) int64 shape ids
    colours: list[torch.Tensor]          # per scene (k,) int64 colour ids
    captions: list[str]
    objects: list[list[Shape]] = field(repr=False, default_factory=list)

    def __len__(self) -> int:
        return len(self.images)

    def subset(self, index) -> "Scenes":
        index = list(range(len(self)))[index] if isinstance(index, slice) else list(index)
        return Scenes(self.images[index], self.masks[index], [self.boxes[i] for i in index],
                      [self.labels[i] for i in index], [self.colours[i] for i in index],
                      [self.captions[i] for i in index], [self.objects[i] for i in index] if self.objects else [])


def shape_mask(shape: Shape, size: int) -> torch.Tensor:
    """(size, size) bool: which pixel centres fall inside ``shape``."""
    coords = torch.arange(size, dtype=torch.float32) + 0.5
    y, x = torch.meshgrid(coords, coords, indexing="ij")
    # rotate pixel offsets into the shape's own frame: (u, v) = R(-angle) (x - cx, y - cy)
    dx, dy = x - shape.cx, y - shape.cy
    c, s = math.cos(shape.angle), math.sin(shape.angle)
    u, v = c * dx + s * dy, -s * dx + c * dy
    r = shape.radius
    if SHAPES[shape.kind] == "circle":
        return u * u + v * v <= r * r
    if SHAPES[shape.kind] == "square":
        half = r / math.sqrt(2) * 1.15      # a square of "radius" r: slightly larger than inscribed, similar area to the circle
        return (u.abs() <= half) & (v.abs() <= half)
    # equilateral triangle pointing up, circumradius r: inside all three edges' half-planes
    inside = torch.ones_like(u, dtype=torch.bool)
    for k in range(3):
        theta = -math.pi / 2 + k * 2 * math.pi / 3 + math.pi   # outward normal of the edge opposite vertex k
        inside &= u * math.cos(theta) + v * math.sin(theta) <= r / 2
    return inside


def background(rng: np.random.Generator, size: int, plain: bool = False) -> torch.Tensor:
    """(3, size, size) dark background: a random two-colour gradient plus faint noise (or flat grey)."""
    if plain:
        return torch.full((3, size, size), 0.08)
    start, end = rng.uniform(0.0, 0.35, 3), rng.uniform(0.0, 0.35, 3)
    angle = rng.uniform(0, 2 * math.pi)
    coords = torch.linspace(-1, 1, size)
    y, x = torch.meshgrid(coords, coords, indexing="ij")
    t = ((x * math.cos(angle) + y * math.sin(angle)) / 2 + 0.5).clamp(0, 1)          # (size, size) in [0, 1]
    image = torch.tensor(start, dtype=torch.float32)[:, None, None] * (1 - t) \
        + torch.tensor(end, dtype=torch.float32)[:, None, None] * t
    noise = torch.from_numpy(rng.normal(0, 0.02, (3, size, size)).astype(np.float32))
    return (image + noise).clamp(0, 1)


def render(objects: list[Shape], size: int, base: torch.Tensor | None = None, *, style: str = "flat"
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``objects`` in order on ``base``: returns image (3, size, size) and mask (size, size).

    ``style="flat"`` fills each shape with its colour; ``style="outline"`` draws a 1-2 pixel
    border only (a second rendering of the same scene, used as CycleGAN's other domain).
    """
    if style not in ("flat", "outline"):
        raise ValueError(f"style must be 'flat' or 'outline', not {style!r}")
    image = torch.full((3, size, size), 0.08) if base is None else base.clone()
    mask = torch.zeros(size, size, dtype=torch.long)
    for shape in objects:
        inside = shape_mask(shape, size)
        drawn = inside
        if style == "outline":
            shrunk = shape_mask(shape.moved(radius=max(shape.radius - 1.6, 0.5)), size)
            drawn = inside & ~shrunk
        colour = torch.tensor(COLOURS[COLOUR_NAMES[shape.colour]])
        image[:, drawn] = colour[:, None]
        mask[inside] = shape.kind + 1
    return image, mask


def box_of(mask: torch.Tensor) -> torch.Tensor:
    """Tight (x0, y0, x1, y1) box of a boolean mask, x1/y1 exclusive."""
    ys, xs = torch.nonzero(mask, as_tuple=True)
    return torch.tensor([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=torch.float32)


def relation(a: Shape, b: Shape) -> str:
    """Where ``a`` is relative to ``b``, along the axis where they differ most."""
    dx, dy = a.cx - b.cx, a.cy - b.cy
    if abs(dx) >= abs(dy):
        return "left of" if dx < 0 else "right of"
    return "above" if dy < 0 else "below"


def caption(objects: list[Shape]) -> str:
    """'a red circle', or 'a red circle left of a blue square' (first two objects), '... and a ...' for more."""
    def name(s: Shape) -> str:
        return f"a {COLOUR_NAMES[s.colour]} {SHAPES[s.kind]}"
    if len(objects) == 1:
        return name(objects[0])
    text = f"{name(objects[0])} {relation(objects[0], objects[1])} {name(objects[1])}"
    return text + "".join(f" and {name(s)}" for s in objects[2:])


def random_layout(rng: np.random.Generator, size: int, n_objects: int, *, min_radius: float | None = None,
                  max_radius: float | None = None, kinds: tuple[int, ...] | None = None,
                  rotate: bool = True, tries: int = 200) -> list[Shape]:
    """``n_objects`` non-overlapping shapes inside a ``size`` square (fewer if they do not fit)."""
    min_radius = size * 0.12 if min_radius is None else min_radius
    max_radius = size * 0.22 if max_radius is None else max_radius
    kinds = tuple(range(len(SHAPES))) if kinds is None else kinds
    placed: list[Shape] = []
    for _ in range(tries):
        if len(placed) == n_objects:
            break
        r = rng.uniform(min_radius, max_radius)
        shape = Shape(kind=int(rng.choice(kinds)), colour=int(rng.integers(len(COLOURS))),
                      cx=rng.uniform(r + 1, size - r - 1), cy=rng.uniform(r + 1, size - r - 1), radius=r,
                      angle=rng.uniform(-0.4, 0.4) if rotate else 0.0)
        # keep a one-pixel gap between objects so masks and boxes never touch
        if all(math.hypot(shape.cx - p.cx, shape.cy - p.cy) > shape.radius + p.radius + 1.5 for p in placed):
            placed.append(shape)
    return placed


def scene(seed: int, index: int, *, size: int = 32, min_objects: int = 1, max_objects: int = 3,
          plain_background: bool = False, style: str = "flat", **layout) -> tuple[torch.Tensor, torch.Tensor, list[Shape]]:
    """Scene ``index`` of the stream ``seed``: image (3, S, S), mask (S, S) and its objects."""
    rng = np.random.default_rng([seed, index])
    n_objects = int(rng.integers(min_objects, max_objects + 1))
    base = background(rng, size, plain=plain_background)
    objects = random_layout(rng, size, n_objects, **layout)
    image, mask = render(objects, size, base, style=style)
    return image, mask, objects


def shapes_scenes(n: int, *, size: int = 32, min_objects: int = 1, max_objects: int = 3, seed: int = 0,
                  start: int = 0, plain_background: bool = False, style: str = "flat", **layout) -> Scenes:
    """``n`` scenes (``start`` .. ``start + n - 1`` of the stream ``seed``) with every label a task needs.

    Use different seeds (or disjoint ``start`` ranges) for training and held-out scenes.
    Extra keyword arguments go to ``random_layout`` (``min_radius``, ``max_radius``, ``kinds``, ``rotate``).
    """
    if n < 0 or size < 8 or not 1 <= min_objects <= max_objects:
        raise ValueError(f"need n >= 0, size >= 8 and 1 <= min_objects <= max_objects; got {n}, {size}, "
                         f"{min_objects}, {max_objects}")
    images, masks, boxes, labels, colours, captions, all_objects = [], [], [], [], [], [], []
    for index in range(start, start + n):
        image, mask, objects = scene(seed, index, size=size, min_objects=min_objects, max_objects=max_objects,
                                     plain_background=plain_background, style=style, **layout)
        images.append(image)
        masks.append(mask)
        boxes.append(torch.stack([box_of(shape_mask(s, size)) for s in objects]))
        labels.append(torch.tensor([s.kind for s in objects], dtype=torch.long))
        colours.append(torch.tensor([s.colour for s in objects], dtype=torch.long))
        captions.append(caption(objects))
        all_objects.append(objects)
    empty = torch.zeros(0, 3, size, size)
    return Scenes(torch.stack(images) if images else empty,
                  torch.stack(masks) if masks else torch.zeros(0, size, size, dtype=torch.long),
                  boxes, labels, colours, captions, all_objects)


def single_shapes(n: int, *, size: int = 32, seed: int = 0, start: int = 0, **layout) -> tuple[Scenes, torch.Tensor]:
    """Scenes with exactly one object, and its shape id as a class label (N,): a 3-class image task
    whose evidence (the object's mask) is known, for classification and explainability."""
    scenes = shapes_scenes(n, size=size, min_objects=1, max_objects=1, seed=seed, start=start, **layout)
    return scenes, torch.cat(scenes.labels)
