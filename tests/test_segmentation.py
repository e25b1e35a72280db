"""Segmentation: mean IoU on hand-worked cases, FCN's bilinear upsampling and DeepLab's dilated convolution
against PyTorch, receptive fields by hand, the U-Net's shapes and options, and segmenters that must learn."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from aigc_lab import train
from aigc_lab.data.image import shuffled_batches
from aigc_lab.data.shapes import shapes_scenes
from aigc_lab.image.deeplab import DeepLab, DeepLabConfig, dilate_kernel, receptive_field
from aigc_lab.image.fcn import FCN, FCNConfig, bilinear_kernel, upsampler
from aigc_lab.image.segmentation_metrics import (confusion_matrix, iou_per_class, mean_iou, predict_all,
                                                 segmentation_scores)
from aigc_lab.image.unet import UNet, UNetConfig


# --------------------------------------------------------------------------- mean IoU
def test_mean_iou_hand_worked():
    truth = torch.tensor([[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 2, 2]])
    predicted = torch.tensor([[0, 0, 0, 0], [0, 1, 1, 1], [0, 1, 2, 0], [0, 0, 2, 0]])
    cm = confusion_matrix(predicted, truth, 3)
    # rows = truth: background 9 right + 1 -> circle; circle 3 right + 1 -> square; square 1 -> background, 1 right
    assert cm.tolist() == [[9, 1, 0], [0, 3, 1], [1, 0, 1]]
    # IoU = TP / (TP + FP + FN): background 9/11, circle 3/5, square 1/3
    assert torch.allclose(iou_per_class(cm), torch.tensor([9 / 11, 3 / 5, 1 / 3], dtype=torch.float64))
    assert mean_iou(predicted, truth, 3) == pytest.approx(289 / 495)
    assert segmentation_scores(predicted, truth, 3).pixel_accuracy == pytest.approx(13 / 16)


def test_absent_class_is_left_out_and_perfect_prediction_scores_one():
    truth = torch.tensor([[0, 0], [1, 1]])
    scores = segmentation_scores(truth.clone(), truth, 4)             # classes 2 and 3 never occur
    assert scores.mean_iou == 1.0 and scores.pixel_accuracy == 1.0
    assert math.isnan(scores.per_class[2]) and math.isnan(scores.per_class[3])
    # a class that is only predicted (never true) counts, with IoU 0
    predicted = torch.tensor([[0, 3], [1, 1]])
    assert segmentation_scores(predicted, truth, 4).per_class == pytest.approx([0.5, 1.0, math.nan, 0.0], nan_ok=True)
    assert mean_iou(predicted, truth, 4) == pytest.approx((0.5 + 1.0 + 0.0) / 3)


def test_all_background_has_high_pixel_accuracy_and_low_mean_iou():
    masks = shapes_scenes(50, seed=3).masks
    scores = segmentation_scores(torch.zeros_like(masks), masks, 4)
    assert scores.pixel_accuracy > 0.8 and scores.mean_iou < 0.3
    assert int(scores.confusion.sum()) == masks.numel()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mean_iou_and_confusion_match_scikit_learn(seed):
    from sklearn.metrics import confusion_matrix as sk_confusion, jaccard_score

    g = torch.Generator().manual_seed(seed)
    truth = torch.randint(4, (3, 12, 12), generator=g)
    predicted = torch.where(torch.rand(3, 12, 12, generator=g) < 0.7, truth, torch.randint(4, (3, 12, 12), generator=g))
    if seed == 2:
        predicted[predicted == 3] = 0                                  # a class never predicted
    assert confusion_matrix(predicted, truth, 4).tolist() == sk_confusion(truth.flatten(), predicted.flatten(),
                                                                          labels=range(4)).tolist()
    # scikit-learn's Jaccard index is IoU; its macro average runs over the labels present in truth or prediction
    assert mean_iou(predicted, truth, 4) == pytest.approx(jaccard_score(truth.flatten(), predicted.flatten(),
                                                                        average="macro"))


def test_confusion_matrix_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="differ in shape"):
        confusion_matrix(torch.zeros(2, 3, dtype=torch.long), torch.zeros(3, 2, dtype=torch.long), 2)


# --------------------------------------------------------------------------- parity with PyTorch
def test_bilinear_transposed_convolution_matches_interpolate_inside_the_border():
    coarse = torch.randn(2, 3, 6, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for factor in (2, 4, 8):
        layer = upsampler(3, factor).double()
        with torch.no_grad():
            mine = layer(coarse)
        reference = F.interpolate(coarse, scale_factor=factor, mode="bilinear", align_corners=False)
        m = factor // 2
        assert mine.shape == reference.shape
        assert torch.allclose(mine[..., m:-m, m:-m], reference[..., m:-m, m:-m], atol=1e-10)
    # each channel is upsampled on its own: the kernel is diagonal over channels
    kernel = bilinear_kernel(3, 4)
    assert kernel[0, 1].abs().sum() == 0 and kernel[1, 1].sum() == pytest.approx(4.0)


@pytest.mark.parametrize("rate,k", [(1, 3), (2, 3), (3, 3), (2, 5)])
def test_dilated_convolution_equals_zero_filled_kernel(rate, k):
    g = torch.Generator().manual_seed(rate * 10 + k)
    x = torch.randn(2, 3, 17, 17, generator=g, dtype=torch.float64)
    w = torch.randn(4, 3, k, k, generator=g, dtype=torch.float64)
    sparse = dilate_kernel(w, rate)
    assert sparse.shape[-1] == rate * (k - 1) + 1
    assert torch.allclose(F.conv2d(x, sparse, padding=rate * (k - 1) // 2),
                          F.conv2d(x, w, dilation=rate, padding=rate * (k - 1) // 2))


def test_receptive_field_hand_worked():
    assert receptive_field([(3, 1, 1)] * 2) == 5                        # two 3x3: 1 + 2 + 2
    assert receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)]) == 15     # 1 + 2 + 4 + 8
    assert receptive_field([(3, 1, 1), (2, 2, 1), (3, 1, 1)]) == 8      # 3, then a pool (4), then steps of 2: 8
    # and against an actual network: the gradient of one output reaches exactly that many input pixels
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 3, padding=1), torch.nn.Conv2d(1, 1, 3, padding=2, dilation=2),
                              torch.nn.Conv2d(1, 1, 3, padding=4, dilation=4))
    torch.nn.init.constant_(net[0].weight, 1.0), torch.nn.init.constant_(net[1].weight, 1.0)
    torch.nn.init.constant_(net[2].weight, 1.0)
    x = torch.zeros(1, 1, 41, 41, requires_grad=True)
    net(x)[0, 0, 20, 20].backward()
    reached = torch.nonzero(x.grad[0, 0]).amax(0) - torch.nonzero(x.grad[0, 0]).amin(0) + 1
    assert reached.tolist() == [15, 15]


# --------------------------------------------------------------------------- shapes and options
@pytest.mark.parametrize("depth,width,up,norm", [(1, 4, "transpose", "batch"), (3, 8, "bilinear", "group"),
                                                 (4, 4, "transpose", "none")])
def test_unet_is_general(depth, width, up, norm):
    model = UNet(UNetConfig(in_channels=2, out_channels=5, depth=depth, base_width=width, up=up, norm=norm))
    x = torch.randn(2, 2, 32, 48)
    assert model(x).shape == (2, 5, 32, 48)
    assert model.features(x).shape == (2, width, 32, 48)
    assert model.predict(x).shape == (2, 32, 48)


def test_unet_rejects_bad_input_clearly():
    with pytest.raises(ValueError, match="divisible by 8"):
        UNet(UNetConfig(depth=3))(torch.randn(1, 3, 20, 20))
    with pytest.raises(ValueError, match="norm must be"):
        UNet(UNetConfig(norm="layer"))
    with pytest.raises(ValueError, match="up must be"):
        UNet(UNetConfig(up="nearest"))


@pytest.mark.parametrize("model", [FCN(FCNConfig(width=4)), FCN(FCNConfig(width=4, skips=False)),
                                   DeepLab(DeepLabConfig(width=4, aspp_width=8)),
                                   DeepLab(DeepLabConfig(width=4, aspp_width=8, decoder=False))])
def test_segmenters_output_full_resolution_scores(model):
    x = torch.randn(2, 3, 32, 32)
    assert model(x).shape == (2, 4, 32, 32)
    assert model.predict(x).shape == (2, 32, 32)
    masks = torch.randint(4, (2, 32, 32))
    with torch.autocast("cpu", dtype=torch.bfloat16):                   # the GPU profile's code path
        assert torch.isfinite(model.loss((x, masks))).item()


# --------------------------------------------------------------------------- learning
@pytest.mark.usefixtures("seeded_one_thread")
@pytest.mark.parametrize("make", [lambda: UNet(UNetConfig(base_width=8, depth=3)),
                                  lambda: FCN(FCNConfig(width=8)),
                                  lambda: DeepLab(DeepLabConfig(width=8, aspp_width=16))],
                         ids=["unet", "fcn", "deeplab"])
def test_segmenters_learn_to_beat_all_background(make):
    train_scenes, test_scenes = shapes_scenes(200, seed=0), shapes_scenes(40, seed=1)
    model = make()
    history = train.fit(model, shuffled_batches(train_scenes.images, train_scenes.masks, 8), steps=100, lr=1e-2,
                        warmup=10, progress=False)
    # the loss of a model that ignores the image and predicts the training class frequencies everywhere
    prior = torch.bincount(train_scenes.masks.flatten(), minlength=4).double() / train_scenes.masks.numel()
    prior_loss = float(F.cross_entropy(prior.log().float()[None, :, None, None].expand(len(test_scenes), 4, 32, 32),
                                       test_scenes.masks))
    with torch.no_grad():
        assert float(model.loss((test_scenes.images, test_scenes.masks))) < 0.8 * prior_loss
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    score = mean_iou(predict_all(model, test_scenes.images), test_scenes.masks, 4)
    assert score > mean_iou(torch.zeros_like(test_scenes.masks), test_scenes.masks, 4) + 0.05
