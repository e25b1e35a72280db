"""Explaining the shapes classifier: the model, its explainers and the cases, shared by notebook 6.2 and the benchmark.

The model is the course's ``SmallCNN`` trained to tell circles, squares and
triangles apart on single-shape scenes whose evidence (the object's mask) is known
(``aigc_lab.data.explain.shape_evidence``).  Every explainer has the signature
``explain(image (3, H, W), target, seed) -> (H, W) attribution``:

    settings = image_settings()
    task = train_shape_classifier(settings["n_train"], settings["n_test"], steps=settings["steps"])
    methods = image_explainers(task.model, background=task.train.images[:32], **settings["methods"])

Gradient methods differentiate the class's logit; occlusion, LIME and the deletion
and insertion curves read its probability.  A pixel's attribution is the sum over
its three colour channels (saliency: the largest of the three, as Simonyan et al. do).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import runtime
from ..data.explain import EvidenceImages, shape_evidence
from ..data.image import ImageSplit
from ..image.classify import ClassifierResult, train_classifier
from ..image.cnn import CNNConfig, SmallCNN
from . import attributions, wrappers
from .evaluate import Case, Explainer

METHODS = ("saliency", "gradient x input", "integrated gradients", "occlusion", "LIME", "SHAP")


def image_settings() -> dict:
    """Per-profile sizes shared by the notebook and the benchmark."""
    return {
        "size": 32,
        "n_train": runtime.pick(smoke=800, cpu=4000, gpu=8000),
        "n_test": runtime.pick(smoke=200, cpu=500, gpu=1000),
        "steps": runtime.pick(smoke=160, cpu=1200, gpu=3000),
        "lr": runtime.pick(smoke=2e-2, cpu=1e-2, gpu=1e-2),
        "n_explained": runtime.pick(smoke=6, cpu=60, gpu=60),
        "variance_cases": runtime.pick(smoke=2, cpu=8, gpu=8),
        "curve_steps": 32,                                               # points on each deletion / insertion curve
        "methods": {"ig_steps": runtime.pick(smoke=16, cpu=32, gpu=64),
                    "lime_samples": runtime.pick(smoke=100, cpu=400, gpu=400),
                    "shap_samples": runtime.pick(smoke=32, cpu=100, gpu=100)},
    }


@dataclass
class ShapeTask:
    train: EvidenceImages
    test: EvidenceImages
    model: SmallCNN
    result: ClassifierResult


def train_shape_classifier(n_train: int, n_test: int, *, steps: int, lr: float = 1e-2, size: int = 32, seed: int = 0,
                           device=None, progress: bool = False) -> ShapeTask:
    """A ``SmallCNN`` on ``n_train`` shapes scenes (stream seed 0) scored on ``n_test`` others (seed 1).

    Returned on the CPU in eval mode.
    """
    train_set, test_set = shape_evidence(n_train, size=size, seed=0), shape_evidence(n_test, size=size, seed=1)
    split = ImageSplit(train_set.images, train_set.labels, test_set.images, test_set.labels, list(train_set.classes))
    runtime.seed_everything(seed)                     # the initial weights too, not only the batches
    model = SmallCNN(CNNConfig(in_channels=3, size=size, classes=len(train_set.classes)))
    result = train_classifier(model, split, steps=steps, lr=lr, seed=seed, device=device, progress=progress)
    return ShapeTask(train_set, test_set, model.cpu().eval(), result)


def probabilities(model: torch.nn.Module):
    """(B, 3, H, W) images -> (B, classes) probabilities."""
    return lambda images: torch.softmax(model(images), dim=1)


def predict_images(model: torch.nn.Module):
    """NumPy (N, H, W, 3) images -> (N, classes) NumPy probabilities, what LIME calls."""
    def predict(images: np.ndarray) -> np.ndarray:
        x = torch.as_tensor(images, dtype=torch.float32).permute(0, 3, 1, 2)
        with torch.no_grad():
            return torch.softmax(model(x), dim=1).numpy()
    return predict


def image_cases(task: ShapeTask, n: int) -> list[Case]:
    """The first ``n`` test images as cases; each explains the model's predicted class."""
    with torch.no_grad():
        predicted = task.model.predict(task.test.images[:n])
    return [Case(task.test.images[i], int(predicted[i]), task.test.evidence[i]) for i in range(min(n, len(task.test)))]


def mean_colour(image: torch.Tensor) -> torch.Tensor:
    """The baseline of the deletion and insertion curves: every pixel the image's mean colour.

    Removed pixels must not leave a shape behind.  Black would: a black hole in the shape
    of the object still shows its outline on these dark backgrounds, and the model still
    reads it.  The mean colour has no edges at all (a heavy blur does about as well, as
    Petsiuk et al. use for insertion).
    """
    return image.mean(dim=(-2, -1), keepdim=True).expand_as(image).clone()


def image_explainers(model: torch.nn.Module, *, background: torch.Tensor, ig_steps: int = 32, lime_samples: int = 400,
                     shap_samples: int = 100, occlusion_window: int = 4) -> dict[str, Explainer]:
    """Every method as ``explain(image (3, H, W), target, seed) -> (H, W) attribution`` for ``model``.

    ``background`` (N, 3, H, W): the real images SHAP's expected gradients draws its baselines from.
    """
    predict = predict_images(model)

    def saliency(image, target, seed):
        return attributions.saliency(model, image[None], target)[0].amax(dim=0)

    def gradient_x_input(image, target, seed):
        return attributions.gradient_x_input(model, image[None], target)[0].sum(dim=0)

    def integrated(image, target, seed):
        return attributions.integrated_gradients(model, image[None], target, steps=ig_steps)[0].sum(dim=0)

    def occlusion(image, target, seed):
        return attributions.occlusion(probabilities(model), image[None], target, window=occlusion_window,
                                      stride=max(1, occlusion_window // 2))[0]

    def lime(image, target, seed):
        return wrappers.lime_image(predict, image, target=target, samples=lime_samples, seed=seed)[0]

    def shap(image, target, seed):
        return wrappers.shap_gradient(model, image[None], background, target=target, samples=shap_samples,
                                      seed=seed)[0].sum(dim=0)

    return dict(zip(METHODS, (saliency, gradient_x_input, integrated, occlusion, lime, shap)))
