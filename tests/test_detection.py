"""Detection: RoIAlign and RoI max pooling against naive loops (torchvision is not installed, so the loops
follow its definitions), box coding round trips, CenterNet targets and decoding, and two detectors that
must learn."""
from __future__ import annotations

import math

import pytest
import torch

from aigc_lab import train
from aigc_lab.data.shapes import shapes_scenes
from aigc_lab.image import centernet, rcnn
from aigc_lab.image.boxes import Detections, box_iou, mean_average_precision, random_box_baseline


# --------------------------------------------------------------------------- naive references
def bilinear_naive(f, y, x):
    """torchvision's bilinear_interpolate for one channel map f (H, W) at one point."""
    H, W = f.shape
    if y < -1.0 or y > H or x < -1.0 or x > W:
        return 0.0
    y, x = max(y, 0.0), max(x, 0.0)
    y_lo, x_lo = int(math.floor(y)), int(math.floor(x))
    if y_lo >= H - 1:
        y_lo = y_hi = H - 1
        y = float(y_lo)
    else:
        y_hi = y_lo + 1
    if x_lo >= W - 1:
        x_lo = x_hi = W - 1
        x = float(x_lo)
    else:
        x_hi = x_lo + 1
    ly, lx = y - y_lo, x - x_lo
    hy, hx = 1 - ly, 1 - lx
    return (hy * hx * f[y_lo, x_lo] + hy * lx * f[y_lo, x_hi] + ly * hx * f[y_hi, x_lo] + ly * lx * f[y_hi, x_hi]).item()


def roi_align_naive(features, rois, n, scale, S, aligned):
    out = torch.zeros(len(rois), features.shape[1], n, n, dtype=features.dtype)
    offset = 0.5 if aligned else 0.0
    for k, (b, x0, y0, x1, y1) in enumerate(rois.tolist()):
        x0, y0, x1, y1 = x0 * scale - offset, y0 * scale - offset, x1 * scale - offset, y1 * scale - offset
        w, h = x1 - x0, y1 - y0
        if not aligned:
            w, h = max(w, 1.0), max(h, 1.0)
        for c in range(features.shape[1]):
            for i in range(n):
                for j in range(n):
                    total = 0.0
                    for si in range(S):
                        for sj in range(S):
                            y = y0 + i * h / n + (si + 0.5) * h / n / S
                            x = x0 + j * w / n + (sj + 0.5) * w / n / S
                            total += bilinear_naive(features[int(b), c], y, x)
                    out[k, c, i, j] = total / (S * S)
    return out


def roi_pool_naive(features, rois, n, scale):
    H, W = features.shape[-2:]
    out = torch.zeros(len(rois), features.shape[1], n, n, dtype=features.dtype)
    for k, (b, x0, y0, x1, y1) in enumerate(rois.tolist()):
        sx, sy = round(x0 * scale), round(y0 * scale)
        lw, lh = max(round(x1 * scale) - sx, 1), max(round(y1 * scale) - sy, 1)
        for i in range(n):
            for j in range(n):
                ys = range(max(sy + math.floor(i * lh / n), 0), min(sy + math.ceil((i + 1) * lh / n), H))
                xs = range(max(sx + math.floor(j * lw / n), 0), min(sx + math.ceil((j + 1) * lw / n), W))
                if len(ys) and len(xs):
                    out[k, :, i, j] = features[int(b), :, ys.start:ys.stop, xs.start:xs.stop].amax(dim=(1, 2))
    return out


def random_rois(g, k, batch, size):
    xy = torch.rand(k, 2, generator=g) * size * 1.1 - size * 0.1          # some start outside the map
    wh = torch.rand(k, 2, generator=g) * size * 0.7 + 0.2                 # tiny to large
    return torch.cat([torch.randint(batch, (k, 1), generator=g).float(), xy, xy + wh], 1).double()


# --------------------------------------------------------------------------- RoI pooling parity
@pytest.mark.parametrize("aligned", [True, False])
@pytest.mark.parametrize("n,scale,S", [(2, 1.0, 2), (3, 0.5, 1), (4, 0.25, 2)])
def test_roi_align_matches_naive_loop(aligned, n, scale, S):
    g = torch.Generator().manual_seed(n * 10 + S)
    size = 16
    features = torch.randn(2, 3, int(size * scale), int(size * scale), generator=g, dtype=torch.float64)
    rois = random_rois(g, 12, 2, size)
    fast = rcnn.roi_align(features, rois, n, spatial_scale=scale, sampling_ratio=S, aligned=aligned)
    assert torch.allclose(fast, roi_align_naive(features, rois, n, scale, S, aligned), atol=1e-10)


@pytest.mark.parametrize("n,scale", [(2, 1.0), (3, 0.5), (4, 0.5)])
def test_roi_pool_matches_naive_loop(n, scale):
    g = torch.Generator().manual_seed(n)
    size = 16
    features = torch.randn(3, 2, int(size * scale), int(size * scale), generator=g, dtype=torch.float64)
    rois = random_rois(g, 100, 3, size)                                  # > 64: crosses a chunk boundary
    fast = rcnn.roi_pool(features, rois, n, spatial_scale=scale)
    assert torch.equal(fast, roi_pool_naive(features, rois, n, scale))


def test_roi_align_hand_worked():
    # a map whose value is its x coordinate: the average over a bin is the x of the bin's centre (minus 1/2)
    features = torch.arange(8, dtype=torch.float64).repeat(8, 1)[None, None]       # (1, 1, 8, 8), f[y, x] = x
    out = rcnn.roi_align(features, torch.tensor([[0, 2.0, 2.0, 6.0, 6.0]], dtype=torch.float64), 2)
    # bins cover x in [2, 4) and [4, 6): centres 3 and 5, which are pixel indices 2.5 and 4.5
    assert torch.allclose(out[0, 0], torch.tensor([[2.5, 4.5], [2.5, 4.5]], dtype=torch.float64))
    # RoI max pooling of the same box: bins [2, 4) and [4, 6) -> maxima 3 and 5
    pooled = rcnn.roi_pool(features, torch.tensor([[0, 2.0, 2.0, 6.0, 6.0]], dtype=torch.float64), 2)
    assert torch.equal(pooled[0, 0], torch.tensor([[3.0, 5.0], [3.0, 5.0]], dtype=torch.float64))


def test_roi_align_gradient_flows_to_the_features():
    features = torch.randn(1, 2, 8, 8, dtype=torch.float64, requires_grad=True)
    rois = torch.tensor([[0, 1.3, 0.7, 6.2, 5.9]], dtype=torch.float64)
    torch.autograd.gradcheck(lambda f: rcnn.roi_align(f, rois, 2), (features,))


# --------------------------------------------------------------------------- box coding and proposals
def test_encode_decode_round_trip_and_hand_worked():
    proposals = torch.tensor([[0.0, 0.0, 10.0, 10.0], [4.0, 2.0, 8.0, 10.0]])
    targets = torch.tensor([[2.0, 1.0, 12.0, 21.0], [3.0, 3.0, 9.0, 9.0]])
    deltas = rcnn.encode_boxes(proposals, targets, weights=(1, 1, 1, 1))
    # box 0: centre (5, 5) -> (7, 11), size 10 x 10 -> 10 x 20: dx = 2/10, dy = 6/10, dw = 0, dh = log 2
    assert torch.allclose(deltas[0], torch.tensor([0.2, 0.6, 0.0, math.log(2)]))
    assert torch.allclose(rcnn.decode_boxes(proposals, deltas, weights=(1, 1, 1, 1)), targets, atol=1e-5)
    assert torch.allclose(rcnn.decode_boxes(proposals, rcnn.encode_boxes(proposals, targets)), targets, atol=1e-5)


def test_sliding_windows_cover_the_scenes():
    windows = rcnn.sliding_window_proposals(32)
    assert ((windows >= 0) & (windows <= 32)).all()
    scenes = shapes_scenes(100, seed=3)
    assert rcnn.proposal_recall([windows] * 100, scenes.boxes) > 0.95


def test_rcnn_batches_label_rois_by_overlap():
    scenes = shapes_scenes(20, seed=4)
    batch = rcnn.rcnn_batches(scenes.images, scenes.boxes, scenes.labels, 4, rois_per_image=16)()
    assert batch["images"].shape == (4, 3, 32, 32) and batch["rois"].shape[1] == 5
    assert len(batch["rois"]) == len(batch["labels"]) == len(batch["targets"])
    assert (batch["labels"] > 0).any() and (batch["labels"] == 0).any()
    assert set(batch["rois"][:, 0].long().tolist()) <= {0, 1, 2, 3}


# --------------------------------------------------------------------------- CenterNet
@pytest.mark.parametrize("stride", [1, 2])
def test_perfect_centernet_maps_decode_to_the_true_boxes(stride):
    scenes = shapes_scenes(30, seed=2)
    config = centernet.CenterNetConfig(stride=stride)
    targets = centernet.centernet_targets(scenes.boxes, scenes.labels, 32, config)
    assert targets["heat"].amax() == 1.0 and int(targets["centres"].sum()) == sum(len(b) for b in scenes.boxes)
    logits = torch.logit(targets["heat"].clamp(1e-6, 1 - 1e-6))       # a network that outputs the targets exactly
    detections = centernet.decode(logits, targets["size"], targets["offset"], stride=stride, min_score=0.99)
    for det, boxes, labels in zip(detections, scenes.boxes, scenes.labels):
        order = torch.argsort(det.boxes[:, 0] * 100 + det.boxes[:, 1])
        truth = torch.argsort(boxes[:, 0] * 100 + boxes[:, 1])
        assert torch.allclose(det.boxes[order], boxes[truth], atol=1e-5)
        assert torch.equal(det.labels[order], labels[truth])


def test_focal_loss_is_small_for_the_right_map_and_large_for_a_flat_one():
    heat = torch.zeros(1, 1, 8, 8)
    heat[0, 0, 3, 4] = 1.0
    right = torch.full_like(heat, -8.0)
    right[0, 0, 3, 4] = 8.0
    assert centernet.focal_loss(right, heat) < 1e-3
    assert centernet.focal_loss(torch.zeros_like(heat), heat) > 1.0


@pytest.mark.usefixtures("seeded_one_thread")
def test_centernet_learns_to_beat_the_random_baseline():
    train_scenes, test_scenes = shapes_scenes(300, seed=0), shapes_scenes(60, seed=1)
    config = centernet.CenterNetConfig(width=8, depth=2, head_width=16)
    data = centernet.centernet_targets(train_scenes.boxes, train_scenes.labels, 32, config)
    data["images"] = train_scenes.images
    model = centernet.CenterNet(config)
    history = train.fit(model, centernet.target_batches(data, 16), steps=120, lr=5e-3, progress=False)
    assert history.train_loss[-1] < history.train_loss[0]
    found = centernet.detect_all(model, test_scenes.images)
    baseline = random_box_baseline(len(test_scenes), train_scenes.boxes, 3, 32)
    score = mean_average_precision(found, test_scenes.boxes, test_scenes.labels, 3).mean_ap
    assert score > mean_average_precision(baseline, test_scenes.boxes, test_scenes.labels, 3).mean_ap + 0.1


@pytest.mark.usefixtures("seeded_one_thread")
def test_two_stage_detector_learns_and_runs_under_autocast():
    train_scenes, test_scenes = shapes_scenes(300, seed=0), shapes_scenes(40, seed=1)
    model = rcnn.TwoStageDetector(rcnn.TwoStageConfig(width=16, hidden=64))
    data = rcnn.rcnn_batches(train_scenes.images, train_scenes.boxes, train_scenes.labels, 8)
    history = train.fit(model, data, steps=120, lr=3e-3, progress=False)
    assert history.train_loss[-1] < 0.7 * history.train_loss[0]
    with torch.autocast("cpu", dtype=torch.bfloat16):                 # the GPU profile's code path
        assert torch.isfinite(model.loss(data())).item()
    windows = rcnn.sliding_window_proposals(32, step=3)
    found = rcnn.detect_all(model, test_scenes.images, [windows] * len(test_scenes))
    assert all(isinstance(d, Detections) for d in found)
    baseline = random_box_baseline(len(test_scenes), train_scenes.boxes, 3, 32)
    assert (mean_average_precision(found, test_scenes.boxes, test_scenes.labels, 3).mean_ap
            > mean_average_precision(baseline, test_scenes.boxes, test_scenes.labels, 3).mean_ap + 0.1)
    assert box_iou(found[0].boxes, found[0].boxes).shape[0] == len(found[0])
