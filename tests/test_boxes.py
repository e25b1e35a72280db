"""Boxes: IoU, NMS, matching and (mean) average precision on examples worked out by hand, and AP against
scikit-learn's average_precision_score where the two definitions agree."""
from __future__ import annotations

import math

import pytest
import torch
from sklearn.metrics import average_precision_score

from aigc_lab.image.boxes import (Detections, average_precision, batched_nms, box_area, box_iou,
                                  class_precision_recall, match_detections, mean_average_precision, nms,
                                  random_box_baseline)


def t(rows):
    return torch.tensor(rows, dtype=torch.float32)


# --------------------------------------------------------------------------- IoU
def test_iou_hand_worked():
    a = t([[0, 0, 2, 2], [0, 0, 4, 4], [0, 0, 1, 1]])
    b = t([[1, 1, 3, 3], [1, 1, 3, 3], [5, 5, 6, 6]])
    iou = box_iou(a, b)
    # [0,0,2,2] vs [1,1,3,3]: intersection 1x1 = 1, union 4 + 4 - 1 = 7
    assert iou[0, 0].item() == pytest.approx(1 / 7)
    # [0,0,4,4] contains [1,1,3,3]: 4 / 16
    assert iou[1, 1].item() == pytest.approx(0.25)
    # disjoint boxes, and boxes that only touch along an edge, share nothing
    assert iou[2, 2].item() == 0.0
    assert box_iou(t([[0, 0, 2, 2]]), t([[2, 0, 4, 2]])).item() == 0.0
    # a 10x10 box and the same box shifted by 1 pixel in x and y: 81 / (100 + 100 - 81)
    assert box_iou(t([[0, 0, 10, 10]]), t([[1, 1, 11, 11]])).item() == pytest.approx(81 / 119)
    assert iou.shape == (3, 3)


def test_iou_properties():
    g = torch.Generator().manual_seed(0)
    xy = torch.rand(20, 2, generator=g) * 20
    boxes = torch.cat([xy, xy + 1 + torch.rand(20, 2, generator=g) * 10], 1)
    iou = box_iou(boxes, boxes)
    assert torch.allclose(iou, iou.T)
    assert torch.allclose(iou.diagonal(), torch.ones(20))
    assert ((iou >= 0) & (iou <= 1 + 1e-6)).all()
    assert torch.equal(box_area(t([[0, 0, 3, 2], [2, 2, 1, 5]])), t([6, 0]))   # an inverted box has no area
    assert box_iou(t([[1, 1, 1, 1]]), t([[1, 1, 1, 1]])).item() == 0.0        # empty union -> 0, not nan


# --------------------------------------------------------------------------- NMS
def test_nms_hand_worked():
    boxes = t([[0, 0, 10, 10],     # score 0.9, kept
               [1, 1, 11, 11],     # 0.8, IoU 81/119 = 0.68 with box 0 -> suppressed
               [20, 20, 30, 30],   # 0.7, far away -> kept
               [0, 5, 10, 15],     # 0.6, IoU 50/150 = 0.33 with box 0 -> kept at threshold 0.5
               [21, 21, 31, 31]])  # 0.95: the best box of all; suppresses box 2 (IoU 81/119)
    scores = t([0.9, 0.8, 0.7, 0.6, 0.95])
    assert nms(boxes, scores, 0.5).tolist() == [4, 0, 3]
    # a lower threshold also removes box 3 (IoU 0.33 > 0.3)
    assert nms(boxes, scores, 0.3).tolist() == [4, 0]
    # a suppressed box suppresses nothing: box 1 (IoU 90/110 = 0.82 with box 0) is removed, so box 2, which
    # overlaps box 1 by 0.82 but box 0 by only 80/120 = 0.67, survives a threshold of 0.75
    assert nms(t([[0, 0, 10, 10], [0, 1, 10, 11], [0, 2, 10, 12]]), t([0.9, 0.8, 0.7]), 0.75).tolist() == [0, 2]


def test_batched_nms_keeps_overlapping_boxes_of_different_classes():
    boxes = t([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10]])
    scores, labels = t([0.9, 0.8, 0.7]), torch.tensor([0, 0, 1])
    assert batched_nms(boxes, scores, labels, 0.5).tolist() == [0, 2]
    assert batched_nms(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.long)).tolist() == []


# --------------------------------------------------------------------------- matching and AP
def test_matching_hand_worked():
    truth = t([[0, 0, 10, 10], [20, 20, 30, 30]])
    boxes = t([[0, 0, 10, 10],      # 0.9: exact hit on object 0
               [1, 1, 11, 11],      # 0.8: also object 0 (IoU 0.68), already claimed -> duplicate, false positive
               [20, 20, 30, 24],    # 0.7: IoU 40/100 with object 1 -> below 0.5, false positive
               [20, 21, 30, 31]])   # 0.6: IoU 90/110 with object 1 -> true positive
    hits = match_detections(boxes, t([0.9, 0.8, 0.7, 0.6]), truth, 0.5)
    assert hits.tolist() == [True, False, False, True]
    # with a looser threshold the 0.7 box claims object 1 first, and the 0.6 box becomes the duplicate
    assert match_detections(boxes, t([0.9, 0.8, 0.7, 0.6]), truth, 0.3).tolist() == [True, False, True, False]


def test_average_precision_hand_worked():
    # one class, 3 objects; ranked detections are TP, FP, TP, TP
    # precision 1, 1/2, 2/3, 3/4 and recall 1/3, 1/3, 2/3, 1
    recall, precision = t([1 / 3, 1 / 3, 2 / 3, 1]), t([1, 1 / 2, 2 / 3, 3 / 4])
    # raw: 1/3 * 1 + 1/3 * 2/3 + 1/3 * 3/4 = 29/36
    assert average_precision(recall, precision, interpolated=False) == pytest.approx(29 / 36, abs=1e-6)
    # interpolated: the precision at recall 2/3 becomes max(2/3, 3/4) = 3/4: 1/3 (1 + 3/4 + 3/4) = 5/6
    assert average_precision(recall, precision) == pytest.approx(5 / 6, abs=1e-6)


def test_mean_average_precision_hand_worked():
    # image 1: two circles (class 0) and a square (class 1); image 2: one circle
    true_boxes = [t([[0, 0, 10, 10], [20, 20, 30, 30], [0, 20, 8, 28]]), t([[5, 5, 15, 15]])]
    true_labels = [torch.tensor([0, 0, 1]), torch.tensor([0])]
    detections = [
        Detections(t([[0, 0, 10, 10], [20, 20, 30, 30], [0, 20, 8, 28], [12, 0, 20, 8]]),
                   t([0.9, 0.6, 0.8, 0.7]), torch.tensor([0, 0, 1, 0])),
        Detections(t([[5, 5, 15, 15]]), t([0.5]), torch.tensor([0])),
    ]
    result = mean_average_precision(detections, true_boxes, true_labels, num_classes=3)
    # class 0 ranked: 0.9 TP, 0.7 FP, 0.6 TP, 0.5 TP -> precision 1, 1/2, 2/3, 3/4; recall 1/3, 1/3, 2/3, 1
    # -> interpolated AP 5/6 (the case above). class 1: one TP -> AP 1. class 2 has no objects: left out.
    assert result.per_class[0].ap == pytest.approx(5 / 6)
    assert result.per_class[1].ap == pytest.approx(1.0)
    assert math.isnan(result.per_class[2].ap) and result.per_class[2].num_true == 0
    assert result.mean_ap == pytest.approx((5 / 6 + 1) / 2)
    # a missed object caps recall: drop image 2's detection, class 0 reaches recall 2/3 only
    detections[1] = Detections.empty()
    result = mean_average_precision(detections, true_boxes, true_labels, num_classes=3)
    assert result.per_class[0].recall[-1].item() == pytest.approx(2 / 3)
    assert result.per_class[0].ap == pytest.approx(1 / 3 * 1 + 1 / 3 * 2 / 3)


def test_wrong_class_is_a_false_positive_and_a_miss():
    truth, labels = [t([[0, 0, 10, 10]])], [torch.tensor([0])]
    wrong = [Detections(t([[0, 0, 10, 10]]), t([0.9]), torch.tensor([1]))]
    assert mean_average_precision(wrong, truth, labels, 2).mean_ap == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_average_precision_agrees_with_sklearn(seed):
    """Raw (non-interpolated) AP over detections equals scikit-learn's average_precision_score on the TP flags,
    scaled by the fraction of objects found (sklearn only knows the detections, not the missed objects)."""
    g = torch.Generator().manual_seed(seed)
    images, true_boxes, true_labels, detections = 12, [], [], []
    for _ in range(images):
        xy = torch.rand(3, 2, generator=g) * 40 + torch.tensor([[0, 0], [50, 0], [0, 50]])
        boxes = torch.cat([xy, xy + 10], 1)                                 # three separate 10x10 objects
        true_boxes.append(boxes)
        true_labels.append(torch.zeros(3, dtype=torch.long))
        noisy = boxes + torch.randn(3, 4, generator=g) * 2.5                # some land below IoU 0.5
        extra = torch.rand(2, 2, generator=g) * 90
        detections.append(Detections(torch.cat([noisy, torch.cat([extra, extra + 10], 1)]),
                                     torch.rand(5, generator=g), torch.zeros(5, dtype=torch.long)))
    curve = class_precision_recall(detections, true_boxes, true_labels, 0, interpolated=False)
    hits = (torch.diff(torch.cat([torch.zeros(1), curve.recall.float()])) > 0).numpy()
    found = hits.sum() / curve.num_true
    expected = average_precision_score(hits, curve.scores.numpy()) * found
    assert 0 < found < 1
    assert curve.ap == pytest.approx(expected, abs=1e-9)
    assert class_precision_recall(detections, true_boxes, true_labels, 0).ap >= curve.ap   # the envelope only adds


def test_perfect_detections_score_one_and_the_random_baseline_scores_low():
    from aigc_lab.data.shapes import shapes_scenes

    scenes = shapes_scenes(40, seed=5)
    perfect = [Detections(b, torch.linspace(1, 0.5, len(b)), lab) for b, lab in zip(scenes.boxes, scenes.labels)]
    assert mean_average_precision(perfect, scenes.boxes, scenes.labels, 3).mean_ap == pytest.approx(1.0)
    baseline = random_box_baseline(len(scenes), scenes.boxes, 3, 32)
    assert mean_average_precision(baseline, scenes.boxes, scenes.labels, 3).mean_ap < 0.2
