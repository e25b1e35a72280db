"""Checks for the exercises of notebooks/03_image/05_detection.

Each check runs the learner's function on boxes, scores and detection outcomes made up here and
compares it with the package (``boxes.box_iou``, ``boxes.average_precision``,
``boxes.match_detections``), so the notebook never holds the answer.  (03_image.05.b, greedy NMS, is
retired: the notebook now writes NMS on screen.)
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


@exercise("03_image.05.d", kind="function",
          hint="Section 4's matching rules: go through the detections best score first. Unlike match_voc, leave the "
               "boxes already taken out of the arg max (for instance set their IoU to -1 before choosing), then take "
               "the best remaining box if its IoU is at least the threshold. Return a (K,) bool tensor.")
def _coco_matching(answer) -> bool:
    from ..image.boxes import Detections, average_precision, class_precision_recall, match_detections

    g = torch.Generator().manual_seed(3)
    two_objects = torch.tensor([[0.0, 0, 10, 10], [3, 0, 13, 10]])           # the notebook's example
    cases = [(torch.tensor([[0.0, 0, 10, 10], [1, 0, 11, 10]]), torch.tensor([0.9, 0.8]), two_objects, 0.5),
             (torch.zeros(0, 4), torch.zeros(0), two_objects, 0.5),
             (two_objects.clone(), torch.tensor([0.3, 0.6]), torch.zeros(0, 4), 0.5)]
    for trial in range(60):
        n_true, n_found = int(torch.randint(1, 5, (1,), generator=g)), int(torch.randint(1, 8, (1,), generator=g))
        corner = torch.rand(n_true, 2, generator=g) * 12                      # crowded: boxes overlap each other
        objects = torch.cat([corner, corner + 6 + torch.rand(n_true, 2, generator=g) * 6], 1)
        guesses = objects[torch.randint(n_true, (n_found,), generator=g)] + torch.randn(n_found, 4, generator=g)
        cases.append((guesses, torch.rand(n_found, generator=g), objects, [0.3, 0.5, 0.7][trial % 3]))
    for boxes, scores, true_boxes, threshold in cases:
        expected = match_detections(boxes, scores, true_boxes, threshold, matching="coco")
        mine = torch.as_tensor(answer(boxes.clone(), scores.clone(), true_boxes.clone(), threshold)).bool()
        if mine.shape != expected.shape or not torch.equal(mine, expected):
            return False
    # scored over a whole set: the AP from the learner's matching equals the package's COCO AP
    images = cases[3:23]
    hits = torch.cat([torch.as_tensor(answer(b, s, t, 0.5)).bool() for b, s, t, _ in images])
    scores = torch.cat([s for _, s, _, _ in images])
    order = torch.argsort(scores, descending=True, stable=True)
    tp = torch.cumsum(hits[order].double(), 0)
    num_true = sum(len(t) for _, _, t, _ in images)
    detections = [Detections(b, s, torch.zeros(len(s), dtype=torch.long)) for b, s, _, _ in images]
    labels = [torch.zeros(len(t), dtype=torch.long) for _, _, t, _ in images]
    expected_ap = class_precision_recall(detections, [t for _, _, t, _ in images], labels, 0, matching="coco").ap
    return abs(average_precision(tp / num_true, tp / torch.arange(1, len(tp) + 1)) - expected_ap) < 1e-9
