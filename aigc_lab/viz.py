"""Things to look at: loss curves, image grids, audio players and animations.

Each function returns an object that JupyterLab displays inline (a matplotlib
Figure, an ``IPython.display.Audio`` or ``HTML``), so a notebook cell can end
with it.  Animations are self-contained HTML/JavaScript with the frames inlined:
no CDN, no ffmpeg, they play offline.
"""
from __future__ import annotations

import math
import re

import matplotlib
import matplotlib.figure

matplotlib.rcParams["animation.embed_limit"] = 64  # MB of inlined frames allowed per animation
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from matplotlib import animation as mpl_animation  # noqa: E402


def _numpy(x) -> np.ndarray:
    if torch.is_tensor(x):
        return x.detach().float().cpu().numpy()
    return np.asarray(x)


def loss_curve(*histories, labels=None, title: str = "training loss", logy: bool = False, baseline: float | None = None,
               baseline_label: str = "baseline"):
    """Plot the train loss (and every numeric eval metric) of one or more ``fit`` histories."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    labels = labels or [None] * len(histories)
    for history, label in zip(histories, labels):
        prefix = f"{label} " if label else ""
        ax.plot(history.steps, history.train_loss, label=f"{prefix}train")
        for key in sorted({k for e in history.evals for k in e if k != "step"}):
            points = [(e["step"], e[key]) for e in history.evals if key in e]
            ax.plot(*zip(*points), marker="o", label=f"{prefix}{key}")
    if baseline is not None:
        ax.axhline(baseline, color="gray", linestyle="--", label=baseline_label)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    if logy:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    plt.close(fig)  # returned, not shown twice
    return fig


def image_grid(images, *, nrow: int | None = None, titles=None, cmap: str = "gray", size: float = 1.2,
               title: str | None = None):
    """A grid of images from a (N, H, W), (N, 1, H, W) or (N, 3, H, W) tensor/array or a list of them."""
    images = [_numpy(im) for im in images]
    n = len(images)
    nrow = nrow or min(n, 8)
    ncol_rows = math.ceil(n / nrow)
    fig, axes = plt.subplots(ncol_rows, nrow, figsize=(size * nrow, size * ncol_rows + (0.3 if title else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        im = images[i]
        if im.ndim == 3 and im.shape[0] in (1, 3):   # (C, H, W) -> (H, W, C)
            im = np.moveaxis(im, 0, -1)
        if im.ndim == 3 and im.shape[-1] == 1:
            im = im[..., 0]
        ax.imshow(np.clip(im, 0, 1) if im.ndim == 3 else im, cmap=None if im.ndim == 3 else cmap)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


def audio(wave, sample_rate: int):
    """An inline audio player for a 1-D waveform (tensor or array, values in [-1, 1])."""
    from IPython.display import Audio

    return Audio(_numpy(wave).reshape(-1), rate=sample_rate, normalize=True)


def animation(*videos, interval_ms: int = 120, titles=None, cmap: str = "gray", size: float = 2.5):
    """An offline HTML/JS animation of one or more videos shown side by side.

    Each video is a (T, H, W) or (T, C, H, W) tensor/array with values in [0, 1],
    e.g. ``animation(predicted, truth, titles=["predicted", "true"])``.
    """
    videos = [_numpy(v) for v in videos]
    fig, axes = plt.subplots(1, len(videos), figsize=(size * len(videos), size), squeeze=False)
    artists = []
    for k, (ax, video) in enumerate(zip(axes[0], videos)):
        ax.axis("off")
        if titles:
            ax.set_title(titles[k], fontsize=9)
        artists.append(ax.imshow(_frame(video[0]), cmap=cmap, vmin=0, vmax=1))

    def draw(t):
        for artist, video in zip(artists, videos):
            artist.set_data(_frame(video[min(t, len(video) - 1)]))
        return artists

    length = max(len(v) for v in videos)
    anim = mpl_animation.FuncAnimation(fig, draw, frames=length, interval=interval_ms, blit=True)
    return play(anim)


def play(anim: mpl_animation.Animation, *, default_mode: str = "loop"):
    """Any matplotlib animation as offline HTML/JS: frames inlined, player buttons with no CDN."""
    from IPython.display import HTML

    html = _offline_controls(anim.to_jshtml(default_mode=default_mode))
    plt.close(anim._fig)
    return HTML(html)


# matplotlib's player draws its buttons with Font Awesome icons loaded from a CDN;
# plain Unicode symbols keep the page fully offline.
_BUTTON_SYMBOLS = {"fa fa-minus": "&minus;", "fa fa-plus": "+", "fa fa-fast-backward": "&#x23EE;",
                   "fa fa-step-backward": "&#x23EA;", "fa fa-play fa-flip-horizontal": "&#x25C0;",
                   "fa fa-pause": "&#x23F8;", "fa fa-play": "&#x25B6;", "fa fa-step-forward": "&#x23E9;",
                   "fa fa-fast-forward": "&#x23ED;"}


def _offline_controls(html: str) -> str:
    html = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">', "", html)
    return re.sub(r'<i class="([^"]+)"></i>', lambda m: _BUTTON_SYMBOLS.get(m.group(1), m.group(0)), html)


def _frame(im: np.ndarray) -> np.ndarray:
    if im.ndim == 3 and im.shape[0] in (1, 3):
        im = np.moveaxis(im, 0, -1)
    if im.ndim == 3 and im.shape[-1] == 1:
        im = im[..., 0]
    return np.clip(im, 0, 1)


def panel(render, *, button: str | None = None, **controls):
    """An interactive panel: ipywidgets controls whose values feed ``render(**values)``.

    ``render`` returns a matplotlib Figure (shown as an image) or a string (shown
    as preformatted text).  The view updates when a control changes, or only on a
    click when ``button`` names a button (for slow renders such as sampling text).
    The view is a plain widget (Image or HTML), so tests can drive a control and
    read the new value without a browser::

        box = viz.panel(lambda w: plot_line(w), w=widgets.FloatSlider(value=1.0, min=-3, max=3))
    """
    import io

    import ipywidgets as widgets

    image, text = widgets.Image(format="png"), widgets.HTML()
    view = widgets.Box([])

    def update(_=None):
        result = render(**{name: control.value for name, control in controls.items()})
        if isinstance(result, matplotlib.figure.Figure):
            buffer = io.BytesIO()
            result.savefig(buffer, format="png", dpi=80)
            plt.close(result)
            image.value = buffer.getvalue()
            view.children = [image]
        else:
            from html import escape

            text.value = f"<pre style='white-space: pre-wrap'>{escape(str(result))}</pre>"
            view.children = [text]

    children = list(controls.values())
    if button:
        run = widgets.Button(description=button)
        run.on_click(update)
        children.append(run)
    else:
        for control in controls.values():
            control.observe(update, names="value")
    update()
    return widgets.VBox(children + [view])
