"""Write a clip to an MP4 file with FFmpeg (the binary that the imageio-ffmpeg wheel ships).

    write_mp4("clip.mp4", video, fps=8)       # video (T, C, H, W) or (T, H, W) in [0, 1]
"""
from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg
import numpy as np
import torch


def write_mp4(path: str | Path, video: torch.Tensor, *, fps: int = 8, scale: int = 4) -> Path:
    """Encode ``video`` as H.264 MP4, each pixel enlarged ``scale`` times (FFmpeg wants sizes divisible by 16)."""
    frames = torch.as_tensor(video).float().clamp(0, 1)
    if frames.dim() == 3:
        frames = frames[:, None]
    frames = frames.expand(-1, 3, -1, -1) if frames.shape[1] == 1 else frames
    frames = frames.repeat_interleave(scale, dim=2).repeat_interleave(scale, dim=3)
    array = (frames.permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8)   # (T, H, W, 3)
    path = Path(path)
    writer = imageio_ffmpeg.write_frames(str(path), (array.shape[2], array.shape[1]), fps=fps, macro_block_size=16)
    writer.send(None)                                           # start the FFmpeg process
    for frame in array:
        writer.send(np.ascontiguousarray(frame))
    writer.close()
    return path
