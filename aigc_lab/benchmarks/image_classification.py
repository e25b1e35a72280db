"""Image classification figures (part 3, notebook 03_image/01_classification), for the ``image`` benchmark.

The same settings, models and recipes as the notebook: scikit-learn's digits upscaled to
16 x 16, classified by an SVM, a random forest and gradient boosting
on pixels and on HOG features, and by four networks trained with ``aigc_lab.train.fit``
(a plain CNN, a VGG-style stack, a ResNet with basic blocks, an Inception-style network);
then a colour task, three kinds of shape on varied backgrounds.  ``figures()`` returns
held-out accuracy, parameters and seconds per model; the lead's ``image`` benchmark
calls it.

    AIGC_LAB_PROFILE=smoke python -c "from aigc_lab.benchmarks.image_classification import figures; print(figures())"
"""
from __future__ import annotations

import os

import torch.nn as nn

from .. import runtime
from ..data.image import ImageSplit, load_digits
from ..data.shapes import SHAPES, single_shapes
from ..image.classify import fit_classical, train_classifier
from ..image.cnn import CNNConfig, SmallCNN
from ..image.hog import hog
from ..image.inception import InceptionConfig, InceptionNet
from ..image.resnet import ResNet, ResNetConfig
from ..image.vgg import VGG, VGGConfig


def classification_settings() -> dict:
    """The per-profile sizes the notebook and ``figures`` share."""
    return {
        "digit_size": 16,      # the digits are 8 x 8 at heart: larger copies add cost, not information
        "batch": runtime.pick(smoke=32, cpu=64, gpu=128),
        "steps": runtime.pick(smoke=50, cpu=1000, gpu=2000),          # per network
        "lr": 3e-3,
        "trees": runtime.pick(smoke=30, cpu=200, gpu=200),            # random forest
        "boosting_rounds": runtime.pick(smoke=4, cpu=60, gpu=60),     # gradient boosting: trees per class
        "deep_blocks": runtime.pick(smoke=3, cpu=5, gpu=9),           # plain vs residual: ResNet-20, -32, -56
        "deep_steps": runtime.pick(smoke=30, cpu=300, gpu=600),
        "deep_batch": 32,
        "shapes_train": runtime.pick(smoke=400, cpu=2000, gpu=4000),
        "shapes_test": runtime.pick(smoke=150, cpu=500, gpu=1000),
        "shapes_steps": runtime.pick(smoke=100, cpu=600, gpu=1500),
    }


def classical_models(settings: dict) -> dict:
    """The three classical classifiers the source names, as scikit-learn estimators (one thread each;
    see ``fit_classical``)."""
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.svm import SVC

    return {
        "SVM (RBF kernel)": SVC(C=10.0),
        "random forest": RandomForestClassifier(n_estimators=settings["trees"], random_state=0, n_jobs=1),
        "gradient boosting": HistGradientBoostingClassifier(max_iter=settings["boosting_rounds"], max_leaf_nodes=15,
                                                            early_stopping=False, random_state=0),
    }


def networks(in_channels: int = 1, size: int = 16, classes: int = 10) -> dict[str, nn.Module]:
    """The four networks compared in the notebook, in the order the field invented them.

    From 32 x 32 pixels up, the ResNet's first layer has stride 2 and the Inception network pools after its stem,
    as their ImageNet versions do, so that the costly full-resolution layers stay few.
    """
    return {
        "plain CNN": SmallCNN(CNNConfig(in_channels=in_channels, size=size, channels=(16, 32), classes=classes)),
        "VGG-style": VGG(VGGConfig(in_channels=in_channels, size=size, stages=(16, 32, 64), convs_per_stage=2,
                                   classes=classes)),
        "ResNet": ResNet(ResNetConfig(in_channels=in_channels, size=size, widths=(16, 32, 64), blocks=(1, 1, 1),
                                      stem_stride=2 if size >= 32 else 1, classes=classes)),
        "Inception": InceptionNet(InceptionConfig(in_channels=in_channels, size=size, classes=classes)),
    }


def shapes_split(settings: dict, size: int = 32) -> ImageSplit:
    """Single coloured shapes (circle, square, triangle) as an ImageSplit; held-out scenes use another seed.

    The shapes are drawn 6 to 10 pixels in radius at 32 x 32 (larger than ``single_shapes``'s default), big enough
    that a triangle's corners and a square's survive the few pixels they span.
    """
    layout = dict(size=size, min_radius=0.19 * size, max_radius=0.31 * size)
    train, y_train = single_shapes(settings["shapes_train"], seed=0, **layout)
    test, y_test = single_shapes(settings["shapes_test"], seed=1, **layout)
    return ImageSplit(train.images, y_train, test.images, y_test, list(SHAPES))


def figures() -> dict:
    """Held-out accuracy, parameters and seconds of every model, sized by the profile."""
    s = classification_settings()
    out: dict = {"profile": runtime.profile()}
    try:
        out["load_average_1min"] = round(os.getloadavg()[0], 2)
    except OSError:
        pass

    digits = load_digits(s["digit_size"])
    out["majority_accuracy"] = round(digits.y_test.bincount().max().item() / len(digits.y_test), 4)
    features = {"pixels": (digits.x_train.flatten(1), digits.x_test.flatten(1)),
                "HOG": (hog(digits.x_train), hog(digits.x_test))}
    for feature_name, (f_train, f_test) in features.items():
        for name, clf in classical_models(s).items():
            r = fit_classical(clf, f_train.numpy(), digits.y_train, f_test.numpy(), digits.y_test)
            out[f"digits {name} on {feature_name}"] = {"accuracy": round(r.test_accuracy, 4),
                                                        "seconds": round(r.seconds, 2)}
    runtime.seed_everything(0)
    for name, model in networks(1, s["digit_size"]).items():
        r = train_classifier(model, digits, steps=s["steps"], batch=s["batch"], lr=s["lr"], augment=True,
                             progress=False)
        out[f"digits {name}"] = {"accuracy": round(r.test_accuracy, 4), "params": r.params,
                                 "seconds": round(r.seconds, 2), "seconds_per_epoch": round(r.seconds_per_epoch, 3)}

    shapes = shapes_split(s)
    r = fit_classical(classical_models(s)["SVM (RBF kernel)"], hog(shapes.x_train, cell=8).numpy(), shapes.y_train,
                      hog(shapes.x_test, cell=8).numpy(), shapes.y_test)
    out["shapes SVM on HOG"] = {"accuracy": round(r.test_accuracy, 4), "seconds": round(r.seconds, 2)}
    runtime.seed_everything(0)
    model = networks(3, 32, 3)["ResNet"]
    r = train_classifier(model, shapes, steps=s["shapes_steps"], batch=s["batch"], lr=s["lr"], progress=False)
    out["shapes ResNet"] = {"accuracy": round(r.test_accuracy, 4), "params": r.params, "seconds": round(r.seconds, 2)}
    return out

