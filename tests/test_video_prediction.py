"""The ConvLSTM of notebooks/05_video/02_prediction: parity with nn.LSTM, shapes, baselines, a tiny run that learns."""
from __future__ import annotations

import pytest
import torch

from aigc_lab import train
from aigc_lab.data.video import moving_digits
from aigc_lab.video.convlstm import (ConvLSTMCell, ConvLSTMConfig, ConvLSTMPredictor, centroids, copy_last_frame,
                                     error_by_horizon, predict_frames)

pytestmark = pytest.mark.usefixtures("one_thread")         # tiny models: one thread, no fight over the cores


def test_a_1x1_convlstm_on_a_1x1_map_is_nn_lstm():
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 5, batch_first=True)
    cell = ConvLSTMCell(3, 5, kernel=1).load_lstm(lstm)
    x = torch.randn(2, 7, 3, requires_grad=True)
    expected, (h_n, c_n) = lstm(x)
    state, outputs = None, []
    for t in range(7):
        state = cell(x[:, t, :, None, None], state)              # (B, 3, 1, 1): a one-pixel "frame"
        outputs.append(state[0][:, :, 0, 0])
    mine = torch.stack(outputs, dim=1)
    assert torch.allclose(mine, expected, atol=1e-6)
    assert torch.allclose(state[1][:, :, 0, 0], c_n[0], atol=1e-6)
    # gradients agree too
    grad_mine, = torch.autograd.grad(mine.sum(), x)
    grad_lstm, = torch.autograd.grad(expected.sum(), x)
    assert torch.allclose(grad_mine, grad_lstm, atol=1e-6)


def test_the_cell_matches_nn_lstmcell_at_every_pixel_of_a_map():
    """With a 1x1 kernel each pixel is an independent LSTM: the map equals nn.LSTMCell run per pixel."""
    torch.manual_seed(1)
    lstm_cell = torch.nn.LSTMCell(4, 6)
    cell = ConvLSTMCell(4, 6, kernel=1).load_lstm(lstm_cell)
    x, h, c = torch.randn(2, 4, 3, 3), torch.randn(2, 6, 3, 3), torch.randn(2, 6, 3, 3)
    h1, c1 = cell(x, (h, c))
    flat = lambda t: t.permute(0, 2, 3, 1).reshape(-1, t.shape[1])     # (B*H*W, channels)
    h_ref, c_ref = lstm_cell(flat(x), (flat(h), flat(c)))
    assert torch.allclose(flat(h1), h_ref, atol=1e-6) and torch.allclose(flat(c1), c_ref, atol=1e-6)


def test_shapes_and_rollout():
    model = ConvLSTMPredictor(ConvLSTMConfig(features=4, hidden=6, kernel=3, context=3))
    videos = torch.rand(2, 6, 1, 32, 32)
    assert model(videos).shape == (2, 5, 1, 32, 32)
    future = predict_frames(model, videos[:, :3], 4)
    assert future.shape == (2, 4, 1, 32, 32) and 0 <= float(future.min()) and float(future.max()) <= 1
    assert copy_last_frame(videos[:, :3], 4).shape == (2, 4, 1, 32, 32)
    assert torch.equal(copy_last_frame(videos[:, :3], 2)[:, 1], videos[:, 2])
    assert error_by_horizon(future, videos[:, 2:]).shape == (4,)


def test_closed_loop_uses_the_models_own_predictions_after_the_context():
    """Frames after the context must not influence the logits: the model feeds itself its guesses."""
    model = ConvLSTMPredictor(ConvLSTMConfig(features=4, hidden=6, context=3)).eval()
    videos = torch.rand(1, 6, 1, 32, 32)
    changed = videos.clone()
    changed[:, 3:] = 0
    assert torch.allclose(model(videos), model(changed))
    # and the forward pass agrees with the sampler on the future frames
    assert torch.allclose(torch.sigmoid(model(videos)[:, 2:]), predict_frames(model, videos[:, :3], 3), atol=1e-6)


def test_centroids_find_a_known_square_and_match_the_generators_positions():
    frame = torch.zeros(1, 1, 16, 16)
    frame[0, 0, 4:8, 10:14] = 1                                   # x in [10, 14), y in [4, 8)
    assert torch.allclose(centroids(frame), torch.tensor([[12.0, 6.0]]))
    clips = moving_digits(20, frames=4, seed=3)
    error = (centroids(clips.videos) - clips.positions[:, :, 0]).norm(dim=-1)
    assert float(error.mean()) < 2.0                               # a digit's ink sits near its box's centre


def test_a_tiny_run_learns_to_beat_its_start():
    torch.manual_seed(0)
    clips = moving_digits(64, frames=6, seed=0)
    model = ConvLSTMPredictor(ConvLSTMConfig(features=8, hidden=8, kernel=3, context=3))
    generator = torch.Generator().manual_seed(0)

    def batch():
        return clips.videos[torch.randint(0, 64, (8,), generator=generator)]

    history = train.fit(model, batch, steps=40, lr=3e-3, log_every=5, progress=False)
    assert history.train_loss[-1] < 0.6 * history.train_loss[0]


def test_bad_input_fails_clearly():
    with pytest.raises(ValueError, match="odd"):
        ConvLSTMCell(1, 4, kernel=2)
    with pytest.raises(ValueError, match="1x1 kernel"):
        ConvLSTMCell(3, 5, kernel=3).load_lstm(torch.nn.LSTM(3, 5))
    model = ConvLSTMPredictor(ConvLSTMConfig(features=4, hidden=4))
    with pytest.raises(ValueError, match="expected videos"):
        model(torch.rand(2, 5, 3, 32, 32))
    with pytest.raises(ValueError, match="horizon"):
        predict_frames(model, torch.rand(1, 2, 1, 32, 32), 0)


def test_the_video_benchmark_aggregates_its_parts():
    import importlib

    from aigc_lab.benchmarks import video
    from aigc_lab.settings import Settings

    for module in video.PARTS.values():
        part = importlib.import_module(f"aigc_lab.benchmarks.{module}")
        recipe = importlib.import_module(f"aigc_lab.video.{module.removeprefix('video_')}_recipe")
        assert callable(part.figures) and isinstance(recipe.settings(), Settings)
