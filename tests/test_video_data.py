"""Generated video: deterministic clips whose recorded positions and motions match what is drawn."""
import pytest
import torch

from aigc_lab.data import video as V


def _centroid(frame: torch.Tensor, background: torch.Tensor) -> torch.Tensor:
    """(x, y) centre of the pixels that differ from the clip's background estimate."""
    changed = (frame - background).abs().sum(0) > 0.3
    ys, xs = torch.nonzero(changed, as_tuple=True)
    return torch.stack([xs.float().mean() + 0.5, ys.float().mean() + 0.5])


def test_clips_are_deterministic_per_index_and_shaped():
    a, b = V.moving_shapes(4, frames=6, seed=1), V.moving_shapes(9, frames=6, seed=1)
    assert torch.equal(a.videos, b.videos[:4]) and a.captions == b.captions[:4]
    assert a.videos.shape == (4, 6, 3, 32, 32) and a.positions.shape == (4, 6, 1, 2) and a.content.shape == (4, 1)
    assert 0 <= float(a.videos.min()) and float(a.videos.max()) <= 1


def test_sliding_shapes_move_the_way_their_label_says():
    clips = V.moving_shapes(60, frames=6, seed=2, motions=("left", "right", "up", "down"), plain_background=True)
    plain = torch.full((3, 32, 32), 0.08)
    for video, motion, positions in zip(clips.videos, clips.motions, clips.positions):
        start, end = _centroid(video[0], plain), _centroid(video[-1], plain)
        dx, dy = (end - start).tolist()
        expected = {"left": dx < -2, "right": dx > 2, "up": dy < -2, "down": dy > 2}[V.MOTIONS[motion]]
        assert expected, (V.MOTIONS[motion], dx, dy)
        assert torch.allclose(start, positions[0, 0], atol=1.0)   # recorded centres match the drawing


def test_spinning_shapes_stay_put_and_frames_differ():
    clips = V.moving_shapes(30, frames=5, seed=3, motions=("clockwise", "anticlockwise"))
    assert torch.all(clips.positions[:, 0] == clips.positions[:, -1])
    assert bool((V.frame_difference(clips.videos) > 0).all())
    assert set(clips.content.flatten().tolist()) <= {1, 2}           # never a circle: it would look still


def test_moving_digits_stay_in_the_frame_and_use_the_requested_split():
    clips = V.moving_digits(12, frames=12, size=32, digits=2, seed=4, split="test")
    assert clips.videos.shape == (12, 12, 1, 32, 32) and clips.positions.shape == (12, 12, 2, 2)
    assert float(clips.positions.min()) >= 6 and float(clips.positions.max()) <= 26   # centres of 12-px sprites
    assert all(c.endswith("bouncing") for c in clips.captions)
    assert not torch.equal(clips.videos, V.moving_digits(12, frames=12, digits=2, seed=4, split="train").videos)


def test_pairs_and_domains():
    edges, images = V.paired_shapes(6, seed=5)
    assert edges.shape == (6, 1, 32, 32) and images.shape == (6, 3, 32, 32)
    assert set(edges.unique().tolist()) == {0.0, 1.0}
    # every outline pixel lies on a coloured shape in the target
    on_shape = (images - 0.08).abs().sum(1) > 0.1
    assert bool(on_shape[edges[:, 0] > 0].all())
    flat, outline = V.unpaired_shapes(6, seed=5)
    assert flat.shape == outline.shape == (6, 3, 32, 32) and not torch.equal(flat, outline)


def test_bad_arguments_fail_clearly():
    with pytest.raises(ValueError, match="motions"):
        V.moving_shapes(2, motions=("sideways",))
    with pytest.raises(ValueError, match="split"):
        V.moving_digits(2, split="validation")
