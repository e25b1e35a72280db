"""Checks for the exercises of notebooks/03_image/05_detection.

Each check runs the learner's function on boxes, scores and detection outcomes made up here and
compares it with the package (``boxes.box_iou``, ``boxes.nms``, ``boxes.average_precision``), so
the notebook never holds the answer.
"""
from __future__ import annotations

import torch

from . import exercise


def _random_boxes(generator: torch.Generator, n: int, spread: float = 20.0) -> torch.Tensor:
    xy = torch.rand(n, 2, generator=generator) * spread
    return torch.cat([xy, xy + 1 + torch.rand(n, 2, generator=generator) * 10], 1)


@exercise("03_image.05.a", kind="function",
          hint="The intersection is the box from the larger of the two top-left corners to the smaller of the two "
               "bottom-right corners; its width and height are 0 when that box is empty (clamp them at 0 before "
               "multiplying: two negative sides would give a positive area). Union = area A + area B - intersection.")
def _iou(answer) -> bool:
    from ..image.boxes import box_iou

    g = torch.Generator().manual_seed(0)
    a, b = _random_boxes(g, 60), _random_boxes(g, 60)
    cases = [(a[i], b[i]) for i in range(60)] + [
        (torch.tensor([0.0, 0, 2, 2]), torch.tensor([1.0, 1, 3, 3])),
        (torch.tensor([0.0, 0, 2, 2]), torch.tensor([5.0, 5, 7, 7])),        # disjoint in x and in y
        (torch.tensor([0.0, 0, 4, 4]), torch.tensor([1.0, 1, 3, 3])),        # one inside the other
    ]
    for box_a, box_b in cases:
        expected = box_iou(box_a[None], box_b[None]).item()
        mine = float(answer(box_a.tolist(), box_b.tolist()))
        if abs(mine - expected) > 1e-5:
            return False
    return True


@exercise("03_image.05.b", kind="function",
          hint="Visit the boxes from the highest score down. Keep a box only if no box kept so far overlaps it with "
               "IoU above the threshold; a box that was suppressed suppresses nothing. Return the kept indices in "
               "the order you kept them.")
def _nms(answer) -> bool:
    from ..image.boxes import nms

    g = torch.Generator().manual_seed(1)
    for trial in range(8):
        centres = torch.rand(4, 2, generator=g) * 40                          # 4 clusters of 5 overlapping boxes
        xy = centres.repeat_interleave(5, 0) + torch.randn(20, 2, generator=g) * 2
        boxes = torch.cat([xy, xy + 8 + torch.rand(20, 2, generator=g) * 3], 1)
        scores = torch.rand(20, generator=g)
        threshold = [0.3, 0.5, 0.7][trial % 3]
        expected = nms(boxes, scores, threshold).tolist()
        mine = [int(i) for i in answer(boxes.clone(), scores.clone(), threshold)]
        if mine != expected:
            return False
    return True


@exercise("03_image.05.c", kind="function",
          hint="Walk the detections in score order counting true positives: precision = TP / (detections so far), "
               "recall = TP / num_true. Replace each precision by the best precision at the same or any later rank "
               "(the envelope), then add (recall step) x (interpolated precision) wherever recall grows.")
def _average_precision(answer) -> bool:
    from ..image.boxes import average_precision

    g = torch.Generator().manual_seed(2)
    cases = [([True, False, True, True], 3), ([True, False, True, False, True], 3), ([False, False], 2),
             ([True, True], 4)]
    for _ in range(20):
        n = int(torch.randint(1, 15, (1,), generator=g))
        hits = (torch.rand(n, generator=g) < 0.6).tolist()
        cases.append((hits, sum(hits) + int(torch.randint(0, 3, (1,), generator=g))))
    for hits, num_true in cases:
        if num_true == 0:
            continue
        tp = torch.cumsum(torch.tensor(hits, dtype=torch.float64), 0)
        precision = tp / torch.arange(1, len(hits) + 1)
        expected = average_precision(tp / num_true, precision)
        if abs(float(answer(list(hits), num_true)) - expected) > 1e-6:
            return False
    return True
