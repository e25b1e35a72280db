"""Histograms of oriented gradients (HOG): the hand-made image features of classical vision.

Dalal and Triggs (2005) describe an image by *which way its edges point*, region by
region, instead of by its raw pixels:

1. gradient at every pixel by central differences: g_row = I[r+1] - I[r-1], g_col = I[c+1] - I[c-1]
   (zero on the border); magnitude |g| = hypot(g_row, g_col), unsigned orientation
   theta = atan2(g_row, g_col) in degrees, mod 180;
2. cut the image into cells of ``cell`` x ``cell`` pixels; in each cell, a histogram of
   ``orientations`` equal bins over [0, 180), each pixel voting its magnitude into its bin,
   divided by the cell's area;
3. slide a window of ``block`` x ``block`` cells one cell at a time; normalise each
   window's histograms together (L2-Hys: divide by the L2 norm, clip at 0.2, divide again),
   so that a dim digit and a bright one give the same features;
4. concatenate every block's normalised histograms into one vector.

This file does all four for a whole batch at once with tensor operations, and matches
``skimage.feature.hog`` (tests/test_image_classification.py checks it):

    features = hog(images)        # (N, 1, 16, 16) -> (N, 324) with the defaults below
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def gradients(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Central differences along rows and columns, zero on the border: (N, C, H, W) -> two (N, C, H, W)."""
    g_row = torch.zeros_like(images)
    g_col = torch.zeros_like(images)
    g_row[..., 1:-1, :] = images[..., 2:, :] - images[..., :-2, :]
    g_col[..., :, 1:-1] = images[..., :, 2:] - images[..., :, :-2]
    return g_row, g_col


def strongest_channel(g_row: torch.Tensor, g_col: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For colour images, keep at each pixel the gradient of the channel where it is largest.

    (N, C, H, W) each -> (N, H, W) each; a grey image (C = 1) simply loses its channel axis.
    """
    pick = torch.hypot(g_row, g_col).argmax(dim=1, keepdim=True)            # (N, 1, H, W) channel index
    return g_row.gather(1, pick)[:, 0], g_col.gather(1, pick)[:, 0]


def cell_histograms(g_row: torch.Tensor, g_col: torch.Tensor, *, cell: int = 4, orientations: int = 9) -> torch.Tensor:
    """Orientation histograms per cell: gradients (N, H, W) -> (N, H // cell, W // cell, orientations)."""
    magnitude = torch.hypot(g_row, g_col)                                    # (N, H, W)
    theta = torch.rad2deg(torch.atan2(g_row, g_col)) % 180                   # (N, H, W) in [0, 180)
    # bin i collects angles in [i * w, (i + 1) * w), w = 180 / orientations (edges in float32, as scikit-image)
    width = torch.tensor(180.0 / orientations, dtype=torch.float32)
    edges = (torch.arange(orientations + 1, dtype=torch.float32) * width).to(theta.dtype)   # (O + 1,)
    in_bin = (theta[:, None] >= edges[:-1, None, None]) & (theta[:, None] < edges[1:, None, None])  # (N, O, H, W)
    votes = in_bin.to(magnitude.dtype) * magnitude[:, None]                  # (N, O, H, W)
    histograms = F.avg_pool2d(votes, kernel_size=cell, stride=cell)          # (N, O, H/cell, W/cell): sum / area
    return histograms.permute(0, 2, 3, 1)                                    # (N, cells_r, cells_c, O)


def normalise_blocks(histograms: torch.Tensor, *, block: int = 2, eps: float = 1e-5) -> torch.Tensor:
    """L2-Hys over every ``block`` x ``block`` window of cells, stride one cell.

    (N, cells_r, cells_c, O) -> (N, blocks_r, blocks_c, block, block, O)
    """
    rows, cols = histograms.shape[1:3]
    if rows < block or cols < block:
        raise ValueError(f"{rows} x {cols} cells cannot hold a block of {block} x {block} cells; "
                         "use a bigger image, smaller cells or smaller blocks")
    windows = histograms.unfold(1, block, 1).unfold(2, block, 1)             # (N, br, bc, O, block, block)
    windows = windows.permute(0, 1, 2, 4, 5, 3)                              # (N, br, bc, block, block, O)
    out = windows / l2_norm(windows, eps)                                    # l2_norm: (N, br, bc, 1, 1, 1)
    out = out.clamp(max=0.2)                                                 # "Hys": no single edge dominates
    return out / l2_norm(out, eps)


def l2_norm(windows: torch.Tensor, eps: float) -> torch.Tensor:
    """Length of each block's histograms taken together, sqrt(sum v^2 + eps^2).

    (N, br, bc, block, block, O) -> (N, br, bc, 1, 1, 1)
    """
    return torch.sqrt((windows ** 2).sum(dim=(3, 4, 5), keepdim=True) + eps ** 2)


def hog(images: torch.Tensor, *, orientations: int = 9, cell: int = 4, block: int = 2) -> torch.Tensor:
    """HOG feature vectors of a batch: (N, C, H, W) or (N, H, W) -> (N, blocks_r * blocks_c * block^2 * orientations).

    Same numbers as ``skimage.feature.hog(image, orientations, pixels_per_cell=(cell, cell),
    cells_per_block=(block, block), block_norm="L2-Hys")`` (with ``channel_axis`` for colour).
    """
    if images.dim() == 3:
        images = images[:, None]
    if images.dim() != 4:
        raise ValueError(f"expected images (N, C, H, W) or (N, H, W), got shape {tuple(images.shape)}")
    images = images if images.is_floating_point() else images.float()
    g_row, g_col = gradients(images)                                         # (N, C, H, W) each
    g_row, g_col = strongest_channel(g_row, g_col)                           # (N, H, W) each
    histograms = cell_histograms(g_row, g_col, cell=cell, orientations=orientations)
    return normalise_blocks(histograms, block=block).flatten(1)

