"""Style transfer and texture synthesis: Gram matrices against a loop, AdaIN against F.instance_norm and its
statistics, feature nets' shapes, and tiny optimisations and trainings that must lower their losses."""
import math

import pytest
import torch
import torch.nn.functional as F

from aigc_lab import train
from aigc_lab.image import adain as ad
from aigc_lab.image import style as st


# --------------------------------------------------------------------------- Gram matrices and losses
def test_gram_matrix_matches_a_loop():
    features = torch.randn(2, 4, 3, 5, dtype=torch.float64)
    gram = st.gram_matrix(features)
    assert gram.shape == (2, 4, 4)
    for b in range(2):
        for i in range(4):
            for j in range(4):
                expected = sum(features[b, i, y, x] * features[b, j, y, x] for y in range(3) for x in range(5)) / 15
                assert math.isclose(gram[b, i, j].item(), expected.item(), rel_tol=1e-5, abs_tol=1e-6)
    assert torch.allclose(gram, gram.transpose(1, 2))


def test_gram_matrix_ignores_where_features_are():
    features = torch.randn(1, 3, 6, 6)
    shuffled = features.flatten(2)[:, :, torch.randperm(36)].reshape(1, 3, 6, 6)
    assert torch.allclose(st.gram_matrix(features), st.gram_matrix(shuffled), atol=1e-6)


def test_losses_are_relative_errors():
    a = [torch.rand(1, 3, 4, 4), torch.rand(1, 5, 2, 2)]
    grams = [st.gram_matrix(f) for f in a]
    assert st.style_loss(a, grams).item() == pytest.approx(0.0, abs=1e-7)
    assert st.style_loss([torch.zeros_like(f) for f in a], grams).item() == pytest.approx(1.0)
    assert st.content_loss(torch.zeros(2, 3), torch.ones(2, 3)).item() == pytest.approx(1.0)
    assert st.content_loss(3 * torch.ones(2, 3), 3 * torch.ones(2, 3)).item() == pytest.approx(0.0)


# --------------------------------------------------------------------------- feature nets
def test_feature_nets_shapes():
    images = torch.rand(2, 3, 16, 16)
    random_net = st.RandomMultiScaleFeatures(kernel_sizes=(3, 7), filters=5)
    assert [tuple(f.shape) for f in random_net.features(images)] == [(2, 5, 16, 16), (2, 5, 16, 16)]
    assert list(random_net.parameters()) == []           # random filters are fixed buffers
    again = st.RandomMultiScaleFeatures(kernel_sizes=(3, 7), filters=5)
    assert all(torch.equal(a, b) for a, b in zip(random_net.features(images), again.features(images)))  # seeded
    vgg = st.TinyVGG(st.TinyVGGConfig(channels=(4, 6, 8), classes=3))
    assert [tuple(f.shape) for f in vgg.features(images)] == [(2, 4, 16, 16), (2, 6, 8, 8), (2, 8, 4, 4)]
    assert vgg(images).shape == (2, 3)


def test_photo_patches_keep_train_and_test_apart():
    photos = torch.arange(2 * 3 * 16 * 16, dtype=torch.float32).reshape(2, 3, 16, 16)
    x, y = st.photo_patches(photos, 50, 4, part="train", seed=0)
    xt, yt = st.photo_patches(photos, 50, 4, part="test", seed=0)
    assert x.shape == (50, 3, 4, 4) and y.shape == (50,) and set(y.tolist()) <= {0, 1}
    column = lambda patches: (patches[:, 0] % 16)     # noqa: E731  the column index of every pixel
    assert column(x).max() < 12 and column(xt).min() >= 12
    with pytest.raises(ValueError):
        st.photo_patches(photos, 5, 8, part="test")


# --------------------------------------------------------------------------- optimising pixels
def test_texture_synthesis_lowers_the_style_loss_below_noise(seeded_one_thread):
    source = torch.rand(3, 1, 1) * 0.5 + 0.25 * torch.sin(torch.arange(16.0) * 1.3)[None, None, :].expand(3, 16, 16)
    net = st.RandomMultiScaleFeatures(kernel_sizes=(3, 5), filters=8)
    result = st.synthesise_texture(source, net, size=16, steps=30, lr=0.05, progress=False)
    assert result.image.shape == (3, 16, 16) and 0 <= result.image.min() and result.image.max() <= 1
    assert result.final_style_loss < 0.5 * result.style_losses[0]
    assert len(result.style_losses) == 30 and result.content_losses == []


def test_style_transfer_tracks_both_losses(seeded_one_thread):
    content, style = torch.rand(3, 16, 16), torch.rand(3, 16, 16) * 0.3
    net = st.TinyVGG(st.TinyVGGConfig(channels=(4, 6, 8)))
    result = st.style_transfer(content, style, net, steps=10, lr=0.05, progress=False)
    assert len(result.content_losses) == 10 and result.content_losses[0] == pytest.approx(0.0, abs=1e-6)
    assert result.final_style_loss < result.style_losses[0]
    assert all(p.requires_grad for p in net.parameters())      # the net can still be trained afterwards


def test_pixel_statistics():
    image = torch.rand(3, 32, 32)
    assert st.spectrum_distance(image, image) == 0.0
    assert st.colour_histogram_distance(image, image) == 0.0
    assert st.colour_histogram_distance(torch.zeros(3, 8, 8), torch.ones(3, 8, 8)) == pytest.approx(1.0)
    smooth = F.avg_pool2d(image[None], 5, stride=1, padding=2)[0]
    assert st.spectrum_distance(image, smooth) > 0.5    # blurring removes power at high frequencies
    noise = st.noise_image(32, like=smooth)
    assert torch.allclose(noise.mean(dim=(1, 2)), smooth.mean(dim=(1, 2)), atol=0.05)


# --------------------------------------------------------------------------- AdaIN
def test_adain_matches_instance_norm_and_takes_the_style_statistics():
    content = torch.randn(2, 5, 6, 7, dtype=torch.float64) * 3 + 1
    style = torch.randn(2, 5, 4, 4, dtype=torch.float64) * 0.5 - 2
    out = ad.adain(content, style)
    s_mean, s_std = ad.mean_std(style)
    assert torch.allclose(out, F.instance_norm(content, eps=1e-5) * s_std + s_mean)
    o_mean, o_std = ad.mean_std(out, eps=0)
    assert torch.allclose(o_mean, s_mean) and torch.allclose(o_std, s_std, atol=1e-5)
    assert torch.allclose(ad.adain(content, content), content, atol=1e-4)   # its own style changes nothing


def test_mean_std_loss_is_zero_for_equal_statistics_only():
    a = [torch.randn(2, 3, 4, 4), torch.randn(2, 6, 2, 2)]
    shuffled = [f.flatten(2)[:, :, torch.randperm(f.shape[2] * f.shape[3])].reshape(f.shape) for f in a]
    assert ad.mean_std_loss(a, shuffled).item() == pytest.approx(0.0, abs=1e-6)
    assert ad.mean_std_loss(a, [f + 1 for f in a]).item() == pytest.approx(2.0, abs=1e-5)   # 1 per layer (means)


def test_adain_model_learns_and_stylises_any_size(seeded_one_thread):
    encoder = st.TinyVGG(st.TinyVGGConfig(channels=(4, 8, 8)))
    model = ad.AdaINStyleTransfer(encoder)
    photos = torch.rand(4, 3, 16, 16)
    before = [p.clone() for p in encoder.parameters()]
    data = ad.PatchPairs(photos, photos, patch=8, batch=4, seed=0)
    first = model.loss(data()).item()
    history = train.fit(model, data, steps=30, lr=5e-3, progress=False, log_every=10)
    assert history.final_loss < min(first, 0.8 * history.train_loss[0])
    assert all(torch.equal(a, b) for a, b in zip(before, encoder.parameters()))   # the encoder stayed fixed
    out = model.stylise(torch.rand(3, 20, 28), torch.rand(3, 12, 12))
    assert out.shape == (3, 20, 28) and 0 <= out.min() and out.max() <= 1
    assert model.stylise(torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)).shape == (2, 3, 8, 8)


def test_adain_loss_runs_under_bf16_autocast_and_scores_compare_with_trivial_answers(seeded_one_thread):
    encoder = st.TinyVGG(st.TinyVGGConfig(channels=(4, 8, 8)))
    model = ad.AdaINStyleTransfer(encoder, ad.AdaINConfig(depth=3))
    batch = (torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16))
    with torch.autocast("cpu", dtype=torch.bfloat16):        # the GPU profile's precision, run on the CPU
        loss = model.loss(batch)
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    content, style = torch.rand(3, 16, 16), torch.rand(3, 12, 12)
    scores = ad.stylisation_scores(model, content, style, content)       # "return the content"
    assert scores["layout"] == pytest.approx(0.0, abs=1e-6) and scores["style"] == scores["style_of_content"]
    assert set(scores) == {"style", "style_of_content", "layout", "layout_of_style"}
