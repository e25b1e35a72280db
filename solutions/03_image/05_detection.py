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


def _iou(a, b):
    return exercise_a()(a.tolist(), b.tolist())


def exercise_b():
    """Greedy non-maximum suppression.

    Sort by score, best first. Walk that order keeping a list of kept boxes: a box is kept
    unless it overlaps an already kept box with IoU above the threshold. Comparing only with
    kept boxes means a suppressed box never suppresses anything itself.
    """
    def nms(boxes, scores, threshold):
        order = sorted(range(len(scores)), key=lambda i: -float(scores[i]))
        keep = []
        for i in order:
            if all(_iou(boxes[i], boxes[j]) <= threshold for j in keep):
                keep.append(i)
        return keep

    return nms


def wrong_b():
    """Lets suppressed boxes suppress too: a box is dropped if ANY higher-scored box overlaps it."""
    def nms(boxes, scores, threshold):
        order = sorted(range(len(scores)), key=lambda i: -float(scores[i]))
        return [i for n, i in enumerate(order) if all(_iou(boxes[i], boxes[j]) <= threshold for j in order[:n])]

    return nms


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
