"""Image classification (notebooks/03_image/01_classification): HOG against scikit-image, the receptive-field
formula against back-propagation, the shapes of VGG, ResNet and Inception blocks, the bf16 and channels-last
paths, and a short training run that must learn."""
import numpy as np
import pytest
import torch
import torch.nn as nn
from skimage.feature import hog as skimage_hog
from sklearn.svm import SVC

from aigc_lab import runtime
from aigc_lab.image.classification_recipe import classification_settings, networks
from aigc_lab.data.image import ImageSplit, load_digits
from aigc_lab.image.classify import fit_classical, train_classifier
from aigc_lab.image.hog import hog
from aigc_lab.image.inception import BlockWidths, InceptionBlock, InceptionConfig, InceptionNet
from aigc_lab.image.resnet import BasicBlock, ResNet, ResNetConfig
from aigc_lab.image.vgg import VGG, VGGConfig, receptive_field


@pytest.fixture(scope="module")
def digits():
    return load_digits(16)


# --------------------------------------------------------------------------- HOG
@pytest.mark.parametrize("orientations,cell,block", [(9, 4, 2), (8, 4, 2), (6, 3, 3), (12, 5, 1), (7, 4, 2)])
def test_hog_matches_scikit_image_on_digits(digits, orientations, cell, block):
    images = digits.x_train[:30].double()
    ours = hog(images, orientations=orientations, cell=cell, block=block).numpy()
    reference = np.stack([skimage_hog(im[0].numpy(), orientations=orientations, pixels_per_cell=(cell, cell),
                                      cells_per_block=(block, block), block_norm="L2-Hys") for im in images])
    assert ours.shape == reference.shape
    assert np.allclose(ours, reference, atol=1e-6)


def test_hog_matches_scikit_image_on_colour_and_non_square_images():
    torch.manual_seed(0)
    colour = torch.rand(4, 3, 24, 20, dtype=torch.float64)
    ours = hog(colour, cell=4, block=2).numpy()
    reference = np.stack([skimage_hog(im.permute(1, 2, 0).numpy(), pixels_per_cell=(4, 4), cells_per_block=(2, 2),
                                      channel_axis=-1) for im in colour])
    assert np.allclose(ours, reference, atol=1e-6)
    grey = torch.rand(3, 18, 26, dtype=torch.float64)        # (N, H, W), sizes not multiples of the cell
    reference = np.stack([skimage_hog(im.numpy(), pixels_per_cell=(4, 4), cells_per_block=(3, 3)) for im in grey])
    assert np.allclose(hog(grey, cell=4, block=3).numpy(), reference, atol=1e-6)


def test_hog_rejects_images_too_small_for_a_block():
    with pytest.raises(ValueError, match="block"):
        hog(torch.rand(2, 1, 8, 8), cell=8, block=2)
    with pytest.raises(ValueError, match="shape"):
        hog(torch.rand(8, 8))


def test_hog_is_unchanged_by_brightness():
    """Block normalisation: scaling an image's contrast leaves HOG (nearly) unchanged."""
    images = torch.rand(3, 1, 16, 16, dtype=torch.float64)
    assert torch.allclose(hog(images), hog(0.5 * images), atol=1e-6)


# --------------------------------------------------------------------------- VGG and the receptive field
def measured_receptive_field(layers, size=80):
    probe = nn.Sequential(*[nn.Conv2d(1, 1, k, stride=s, bias=False) for k, s in layers])
    for conv in probe:
        nn.init.ones_(conv.weight)
    x = torch.ones(1, 1, size, size, requires_grad=True)
    y = probe(x)
    y[0, 0, y.shape[2] // 2, y.shape[3] // 2].backward()
    rows = (x.grad[0, 0].sum(dim=1) > 0).nonzero()
    return int(rows.max() - rows.min() + 1)


@pytest.mark.parametrize("layers", [[(3, 1)], [(3, 1)] * 3, [(3, 1), (3, 1), (2, 2)] * 3, [(7, 2), (3, 2), (5, 1)]])
def test_receptive_field_formula_matches_back_propagation(layers):
    assert receptive_field(layers) == measured_receptive_field(layers)


def test_vgg_shapes_and_layers():
    model = VGG(VGGConfig(in_channels=3, size=32, stages=(8, 16), convs_per_stage=3, classes=4))
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 4)
    assert model.layers() == [(3, 1)] * 3 + [(2, 2)] + [(3, 1)] * 3 + [(2, 2)]
    assert receptive_field(model.layers()) == 1 + 3 * 2 + 1 + 3 * 2 * 2 + 2   # 22
    with pytest.raises(ValueError, match="divisible"):
        VGG(VGGConfig(size=20, stages=(8, 16, 32)))


# --------------------------------------------------------------------------- ResNet
def test_basic_block_shapes_and_shortcuts():
    same = BasicBlock(8, 8, stride=1)
    assert isinstance(same.shortcut, nn.Identity)               # no weights where the shapes agree
    assert same(torch.rand(2, 8, 10, 10)).shape == (2, 8, 10, 10)
    down = BasicBlock(8, 16, stride=2)
    assert isinstance(down.shortcut[0], nn.Conv2d) and down.shortcut[0].kernel_size == (1, 1)
    assert down(torch.rand(2, 8, 10, 10)).shape == (2, 16, 5, 5)


def test_basic_block_is_relu_of_residual_plus_input():
    """With the residual branch's last BatchNorm scaled to zero, a block passes relu(x) through: the identity is
    the easy default."""
    block = BasicBlock(6, 6).eval()
    nn.init.zeros_(block.bn2.weight)
    nn.init.zeros_(block.bn2.bias)
    x = torch.randn(2, 6, 7, 7)
    assert torch.allclose(block(x), torch.relu(x))
    plain = BasicBlock(6, 6, residual=False).eval()
    nn.init.zeros_(plain.bn2.weight)
    nn.init.zeros_(plain.bn2.bias)
    assert torch.count_nonzero(plain(x)) == 0                   # without the shortcut nothing gets through


def test_resnet_depth_and_plain_variant_have_the_same_weights():
    residual = ResNet(ResNetConfig(widths=(8, 16, 32), blocks=(3, 3, 3)))
    plain = ResNet(ResNetConfig(widths=(8, 16, 32), blocks=(3, 3, 3), residual=False))
    assert residual.config.depth == 20
    assert runtime.count_params(residual) == runtime.count_params(plain)
    assert residual(torch.rand(2, 1, 16, 16)).shape == (2, 10)
    with pytest.raises(ValueError, match="one entry per stage"):
        ResNet(ResNetConfig(widths=(8, 16), blocks=(1,)))


# --------------------------------------------------------------------------- Inception
def test_inception_block_concatenates_its_branches():
    widths = BlockWidths(c1=4, c3_reduce=6, c3=8, c5_reduce=2, c5=3, pool_proj=5)
    block = InceptionBlock(10, widths)
    x = torch.rand(2, 10, 9, 9)
    out = block(x)
    assert out.shape == (2, widths.out_channels, 9, 9) and widths.out_channels == 20
    block.eval()
    parts = [block.branch1(x), block.branch3(x), block.branch5(x), block.branch_pool(x)]
    assert torch.allclose(block(x), torch.cat(parts, dim=1))


def test_inception_net_shapes():
    model = InceptionNet(InceptionConfig(in_channels=3, size=32, classes=3))
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 3)
    assert InceptionNet(InceptionConfig(stem_pool=False))(torch.rand(2, 1, 16, 16)).shape == (2, 10)


# --------------------------------------------------------------------------- every network: the GPU code paths
@pytest.mark.parametrize("name", ["plain CNN", "VGG-style", "ResNet", "Inception"])
def test_networks_train_step_under_bf16_autocast_and_channels_last(name):
    """The CUDA path (bf16 autocast, channels-last memory) run on the CPU: same outputs, a finite loss."""
    torch.manual_seed(0)
    model = networks(in_channels=3, size=16, classes=3)[name].eval()
    x, y = torch.rand(4, 3, 16, 16), torch.tensor([0, 1, 2, 0])
    expected = model(x)
    model.to(memory_format=torch.channels_last)
    assert torch.allclose(model(x.contiguous(memory_format=torch.channels_last)), expected, atol=1e-5)
    model.train()
    with runtime.autocast("cpu", enabled=True):
        loss = model.loss((x, y))
    loss.backward()
    assert loss.dim() == 0 and torch.isfinite(loss)
    assert model.predict(x).shape == (4,)


# --------------------------------------------------------------------------- training
def test_resnet_learns_digits_quickly(digits):
    small = ImageSplit(digits.x_train[:600], digits.y_train[:600], digits.x_test, digits.y_test, digits.classes)
    model = ResNet(ResNetConfig(widths=(8, 8, 16), blocks=(1, 1, 1)))
    result = train_classifier(model, small, steps=50, batch=32, augment=True, progress=False)
    assert result.test_accuracy >= result.majority_accuracy + 0.20
    assert result.epochs == pytest.approx(50 * 32 / 600)
    assert result.seconds_per_epoch == pytest.approx(result.seconds / result.epochs)


def test_train_classifier_channels_last_keeps_results(digits):
    small = ImageSplit(digits.x_train[:200], digits.y_train[:200], digits.x_test[:100], digits.y_test[:100],
                       digits.classes)
    a = train_classifier(networks()["plain CNN"], small, steps=5, batch=16, progress=False, channels_last=False)
    b = train_classifier(networks()["plain CNN"], small, steps=5, batch=16, progress=False, channels_last=True)
    assert np.allclose(a.history.train_loss, b.history.train_loss, atol=1e-4)


def test_fit_classical_scores_and_times(digits):
    x_train, x_test = hog(digits.x_train).numpy(), hog(digits.x_test).numpy()
    result = fit_classical(SVC(), x_train, digits.y_train, x_test, digits.y_test, threads=1)
    assert result.test_accuracy > 0.9 and result.seconds > 0
    assert result.predictions.shape == digits.y_test.shape


def test_settings_are_sized_by_profile(monkeypatch):
    monkeypatch.setenv("AIGC_LAB_PROFILE", "smoke")
    smoke = classification_settings()
    monkeypatch.setenv("AIGC_LAB_PROFILE", "cpu")
    cpu = classification_settings()
    assert smoke["steps"] < cpu["steps"] and smoke["shapes_train"] < cpu["shapes_train"]
    assert cpu["digit_size"] % 8 == 0          # the VGG-style network pools three times


def test_figures_reports_every_model(monkeypatch):
    """The benchmark's figures, on tiny sizes: one entry per model with accuracy (and parameters for networks)."""
    from aigc_lab.benchmarks import image_classification

    tiny = classification_settings().replace(steps=2, batch=8, trees=3, boosting_rounds=1, shapes_train=12,
                                             shapes_test=6, shapes_steps=2)
    monkeypatch.setattr(image_classification, "classification_settings", lambda: tiny)
    out = image_classification.figures()
    assert 0 < out["majority_accuracy"] < 0.2
    for name in ["plain CNN", "VGG-style", "ResNet", "Inception"]:
        entry = out[f"digits {name}"]
        assert 0 <= entry["accuracy"] <= 1 and entry["params"] > 1000 and entry["seconds_per_epoch"] > 0
    for features in ("pixels", "HOG"):
        assert out[f"digits SVM (RBF kernel) on {features}"]["accuracy"] > 0.9
    assert {"shapes SVM on HOG", "shapes ResNet"} <= set(out)
