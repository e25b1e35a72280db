"""A minimal two-stage detector in the spirit of the R-CNN family, with RoI pooling written in torch.

Stage one proposes regions that might hold an object; stage two looks at each region and says
which class it is (or background) and how to nudge its box.  The family's three steps:

- R-CNN (Girshick et al., 2014): ~2,000 proposals from selective search; each is cropped from the
  image, warped and classified by its own CNN pass (slow: one CNN per region).
- Fast R-CNN (Girshick, 2015): one CNN pass over the whole image; each proposal's features are cut out
  of the shared feature map by **RoI pooling** into a fixed grid, then a small head classifies and
  regresses.  This file is that step, with proposals from either
  ``sliding_window_proposals`` (dense windows, in the spirit of selective search) or any detector's boxes.
- Faster R-CNN (Ren et al., 2015): the proposals come from a network too (the region proposal network).
  The notebook does that with the one-stage CenterNet's class-agnostic peaks as proposals.

RoI pooling comes in two forms, both here: ``roi_pool`` (Fast R-CNN: snap the box to the feature grid,
max over each bin) and ``roi_align`` (Mask R-CNN, He et al. 2017: no snapping; average bilinearly
interpolated samples in each bin).  Both take ``rois`` (K, 5) rows ``(batch index, x0, y0, x1, y1)`` in
image pixels and ``spatial_scale`` = feature size / image size, as torchvision's ``ops`` do.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .boxes import Detections, batched_nms, box_iou

BOX_WEIGHTS = (10.0, 10.0, 5.0, 5.0)   # Faster R-CNN's scaling of (dx, dy, dw, dh) to about unit variance


# --------------------------------------------------------------------------- RoI pooling
def roi_align(features: torch.Tensor, rois: torch.Tensor, output_size: int, spatial_scale: float = 1.0,
              sampling_ratio: int = 2, aligned: bool = True) -> torch.Tensor:
    """(B, C, H, W) features, (K, 5) rois -> (K, C, output_size, output_size), torchvision's RoIAlign.

    Each RoI is split into output_size x output_size bins; each bin averages sampling_ratio^2 points
    placed evenly inside it, each point read by bilinear interpolation.  ``aligned=True`` shifts by half
    a pixel so that feature cell i covers [i, i + 1) in scaled coordinates (pixel centres at i + 0.5).
    """
    K, (B, C, H, W), S, n = len(rois), features.shape, sampling_ratio, output_size
    offset = 0.5 if aligned else 0.0
    x0, y0, x1, y1 = (rois[:, j] * spatial_scale - offset for j in range(1, 5))       # (K,) each
    roi_w, roi_h = x1 - x0, y1 - y0
    if not aligned:                                                # the original RoIAlign forces >= 1 cell
        roi_w, roi_h = roi_w.clamp(min=1.0), roi_h.clamp(min=1.0)
    # sample coordinates: bin j, point s at start + (j + (s + 0.5) / S) * roi_size / n
    steps = (torch.arange(n * S, dtype=features.dtype, device=features.device) + 0.5) / S   # (n*S,)
    xs = x0[:, None] + steps[None] * (roi_w / n)[:, None]          # (K, n*S)
    ys = y0[:, None] + steps[None] * (roi_h / n)[:, None]
    (x_lo, x_hi, wx_lo, wx_hi, x_in), (y_lo, y_hi, wy_lo, wy_hi, y_in) = _linear(xs, W), _linear(ys, H)
    flat = features[rois[:, 0].long()].flatten(2)                  # (K, C, H*W)

    def read(yi, xi):                                              # (K, C, nS, nS) values at the index grid
        index = (yi[:, :, None] * W + xi[:, None, :]).flatten(1)   # (K, nS*nS)
        return flat.gather(2, index[:, None, :].expand(K, C, -1)).view(K, C, n * S, n * S)

    wy0, wy1 = wy_lo[:, None, :, None], wy_hi[:, None, :, None]   # (K, 1, nS, 1): weights of the rows
    wx0, wx1 = wx_lo[:, None, None, :], wx_hi[:, None, None, :]   # (K, 1, 1, nS): weights of the columns
    out = (wy0 * (wx0 * read(y_lo, x_lo) + wx1 * read(y_lo, x_hi))
           + wy1 * (wx0 * read(y_hi, x_lo) + wx1 * read(y_hi, x_hi)))   # (K, C, nS, nS) bilinear reads
    out = out * (y_in[:, None, :, None] & x_in[:, None, None, :])  # points far outside the map read 0
    return out.view(K, C, n, S, n, S).mean(dim=(3, 5))             # average the S x S points of each bin


def _linear(v: torch.Tensor, size: int):
    """Indices and weights of 1-D linear interpolation at positions ``v``, with torchvision's border rules:
    a point in [-1, 0) reads cell 0, a point past the last cell reads the last cell, beyond that reads 0."""
    inside = (v >= -1.0) & (v <= size)
    v = v.clamp(min=0.0)
    lo = v.floor().long().clamp(max=size - 1)
    hi = (lo + 1).clamp(max=size - 1)
    v = torch.where(lo >= size - 1, lo.to(v.dtype), v)
    w_hi = v - lo
    return lo, hi, 1.0 - w_hi, w_hi, inside


def roi_pool(features: torch.Tensor, rois: torch.Tensor, output_size: int, spatial_scale: float = 1.0) -> torch.Tensor:
    """(B, C, H, W) features, (K, 5) rois -> (K, C, output_size, output_size), Fast R-CNN's RoI max pooling.

    The box is snapped to whole feature cells (start = round(x0 * scale), end = round(x1 * scale), at
    least one cell); bin j covers cells [start + floor(j * len / n), start + ceil((j + 1) * len / n)),
    clipped to the map; each bin outputs the maximum over its cells (0 for an empty bin).
    """
    K, (B, C, H, W), n = len(rois), features.shape, output_size

    def bins(start, end, size):                                    # (K, n, size) bool: which cells each bin covers
        start = torch.round(start * spatial_scale)
        length = (torch.round(end * spatial_scale) - start).clamp(min=1)
        j = torch.arange(n, device=features.device, dtype=features.dtype)
        lo = (start[:, None] + torch.floor(j * length[:, None] / n)).clamp(0, size)
        hi = (start[:, None] + torch.ceil((j + 1) * length[:, None] / n)).clamp(0, size)
        cells = torch.arange(size, device=features.device, dtype=features.dtype)
        return (cells >= lo[..., None]) & (cells < hi[..., None])

    rows, cols = bins(rois[:, 2], rois[:, 4], H), bins(rois[:, 1], rois[:, 3], W)   # (K, n, H), (K, n, W)
    out = []
    for i in range(0, K, 64):                                      # chunks of RoIs bound the memory
        f = features[rois[i:i + 64, 0].long()]                     # (k, C, H, W)
        r, c = rows[i:i + 64], cols[i:i + 64]
        # max over the columns of each column-bin: (k, C, H, n), then over the rows of each row-bin: (k, C, n, n)
        by_col = f[:, :, :, None, :].masked_fill(~c[:, None, None], -math.inf).amax(-1)
        pooled = by_col[:, :, None, :, :].masked_fill(~r[:, None, :, :, None], -math.inf).amax(3)
        out.append(torch.where(torch.isinf(pooled), torch.zeros_like(pooled), pooled))
    return torch.cat(out) if out else features.new_zeros(0, C, n, n)


# --------------------------------------------------------------------------- boxes <-> regression targets
def encode_boxes(proposals: torch.Tensor, targets: torch.Tensor, weights=BOX_WEIGHTS) -> torch.Tensor:
    """R-CNN's box regression targets (K, 4): how to move and stretch each proposal onto its target box.

    dx = (gx - px) / pw, dy = (gy - py) / ph, dw = log(gw / pw), dh = log(gh / ph)   (centres and sizes)
    """
    pw, ph = proposals[:, 2] - proposals[:, 0], proposals[:, 3] - proposals[:, 1]
    px, py = proposals[:, 0] + pw / 2, proposals[:, 1] + ph / 2
    gw, gh = targets[:, 2] - targets[:, 0], targets[:, 3] - targets[:, 1]
    gx, gy = targets[:, 0] + gw / 2, targets[:, 1] + gh / 2
    wx, wy, ww, wh = weights
    return torch.stack([wx * (gx - px) / pw, wy * (gy - py) / ph, ww * torch.log(gw / pw), wh * torch.log(gh / ph)], 1)


def decode_boxes(proposals: torch.Tensor, deltas: torch.Tensor, weights=BOX_WEIGHTS) -> torch.Tensor:
    """The inverse of ``encode_boxes``: proposals (K, 4) moved by deltas (K, 4) -> boxes (K, 4)."""
    pw, ph = proposals[:, 2] - proposals[:, 0], proposals[:, 3] - proposals[:, 1]
    px, py = proposals[:, 0] + pw / 2, proposals[:, 1] + ph / 2
    wx, wy, ww, wh = weights
    cx, cy = px + deltas[:, 0] / wx * pw, py + deltas[:, 1] / wy * ph
    w = pw * torch.exp((deltas[:, 2] / ww).clamp(max=4.0))
    h = ph * torch.exp((deltas[:, 3] / wh).clamp(max=4.0))
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)


# --------------------------------------------------------------------------- proposals
def sliding_window_proposals(size: int, window_sizes=(7, 10, 13), step: int = 2) -> torch.Tensor:
    """(P, 4) square windows of each size at every ``step`` pixels inside a ``size`` image: a dense
    stand-in for selective search, which proposes regions by merging similar-coloured segments."""
    boxes = []
    for s in window_sizes:
        starts = torch.arange(0, size - s + 1, step, dtype=torch.float32)
        y, x = torch.meshgrid(starts, starts, indexing="ij")
        boxes.append(torch.stack([x.flatten(), y.flatten(), x.flatten() + s, y.flatten() + s], 1))
    return torch.cat(boxes)


def proposal_recall(proposals: list[torch.Tensor], true_boxes: list[torch.Tensor], iou: float = 0.5) -> float:
    """Fraction of ground-truth boxes that some proposal overlaps with IoU >= ``iou``: stage two cannot find the rest."""
    found = sum(int((box_iou(t, p).amax(1) >= iou).sum()) if len(p) else 0 for p, t in zip(proposals, true_boxes))
    return found / max(1, sum(len(t) for t in true_boxes))


def jitter_boxes(boxes: torch.Tensor, copies: int, scale: float, generator: torch.Generator) -> torch.Tensor:
    """``copies`` noisy versions of each box: centre moved and sides stretched by ``scale`` times its size."""
    boxes = boxes.repeat_interleave(copies, 0)
    wh = boxes[:, 2:] - boxes[:, :2]
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2 + torch.randn(len(boxes), 2, generator=generator) * scale * wh
    wh = wh * torch.exp(torch.randn(len(boxes), 2, generator=generator) * scale)
    return torch.cat([centre - wh / 2, centre + wh / 2], 1)


def rcnn_batches(images: torch.Tensor, boxes: list[torch.Tensor], labels: list[torch.Tensor], batch: int, *,
                 rois_per_image: int = 16, fg_iou: float = 0.5, seed: int = 0):
    """A callable returning training batches for ``TwoStageDetector.loss``.

    Per image: candidate regions are jittered copies of the true boxes plus random windows; each candidate
    takes the class of the true box it overlaps most if that IoU >= ``fg_iou`` (label 1 + shape id), else
    background (label 0).  Up to half the sampled RoIs are foreground, as in Fast R-CNN's mini-batches.
    """
    generator = torch.Generator().manual_seed(seed)
    size = images.shape[-1]
    windows = sliding_window_proposals(size, window_sizes=(5, 7, 10, 13, 16), step=1)

    def next_batch() -> dict[str, torch.Tensor]:
        idx = torch.randint(len(images), (batch,), generator=generator)
        rois, roi_labels, targets = [], [], []
        for b, i in enumerate(idx.tolist()):
            gt, gl = boxes[i], labels[i]
            random = windows[torch.randint(len(windows), (4 * rois_per_image,), generator=generator)]
            candidates = torch.cat([jitter_boxes(gt, 8, 0.15, generator), random]).clamp(0, size)
            wide, tall = candidates[:, 2] - candidates[:, 0], candidates[:, 3] - candidates[:, 1]
            candidates = candidates[(wide > 1) & (tall > 1)]
            best_iou, best = box_iou(candidates, gt).max(1)
            fg = torch.nonzero(best_iou >= fg_iou).flatten()
            bg = torch.nonzero(best_iou < fg_iou).flatten()
            fg = fg[torch.randperm(len(fg), generator=generator)[:rois_per_image // 2]]
            bg = bg[torch.randperm(len(bg), generator=generator)[:rois_per_image - len(fg)]]
            chosen = torch.cat([fg, bg])
            rois.append(torch.cat([torch.full((len(chosen), 1), float(b)), candidates[chosen]], 1))
            roi_labels.append(torch.cat([gl[best[fg]] + 1, torch.zeros(len(bg), dtype=torch.long)]))
            targets.append(encode_boxes(candidates[chosen], gt[best[chosen]]))
        return {"images": images[idx], "rois": torch.cat(rois), "labels": torch.cat(roi_labels),
                "targets": torch.cat(targets)}

    return next_batch


# --------------------------------------------------------------------------- the detector
@dataclass
class TwoStageConfig:
    in_channels: int = 3
    num_classes: int = 3          # object classes; the head predicts num_classes + 1 (0 = background)
    width: int = 32               # backbone channels (at stride 2)
    pool: str = "align"           # "align" (RoIAlign) or "max" (Fast R-CNN's RoI pooling)
    pool_size: int = 4            # each RoI becomes a pool_size x pool_size grid of features
    hidden: int = 128             # the head's fully connected width
    box_weight: float = 1.0       # weight of the smooth-L1 box loss


class TwoStageDetector(nn.Module):
    """Fast R-CNN: a shared convolutional feature map (stride 2), RoI pooling, a two-layer head with a
    classifier over background + classes and a class-agnostic box regressor."""

    stride = 2

    def __init__(self, config: TwoStageConfig):
        super().__init__()
        self.config = config
        w = config.width

        def conv(c_in, c_out, **kw):
            return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=kw.get("dilation", 1), bias=False, **kw),
                                 nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))

        self.backbone = nn.Sequential(conv(config.in_channels, w // 2), conv(w // 2, w // 2),
                                      conv(w // 2, w, stride=2), conv(w, w), conv(w, w, dilation=2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(w * config.pool_size ** 2, config.hidden),
                                  nn.ReLU(inplace=True),
                                  nn.Linear(config.hidden, config.hidden), nn.ReLU(inplace=True))
        self.classify = nn.Linear(config.hidden, config.num_classes + 1)
        self.regress = nn.Linear(config.hidden, 4)

    def forward(self, images: torch.Tensor, rois: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """images (B, 3, H, W), rois (K, 5) -> class logits (K, classes + 1), box deltas (K, 4)."""
        features = self.backbone(images)                                 # (B, w, H/2, W/2), computed once
        pool = roi_align if self.config.pool == "align" else roi_pool
        pooled = pool(features.float(), rois.float(), self.config.pool_size, spatial_scale=1 / self.stride)
        hidden = self.head(pooled.to(features.dtype))                    # (K, hidden)
        return self.classify(hidden), self.regress(hidden)

    def loss(self, batch: dict) -> torch.Tensor:
        """Cross-entropy over background + classes for every RoI, smooth L1 on the deltas of foreground RoIs."""
        logits, deltas = self(batch["images"], batch["rois"])
        fg = batch["labels"] > 0
        box = F.smooth_l1_loss(deltas.float()[fg], batch["targets"][fg], beta=1 / 9, reduction="sum")
        return F.cross_entropy(logits.float(), batch["labels"]) + self.config.box_weight * box / max(1, len(fg))

    @torch.no_grad()
    def detect(self, images: torch.Tensor, proposals: list[torch.Tensor], *, min_score: float = 0.05,
               nms_iou: float = 0.3, top_k: int = 20) -> list[Detections]:
        """Classify and refine each image's proposals (P_i, 4); class-wise NMS; ``Detections`` on the CPU."""
        dev = images.device
        rois = torch.cat([torch.cat([torch.full((len(p), 1), float(i)), p.float()], 1)
                          for i, p in enumerate(proposals)]).to(dev)
        logits, deltas = self(images, rois)
        probs = logits.float().softmax(-1)[:, 1:].cpu()                 # (K, classes): drop the background column
        boxes = decode_boxes(rois[:, 1:].cpu(), deltas.float().cpu()).clamp(0, images.shape[-1])
        out, start = [], 0
        for p in proposals:
            prob, box = probs[start:start + len(p)], boxes[start:start + len(p)]
            start += len(p)
            score, label = prob.max(1)                                  # each proposal's best class
            keep = torch.nonzero(score >= min_score).flatten()
            keep = keep[batched_nms(box[keep], score[keep], label[keep], nms_iou)][:top_k]
            out.append(Detections(box[keep], score[keep], label[keep]))
        return out


@torch.no_grad()
def detect_all(model: TwoStageDetector, images: torch.Tensor, proposals: list[torch.Tensor], *, batch: int = 64,
               **kw) -> list[Detections]:
    """``model.detect`` over a whole set of images and their proposals, in batches on the model's device."""
    dev = next(model.parameters()).device
    model.eval()
    out = []
    for i in range(0, len(images), batch):
        out += model.detect(images[i:i + batch].to(dev), proposals[i:i + batch], **kw)
    return out
