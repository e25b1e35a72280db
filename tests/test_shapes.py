"""Shapes scenes: deterministic, self-consistent labels (masks, boxes, captions), and the bundled photographs."""
import math

import numpy as np
import pytest
import torch

from aigc_lab.data import shapes as S
from aigc_lab.data.image import NATURAL_IMAGES, augment, natural_image


def test_scene_i_is_the_same_whatever_n_and_seeds_differ():
    a, b = S.shapes_scenes(5, seed=3), S.shapes_scenes(20, seed=3)
    assert torch.equal(a.images, b.images[:5]) and a.captions == b.captions[:5]
    c = S.shapes_scenes(5, seed=4)
    assert not torch.equal(a.images, c.images)
    tail = S.shapes_scenes(3, seed=3, start=2)
    assert torch.equal(tail.images, b.images[2:5])


def test_masks_boxes_and_labels_agree():
    scenes = S.shapes_scenes(40, size=32, seed=1)
    assert scenes.images.shape == (40, 3, 32, 32) and scenes.masks.shape == (40, 32, 32)
    assert 0 <= float(scenes.images.min()) and float(scenes.images.max()) <= 1
    for mask, boxes, labels in zip(scenes.masks, scenes.boxes, scenes.labels):
        assert len(boxes) == len(labels) >= 1
        for (x0, y0, x1, y1), label in zip(boxes.long().tolist(), labels.tolist()):
            inside = mask[y0:y1, x0:x1]
            # the box is tight: the object's class fills its border rows and columns somewhere
            assert (inside == label + 1).any(0).all() or (inside == label + 1).any(1).all()
            assert (inside == label + 1).sum() > 0.3 * (x1 - x0) * (y1 - y0)
        assert set(mask.unique().tolist()) <= {0} | {l + 1 for l in labels.tolist()}


def test_shape_masks_have_the_expected_areas():
    size = 64
    for kind, area in ((0, math.pi * 10 ** 2), (1, (2 * 10 / math.sqrt(2) * 1.15) ** 2),
                       (2, 3 * math.sqrt(3) / 4 * 10 ** 2)):
        mask = S.shape_mask(S.Shape(kind=kind, colour=0, cx=32, cy=32, radius=10), size)
        assert int(mask.sum()) == pytest.approx(area, rel=0.06)


def test_captions_name_colours_shapes_and_relations():
    left = S.Shape(kind=0, colour=0, cx=5, cy=10, radius=3)
    right = S.Shape(kind=1, colour=2, cx=20, cy=12, radius=3)
    below = S.Shape(kind=2, colour=3, cx=20, cy=28, radius=3)
    assert S.caption([left, right]) == "a red circle left of a blue square"
    assert S.caption([below, right]) == "a yellow triangle below a blue square"
    assert S.caption([right]) == "a blue square"
    assert S.caption([left, right, below]).endswith("and a yellow triangle")


def test_objects_never_overlap_and_outline_style_keeps_masks():
    flat = S.shapes_scenes(30, seed=2, max_objects=3)
    outline = S.shapes_scenes(30, seed=2, max_objects=3, style="outline")
    assert torch.equal(flat.masks, outline.masks) and flat.captions == outline.captions
    assert not torch.equal(flat.images, outline.images)
    for objects in flat.objects:
        for i, a in enumerate(objects):
            for b in objects[i + 1:]:
                assert math.hypot(a.cx - b.cx, a.cy - b.cy) > a.radius + b.radius


def test_bad_arguments_fail_clearly():
    with pytest.raises(ValueError, match="min_objects"):
        S.shapes_scenes(3, min_objects=3, max_objects=2)
    with pytest.raises(ValueError, match="style"):
        S.render([], 16, style="sketch")
    with pytest.raises(ValueError, match="unknown image"):
        natural_image("eagle")


def test_single_shapes_labels_match_the_masks():
    scenes, labels = S.single_shapes(20, seed=5)
    assert labels.shape == (20,)
    for mask, label in zip(scenes.masks, labels):
        assert set(mask.unique().tolist()) == {0, int(label) + 1}


@pytest.mark.parametrize("name", NATURAL_IMAGES)
def test_bundled_photographs_load_offline(name):
    image = natural_image(name, size=24)
    assert image.shape == (3, 24, 24) and 0 <= float(image.min()) <= float(image.max()) <= 1
    assert float(image.std()) > 0.01


def test_augment_keeps_shape_range_and_identity_when_asked():
    x = torch.rand(6, 1, 16, 16)
    warped = augment(x, generator=torch.Generator().manual_seed(0))
    assert warped.shape == x.shape and float(warped.max()) <= 1.0 + 1e-6
    same = augment(x, max_shift=0, max_rotate_deg=0, scale=(1.0, 1.0))
    assert torch.allclose(same, x, atol=1e-5)
