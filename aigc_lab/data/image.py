"""Images that installed packages ship: scikit-learn's 8x8 handwritten digits, upscaled.

1,797 digits written by 43 people, bundled inside scikit-learn (no download).
``load_digits(size=16)`` upsamples them bilinearly to ``size`` x ``size`` and
scales pixels to [0, 1]; the split is fixed by a seed so every run sees the same
held-out digits.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class ImageSplit:
    x_train: torch.Tensor   # (N, 1, size, size) float32 in [0, 1]
    y_train: torch.Tensor   # (N,) int64 class ids
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: list[str]


def load_digits(size: int = 16, *, test_fraction: float = 0.25, seed: int = 0) -> ImageSplit:
    """scikit-learn's digits at ``size`` x ``size``, split into train and test by a seeded permutation."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    x = torch.tensor(bunch.images, dtype=torch.float32)[:, None] / 16.0   # (1797, 1, 8, 8), values 0..16 -> 0..1
    if size != 8:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False).clamp(0, 1)
    y = torch.tensor(bunch.target, dtype=torch.long)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    n_test = int(len(y) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return ImageSplit(x[train], y[train], x[test], y[test], [str(d) for d in range(10)])


def shuffled_batches(x: torch.Tensor, y: torch.Tensor, batch: int, *, seed: int = 0):
    """A callable returning random (x, y) mini-batches, for ``train.fit``."""
    generator = torch.Generator().manual_seed(seed)

    def next_batch():
        idx = torch.randint(len(y), (batch,), generator=generator)
        return x[idx], y[idx]

    return next_batch


def augment(x: torch.Tensor, *, generator: torch.Generator | None = None, max_shift: float = 0.12,
            max_rotate_deg: float = 12.0, scale: tuple[float, float] = (0.9, 1.1)) -> torch.Tensor:
    """Random small affine warps of a batch (B, C, H, W): shift (fraction of the width), rotation, zoom.

    The digits come from only 43 writers; warping them gives models more variety to learn
    from without changing what digit each one is.
    """
    b = x.shape[0]
    rand = lambda: torch.rand(b, generator=generator)           # noqa: E731  (B,) uniform [0, 1)
    angle = (rand() * 2 - 1) * max_rotate_deg * torch.pi / 180
    zoom = scale[0] + rand() * (scale[1] - scale[0])
    tx, ty = (rand() * 2 - 1) * max_shift * 2, (rand() * 2 - 1) * max_shift * 2   # grid units span [-1, 1]
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)  # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def augmented_batches(x: torch.Tensor, y: torch.Tensor, batch: int, *, seed: int = 0, **warp):
    """Like ``shuffled_batches``, with every batch freshly warped by ``augment``."""
    generator = torch.Generator().manual_seed(seed)

    def next_batch():
        idx = torch.randint(len(y), (batch,), generator=generator)
        return augment(x[idx], generator=generator, **warp), y[idx]

    return next_batch


# Natural photographs bundled inside installed packages (no download). scikit-image keeps
# some of its images in a separate download; only these load offline.
SKIMAGE_IMAGES = ("astronaut", "coffee", "chelsea", "rocket", "brick", "grass", "gravel", "camera",
                  "coins", "moon", "horse", "hubble_deep_field", "immunohistochemistry", "colorwheel")
SKLEARN_IMAGES = ("china", "flower")
NATURAL_IMAGES = SKIMAGE_IMAGES + SKLEARN_IMAGES


def natural_image(name: str, size: int | None = 128) -> torch.Tensor:
    """A bundled photograph as (3, H, W) float32 in [0, 1], centre-cropped square and resized to ``size``
    (``size=None`` keeps the original).  Names: ``NATURAL_IMAGES``."""
    if name in SKLEARN_IMAGES:
        from sklearn.datasets import load_sample_image
        array = load_sample_image(f"{name}.jpg")
    elif name in SKIMAGE_IMAGES:
        import skimage.data
        array = getattr(skimage.data, name)()
    else:
        raise ValueError(f"unknown image {name!r}; choose one of {', '.join(NATURAL_IMAGES)}")
    image = torch.tensor(array, dtype=torch.float32)
    if image.ndim == 2:                                   # grey -> three equal channels
        image = image[..., None].expand(-1, -1, 3)
    image = image[..., :3].permute(2, 0, 1)               # (3, H, W)
    image = image / (255.0 if image.max() > 1.5 else 1.0)
    if size is None:
        return image.contiguous()
    h, w = image.shape[1:]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    image = image[:, top:top + side, left:left + side]
    return F.interpolate(image[None], size=(size, size), mode="bilinear", antialias=True,
                         align_corners=False)[0].clamp(0, 1)


def offline_image_status() -> dict[str, str]:
    """name -> "ok" or the error, for every bundled photograph (``aigc-lab doctor`` prints it)."""
    status = {}
    for name in NATURAL_IMAGES:
        try:
            natural_image(name, size=16)
            status[name] = "ok"
        except Exception as error:    # noqa: BLE001 -- report, never raise, from a health check
            status[name] = f"{type(error).__name__}: {error}"
    return status


class AugmentedDigits(torch.utils.data.Dataset):
    """Digits as a map-style Dataset for ``torch.utils.data.DataLoader``: item ``i`` is one freshly warped
    image and its label. Warping one image at a time is slow on purpose here: it is the kind of per-item
    work that DataLoader worker processes take off the training loop."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, **warp):
        self.x, self.y, self.warp = x, y, warp

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return augment(self.x[i:i + 1], **self.warp)[0], self.y[i]
