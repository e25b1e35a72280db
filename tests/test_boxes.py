"""Boxes: IoU, NMS, matching and (mean) average precision on examples worked out by hand, AP against
scikit-learn's average_precision_score where the two definitions agree, and matching and AP against a line-for-line
transcription of the PASCAL VOC devkit on crowded scenes of overlapping objects."""
from __future__ import annotations

import contextlib
import io
import math

import numpy as np
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


# --------------------------------------------------------------------------- the PASCAL VOC matching rule
def test_voc_matching_counts_a_repeat_as_a_false_positive():
    """Two overlapping objects, two detections on the same spot that overlap the first object most.
    VOC: each detection goes to the object it overlaps most; the second finds it taken -> false positive.
    (COCO's rule would hand the second detection to the other object, IoU 70/130 >= 0.5: AP 1.0, not 0.5.)"""
    truth = t([[0, 0, 10, 10], [0, 5, 10, 15]])            # IoU with each other 50/150
    boxes = t([[0, 2, 10, 12], [0, 2, 10, 12]])            # IoU 80/120 with object 0, 70/130 with object 1
    scores = t([0.9, 0.8])
    assert match_detections(boxes, scores, truth).tolist() == [True, False]
    labels = torch.zeros(2, dtype=torch.long)
    result = mean_average_precision([Detections(boxes, scores, labels)], [truth], [labels], num_classes=1)
    assert result.per_class[0].ap == pytest.approx(0.5)    # precision 1, 1/2 at recall 1/2, 1/2


def overlapping_scenes(seed: int, images: int = 8, classes: int = 2):
    """Random scenes of crowded objects on whole pixels: same-class objects overlap each other, detections
    are jittered copies (some twice), boxes at random and wrong classes; scores in tenths, so some tie."""
    rng = np.random.default_rng(seed)
    true_boxes, true_labels, detections = [], [], []
    for _ in range(images):
        n = int(rng.integers(1, 7))
        centres = rng.integers(12, 36, (int(rng.integers(1, 3)), 2))            # one or two crowds
        xy = centres[rng.integers(len(centres), size=n)] + rng.integers(-4, 5, (n, 2))
        wh = rng.integers(8, 15, (n, 2))
        gt = np.concatenate([xy - wh // 2, xy - wh // 2 + wh], 1)
        labels = rng.integers(classes, size=n)
        copies = rng.integers(0, 4, n)                                             # 0 to 3 detections each
        det = np.repeat(gt, copies, 0) + rng.integers(-2, 3, (int(copies.sum()), 4))
        wrong_class = rng.random(len(det)) > 0.85
        det_labels = np.where(wrong_class, rng.integers(classes, size=len(det)), np.repeat(labels, copies))
        extra = int(rng.integers(0, 3))
        x0 = rng.integers(0, 40, (extra, 2))
        det = np.concatenate([det, np.concatenate([x0, x0 + rng.integers(4, 16, (extra, 2))], 1)])
        det[:, 2:] = np.maximum(det[:, 2:], det[:, :2] + 1)                       # at least one pixel wide
        det_labels = np.concatenate([det_labels, rng.integers(classes, size=extra)])
        true_boxes.append(torch.tensor(gt, dtype=torch.float64))
        true_labels.append(torch.tensor(labels))
        detections.append(Detections(torch.tensor(det, dtype=torch.float64),
                                     torch.tensor(rng.integers(1, 11, len(det)) / 10), torch.tensor(det_labels)))
    return detections, true_boxes, true_labels


def voc_devkit_eval(detections, true_boxes, true_labels, label, min_overlap=0.5):
    """VOCevaldet.m and VOCap.m of the PASCAL VOC 2012 devkit, transcribed line for line (no difficult objects).

    The devkit's boxes are inclusive pixel indices (widths get +1); ours are exclusive, so a box of ours
    (x0, y0, x1, y1) is the devkit's (x0, y0, x1 - 1, y1 - 1).  Returns the tp flags in each image's own
    detection order, and rec, prec and ap as the devkit computes them."""
    gt = [{"BB": [b.tolist() for b in boxes[labels == label] - torch.tensor([0.0, 0, 1, 1], dtype=boxes.dtype)],
           "diff": [False] * int((labels == label).sum()), "det": [False] * int((labels == label).sum())}
          for boxes, labels in zip(true_boxes, true_labels)]
    npos = sum(sum(not d for d in g["diff"]) for g in gt)
    ids, confidence, BB, where = [], [], [], []
    for i, det in enumerate(detections):
        for k in torch.nonzero(det.labels == label).flatten().tolist():
            ids.append(i)
            confidence.append(float(det.scores[k]))
            BB.append((det.boxes[k] - torch.tensor([0.0, 0, 1, 1], dtype=det.boxes.dtype)).tolist())
            where.append((i, k))
    si = np.argsort(-np.array(confidence), kind="stable")                   # [sc,si]=sort(-confidence): stable
    nd = len(confidence)
    tp, fp = np.zeros(nd), np.zeros(nd)
    for d in range(nd):
        i = ids[si[d]]
        bb = BB[si[d]]
        ovmax, jmax = -math.inf, None
        for j, bbgt in enumerate(gt[i]["BB"]):
            bi = [max(bb[0], bbgt[0]), max(bb[1], bbgt[1]), min(bb[2], bbgt[2]), min(bb[3], bbgt[3])]
            iw = bi[2] - bi[0] + 1
            ih = bi[3] - bi[1] + 1
            if iw > 0 and ih > 0:
                ua = ((bb[2] - bb[0] + 1) * (bb[3] - bb[1] + 1) + (bbgt[2] - bbgt[0] + 1) * (bbgt[3] - bbgt[1] + 1)
                      - iw * ih)
                ov = iw * ih / ua
                if ov > ovmax:
                    ovmax, jmax = ov, j
        if ovmax >= min_overlap:
            if not gt[i]["diff"][jmax]:
                if not gt[i]["det"][jmax]:
                    tp[d] = 1                                                 # true positive
                    gt[i]["det"][jmax] = True
                else:
                    fp[d] = 1                                                 # false positive (multiple detection)
        else:
            fp[d] = 1                                                         # false positive
    flags = {where[si[d]]: bool(tp[d]) for d in range(nd)}
    fp, tp = np.cumsum(fp), np.cumsum(tp)
    rec = tp / npos
    prec = tp / (fp + tp)
    mrec = np.concatenate([[0], rec, [1]])                                    # VOCap.m
    mpre = np.concatenate([[0], prec, [0]])
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    i = np.nonzero(mrec[1:] != mrec[:-1])[0] + 1
    ap = float(np.sum((mrec[i] - mrec[i - 1]) * mpre[i]))
    return flags, rec, prec, ap


@pytest.mark.parametrize("seed", range(8))
def test_voc_matching_and_ap_match_the_devkit(seed):
    detections, true_boxes, true_labels = overlapping_scenes(seed)
    for label in range(2):
        flags, rec, prec, ap = voc_devkit_eval(detections, true_boxes, true_labels, label)
        for i, (det, boxes, labels) in enumerate(zip(detections, true_boxes, true_labels)):
            mine = torch.nonzero(det.labels == label).flatten()
            hits = match_detections(det.boxes[mine], det.scores[mine], boxes[labels == label])
            assert hits.tolist() == [flags[(i, k)] for k in mine.tolist()], f"image {i}, class {label}"
        curve = class_precision_recall(detections, true_boxes, true_labels, label)
        assert np.allclose(curve.recall.numpy(), rec) and np.allclose(curve.precision.numpy(), prec)
        assert curve.ap == pytest.approx(ap, abs=1e-12)


def pycocotools_matches(detections, true_boxes, true_labels, classes=2):
    """Run pycocotools' COCOeval at IoU 0.5 (one area range, 100 detections per image): for each detection,
    keyed (image, index), whether it matched a ground-truth box, and each class's final recall."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    xywh = lambda b: [float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])]   # noqa: E731
    annotations = []
    for i, (boxes, labels) in enumerate(zip(true_boxes, true_labels)):
        for b, c in zip(boxes, labels):
            annotations.append({"id": len(annotations) + 1, "image_id": i + 1, "category_id": int(c) + 1,
                                "bbox": xywh(b), "area": float((b[2] - b[0]) * (b[3] - b[1])), "iscrowd": 0})
    results, keys = [], []
    for i, det in enumerate(detections):
        for k in range(len(det)):
            results.append({"image_id": i + 1, "category_id": int(det.labels[k]) + 1, "bbox": xywh(det.boxes[k]),
                            "score": float(det.scores[k])})
            keys.append((i, k))
    with contextlib.redirect_stdout(io.StringIO()):                   # pycocotools prints its progress
        truth = COCO()
        truth.dataset = {"images": [{"id": i + 1} for i in range(len(true_boxes))], "annotations": annotations,
                         "categories": [{"id": c + 1} for c in range(classes)]}
        truth.createIndex()
        evaluation = COCOeval(truth, truth.loadRes(results), "bbox")   # loadRes numbers results 1, 2, ...
        evaluation.params.iouThrs = np.array([0.5])
        evaluation.params.areaRng, evaluation.params.areaRngLbl = [[0, 1e10]], ["all"]
        evaluation.params.maxDets = [100]
        evaluation.evaluate()
        evaluation.accumulate()
    matched = {}
    for one in evaluation.evalImgs:
        if one is not None:
            matched.update({keys[d - 1]: bool(m > 0) for d, m in zip(one["dtIds"], one["dtMatches"][0])})
    return matched, evaluation.eval["recall"][0, :, 0, 0]              # recall: (T, K, A, M)


@pytest.mark.parametrize("seed", range(8))
def test_coco_matching_matches_pycocotools(seed):
    """matching="coco" gives each detection the same match as pycocotools' COCOeval; AP computed (our way)
    from pycocotools' match flags equals ours, and so does each class's final recall."""
    pytest.importorskip("pycocotools")                                 # in requirements.txt (tests only)
    detections, true_boxes, true_labels = overlapping_scenes(seed)
    matched, coco_recall = pycocotools_matches(detections, true_boxes, true_labels)
    result = mean_average_precision(detections, true_boxes, true_labels, 2, matching="coco")
    for label in range(2):
        flags, scores = [], []
        for i, (det, boxes, labels) in enumerate(zip(detections, true_boxes, true_labels)):
            mine = torch.nonzero(det.labels == label).flatten()
            hits = match_detections(det.boxes[mine], det.scores[mine], boxes[labels == label], matching="coco")
            assert hits.tolist() == [matched[(i, k)] for k in mine.tolist()], f"image {i}, class {label}"
            flags += [matched[(i, k)] for k in mine.tolist()]
            scores += det.scores[mine].tolist()
        order = np.argsort(-np.array(scores), kind="stable")
        tp = np.cumsum(np.array(flags, dtype=float)[order])
        num_true = sum(int((labels == label).sum()) for labels in true_labels)
        expected = average_precision(torch.from_numpy(tp / num_true), torch.from_numpy(tp / np.arange(1, len(tp) + 1)))
        assert result.per_class[label].ap == pytest.approx(expected, abs=1e-12)
        assert result.per_class[label].recall[-1].item() == pytest.approx(coco_recall[label], abs=1e-12)


def test_the_two_rules_differ_only_where_objects_crowd():
    """Where one detection cannot overlap two objects by IoU >= 0.5 (the shapes scenes keep a gap between
    objects), VOC and COCO matching agree; on crowded scenes they do not."""
    from aigc_lab.data.shapes import shapes_scenes

    scenes = shapes_scenes(60, seed=3)
    g = torch.Generator().manual_seed(0)
    noisy = [Detections(torch.cat([b, b]) + torch.randn(2 * len(b), 4, generator=g) * 2,
                        torch.rand(2 * len(b), generator=g), torch.cat([lab, lab])) for b, lab in
             zip(scenes.boxes, scenes.labels)]
    for found in (noisy, random_box_baseline(len(scenes), scenes.boxes, 3, 32)):
        voc = mean_average_precision(found, scenes.boxes, scenes.labels, 3)
        coco = mean_average_precision(found, scenes.boxes, scenes.labels, 3, matching="coco")
        assert voc.mean_ap == coco.mean_ap
    detections, true_boxes, true_labels = overlapping_scenes(0)
    voc = mean_average_precision(detections, true_boxes, true_labels, 2)
    coco = mean_average_precision(detections, true_boxes, true_labels, 2, matching="coco")
    assert all(coco.per_class[c].recall[-1] >= voc.per_class[c].recall[-1] for c in range(2))
    assert coco.mean_ap > voc.mean_ap
    with pytest.raises(ValueError, match="matching"):
        mean_average_precision(detections, true_boxes, true_labels, 2, matching="pascal")


def test_equal_overlaps_go_to_the_first_box_in_voc_and_the_last_in_coco():
    """The 0.9 detection overlaps both objects by 80/120: the devkit keeps the first (``ov > ovmax``), pycocotools
    the last (``ious < iou: continue``).  The 0.8 detection sits on object 0 only, so the choice decides it."""
    truth, labels = t([[0, 0, 10, 10], [4, 0, 14, 10]]), torch.zeros(2, dtype=torch.long)
    boxes, scores = t([[2, 0, 12, 10], [0, 0, 10, 10]]), t([0.9, 0.8])
    assert match_detections(boxes, scores, truth).tolist() == [True, False]
    assert match_detections(boxes, scores, truth, matching="coco").tolist() == [True, True]
    scene = [Detections(boxes, scores, labels)], [truth], [labels]
    assert list(voc_devkit_eval(*scene, 0)[0].values()) == [True, False]
    pytest.importorskip("pycocotools")
    assert list(pycocotools_matches(*scene, classes=1)[0].values()) == [True, True]
