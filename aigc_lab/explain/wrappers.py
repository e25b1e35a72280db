"""Thin, typed wrappers over LIME, SHAP and captum, returning plain tensors of importance per feature.

The libraries differ in what they take (strings, NumPy images in (H, W, 3), torch
tensors) and in what they return (lists of (feature, weight) pairs, ``Explanation``
objects, arrays with an extra output axis).  Each wrapper takes the course's shapes
and returns one number per token (T,) or per pixel (H, W), so that every method is
scored by the same functions in ``explain.scoring``:

    lime_text(predict_texts, tokens, target=1, samples=500, seed=0)        # (T,)
    shap_text(predict_texts, tokens, target=1, max_evals=300)              # (T,)
    lime_image(predict_images, image, target=2, samples=300, seed=0)       # (H, W), + the superpixels
    lime_groups(predict, x, groups, baseline, target=2, samples=400)       # like x: any feature groups
    shap_gradient(model, images, background, target=2, samples=50, seed=0) # (B, C, H, W)

The libraries are imported inside the functions: shap takes a few seconds to import
(it loads numba), and nothing here should slow down ``import aigc_lab``.

Known noise, silenced in one place (``quiet``) rather than cell by cell: shap warns
about NumPy 2 and matplotlib deprecations at import, numba may warn about its own
deprecations, and LIME 0.2.0.1's image explainer always draws a tqdm progress bar
(it has no argument to turn it off).
"""
from __future__ import annotations

import contextlib
import sys
import warnings
from typing import Callable, Iterator, Sequence

import numpy as np
import torch

PredictTexts = Callable[[list[str]], np.ndarray]      # texts -> (N, classes) probabilities
PredictImages = Callable[[np.ndarray], np.ndarray]    # (N, H, W, 3) images in [0, 1] -> (N, classes) probabilities

# (category, module regex) of warnings the libraries raise that tell a learner nothing
KNOWN_WARNINGS = (
    (PendingDeprecationWarning, r"shap(\.|$)"),   # matplotlib's colormap set_over / set_under / set_bad, at import
    (DeprecationWarning, r"shap(\.|$)"),          # NumPy 2 deprecations inside shap
    (FutureWarning, r"shap(\.|$)"),
    (DeprecationWarning, r"numba(\.|$)"),
)
# the same colormap warnings by their message, in case a stack level attributes them elsewhere
KNOWN_MESSAGES = (r"The set_over function", r"The set_under function", r"The set_bad function")


def silence_known_warnings() -> None:
    """Install the warning filters above for the rest of the session (idempotent)."""
    for category, module in KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", category=category, module=module)
    for message in KNOWN_MESSAGES:
        warnings.filterwarnings("ignore", message=message, category=PendingDeprecationWarning)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """The libraries' known warnings silenced (for the session), and LIME's progress bar off within the block."""
    silence_known_warnings()
    lime_image_module = sys.modules.get("lime.lime_image")    # patched only where LIME's image explainer is in use
    if lime_image_module is None:
        yield
        return
    from tqdm.auto import tqdm

    original = lime_image_module.tqdm
    lime_image_module.tqdm = lambda iterable, *args, **kwargs: tqdm(iterable, *args, disable=True, **kwargs)
    try:
        yield
    finally:
        lime_image_module.tqdm = original


def import_shap():
    """``import shap`` without its import-time warnings, and with its numba functions left as plain Python.

    shap's partition explainer and maskers are decorated with numba's ``@njit``, and
    the first call compiles them: 10 to 40 seconds on two CPU cores, far longer than
    explaining a few dozen sentences, which takes a fraction of a second per sentence
    in plain Python.  numba reads ``config.DISABLE_JIT`` when it *decorates* a
    function, so switching it off while shap is imported leaves shap's functions
    uncompiled and every other library's numba code as it was.  (If shap was already
    imported, this changes nothing.)
    """
    silence_known_warnings()
    if "shap" not in sys.modules:
        import numba

        before = numba.config.DISABLE_JIT
        numba.config.DISABLE_JIT = True
        try:
            import shap  # noqa: F401
        finally:
            numba.config.DISABLE_JIT = before
    return sys.modules["shap"]


# --------------------------------------------------------------------------- text
def lime_text(predict_texts: PredictTexts, tokens: Sequence[str], *, target: int, samples: int = 500,
              seed: int = 0, mask_token: str = "<pad>") -> torch.Tensor:
    """LIME (Ribeiro, Singh and Guestrin 2016) for one tokenised sentence: (T,) weight of each token position.

    LIME hides random subsets of the tokens (each hidden token becomes ``mask_token``),
    asks the model about each copy, and fits a weighted linear model to the answers;
    the weights are the explanation.  ``bow=False`` keeps positions apart, so the two
    "the"s of a sentence get weights of their own.
    """
    from lime.lime_text import LimeTextExplainer

    text = " ".join(tokens)
    explainer = LimeTextExplainer(bow=False, split_expression=" ", mask_string=mask_token, random_state=seed)
    with quiet():
        explanation = explainer.explain_instance(text, predict_texts, labels=(target,), num_features=len(tokens),
                                                 num_samples=samples)
    weights = torch.zeros(len(tokens))
    for position, weight in explanation.as_map()[target]:
        weights[position] = weight
    return weights


def shap_text(predict_texts: PredictTexts, tokens: Sequence[str], *, target: int, max_evals: int = 300,
              mask_token: str = "<pad>") -> torch.Tensor:
    """SHAP values of each token (Lundberg and Lee 2017) from shap's partition explainer and text masker: (T,).

    shap's ``Text`` masker splits the sentence at spaces and hides tokens by writing
    ``mask_token`` in their place; the partition explainer estimates Owen values (Shapley
    values over a hierarchy of token groups) with at most ``max_evals`` model calls.
    It is deterministic.
    """
    shap = import_shap()
    # the masker writes " " + mask_token for a hidden token and drops the token's own trailing space,
    # so a space after the mask token keeps "<pad> the" from becoming "<pad>the"
    masker = shap.maskers.Text(r" ", mask_token=mask_token + " ", collapse_mask_token=False)
    explainer = shap.Explainer(lambda texts: predict_texts(list(texts)), masker, algorithm="partition")
    with quiet():
        values = explainer([" ".join(tokens)], max_evals=max_evals, silent=True).values[0]   # (T, classes)
    if values.shape[0] != len(tokens):
        raise RuntimeError(f"shap split the sentence into {values.shape[0]} tokens, expected {len(tokens)}")
    return torch.as_tensor(values[:, target], dtype=torch.float32)


# --------------------------------------------------------------------------- images
def superpixels(image: torch.Tensor, *, segments: int = 25, compactness: float = 10.0) -> torch.Tensor:
    """(H, W) int64 SLIC superpixels (Achanta et al. 2012) of a (3, H, W) image: what LIME switches on and off."""
    from skimage.segmentation import slic

    labels = slic(image.permute(1, 2, 0).double().numpy(), n_segments=segments, compactness=compactness,
                  start_label=0, channel_axis=-1)
    return torch.as_tensor(labels, dtype=torch.long)


def lime_image(predict_images: PredictImages, image: torch.Tensor, *, target: int, samples: int = 300,
               seed: int = 0, segments: int = 25, hide_value: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """LIME on the superpixels of one (3, H, W) image.

    Returns the (H, W) map, each pixel carrying its superpixel's weight, and the (H, W)
    superpixel labels.  Hidden superpixels are painted ``hide_value`` (black), not
    LIME's default of each superpixel's mean colour, which would leave a superpixel
    inside a flat-coloured shape unchanged when "hidden".
    """
    from lime.lime_image import LimeImageExplainer

    groups = superpixels(image, segments=segments)
    explainer = LimeImageExplainer(random_state=seed)
    with quiet():
        explanation = explainer.explain_instance(
            image.permute(1, 2, 0).double().numpy(), predict_images, labels=(target,), top_labels=None,
            hide_color=hide_value, num_samples=samples, batch_size=samples,
            segmentation_fn=lambda _: groups.numpy(), random_seed=seed)
    weight_of = dict(explanation.local_exp[target])
    weights = torch.tensor([weight_of.get(g, 0.0) for g in range(int(groups.max()) + 1)], dtype=torch.float32)
    return weights[groups], groups


def lime_groups(predict: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, groups: torch.Tensor,
                baseline: torch.Tensor, *, target: int, samples: int = 400, seed: int = 0,
                kernel_width: float = 0.25) -> torch.Tensor:
    """LIME over any grouping of an input's features (a spectrogram's time-frequency patches, say): a map the
    shape of ``x``, every feature carrying its group's weight.

    What ``lime_image`` does with superpixels, written for tensors: each of ``samples``
    copies keeps a random half of the groups and replaces the rest by ``baseline``
    (the first copy keeps all); ``predict`` ((B, *x.shape) -> (B, classes)
    probabilities) answers; LIME's own ``LimeBase`` fits the weighted linear model,
    weighting each copy by an exponential kernel of its cosine distance to the
    original, as ``LimeImageExplainer`` does.
    """
    from lime.lime_base import LimeBase
    from sklearn.metrics import pairwise_distances

    n_groups = int(groups.max()) + 1
    rng = np.random.default_rng(seed)
    keep = rng.integers(0, 2, size=(samples, n_groups))
    keep[0] = 1
    keep_t = torch.as_tensor(keep, dtype=torch.bool)
    copies = torch.where(keep_t[:, groups], x, baseline)                     # (samples, *x.shape)
    answers = predict(copies).detach().cpu().numpy()
    distances = pairwise_distances(keep, keep[:1], metric="cosine").ravel()
    kernel = lambda d: np.sqrt(np.exp(-(d ** 2) / kernel_width ** 2))         # noqa: E731 (LIME's kernel)
    with quiet():
        _, weights, _, _ = LimeBase(kernel, random_state=seed).explain_instance_with_data(
            keep, answers, distances, target, num_features=n_groups)
    weight_of = torch.zeros(n_groups)
    for group, weight in weights:
        weight_of[group] = weight
    return weight_of[groups]


class _TargetLogit(torch.nn.Module):
    """A model's score for one class as a (B, 1) output, so that shap explains that class and no other."""

    def __init__(self, model: torch.nn.Module, target: int):
        super().__init__()
        self.model, self.target = model, target

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)[:, self.target:self.target + 1]


def shap_gradient(model: torch.nn.Module, images: torch.Tensor, background: torch.Tensor, *, target: int,
                  samples: int = 50, seed: int = 0) -> torch.Tensor:
    """shap's ``GradientExplainer`` (expected gradients, Erion et al. 2021) for class ``target``, like ``images``.

    Expected gradients is integrated gradients averaged over baselines drawn from
    ``background`` (real images) and over random points on each path: ``samples``
    draws per image.  The attributions add up to about F(x) minus the average F over
    the background.  (shap seeds NumPy's global random generator with ``seed``.)
    """
    shap = import_shap()
    explainer = shap.GradientExplainer(_TargetLogit(model, target), background)
    with quiet():
        values, _ = explainer.shap_values(images, nsamples=samples, ranked_outputs=1, rseed=seed)
    values = np.asarray(values)
    if values.ndim == images.dim() + 1:       # shap >= 0.45: outputs on the last axis, (B, C, H, W, 1)
        values = values[..., 0]
    else:                                     # older shap: a list with one array per output
        values = values[0]
    return torch.as_tensor(values, dtype=torch.float32)


def captum_integrated_gradients(forward, x: torch.Tensor, target, *, baseline: torch.Tensor | None = None,
                                steps: int = 32, method: str = "riemann_middle") -> torch.Tensor:
    """captum's ``IntegratedGradients``, for checking ``attributions.integrated_gradients`` against it."""
    silence_known_warnings()
    from captum.attr import IntegratedGradients

    baseline = torch.zeros_like(x) if baseline is None else baseline
    return IntegratedGradients(forward).attribute(x, baselines=baseline, target=target, n_steps=steps, method=method)
