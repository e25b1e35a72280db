"""A one-stage, anchor-free detector in the style of CenterNet ("Objects as Points", Zhou, Wang and
Krähenbühl, 2019).

Every object is found by its centre.  The network paints, for each class, a heat-map that
should be 1 at the centres of that class's objects and 0 elsewhere, and at every cell it
also regresses the object's width and height and the sub-cell offset of its centre:

    images (B, 3, H, W) -> backbone (a U-Net) -> features (B, F, H/s, W/s)
        -> heat   (B, classes, H/s, W/s)   logits; sigmoid = "an object of class c is centred here"
        -> size   (B, 2, H/s, W/s)         (width, height) in pixels, read at the centre
        -> offset (B, 2, H/s, W/s)         centre / s - floor(centre / s), read at the centre

Training targets (``centernet_targets``) put a Gaussian bump at each centre, so cells next to a
centre are only mildly penalised for firing.  The loss is the paper's penalty-reduced focal loss
(eq. 1) plus L1 losses on size and offset at the centre cells (eqs. 2 and 3).  Decoding
(``decode``) needs no NMS: a 3x3 max-pool keeps the cells that are local peaks, and the top k
peaks become boxes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .boxes import Detections
from .unet import UNet, UNetConfig


@dataclass
class CenterNetConfig:
    in_channels: int = 3
    num_classes: int = 3             # circle, square, triangle
    stride: int = 1                  # output stride s: heat-map cells are s x s pixels (the paper uses 4)
    depth: int = 3                   # backbone U-Net depth (32 -> 4 pixels at the bottom: sees whole objects)
    width: int = 16                  # backbone U-Net base width
    head_width: int = 32             # hidden channels of each head
    sigma_scale: float = 0.15        # Gaussian target: sigma = sigma_scale * sqrt(w * h) / stride, in cells
    size_weight: float = 0.1         # lambda_size of eq. (3)
    offset_weight: float = 1.0       # lambda_off of eq. (3)


def _head(c_in: int, hidden: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, hidden, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(hidden, c_out, 1))


class CenterNet(nn.Module):
    def __init__(self, config: CenterNetConfig):
        super().__init__()
        self.config = config
        self.backbone = UNet(UNetConfig(in_channels=config.in_channels, out_channels=config.width,
                                        depth=config.depth, base_width=config.width))
        self.heat = _head(config.width, config.head_width, config.num_classes)
        self.size = _head(config.width, config.head_width, 2)
        self.offset = _head(config.width, config.head_width, 2)
        # start every heat-map at sigmoid = 0.1 (bias -2.19), as the paper does: without it the first steps'
        # loss is dominated by the many easy background cells
        nn.init.constant_(self.heat[-1].bias, -math.log((1 - 0.1) / 0.1))

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = F.relu(self.backbone(images))                              # (B, F, H, W)
        if self.config.stride > 1:
            x = F.avg_pool2d(x, self.config.stride)                    # (B, F, H/s, W/s)
        return self.heat(x), self.size(x), self.offset(x)

    def loss(self, batch: dict) -> torch.Tensor:
        """Focal loss on the heat-maps + size and offset L1 at the centres, from ``centernet_targets``."""
        heat, size, offset = (t.float() for t in self(batch["images"]))   # losses in float32 under autocast
        centres = batch["centres"]                                      # (B, h, w) bool: one cell per object
        n = centres.sum().clamp(min=1)
        c = self.config
        size_l1 = (size - batch["size"]).abs().sum(1)[centres].sum() / n
        offset_l1 = (offset - batch["offset"]).abs().sum(1)[centres].sum() / n
        return focal_loss(heat, batch["heat"]) + c.size_weight * size_l1 + c.offset_weight * offset_l1

    @torch.no_grad()
    def detect(self, images: torch.Tensor, *, top_k: int = 20, min_score: float = 0.05) -> list[Detections]:
        """Detections for every image of a batch (on the model's device), returned on the CPU."""
        heat, size, offset = self(images)
        return decode(heat.float(), size.float(), offset.float(), stride=self.config.stride, top_k=top_k,
                      min_score=min_score)


def focal_loss(logits: torch.Tensor, target: torch.Tensor, alpha: float = 2.0, beta: float = 4.0) -> torch.Tensor:
    """Penalty-reduced pixel-wise focal loss, eq. (1) of the CenterNet paper, on logits (B, C, h, w).

    At a centre (target == 1): -(1 - p)^alpha log p.  Elsewhere: -(1 - y)^beta p^alpha log(1 - p), where the
    Gaussian target y shrinks the penalty near a centre.  Summed and divided by the number of objects.
    """
    p = torch.sigmoid(logits)
    positive = target >= 1.0 - 1e-6
    pos = (1 - p) ** alpha * F.logsigmoid(logits)                      # log p = logsigmoid(z)
    neg = (1 - target) ** beta * p ** alpha * F.logsigmoid(-logits)    # log (1 - p) = logsigmoid(-z)
    return -(torch.where(positive, pos, neg)).sum() / positive.sum().clamp(min=1)


def centernet_targets(boxes: list[torch.Tensor], labels: list[torch.Tensor], size: int,
                      config: CenterNetConfig) -> dict[str, torch.Tensor]:
    """Dense training targets for ``CenterNet.loss`` from per-image boxes (k, 4) xyxy and labels (k,).

    heat (N, C, h, w): at each object's centre cell a Gaussian of height 1 (the max where bumps meet);
    size (N, 2, h, w) and offset (N, 2, h, w): filled at the centre cells only; centres (N, h, w) bool.
    """
    s, h = config.stride, size // config.stride
    n = len(boxes)
    heat = torch.zeros(n, config.num_classes, h, h)
    wh = torch.zeros(n, 2, h, h)
    offset = torch.zeros(n, 2, h, h)
    centres = torch.zeros(n, h, h, dtype=torch.bool)
    grid = torch.arange(h, dtype=torch.float32)
    for i, (b, lab) in enumerate(zip(boxes, labels)):
        for (x0, y0, x1, y1), c in zip(b.tolist(), lab.tolist()):
            cx, cy = (x0 + x1) / 2 / s, (y0 + y1) / 2 / s              # centre in cells
            ix, iy = min(int(cx), h - 1), min(int(cy), h - 1)          # the cell holding the centre
            sigma = max(config.sigma_scale * math.sqrt((x1 - x0) * (y1 - y0)) / s, 0.3)
            bump = torch.exp(-((grid[None, :] - ix) ** 2 + (grid[:, None] - iy) ** 2) / (2 * sigma ** 2))
            heat[i, c] = torch.maximum(heat[i, c], bump)               # (h, w), exactly 1 at (iy, ix)
            wh[i, :, iy, ix] = torch.tensor([x1 - x0, y1 - y0])
            offset[i, :, iy, ix] = torch.tensor([cx - ix, cy - iy])
            centres[i, iy, ix] = True
    return {"heat": heat, "size": wh, "offset": offset, "centres": centres}


def decode(heat: torch.Tensor, size: torch.Tensor, offset: torch.Tensor, *, stride: int = 1, top_k: int = 20,
           min_score: float = 0.05) -> list[Detections]:
    """Heat-map logits (B, C, h, w), sizes and offsets (B, 2, h, w) -> one ``Detections`` per image.

    A cell is a peak if it is the maximum of its 3x3 neighbourhood (this replaces NMS); the ``top_k``
    best peaks over all classes with sigmoid score >= ``min_score`` become boxes centred at
    (cell + offset) * stride with the regressed width and height.
    """
    b, c, h, w = heat.shape
    p = torch.sigmoid(heat)
    peaks = p * (F.max_pool2d(p, 3, stride=1, padding=1) == p)         # non-peaks -> 0
    scores, index = peaks.flatten(1).topk(min(top_k, c * h * w))       # (B, k) over classes x cells
    labels = index // (h * w)
    cell = index % (h * w)
    ys, xs = cell // w, cell % w
    out = []
    for i in range(b):
        keep = scores[i] >= min_score
        y, x = ys[i][keep], xs[i][keep]
        off = offset[i][:, y, x]                                       # (2, k)
        wh = size[i][:, y, x].clamp(min=1.0)                           # (2, k) pixels
        cx, cy = (x + off[0]) * stride, (y + off[1]) * stride
        boxes = torch.stack([cx - wh[0] / 2, cy - wh[1] / 2, cx + wh[0] / 2, cy + wh[1] / 2], 1)
        out.append(Detections(boxes.cpu(), scores[i][keep].cpu(), labels[i][keep].cpu()))
    return out


def target_batches(tensors: dict[str, torch.Tensor], batch: int, *, seed: int = 0):
    """A callable returning random mini-batches (dicts of the same keys) from a dict of equal-length tensors."""
    generator = torch.Generator().manual_seed(seed)
    n = len(next(iter(tensors.values())))

    def next_batch() -> dict[str, torch.Tensor]:
        idx = torch.randint(n, (batch,), generator=generator)
        return {k: v[idx] for k, v in tensors.items()}

    return next_batch


@torch.no_grad()
def detect_all(model: CenterNet, images: torch.Tensor, *, batch: int = 256, **kw) -> list[Detections]:
    """``model.detect`` over a whole set of images, in batches on the model's device."""
    dev = next(model.parameters()).device
    model.eval()
    out = []
    for i in range(0, len(images), batch):
        out += model.detect(images[i:i + batch].to(dev), **kw)
    return out
