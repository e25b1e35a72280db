"""Worked solutions for the exercises of notebooks/03_image/05_detection.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("03_image.05.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations


def exercise_a():
    """IoU of two boxes (x0, y0, x1, y1).

    The intersection runs from the larger top-left corner to the smaller bottom-right corner.
    If the boxes do not overlap that "box" is inverted, so each side is clamped at 0 before
    multiplying. The union is both areas minus the intersection, which they both count.
    """
    def iou(a, b):
        width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
        height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
        inter = width * height
        union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
        return inter / union if union > 0 else 0.0

    return iou


def wrong_a():
    """Forgets to clamp: boxes apart in both x and y get two negative sides and a positive 'intersection'."""
    def iou(a, b):
        inter = (min(a[2], b[2]) - max(a[0], b[0])) * (min(a[3], b[3]) - max(a[1], b[1]))
        union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
        return inter / union

    return iou


def exercise_c():
    """Interpolated average precision from the true/false-positive flags in score order.

    After k detections, precision = TP_k / k and recall = TP_k / num_true. The interpolated
    precision at rank k is the maximum precision at rank k or later. AP sums, over the ranks
    where recall grows (the true positives), the recall step 1 / num_true times that
    interpolated precision. Missed objects keep the final recall below 1.
    """
    def average_precision(hits, num_true):
        precision, tp = [], 0
        for k, hit in enumerate(hits, start=1):
            tp += bool(hit)
            precision.append(tp / k)
        for k in range(len(precision) - 2, -1, -1):        # the envelope, from the right
            precision[k] = max(precision[k], precision[k + 1])
        return sum(p / num_true for p, hit in zip(precision, hits) if hit)

    return average_precision


def wrong_c():
    """Uses the raw precision at each true positive (no envelope), as scikit-learn's score does."""
    def average_precision(hits, num_true):
        tp, total = 0, 0.0
        for k, hit in enumerate(hits, start=1):
            tp += bool(hit)
            if hit:
                total += tp / k / num_true
        return total

    return average_precision


def exercise_d():
    """COCO's matching rule (pycocotools' COCOeval).

    Visit the detections best score first. Each one may only take a true box that no better
    detection has taken: mask the taken boxes' IoU to -1, then pick the best of the rest (flipped,
    so that argmax finds the last of equal ones, as pycocotools does). It is a true positive if
    that IoU reaches the threshold. Unlike VOC's rule, a second detection on a taken object can
    still match a neighbouring free object that it overlaps enough.
    """
    import torch

    from aigc_lab.image.boxes import box_iou

    def match_coco(boxes, scores, true_boxes, threshold=0.5):
        hit = torch.zeros(len(scores), dtype=torch.bool)
        if len(scores) == 0 or len(true_boxes) == 0:
            return hit
        iou = box_iou(boxes, true_boxes)                              # (K, G)
        taken = torch.zeros(len(true_boxes), dtype=torch.bool)
        for i in torch.argsort(scores, descending=True, stable=True).tolist():
            free = iou[i].masked_fill(taken, -1.0).flip(0)            # taken boxes are out of reach
            j = len(true_boxes) - 1 - int(free.argmax())              # the last of equal ones
            if iou[i, j] >= threshold and not taken[j]:                # all taken: j is a taken box
                hit[i], taken[j] = True, True
        return hit

    return match_coco


def wrong_d():
    """VOC's rule instead: looks only at the best box overall, so a repeat on a taken box is a false positive."""
    import torch

    from aigc_lab.image.boxes import box_iou

    def match_coco(boxes, scores, true_boxes, threshold=0.5):
        hit = torch.zeros(len(scores), dtype=torch.bool)
        if len(scores) == 0 or len(true_boxes) == 0:
            return hit
        iou = box_iou(boxes, true_boxes)
        taken = torch.zeros(len(true_boxes), dtype=torch.bool)
        for i in torch.argsort(scores, descending=True, stable=True).tolist():
            j = int(iou[i].argmax())
            if iou[i, j] >= threshold and not taken[j]:
                hit[i], taken[j] = True, True
        return hit

    return match_coco
