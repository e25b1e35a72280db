"""Boxes: intersection over union, non-maximum suppression and mean average precision (mAP).

Every detector in the course speaks the same language: a box is ``(x0, y0, x1, y1)``
in pixels, ``x1``/``y1`` exclusive (the shapes scenes' convention), and one image's
detections are a :class:`Detections` of boxes, scores and class labels.

    iou = box_iou(boxes_a, boxes_b)                  # (N, M) pairwise IoU
    keep = nms(boxes, scores, iou_threshold=0.5)     # indices of the boxes that survive
    result = mean_average_precision(detections, targets, num_classes=3)
    result.mean_ap, result.per_class[0].ap, result.per_class[0].precision

Average precision follows PASCAL VOC (2010 onwards, the devkit's ``VOCevaldet.m``): detections
of one class from every image are sorted by score; each goes to the ground-truth box of its class
that it overlaps most; it is a true positive if that IoU is >= the threshold and no higher-scored
detection has already taken that box, otherwise a false positive (a second detection of the same
object is a false positive, even if it also overlaps another, still unfound object enough).
AP is the area under the precision-recall curve after replacing each precision by the
best precision at any higher recall (the "interpolated" envelope).

``matching="coco"`` swaps in COCO's rule (pycocotools' ``COCOeval``): each detection goes to the
best-overlapping box *not yet taken*, so with crowded objects a repeat can still find a second
object.  Two overlapping objects and two detections on the first give AP 0.5 under VOC and 1.0
under COCO.  (COCO's mAP also samples precision at 101 recall points and averages over IoU
thresholds 0.5 to 0.95; only its matching rule is offered here.)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class Detections:
    """One image's detections: ``boxes`` (K, 4) xyxy pixels, ``scores`` (K,), ``labels`` (K,) class ids."""
    boxes: torch.Tensor
    scores: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return len(self.scores)

    def __getitem__(self, index) -> "Detections":
        return Detections(self.boxes[index], self.scores[index], self.labels[index])

    @staticmethod
    def empty() -> "Detections":
        return Detections(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.long))


# --------------------------------------------------------------------------- IoU
def box_area(boxes: torch.Tensor) -> torch.Tensor:
    """(N,) areas of (N, 4) xyxy boxes; a box with x1 <= x0 or y1 <= y0 has area 0."""
    return (boxes[:, 2] - boxes[:, 0]).clamp(min=0) * (boxes[:, 3] - boxes[:, 1]).clamp(min=0)


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(N, M) intersection over union of every box of ``a`` (N, 4) with every box of ``b`` (M, 4).

    IoU = |A intersect B| / |A union B| = inter / (area_a + area_b - inter); 0 where the union is empty.
    """
    top_left = torch.maximum(a[:, None, :2], b[None, :, :2])        # (N, M, 2) corner of the intersection
    bottom_right = torch.minimum(a[:, None, 2:], b[None, :, 2:])    # (N, M, 2)
    wh = (bottom_right - top_left).clamp(min=0)                     # empty intersection -> 0 wide
    inter = wh[..., 0] * wh[..., 1]                                 # (N, M)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-12), torch.zeros_like(inter))


# --------------------------------------------------------------------------- NMS
def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float = 0.5) -> torch.Tensor:
    """Greedy non-maximum suppression: indices (into ``boxes``) of the kept boxes, highest score first.

    Take the best-scored box, drop every remaining box that overlaps it with IoU > ``iou_threshold``,
    repeat with the best box left.  A detector that fires on neighbouring positions of one object
    keeps one box for it.
    """
    order = torch.argsort(scores, descending=True, stable=True)
    iou = box_iou(boxes, boxes)
    suppressed = torch.zeros(len(scores), dtype=torch.bool)
    keep = []
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= iou[i] > iou_threshold
    return torch.tensor(keep, dtype=torch.long)


def batched_nms(boxes: torch.Tensor, scores: torch.Tensor, labels: torch.Tensor,
                iou_threshold: float = 0.5) -> torch.Tensor:
    """NMS within each class separately (a circle never suppresses a square): kept indices, best first."""
    keep = [torch.nonzero(labels == c).flatten()[nms(boxes[labels == c], scores[labels == c], iou_threshold)]
            for c in labels.unique().tolist()]
    if not keep:
        return torch.zeros(0, dtype=torch.long)
    keep = torch.cat(keep)
    return keep[torch.argsort(scores[keep], descending=True, stable=True)]


# --------------------------------------------------------------------------- matching and AP
MATCHING_RULES = ("voc", "coco")


def match_detections(boxes: torch.Tensor, scores: torch.Tensor, true_boxes: torch.Tensor,
                     iou_threshold: float = 0.5, *, matching: str = "voc") -> torch.Tensor:
    """(K,) bool: which detections of ONE class in ONE image are true positives.

    Detections are visited best score first (ties keep their order).
    ``matching="voc"`` (PASCAL VOC): a detection looks at the ground-truth box it overlaps most (the first
    of equal ones); if that IoU >= ``iou_threshold`` and the box is not yet taken, it is a true positive
    and takes the box; if the box is taken, it is a repeat: a false positive.
    ``matching="coco"`` (pycocotools): a detection takes the box it overlaps most among those not yet
    taken (the last of equal ones, as pycocotools), if that IoU >= ``iou_threshold``.
    Either way, a box with too little overlap is a false positive.
    """
    if matching not in MATCHING_RULES:
        raise ValueError(f"matching must be one of {MATCHING_RULES}, not {matching!r}")
    hit = torch.zeros(len(scores), dtype=torch.bool)
    if len(scores) == 0 or len(true_boxes) == 0:
        return hit
    iou = box_iou(boxes, true_boxes)                                  # (K, G)
    taken = torch.zeros(len(true_boxes), dtype=torch.bool)
    for i in torch.argsort(scores, descending=True, stable=True).tolist():
        if matching == "voc":
            best = int(iou[i].argmax())                               # the best box overall, taken or not
        else:
            overlaps = iou[i].masked_fill(taken, -1.0).flip(0)        # taken boxes are out of reach; flipped so
            best = len(true_boxes) - 1 - int(overlaps.argmax())       # that argmax finds the last of equal ones
        if iou[i, best] >= iou_threshold and not taken[best]:         # a taken box: a repeat, a false positive
            hit[i], taken[best] = True, True
    return hit


def average_precision(recall: torch.Tensor, precision: torch.Tensor, *, interpolated: bool = True) -> float:
    """Area under a precision-recall curve given at each rank (recall non-decreasing).

    ``interpolated=True`` (PASCAL VOC 2010+, the usual mAP): precision at recall r becomes the best
    precision at any recall >= r, then AP = sum over the steps where recall grows of
    (r_n - r_(n-1)) * p_interp(r_n).  ``interpolated=False`` uses the raw precision at each step,
    which is what scikit-learn's ``average_precision_score`` computes.
    """
    recall = torch.cat([torch.zeros(1, dtype=torch.float64), recall.double()])
    precision = torch.cat([torch.zeros(1, dtype=torch.float64), precision.double()])
    if interpolated:   # running maximum from the right: the precision envelope
        precision = torch.flip(torch.cummax(torch.flip(precision, [0]), 0).values, [0])
    steps = recall[1:] - recall[:-1]
    return float((steps * precision[1:]).sum())


@dataclass
class ClassAP:
    """One class's precision-recall curve (one point per detection, best score first) and its AP."""
    ap: float
    precision: torch.Tensor
    recall: torch.Tensor
    scores: torch.Tensor
    num_true: int                # ground-truth boxes of this class


@dataclass
class MAPResult:
    mean_ap: float                                            # mean over classes that have ground truth
    per_class: dict[int, ClassAP] = field(default_factory=dict)


def class_precision_recall(detections: list[Detections], true_boxes: list[torch.Tensor],
                           true_labels: list[torch.Tensor], label: int, iou_threshold: float = 0.5,
                           interpolated: bool = True, *, matching: str = "voc") -> ClassAP:
    """Precision and recall of class ``label`` over a data set, one point per detection of that class.

    ``matching`` is the rule of :func:`match_detections`: "voc" (the default) or "coco"."""
    hits, scores, num_true = [torch.zeros(0, dtype=torch.bool)], [torch.zeros(0)], 0
    for det, boxes, labels in zip(detections, true_boxes, true_labels, strict=True):
        mine = det.labels == label
        num_true += int((labels == label).sum())
        hits.append(match_detections(det.boxes[mine], det.scores[mine], boxes[labels == label], iou_threshold,
                                     matching=matching))
        scores.append(det.scores[mine].float())
    hits, scores = torch.cat(hits), torch.cat(scores)
    order = torch.argsort(scores, descending=True, stable=True)
    hits, scores = hits[order].double(), scores[order]
    tp = torch.cumsum(hits, 0)                                       # true positives among the top k
    precision = tp / torch.arange(1, len(hits) + 1, dtype=torch.float64)
    recall = tp / max(num_true, 1)
    ap = average_precision(recall, precision, interpolated=interpolated) if num_true else float("nan")
    return ClassAP(ap, precision, recall, scores, num_true)


def mean_average_precision(detections: list[Detections], true_boxes: list[torch.Tensor],
                           true_labels: list[torch.Tensor], num_classes: int, iou_threshold: float = 0.5,
                           interpolated: bool = True, *, matching: str = "voc") -> MAPResult:
    """mAP@``iou_threshold``: the mean over classes of each class's average precision.

    ``detections[i]`` are image i's predictions; ``true_boxes[i]`` (G, 4) and ``true_labels[i]`` (G,)
    its ground truth.  Classes with no ground-truth box anywhere are left out of the mean.
    ``matching``: "voc" (PASCAL VOC's rule, the default) or "coco" (see :func:`match_detections`).
    """
    result = MAPResult(mean_ap=0.0)
    for c in range(num_classes):
        result.per_class[c] = class_precision_recall(detections, true_boxes, true_labels, c, iou_threshold,
                                                     interpolated, matching=matching)
    aps = [r.ap for r in result.per_class.values() if r.num_true > 0]
    result.mean_ap = sum(aps) / len(aps) if aps else float("nan")
    return result


# --------------------------------------------------------------------------- a trivial baseline
def random_box_baseline(n_images: int, train_boxes: list[torch.Tensor], num_classes: int, size: int, *,
                        boxes_per_image: int = 5, seed: int = 0) -> list[Detections]:
    """A detector that never looks at the image: per image, a box of the average training size at the centre
    and more at random places, each with a random class and score.  Any real detector must beat it."""
    generator = torch.Generator().manual_seed(seed)
    all_boxes = torch.cat(train_boxes)
    wh = (all_boxes[:, 2:] - all_boxes[:, :2]).mean(0)                   # average (width, height)
    out = []
    for _ in range(n_images):
        centres = torch.cat([torch.full((1, 2), size / 2),
                             torch.rand(boxes_per_image - 1, 2, generator=generator) * size])
        boxes = torch.cat([centres - wh / 2, centres + wh / 2], 1)
        out.append(Detections(boxes, torch.rand(boxes_per_image, generator=generator),
                              torch.randint(num_classes, (boxes_per_image,), generator=generator)))
    return out
