"""The outlook notebook's pieces: the power-law fit, InfoNCE, retrieval, the caption VAE and its judge."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from aigc_lab import scaling, train
from aigc_lab.data.image import shuffled_batches
from aigc_lab.data.shapes import shapes_scenes
from aigc_lab.multimodal.captions import CaptionEncoder, CaptionEncoderConfig, CaptionTokenizer
from aigc_lab.multimodal.clip import (CLIPConfig, ShapesCLIP, chance_retrieval, info_nce, retrieval_accuracy,
                                      shuffle_captions)
from aigc_lab.multimodal.text_to_image import (CaptionVAE, TextToImageConfig, generate, parse_caption,
                                               relation_holds)
from aigc_lab.text.gpt import GPT, GPTConfig


# --------------------------------------------------------------------------- scaling
def test_power_law_fit_recovers_known_exponent_and_floor():
    n = np.geomspace(1e3, 1e6, 7)
    loss = 5.0 * n ** -0.3 + 1.2
    law = scaling.fit_power_law(n, loss)
    assert law.b == pytest.approx(0.3, abs=0.01)
    assert law.c == pytest.approx(1.2, abs=0.02)
    assert law(1e7) == pytest.approx(5.0 * 1e7 ** -0.3 + 1.2, rel=1e-3)


def test_power_law_fit_with_noise_and_without_offset():
    rng = np.random.default_rng(0)
    n = np.geomspace(1e3, 1e7, 9)
    loss = 20 * n ** -0.25 * np.exp(rng.normal(0, 0.01, n.size))
    law = scaling.fit_power_law(n, loss, offset=False)
    assert law.c == 0.0 and law.b == pytest.approx(0.25, abs=0.02)
    slope, _ = np.polyfit(np.log(n), np.log(loss), 1)          # numpy's own line: the same slope
    assert law.b == pytest.approx(-slope, rel=1e-9)
    assert law.size_for_loss(law(1e5)) == pytest.approx(1e5, rel=1e-6)


@pytest.mark.parametrize("n, loss", [([1, 2], [3, 2]), ([1, 2, 3], [3, 2]), ([1, -2, 3], [3, 2, 1]),
                                     ([5, 5, 5], [3, 2, 1]), ([1, 2, np.nan], [3, 2, 1])])
def test_power_law_fit_rejects_bad_input(n, loss):
    with pytest.raises(ValueError):
        scaling.fit_power_law(n, loss)


def test_flops_and_non_embedding_params():
    model = GPT(GPTConfig(50, block_size=16, n_layer=2, n_head=2, n_embd=16))
    embeddings = 50 * 16 + 16 * 16
    assert scaling.non_embedding_params(model) == sum(p.numel() for p in model.parameters()) - embeddings
    assert scaling.training_flops(1000, 2000) == 6 * 1000 * 2000
    assert scaling.widths_for_family(8, 64, 4) == [8, 16, 32, 64]
    with pytest.raises(ValueError):
        scaling.widths_for_family(8, 16, 5)


# --------------------------------------------------------------------------- captions and CLIP
def test_caption_tokenizer_round_trip_and_errors():
    tok = CaptionTokenizer()
    captions = ["a red circle", "a red circle left of a blue square"]
    ids = tok.encode(captions)
    assert ids.shape == (2, 8) and tok.decode(ids) == captions
    with pytest.raises(KeyError, match="purple"):
        tok.encode(["a purple circle"])
    with pytest.raises(TypeError):
        tok.encode("a red circle")
    out = CaptionEncoder(CaptionEncoderConfig())(ids)
    assert out.shape == (2, 64)
    # padding after the caption does not change its vector
    torch.manual_seed(0)
    alone = CaptionEncoder(CaptionEncoderConfig())
    assert torch.allclose(alone(ids[:1]), alone(ids[:1, :3]), atol=1e-6)


def test_info_nce_matches_cross_entropy():
    torch.manual_seed(0)
    logits = torch.randn(7, 7, dtype=torch.float64, requires_grad=True)
    labels = torch.arange(7)
    reference = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
    ours = info_nce(logits)
    assert torch.allclose(ours, reference)
    g1, = torch.autograd.grad(ours, logits)
    g2, = torch.autograd.grad(reference, logits)
    assert torch.allclose(g1, g2)
    with pytest.raises(ValueError, match="square"):
        info_nce(torch.randn(3, 4))


def test_retrieval_accuracy_counts_equal_captions_and_chance():
    captions = ["a red circle", "a red circle", "a blue square"]
    sim = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    i2t, t2i = retrieval_accuracy(sim, captions)
    assert i2t == pytest.approx(1 / 3)            # row 0 finds caption 1: the same text, right
    assert t2i == pytest.approx(1 / 3)            # column 1 finds image 0: same text, right
    assert retrieval_accuracy(torch.eye(3), captions) == (1.0, 1.0)
    assert chance_retrieval(captions) == pytest.approx((2 / 3 + 2 / 3 + 1 / 3) / 3)
    with pytest.raises(ValueError):
        retrieval_accuracy(torch.eye(2), captions)


def test_shuffle_captions_changes_the_requested_share():
    captions = [f"a red {s}" for s in ("circle", "square", "triangle")] * 10
    assert shuffle_captions(captions, 0.0) == captions
    noisy = shuffle_captions(captions, 1.0, seed=1)
    assert sorted(noisy) == sorted(captions) and noisy != captions
    with pytest.raises(ValueError):
        shuffle_captions(captions, 1.5)


def test_tiny_clip_beats_chance():
    torch.manual_seed(0)
    scenes = shapes_scenes(400, size=16, max_objects=1, plain_background=True, seed=0)
    test = shapes_scenes(100, size=16, max_objects=1, plain_background=True, seed=1)
    model = ShapesCLIP(CLIPConfig(image_size=16, channels=8, embed_dim=32))
    ids = CaptionTokenizer().encode(scenes.captions)
    train.fit(model, shuffled_batches(scenes.images, ids, 32), steps=120, lr=3e-3, progress=False)
    with torch.no_grad():
        sim = model.eval().similarity(test.images, CaptionTokenizer().encode(test.captions))
    i2t, t2i = retrieval_accuracy(sim, test.captions)
    chance = chance_retrieval(test.captions)
    assert i2t > 3 * chance and t2i > 3 * chance, (i2t, t2i, chance)


def test_clip_rejects_bad_image_size():
    with pytest.raises(ValueError, match="divisible by 8"):
        ShapesCLIP(CLIPConfig(image_size=20))


# --------------------------------------------------------------------------- text to image
def test_caption_vae_shapes_and_generate():
    model = CaptionVAE(TextToImageConfig(image_size=16, channels=8))
    scenes = shapes_scenes(4, size=16)
    loss = model.loss((scenes.images, CaptionTokenizer().encode(scenes.captions)))
    assert loss.dim() == 0 and torch.isfinite(loss)
    images = generate(model, ["a red circle", "a blue square below a green triangle"])
    assert images.shape == (2, 3, 16, 16) and images.min() >= 0 and images.max() <= 1
    with pytest.raises(ValueError):
        CaptionVAE(TextToImageConfig(image_size=18))


def test_parse_caption_and_relation_rule():
    assert parse_caption("a red circle left of a blue square") == [(0, 0), "left of", (1, 2)]
    with pytest.raises(ValueError):
        parse_caption("the red circle")
    scenes = shapes_scenes(50, size=32, min_objects=2, max_objects=2, plain_background=True, seed=0)
    agree = []
    for image, caption in zip(scenes.images, scenes.captions):
        first, relation, second = parse_caption(caption)
        if first[1] != second[1]:
            agree.append(relation_holds(image, first[1], relation, second[1]))
    assert len(agree) > 20 and all(agree)         # the rule reads real scenes' relations correctly
