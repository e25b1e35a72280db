"""The video classifiers of notebooks/05_video/01: shapes, the (2+1)D parameter formula, a tiny run that learns."""
from __future__ import annotations

import imageio_ffmpeg
import torch

from aigc_lab import runtime, train
from aigc_lab.data.video import MOTIONS, moving_shapes
from aigc_lab.video.conv3d import Conv2Plus1D, Conv2Plus1DNet, Conv3DConfig, conv2plus1d_params, mid_channels
from aigc_lab.video.frame_cnn import FrameAveragedCNN, FrameCNNConfig
from aigc_lab.video.mp4 import write_mp4


def test_both_classifiers_map_clips_to_logits():
    videos = torch.rand(2, 8, 3, 32, 32)
    assert FrameAveragedCNN(FrameCNNConfig(channels=4))(videos).shape == (2, len(MOTIONS))
    assert Conv2Plus1DNet(Conv3DConfig(channels=4))(videos).shape == (2, len(MOTIONS))
    assert Conv2Plus1DNet(Conv3DConfig(channels=4, in_channels=1, n_classes=3))(torch.rand(1, 6, 1, 16, 16)).shape == (1, 3)


def test_conv2plus1d_parameter_count_matches_the_formula():
    for c_in, c_out, k in ((3, 16, 3), (16, 32, 3), (8, 8, 5)):
        layer = Conv2Plus1D(c_in, c_out, k)
        assert runtime.count_params(layer) == conv2plus1d_params(c_in, c_out, k)
        full = torch.nn.Conv3d(c_in, c_out, k, bias=False)
        # Tran et al. choose mid so that (2+1)D has about (never more weights than) a full 3D conv
        assert conv2plus1d_params(c_in, c_out, k) - mid_channels(c_in, c_out, k) - c_out <= full.weight.numel()
    x = torch.rand(2, 3, 8, 16, 16)
    assert Conv2Plus1D(3, 5)(x).shape == (2, 5, 8, 16, 16)


def test_frame_average_cannot_tell_a_clip_from_its_reverse_but_conv3d_can():
    videos = torch.rand(2, 8, 3, 32, 32)
    frame, c3d = FrameAveragedCNN(FrameCNNConfig(channels=4)).eval(), Conv2Plus1DNet(Conv3DConfig(channels=4)).eval()
    assert torch.allclose(frame(videos), frame(videos.flip(1)), atol=1e-5)
    assert not torch.allclose(c3d(videos), c3d(videos.flip(1)), atol=1e-5)


def test_a_tiny_conv3d_run_learns_left_from_right():
    runtime.seed_everything(0)
    clips = moving_shapes(96, frames=8, size=32, seed=0, motions=("left", "right"), plain_background=True)
    model = Conv2Plus1DNet(Conv3DConfig(channels=6, n_classes=2))
    generator = torch.Generator().manual_seed(0)

    def batch():
        idx = torch.randint(0, 96, (16,), generator=generator)
        return clips.videos[idx], clips.motions[idx]          # 0 = left, 1 = right

    history = train.fit(model, batch, steps=40, lr=3e-3, log_every=1000, progress=False)
    assert history.final_loss < 0.6                           # well below chance (ln 2 = 0.69)


def test_write_mp4_writes_every_frame(tmp_path):
    path = write_mp4(tmp_path / "clip.mp4", torch.rand(5, 3, 32, 32), fps=5)
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    assert meta["size"] == (128, 128)
    assert sum(1 for _ in reader) == 5
