"""Pictures of explanations: words coloured by attribution, heat-maps over images, curves and score charts.

    highlight(tokens, {"IG": ig, "LIME": lime}, evidence=mask)     # an HTML table, one row per method
    overlay_grid(images, {"IG": maps_ig, ...}, evidence=masks)      # images x methods, the evidence outlined
    curve_plot(ax, {"IG": curve, "random": random_curve}, "deletion")
    score_bars(reports, ["pointing_game", "precision_at_k"], baseline="random_baseline")

Text colours: green pushes towards the explained class, red against it, and the
strength is the attribution divided by the row's largest absolute value.  True
evidence words are underlined; an outline marks the explainer's top-k words.
"""
from __future__ import annotations

import html

import matplotlib.pyplot as plt
import numpy as np
import torch

from .scoring import top_k


def _cell(token: str, value: float, scale: float, evidence: bool, top: bool) -> str:
    strength = 0.0 if scale == 0 else min(1.0, abs(value) / scale)
    rgb = "40, 160, 60" if value >= 0 else "220, 50, 40"
    style = f"background: rgba({rgb}, {strength:.2f}); padding: 1px 3px; margin: 1px; border-radius: 3px;"
    if evidence:
        style += " text-decoration: underline; text-decoration-thickness: 2px;"
    if top:
        style += " outline: 1px solid #333;"
    return f'<span style="{style}" title="{value:+.3f}">{html.escape(token)}</span>'


def highlight(tokens, maps: dict[str, torch.Tensor], *, evidence: torch.Tensor | None = None, title: str = ""):
    """An HTML table: each method's attribution as colours over the words (IPython ``HTML``, shown by the notebook)."""
    from IPython.display import HTML

    k = int(evidence.sum()) if evidence is not None else 0
    rows = []
    for name, attribution in maps.items():
        values = attribution.detach().float().reshape(-1)
        scale = float(values.abs().max())
        top = set(top_k(values.abs(), k).tolist()) if k else set()
        cells = " ".join(_cell(t, float(v), scale, bool(evidence[i]) if evidence is not None else False, i in top)
                         for i, (t, v) in enumerate(zip(tokens, values)))
        name_style = "text-align:right; padding-right:8px; white-space:nowrap;"
        name_cell = f'<td style="{name_style}"><b>{html.escape(name)}</b></td>'
        rows.append(f'<tr>{name_cell}<td style="text-align:left; line-height:1.9;">{cells}</td></tr>')
    caption = f"<caption style='text-align:left'>{html.escape(title)}</caption>" if title else ""
    legend = ("<div style='font-size:85%'>green: towards the explained class, red: against it; "
              "<u>underlined</u>: true evidence; outlined: the method's top-k words "
              "(k = number of evidence words)</div>")
    return HTML(f"<table>{caption}{''.join(rows)}</table>{legend if evidence is not None else ''}")


def overlay(ax, image: torch.Tensor, attribution: torch.Tensor | None = None, *, evidence: torch.Tensor | None = None,
            title: str = "", alpha: float = 0.6) -> None:
    """An image (3, H, W) with |attribution| (H, W) as a heat-map on top and the evidence mask outlined in white."""
    ax.imshow(image.permute(1, 2, 0).clamp(0, 1).numpy(), interpolation="nearest")
    if attribution is not None:
        heat = attribution.detach().abs().float()
        heat = heat / heat.max().clamp(min=1e-12)
        ax.imshow(heat.numpy(), cmap="inferno", alpha=alpha, vmin=0, vmax=1, interpolation="nearest")
    if evidence is not None:
        ax.contour(evidence.float().numpy(), levels=[0.5], colors="white", linewidths=0.8)
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])


def overlay_grid(images: torch.Tensor, maps: dict[str, list[torch.Tensor]], *, evidence: torch.Tensor | None = None,
                 size: float = 1.5, row_titles=None):
    """One row per image: the image with its evidence outlined, then each method's map over it."""
    n, cols = len(images), 1 + len(maps)
    fig, axes = plt.subplots(n, cols, figsize=(size * cols, size * n), squeeze=False)
    for i in range(n):
        mask = evidence[i] if evidence is not None else None
        title = row_titles[i] if row_titles else ("input" if i == 0 else "")
        overlay(axes[i, 0], images[i], evidence=mask, title=title)
        for j, (name, per_image) in enumerate(maps.items(), start=1):
            overlay(axes[i, j], images[i], per_image[i], evidence=mask, title=name if i == 0 else "")
    fig.tight_layout()
    return fig


def curve_plot(ax, curves: dict[str, torch.Tensor], kind: str) -> None:
    """Deletion or insertion curves (probability of the explained class against the fraction of features changed)."""
    for name, curve in curves.items():
        curve = torch.as_tensor(curve).float()
        x = np.linspace(0, 1, len(curve))
        style = dict(color="gray", linestyle="--") if name.startswith("random") else {}
        ax.plot(x, curve.numpy(), label=name, **style)
    ax.set_xlabel(f"fraction of features {'removed' if kind == 'deletion' else 'inserted'}, most important first")
    ax.set_ylabel("probability of the explained class")
    ax.set_title(f"{kind}: {'lower' if kind == 'deletion' else 'higher'} area is better", fontsize=9)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7)


def score_bars(reports, fields: list[str], *, baseline: str | dict | None = None, title: str = "", ax=None):
    """Grouped bars: one group per method, one bar per field; a dashed line (or one per field) for the baseline."""
    names = [r.method for r in reports]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 + 1.1 * len(names), 2.8))
    width = 0.8 / len(fields)
    for j, field in enumerate(fields):
        ax.bar(np.arange(len(names)) + j * width - 0.4 + width / 2, [getattr(r, field) for r in reports], width,
               label=field.replace("_", " "))
    if isinstance(baseline, str):
        ax.axhline(getattr(reports[0], baseline), color="gray", linestyle="--", label=baseline.replace("_", " "))
    elif isinstance(baseline, dict):
        for label, value in baseline.items():
            ax.axhline(value, color="gray", linestyle="--", label=label)
    ax.set_xticks(np.arange(len(names)), names, rotation=20, fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    return ax
