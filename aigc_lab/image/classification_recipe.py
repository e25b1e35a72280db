"""The recipe of notebooks/03_image/01_classification: its sizes per profile, its classical models and networks.

Scikit-learn's digits upscaled to 16 x 16, classified by an SVM, a random forest and gradient boosting
on pixels and on HOG features, and by four networks trained with ``aigc_lab.train.fit`` (a plain CNN,
a VGG-style stack, a ResNet with basic blocks, an Inception-style network); then a colour task, three
kinds of shape on varied backgrounds.  The notebook and the ``image`` benchmark both use these.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch.nn as nn

from .. import runtime
from ..data.image import ImageSplit
from ..data.shapes import SHAPES, single_shapes
from ..settings import Settings
from .cnn import CNNConfig, SmallCNN
from .inception import InceptionConfig, InceptionNet
from .resnet import ResNet, ResNetConfig
from .vgg import VGG, VGGConfig


@dataclass
class ClassificationSettings(Settings):
    digit_size: int          # side of the upscaled digits, pixels
    batch: int               # images per step
    steps: int               # optimiser steps per network
    lr: float
    trees: int               # random forest
    boosting_rounds: int     # gradient boosting: trees per class
    deep_blocks: int         # plain vs residual: blocks per stage
    deep_steps: int
    deep_batch: int
    shapes_train: int        # single-shape images for training
    shapes_test: int
    shapes_steps: int


def classification_settings() -> ClassificationSettings:
    """The per-profile sizes the notebook and the benchmark share."""
    return ClassificationSettings(
        digit_size=16,      # the digits are 8 x 8 at heart: larger copies add cost, not information
        batch=runtime.pick(smoke=32, cpu=64, gpu=128),
        steps=runtime.pick(smoke=50, cpu=1000, gpu=2000),
        lr=3e-3,
        trees=runtime.pick(smoke=30, cpu=200, gpu=200),
        boosting_rounds=runtime.pick(smoke=4, cpu=60, gpu=60),
        deep_blocks=runtime.pick(smoke=3, cpu=5, gpu=9),           # ResNet-20, -32, -56
        deep_steps=runtime.pick(smoke=30, cpu=300, gpu=600),
        deep_batch=32,
        shapes_train=runtime.pick(smoke=400, cpu=2000, gpu=4000),
        shapes_test=runtime.pick(smoke=150, cpu=500, gpu=1000),
        shapes_steps=runtime.pick(smoke=100, cpu=600, gpu=1500),
    )


def classical_models(settings: ClassificationSettings) -> dict:
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


def shapes_split(settings: ClassificationSettings, size: int = 32) -> ImageSplit:
    """Single coloured shapes (circle, square, triangle) as an ImageSplit; held-out scenes use another seed.

    The shapes are drawn 6 to 10 pixels in radius at 32 x 32 (larger than ``single_shapes``'s default), big enough
    that a triangle's corners and a square's survive the few pixels they span.
    """
    layout = dict(size=size, min_radius=0.19 * size, max_radius=0.31 * size)
    train, y_train = single_shapes(settings["shapes_train"], seed=0, **layout)
    test, y_test = single_shapes(settings["shapes_test"], seed=1, **layout)
    return ImageSplit(train.images, y_train, test.images, y_test, list(SHAPES))
