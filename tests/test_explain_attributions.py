"""aigc_lab.explain.attributions against captum, the axioms of integrated gradients, and the LIME / SHAP wrappers."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn

from aigc_lab.explain import attributions, sanity, wrappers
from aigc_lab.image.cnn import CNNConfig, SmallCNN
from aigc_lab.text.text_cnn import TextCNN, TextCNNConfig

captum_attr = pytest.importorskip("captum.attr")


def _mlp(seed: int = 0, smooth: bool = False) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh() if smooth else nn.ReLU(),
                         nn.Linear(16, 3)).double().eval()


def _inputs(seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(4, 6, generator=generator, dtype=torch.float64),
            torch.randn(4, 6, generator=generator, dtype=torch.float64) * 0.1)


# --------------------------------------------------------------------------- hand-worked: a linear model
def test_gradient_methods_on_a_linear_model_by_hand():
    model = nn.Linear(3, 2, bias=True).double()
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]]))
        model.bias.copy_(torch.tensor([0.3, -0.3]))
    x = torch.tensor([[2.0, 1.0, -4.0]], dtype=torch.float64)
    assert attributions.saliency(model, x, 0).tolist() == [[1.0, 2.0, 0.5]]
    assert attributions.gradient_x_input(model, x, 0).tolist() == [[2.0, -2.0, -2.0]]
    # on a linear model integrated gradients is exactly (x - x') * w, whatever the rule with weights adding to 1
    for method in ("riemann_left", "riemann_middle", "riemann_trapezoid", "gausslegendre"):
        ig = attributions.integrated_gradients(model, x, 1, steps=4, method=method)
        assert torch.allclose(ig, torch.tensor([[0.0, 3.0, 4.0]], dtype=torch.float64))


def test_path_points_weights():
    for method in attributions.IG_METHODS:
        alphas, weights = attributions.path_points(8, method)
        assert len(alphas) == len(weights) == 8 and (alphas >= 0).all() and (alphas <= 1).all()
        assert float(weights.sum()) == pytest.approx(1.0)        # every rule integrates a constant exactly
    assert attributions.path_points(2, "riemann_middle")[0].tolist() == [0.25, 0.75]
    with pytest.raises(ValueError):
        attributions.path_points(8, "simpson")


def test_trapezoid_weights_over_n_intervals():
    """n points 0, 1/(n-1), ..., 1 cut [0, 1] into n - 1 intervals: weights 1/(n-1), the two ends halved."""
    alphas, weights = attributions.path_points(5, "riemann_trapezoid")
    assert alphas.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert weights.tolist() == [0.125, 0.25, 0.25, 0.25, 0.125]


def _quadratic(x: torch.Tensor) -> torch.Tensor:
    """(B, 3) -> (B, 2) scores, each a quadratic in x: its gradient is linear along any straight path."""
    a = torch.tensor([[1.0, -0.5, 0.2], [-0.5, 2.0, 0.0], [0.2, 0.0, -1.0]], dtype=x.dtype)
    quadratic = ((x @ a) * x).sum(1)
    return torch.stack([quadratic + x @ torch.tensor([0.3, -1.0, 2.0], dtype=x.dtype), -quadratic + x[:, 0]], 1)


@pytest.mark.parametrize("steps", [2, 5, 16])
def test_trapezoid_integrated_gradients_is_complete_on_a_quadratic_model(steps):
    """The trapezoid rule is exact for a linear integrand, so the attributions add up to F(x) - F(x') exactly."""
    generator = torch.Generator().manual_seed(0)
    x, baseline = torch.randn(4, 3, generator=generator, dtype=torch.float64), torch.randn(1, 3, generator=generator,
                                                                                        dtype=torch.float64)
    for target in (0, 1):
        ig = attributions.integrated_gradients(_quadratic, x, target, baseline=baseline, steps=steps,
                                               method="riemann_trapezoid")
        gap = attributions.completeness_gap(_quadratic, x, target, ig, baseline=baseline)
        assert torch.allclose(gap, torch.zeros(4, dtype=torch.float64), atol=1e-12)


# --------------------------------------------------------------------------- parity with captum
@pytest.mark.parametrize("method", attributions.IG_METHODS)
def test_integrated_gradients_matches_captum(method):
    """Equal to captum for every rule but the trapezoid, where captum weights n points by 1/n (ends halved),
    adding up to 1 - 1/n; ours weights them by 1/(n-1), adding up to 1: ours = captum's * n / (n - 1)."""
    model, (x, baseline) = _mlp(), _inputs()
    target = torch.tensor([0, 2, 1, 2])
    mine = attributions.integrated_gradients(model, x, target, baseline=baseline, steps=20, method=method,
                                             internal_batch=12)      # several chunks of path points
    theirs = wrappers.captum_integrated_gradients(model, x, target, baseline=baseline, steps=20, method=method)
    if method == "riemann_trapezoid":
        theirs = theirs * 20 / 19
    assert torch.allclose(mine, theirs, atol=1e-10)


def test_integrated_gradients_matches_captum_on_a_cnn():
    torch.manual_seed(0)
    model = SmallCNN(CNNConfig(in_channels=3, size=16, classes=3)).double().eval()
    x = torch.rand(2, 3, 16, 16, dtype=torch.float64)
    mine = attributions.integrated_gradients(model, x, 1, steps=16, method="gausslegendre")
    theirs = wrappers.captum_integrated_gradients(model, x, 1, steps=16, method="gausslegendre")
    assert torch.allclose(mine, theirs, atol=1e-10)


@pytest.mark.filterwarnings("ignore:Input Tensor 0 did not already require gradients")   # captum sets it itself
def test_saliency_and_gradient_x_input_match_captum():
    model, (x, _) = _mlp(), _inputs()
    target = torch.tensor([1, 0, 2, 1])
    assert torch.allclose(attributions.saliency(model, x, target),
                          captum_attr.Saliency(model).attribute(x, target=target, abs=True))
    assert torch.allclose(attributions.gradient_x_input(model, x, target),
                          captum_attr.InputXGradient(model).attribute(x, target=target))


def test_occlusion_matches_captum():
    torch.manual_seed(0)
    model = SmallCNN(CNNConfig(in_channels=3, size=16, classes=3)).double().eval()
    x = torch.rand(2, 3, 16, 16, dtype=torch.float64)
    mine = attributions.occlusion(model, x, 2, window=4, stride=2)
    theirs = captum_attr.Occlusion(model).attribute(x, sliding_window_shapes=(3, 4, 4), strides=(3, 2, 2),
                                                    baselines=0.0, target=2).double()   # captum sums in float32
    assert mine.shape == (2, 16, 16)
    assert torch.allclose(mine, theirs[:, 0], atol=1e-6)
    assert torch.allclose(theirs[:, 0], theirs[:, 2])            # captum gives every channel the same value


def test_feature_ablation_matches_captum():
    model, (x, baseline) = _mlp(), _inputs()
    groups = torch.tensor([0, 0, 1, 2, 2, 2])
    mine = attributions.feature_ablation(model, x, 1, groups, baseline)
    theirs = captum_attr.FeatureAblation(model).attribute(x, baselines=baseline, target=1, feature_mask=groups[None])
    assert torch.allclose(mine, theirs, atol=1e-10)


# --------------------------------------------------------------------------- the completeness axiom
def test_integrated_gradients_completeness():
    # on a smooth model Gauss-Legendre quadrature converges fast: the attributions add up to F(x) - F(x')
    model, (x, baseline) = _mlp(smooth=True), _inputs()
    ig = attributions.integrated_gradients(model, x, 2, baseline=baseline, steps=32, method="gausslegendre")
    assert attributions.completeness_gap(model, x, 2, ig, baseline).abs().max() < 1e-8
    # with ReLU kinks on the path every rule converges more slowly, but it converges
    model = _mlp()
    gaps = [attributions.completeness_gap(model, x, 2, attributions.integrated_gradients(
        model, x, 2, baseline=baseline, steps=steps), baseline).abs().max() for steps in (8, 256)]
    assert gaps[1] < 1e-3 and gaps[1] < gaps[0]
    # gradient x input is not complete on a non-linear model
    gxi = attributions.gradient_x_input(model, x, 2, baseline)
    assert attributions.completeness_gap(model, x, 2, gxi, baseline).abs().max() > 1e-2


def test_embedding_forward_and_token_integrated_gradients_are_complete():
    torch.manual_seed(0)
    model = TextCNN(TextCNNConfig(vocab_size=30, classes=2, kernel_sizes=(1, 2))).eval()
    ids = torch.tensor([[5, 9, 3, 12, 7, 0, 0]])                 # two padding positions
    forward = attributions.embedding_forward(model, ids)
    embeddings = model.embedding(ids).detach()
    assert torch.allclose(forward(embeddings), model(ids))
    assert torch.allclose(forward(embeddings.repeat(3, 1, 1)), model(ids).repeat(3, 1))   # ids repeated to match
    assert not model.embedding._forward_hooks, "the hook is removed after each call"
    ig = attributions.integrated_gradients(forward, embeddings, 1, steps=200, method="gausslegendre")
    per_token = attributions.token_attribution(ig)
    assert per_token.shape == (1, 7)
    gap = attributions.completeness_gap(forward, embeddings, 1, per_token)
    assert gap.abs().item() < 1e-3 * max(1.0, per_token.abs().sum().item())
    assert per_token[0, 5:].abs().max() < 1e-6                   # padding is masked out of the model: no credit


# --------------------------------------------------------------------------- the randomisation test's model copy
def test_randomised_copy_reinitialises_a_copy_only():
    torch.manual_seed(0)
    model = SmallCNN(CNNConfig(in_channels=3, size=16, classes=3))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    copy = sanity.randomised_copy(model, seed=1)
    assert torch.rand(1) == expected_next, "the caller's random stream is left as it was"
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(not torch.equal(before[k], v) for k, v in copy.state_dict().items())
    top = sanity.randomised_copy(model, seed=1, layers=["head"])
    assert torch.equal(top.conv1.weight, model.conv1.weight) and not torch.equal(top.head.weight, model.head.weight)
    assert torch.equal(sanity.randomised_copy(model, seed=1).head.weight, copy.head.weight)   # seeded
    with pytest.raises(ValueError, match="initialiser"):
        sanity.randomised_copy(model, layers=["nope"])


# --------------------------------------------------------------------------- the LIME and SHAP wrappers
TOKENS = "the soup was not good , the waiter was good .".split()


def _only_position_4(texts: list[str]) -> np.ndarray:
    """A text 'model' that only reads the fifth word; it fails if a masked text loses or glues words."""
    rows = []
    for text in texts:
        words = text.split(" ")
        assert len(words) == len(TOKENS), f"masking changed the number of words: {text!r}"
        p = 0.9 if words[4] == "good" else 0.1
        rows.append([1 - p, p])
    return np.array(rows)


def test_lime_text_finds_the_only_word_that_matters():
    weights = wrappers.lime_text(_only_position_4, TOKENS, target=1, samples=200, seed=0)
    assert weights.shape == (len(TOKENS),) and int(weights.abs().argmax()) == 4
    assert torch.equal(weights, wrappers.lime_text(_only_position_4, TOKENS, target=1, samples=200, seed=0))


def test_shap_text_finds_the_only_word_that_matters():
    values = wrappers.shap_text(_only_position_4, TOKENS, target=1, max_evals=100)
    assert values.shape == (len(TOKENS),)
    assert values[4] == pytest.approx(0.8, abs=1e-6) and values[torch.arange(len(TOKENS)) != 4].abs().max() < 1e-6


def test_lime_image_and_shap_gradient_point_at_the_lit_corner():
    image = torch.full((3, 16, 16), 0.1)
    image[:, :6, :6] = 0.9                                       # a bright corner, the only thing the model reads

    class Corner(nn.Module):
        def forward(self, x):
            score = x[:, :, :6, :6].mean((1, 2, 3)) * 10
            return torch.stack([-score, score], dim=1)

    def predict(images: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return torch.softmax(Corner()(torch.as_tensor(images, dtype=torch.float32).permute(0, 3, 1, 2)), 1).numpy()

    lime_map, groups = wrappers.lime_image(predict, image, target=1, samples=100, seed=0, segments=8)
    assert lime_map.shape == groups.shape == (16, 16)
    assert lime_map[:6, :6].mean() > lime_map[8:, 8:].abs().mean()
    values = wrappers.shap_gradient(Corner(), image[None], torch.zeros(4, 3, 16, 16), target=1, samples=20, seed=0)
    assert values.shape == (1, 3, 16, 16)
    assert values[0, :, 6:, :].abs().max() == 0 and values[0, :, :6, :6].min() > 0
